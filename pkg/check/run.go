package check

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/distdir"
	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/sched"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
	"github.com/portmatrix/portmatrix/pkg/typecheck"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// RunOptions are the inputs of Run besides the source.
type RunOptions struct {
	// GoBin is the go command ("go" when empty).
	GoBin string
	// Table and GoEnv describe that go command (target.LoadTable,
	// goenv.Query).
	Table *target.Table
	GoEnv goenv.Env
	// Targets are the targets to check, in table order.
	Targets []target.Target
	// Cgo asks for CGO_ENABLED=1 where the platform supports cgo.
	Cgo bool
	// Compile compiles every platform with go build instead of
	// type-checking the pure-Go ones (the default, ModeTypeCheck).
	Compile bool
	// Link builds, inspects and links the main packages of type-checked
	// platforms too.
	Link bool
	// Jobs is how many builds run at once; Threads the --threads policy
	// (sched.ThreadsFor).
	Jobs, Threads int
	// EnvGOMAXPROCS is GOMAXPROCS of the user's environment.
	EnvGOMAXPROCS string
	// Timeout bounds each build (0: none); FetchTimeout each download and
	// go list.
	Timeout, FetchTimeout time.Duration
	// Dist, when set, keeps the binaries and logs there; else they go to a
	// temporary directory removed when Run returns.
	Dist string
	// SelectToolchain picks the C toolchain of a cgo platform.
	SelectToolchain func(toolchain.Need) (toolchain.Toolchain, error)
	// Tool names portmatrix in the report ("portmatrix v1.2.3").
	Tool string
	// Observer shows the builds' progress; Notify gets the remarks.
	Observer build.Observer
	Notify   func(note.Note)
}

// Result is a check's report and its summary (the grid and the failures
// grouped by first error).
type Result struct {
	Report  *report.Report
	Summary Summary
}

// Run checks src on every target: it opens the workspace (fetching a
// published module), lists the packages of each target, builds the main
// packages and compile-checks the others in the worker pool, inspects the
// binaries and reads the first error of every failure. An error means
// nothing was built (the module cannot be fetched or loaded); a failed
// target is a row of the report, not an error.
func Run(ctx context.Context, src Source, opt RunOptions) (*Result, error) {
	say := func(format string, args ...any) {
		if opt.Notify != nil {
			opt.Notify(note.Infof(format, args...))
		}
	}
	if opt.Observer == nil {
		opt.Observer = build.Quiet{}
	}
	if src.Published() {
		say("downloading %s@%s through the module proxy (at most %s)", src.Module, src.Version, opt.FetchTimeout)
	}
	started := time.Now()
	ws, err := Open(ctx, src, OpenOptions{GoBin: opt.GoBin, Timeout: opt.FetchTimeout})
	if err != nil {
		return nil, err
	}
	defer ws.Close()

	platforms := Platforms(opt.Targets, PlatformOptions{
		Table: opt.Table, Cgo: opt.Cgo, WorkspaceEnv: ws.Env, SelectToolchain: opt.SelectToolchain, TypeCheck: !opt.Compile,
	})
	say("listing the packages of %s for %s", ws.Name, plural.Count(len(opt.Targets), "target"))
	listing, err := List(ctx, ws, platforms, ListOptions{GoBin: opt.GoBin, Jobs: opt.Jobs, Timeout: opt.FetchTimeout, Deps: !opt.Compile})
	if err != nil {
		return nil, err
	}
	pkgs := listing.Packages
	if !slices.ContainsFunc(pkgs, func(ps []Package) bool { return len(ps) > 0 }) && !slices.ContainsFunc(platforms, func(p Platform) bool { return p.Skip != nil }) {
		which := "any of the " + plural.Count(len(opt.Targets), "target")
		if len(opt.Targets) == 1 {
			which = opt.Targets[0].String()
		}
		return nil, fmt.Errorf("%s: no package has Go files to build for %s", ws.Name, which)
	}
	top, outDir, logDir := ws.Temp, filepath.Join(ws.Temp, "out"), filepath.Join(ws.Temp, "logs")
	if opt.Dist != "" {
		abs, err := filepath.Abs(opt.Dist)
		if err != nil {
			return nil, fmt.Errorf("--dist: %w", err)
		}
		top, outDir, logDir = abs, abs, filepath.Join(abs, filepath.FromSlash(plan.LogDir))
	}
	// Binaries and logs are written through the root of the directory that
	// holds them, as a build's are (package distdir).
	dist, err := distdir.Open(top)
	if err != nil {
		return nil, err
	}
	defer dist.Close()
	jobs := Jobs(platforms, pkgs, JobOptions{
		GoBin: opt.GoBin, Dir: ws.Dir, OutDir: outDir, LogDir: logDir,
		Pattern: ws.Pattern, Graphs: listing.Graphs, Link: opt.Link,
	})
	rep, outs := runJobs(ctx, ws, jobs, dist, opt)
	rep.Started = started.UTC().Truncate(time.Second)
	rep.DurationSec = time.Since(started).Seconds()
	return &Result{Report: rep, Summary: Summarize(ws.Name, opt.Cgo, opt.Targets, jobs, rep.Jobs, outs)}, nil
}

// runJobs runs the matrix in the worker pool, inspects what it built and
// makes the report.
func runJobs(ctx context.Context, ws *Workspace, jobs []Job, dist *distdir.Dir, opt RunOptions) (*report.Report, []Outcome) {
	planJobs := plan.WithThreads(PlanJobs(jobs), sched.ThreadsFor(opt.Threads, opt.Jobs, len(jobs), opt.EnvGOMAXPROCS))
	tc := NewTypeChecker(jobs, typecheck.NewSession(opt.GoEnv.LangVersion()), &build.GoRunner{Root: dist.Root()}, dist.Root())
	opt.Observer.Starting(len(planJobs))
	results := build.Run(ctx, NewRunner(jobs, tc), planJobs, build.Options{
		Jobs: opt.Jobs, Timeout: opt.Timeout, OnStart: opt.Observer.JobStarted, OnDone: opt.Observer.JobDone,
	})
	opt.Observer.Finished()
	outcomes, outs := Conclude(jobs, results, tc.Checked(), ws.ModCache)
	rows := report.Collect(report.Stages{
		Results: results, Outcomes: outcomes, Check: Rows(jobs, outs), Temporary: opt.Dist == "",
	})
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          opt.Tool,
		GoVersion:     opt.GoEnv.Version(),
		Host:          opt.GoEnv.Host(),
		Manifest:      ws.Name,
		Jobs:          rows,
		Version:       ws.Version,
		Summary:       report.Summarize(rows),
	}
	return rep, outs
}

// Conclude is what check knows of every job once the pool is done (jobs and
// results indexed alike; checked by job ID, from the TypeChecker): the
// inspection of every binary built (a program compiled as the type
// checker's fallback gets its output path back in its result), the first
// error of every failure and how each row was answered.
func Conclude(jobs []Job, results []build.Result, checked map[string]Checked, modCache string) ([]verify.Outcome, []Outcome) {
	for i := range results {
		if c := checked[jobs[i].ID]; c.Built && results[i].Job.Output == "" {
			results[i].Job.Output = jobs[i].CompileOutput
		}
	}
	outcomes := Inspect(jobs, results, checked)
	outs := Diagnose(jobs, results, modCache)
	for i := range outs {
		outs[i].Checked = checked[jobs[i].ID]
		if outs[i].Checked.Mode == "" {
			outs[i].Checked.Mode = jobs[i].Mode // not run: skipped, or the run was cancelled
		}
	}
	return outcomes, outs
}

// Inspect reads and checks the binary of every binary job that built one
// (jobs and results indexed alike; checked says which, by job ID); a
// compile check or a type-checked program that passed gets an empty
// inspection, since it has no binary.
func Inspect(jobs []Job, results []build.Result, checked map[string]Checked) []verify.Outcome {
	outcomes := make([]verify.Outcome, len(results))
	for i, res := range results {
		switch {
		case res.Status != build.StatusOK:
		case jobs[i].Kind == KindBinary && checked[jobs[i].ID].Built:
			outcomes[i] = verify.Binary(res.Job)
		default:
			outcomes[i] = verify.Outcome{Info: &inspect.Info{}}
		}
	}
	return outcomes
}
