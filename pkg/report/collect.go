package report

import (
	"errors"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/incremental"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// Stages is what every stage of a run found, per job. Results has one
// entry per job, in plan order; every other slice is indexed like it, and
// may be nil (or shorter) when its stage did not run. An entry of a stage
// is ignored for a job that did not build.
type Stages struct {
	// Results is how each job ended in the build pool (or, for a job that
	// was not built, the result the incremental stage made for it).
	Results []build.Result
	// Outcomes is the inspection and verification of each built binary.
	Outcomes []verify.Outcome
	// Sources says where each binary came from: built, unchanged
	// (Job.Cached) or restored from the output cache (Job.Restored).
	Sources []incremental.Source
	// Runs is the smoke run of each binary (an empty Status: not run).
	Runs []smoke.Result
	// Repro is the reproducibility check of each job (an empty Verdict: not
	// checked).
	Repro []repro.Result
	// Files is what each job ships (Job.File, Job.Archive, Job.SBOMs).
	Files []release.Files
	// Facts is what each job's C toolchain is (CToolchain.Facts); nil
	// for a job without one, or when the release asks for no record.
	Facts []*toolchain.Facts
	// Check is what `portmatrix check` found of each row. When set, a
	// failed row's error is the first compiler error (or the check's own
	// reason) with no log tail, and Output names a binary only when the row
	// built.
	Check []CheckRow
	// Temporary says the binaries and logs are removed when the run ends
	// (check without --dist): no row names them.
	Temporary bool
}

// CheckRow is what `portmatrix check` knows of one row besides the build.
type CheckRow struct {
	// Package is the row's Go package: a main package's import path, or
	// the pattern of the packages a compile check covers.
	Package string
	// Error is the first error of a failed row, read from its build log;
	// empty keeps the pool's error.
	Error string
	// Mode and Fallback are the row's check_mode and check_fallback.
	Mode, Fallback string
	// Argv, when set, is the command that ran in place of the job's argv
	// (the go build of a type-checked row compiled as a fallback).
	Argv []string
}

// Collect makes the report's rows, in plan order, each in one place from
// every stage's result; no row is edited afterwards. The status of a row
// that built is ok unless a check says otherwise: a violated expectation, a
// binary that does not start (smoke), or a second build that gave other
// bytes or none (--reproducible is a release requirement, not a remark).
func Collect(st Stages) []Job {
	rows := make([]Job, len(st.Results))
	for i, res := range st.Results {
		rows[i] = collectOne(st, i, res)
	}
	return rows
}

func collectOne(st Stages, i int, res build.Result) Job {
	j := res.Job
	row := Job{
		ID: j.ID, Build: j.Build, Target: j.Target.String(), GOOS: j.Target.GOOS, GOARCH: j.Target.GOARCH,
		Level: j.Target.Level, Variant: j.Variant, Cgo: j.Cgo, Linkmode: j.Linkmode,
		Output: j.Output, Expect: j.Expect.Linkage, DurationSec: res.Duration.Seconds(),
		GOMAXPROCS: j.Threads(), Needed: []string{}, Violations: []string{}, ThirdParty: []string{},
		Argv: j.Argv, Env: j.Env,
	}
	if tc := j.Toolchain; tc != nil {
		row.CToolchain = &CToolchain{Name: tc.Name, CC: tc.CC, Zig: tc.Zig, Target: tc.Target, Glibc: tc.Glibc, Reason: tc.Reason}
		if i < len(st.Facts) {
			row.CToolchain.Facts = st.Facts[i]
		}
	}
	row.Status = statusOf(res.Status)
	if res.Err != nil {
		row.Error = res.Err.Error()
		var be *build.BuildError
		if errors.As(res.Err, &be) {
			row.LogTail = be.Tail
			row.LogFile = be.Log
		}
	}
	if row.Status == StatusOK {
		if i < len(st.Outcomes) {
			fillOutcome(&row, st.Outcomes[i])
		}
		if i < len(st.Sources) {
			row.Cached = st.Sources[i] == incremental.Unchanged
			row.Restored = st.Sources[i] == incremental.Restored
		}
	}
	if built(row.Status) {
		if i < len(st.Runs) && st.Runs[i].Status != "" {
			r := st.Runs[i]
			row.Runs = &r
			if r.Status == smoke.StatusFailed {
				row.Violations = append(row.Violations, "does not start: "+r.String())
				row.Status = StatusViolated
			}
		}
		if i < len(st.Repro) && st.Repro[i].Verdict != "" {
			fillRepro(&row, st.Repro[i])
		}
		if i < len(st.Files) {
			row.File = st.Files[i].File
			if a := st.Files[i].Archive; a != nil {
				row.Archive = &Artifact{File: a.File, SHA256: a.SHA256, Size: a.Size}
			}
			for _, a := range st.Files[i].SBOMs {
				row.SBOMs = append(row.SBOMs, Artifact{File: a.File, SHA256: a.SHA256, Size: a.Size})
			}
		}
	}
	if i < len(st.Check) {
		fillCheck(&row, st.Check[i])
	}
	if st.Temporary {
		row.Output, row.LogFile = "", ""
	}
	return row
}

// statusOf is the row status of a build status.
func statusOf(s build.Status) Status {
	switch s {
	case build.StatusOK:
		return StatusOK
	case build.StatusFailed:
		return StatusFailed
	case build.StatusTimeout:
		return StatusTimeout
	case build.StatusCancelled:
		return StatusCancelled
	}
	return StatusSkipped
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
	row.MinOS, row.MinOSHeader, row.MinOSSource, row.MinOSReason = info.MinOS, info.MinOSHeader, info.MinOSSource, info.MinOSReason
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

// fillRepro records a reproducibility verdict; a job that is not
// reproducible, or whose second build failed, is violated.
func fillRepro(row *Job, r repro.Result) {
	row.Reproducible, row.ReproDetails = r.Verdict, r.Details
	switch r.Verdict {
	case repro.VerdictNo:
		row.Violations = append(row.Violations, MsgNotReproducible)
		row.Status = StatusViolated
	case repro.VerdictError:
		row.Violations = append(row.Violations, MsgReproError)
		row.Status = StatusViolated
	}
}

// fillCheck applies what `portmatrix check` found: the package, the first
// error of a failed row in place of the pool's message (the grouping says
// it once, so the log tail goes), and no output path for a row that did
// not build.
func fillCheck(row *Job, c CheckRow) {
	row.Package = c.Package
	row.CheckMode, row.CheckFallback = c.Mode, c.Fallback
	if c.Argv != nil {
		row.Argv = c.Argv
	}
	if row.Status == StatusFailed || row.Status == StatusTimeout {
		if c.Error != "" {
			row.Error = c.Error
		}
		row.LogTail = nil
	}
	if !built(row.Status) {
		row.Output = ""
	}
}
