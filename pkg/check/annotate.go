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
}

// Annotate completes the rows report.Collect made from jobs and results
// (all three indexed alike): the package of every row, and for a failed row
// its first compiler error, read from the job's log, in place of the pool's
// message. The log tail is dropped from the rows (the error says what
// matters, the grouping says it once); Output and LogFile are kept only
// when keep says the binaries and logs outlive the run (--dist), and
// Output only for a binary that was built. modCache is GOMODCACHE, to
// shorten paths.
func Annotate(rows []report.Job, jobs []Job, results []build.Result, modCache string, keep bool) []Outcome {
	outs := make([]Outcome, len(rows))
	for i := range rows {
		row, job, res := &rows[i], jobs[i], results[i]
		row.Package = job.Package
		row.OK = row.Status == report.StatusOK
		if !keep {
			row.LogFile = ""
		}
		if !keep || res.Status != build.StatusOK {
			row.Output = ""
		}
		if row.Status != report.StatusFailed && row.Status != report.StatusTimeout {
			continue
		}
		o := &outs[i]
		switch {
		case errors.Is(res.Err, ErrExcluded):
			o.Excluded, o.Diag = true, Diag{Msg: ErrExcluded.Error()}
		case job.Skip != nil:
			o.Diag = Diag{Msg: job.Skip.Error()}
		case row.Status == report.StatusTimeout:
			o.Diag = Diag{Msg: "timed out (--timeout)"}
		default:
			o.Diag, o.Failing = firstErrorOf(job, res, modCache, row.Error)
		}
		row.Error = o.Diag.String()
		row.LogTail = nil
	}
	return outs
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
