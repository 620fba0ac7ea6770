package check

import (
	"errors"
	"os"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// Outcome is what check knows of a row beyond the report.Job.
type Outcome struct {
	// Diag is the first error of a failed row (zero when it did not fail).
	Diag Diag
	// Failing is how many packages failed in the row's log.
	Failing int
	// Excluded says the build constraints exclude every file there.
	Excluded bool
	// Checked is how the row was answered (type-checked, compiled, or
	// compiled as the type checker's fallback).
	Checked Checked
}

// Diagnose reads the first error of every job that failed or timed out in
// the pool (jobs and results indexed alike) from the job's log, so the
// report can say one error per target instead of a log tail. modCache is
// GOMODCACHE, to shorten paths.
func Diagnose(jobs []Job, results []build.Result, modCache string) []Outcome {
	outs := make([]Outcome, len(jobs))
	for i, job := range jobs {
		res := results[i]
		if res.Status != build.StatusFailed && res.Status != build.StatusTimeout {
			continue
		}
		o := &outs[i]
		switch {
		case errors.Is(res.Err, ErrExcluded):
			o.Excluded, o.Diag = true, Diag{Msg: ErrExcluded.Error()}
		case job.Skip != nil:
			o.Diag = Diag{Msg: job.Skip.Error()}
		case res.Status == build.StatusTimeout:
			o.Diag = Diag{Msg: "timed out (--timeout)"}
		default:
			fallback := ""
			if res.Err != nil {
				fallback = res.Err.Error()
			}
			o.Diag, o.Failing = firstErrorOf(job, res, modCache, fallback)
		}
	}
	return outs
}

// Rows is what check tells report.Collect of each row: its package and,
// for a failed one, its first error.
func Rows(jobs []Job, outs []Outcome) []report.CheckRow {
	rows := make([]report.CheckRow, len(jobs))
	for i, j := range jobs {
		c := outs[i].Checked
		rows[i] = report.CheckRow{Package: j.Package, Error: outs[i].Diag.String(), Mode: string(c.Mode), Fallback: c.Fallback}
		if c.Fallback != "" {
			rows[i].Argv = j.CompileArgv
		}
	}
	return rows
}

// firstErrorOf reads the first error of a failed job from its log, else
// from the tail the runner kept, else takes the pool's message.
func firstErrorOf(job Job, res build.Result, modCache, fallback string) (Diag, int) {
	if data, err := os.ReadFile(job.Log); err == nil {
		if d, n, ok := FirstError(string(data), job.Dir, modCache); ok {
			return d, n
		}
	}
	var be *build.BuildError
	if errors.As(res.Err, &be) {
		if d, n, ok := FirstError(strings.Join(be.Tail, "\n"), job.Dir, modCache); ok {
			return d, n
		}
	}
	return Diag{Msg: fallback}, 0
}
