package report

import (
	"errors"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// Collect turns build results, their verifications and their smoke runs
// into report rows, in plan order. outcomes and runs are indexed like
// results (runs may be nil); entries are ignored for jobs that did not
// build. A smoke run that fails is a violation: the binary does not start.
func Collect(results []build.Result, outcomes []verify.Outcome, runs []*smoke.Result) []Job {
	jobs := make([]Job, len(results))
	for i, res := range results {
		j := res.Job
		row := Job{
			ID: j.ID, Build: j.Build, Target: j.Target.String(), GOOS: j.Target.GOOS, GOARCH: j.Target.GOARCH,
			Level: j.Target.Level, Variant: j.Variant, Cgo: j.Cgo, Linkmode: j.Linkmode,
			Output: j.Output, Expect: j.Expect.Linkage, DurationSec: res.Duration.Seconds(),
			GOMAXPROCS: res.Threads, Needed: []string{}, Violations: []string{}, ThirdParty: []string{},
		}
		switch res.Status {
		case build.StatusOK:
			row.Status = StatusOK
			if i < len(outcomes) {
				fillOutcome(&row, outcomes[i])
			}
			if i < len(runs) && runs[i] != nil {
				row.Runs = runs[i]
				if runs[i].Status == smoke.StatusFailed && row.Status != StatusFailed {
					row.Violations = append(row.Violations, "does not start: "+runs[i].String())
					row.Status = StatusViolated
				}
			}
		case build.StatusFailed:
			row.Status = StatusFailed
		case build.StatusTimeout:
			row.Status = StatusTimeout
		case build.StatusCancelled:
			row.Status = StatusCancelled
		default:
			row.Status = StatusSkipped
		}
		if res.Err != nil {
			row.Error = res.Err.Error()
			var be *build.BuildError
			if errors.As(res.Err, &be) {
				row.LogTail = be.Tail
				row.LogFile = be.Log
			}
		}
		row.OK = row.Status == StatusOK
		jobs[i] = row
	}
	return jobs
}

func fillOutcome(row *Job, o verify.Outcome) {
	if o.Err != nil {
		row.Status = StatusFailed
		row.Error = o.Err.Error()
		return
	}
	info := o.Info
	if info == nil {
		return // nothing was inspected: a compile-only job of `portmatrix check`
	}
	row.Format = string(info.Format)
	row.Linkage = string(info.Linkage)
	row.LinkageRule = info.LinkageRule
	row.Interpreter = info.Interpreter
	row.Size = info.Size
	if info.Needed != nil {
		row.Needed = info.Needed
	}
	row.Libc = info.Libc
	row.MaxGlibc = info.MaxGlibc
	row.GlibcSymbols = info.GlibcSymbols
	row.SystemLibsOnly = info.SystemLibsOnly
	for _, l := range info.Libraries {
		if !l.System {
			row.ThirdParty = append(row.ThirdParty, l.Name)
		}
	}
	row.MinOS = info.MinOS
	row.Stripped = info.Stripped
	row.PIE = info.PIE
	row.SHA256 = info.SHA256
	for _, v := range o.Violations {
		row.Violations = append(row.Violations, v.Msg)
	}
	if len(row.Violations) > 0 {
		row.Status = StatusViolated
	}
}
