package report

import (
	"errors"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// Collect turns build results and their verifications into report rows, in
// plan order. outcomes is indexed like results; an entry is ignored for
// jobs that did not build.
func Collect(results []build.Result, outcomes []verify.Outcome) []Job {
	jobs := make([]Job, len(results))
	for i, res := range results {
		j := res.Job
		row := Job{
			ID: j.ID, Build: j.Build, Target: j.Target.String(), GOOS: j.Target.GOOS, GOARCH: j.Target.GOARCH,
			Level: j.Target.Level, Variant: j.Variant, Cgo: j.Cgo, Linkmode: j.Linkmode,
			Output: j.Output, Expect: j.Expect.Linkage, DurationSec: res.Duration.Seconds(),
			Needed: []string{}, Violations: []string{}, ThirdParty: []string{},
		}
		switch res.Status {
		case build.StatusOK:
			row.Status = StatusOK
			if i < len(outcomes) {
				fillOutcome(&row, outcomes[i])
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
