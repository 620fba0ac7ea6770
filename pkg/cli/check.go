package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/check"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

type checkOptions struct {
	reportFlags
	goBin        string
	targets      []string
	cgo          bool
	jobs         int
	timeout      time.Duration
	fetchTimeout time.Duration
	progress     string
	dist         string
}

func newCheckCmd(stdio Stdio) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [flags] [MODULE@VERSION | DIR | PATTERN]",
		Short: "The portability matrix of any module or package pattern, without a manifest",
		Long: `check builds a Go module for every platform of the toolchain and says where
it builds and how it links: main packages are built and inspected (linkage,
glibc floor, libraries), every other package is compile-checked per target
with go build, which writes nothing. Failures are grouped by their first
compiler error.

The argument is MODULE@VERSION (fetched through the module proxy your go
command uses, into a temporary copy; the module cache is only read), a
directory (every package in and below it), or a pattern with "..." relative
to the working directory. The default is ./...

Exit status: 0 when every target builds, 1 when a target fails, 2 for usage
errors and for a module that cannot be fetched or loaded.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := ""
			if len(args) == 1 {
				arg = args[0]
			}
			return runCheck(cmd.Context(), o, arg, stdio)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.goBin, "go", "", "go command to use (default $GO, else go on PATH)")
	fs.StringSliceVar(&o.targets, "targets", []string{"all"}, "targets to check (comma-separated patterns: goos/goarch[/level], globs, all, first-class, cgo)")
	fs.BoolVar(&o.cgo, "cgo", false, "CGO_ENABLED=1 on every target that supports cgo, with the C toolchain portmatrix picks for it (default: pure Go)")
	fs.IntVarP(&o.jobs, "jobs", "j", DefaultJobs(), "builds to run at once")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "per-build time limit (0: none)")
	fs.DurationVar(&o.fetchTimeout, "fetch-timeout", check.DefaultFetchTimeout, "time limit of each download from the module proxy and of each go list")
	fs.StringVar(&o.progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal, lines otherwise), bar, lines, none")
	fs.StringVar(&o.dist, "dist", "", "keep the binaries and build logs in this directory (default: a temporary directory, removed)")
	o.reportFlags.register(fs)
	return cmd
}

func runCheck(ctx context.Context, o *checkOptions, arg string, stdio Stdio) error {
	if o.jobs < 1 {
		return usageErr("--jobs must be at least 1 (got %d)", o.jobs)
	}
	prog, err := newProgress(o.progress, stdio)
	if err != nil {
		return err
	}
	goBin := goCommand(o.goBin, stdio)
	cwd, err := os.Getwd()
	if err != nil {
		return usageErr("%v", err)
	}
	src, err := check.ParseSource(arg, cwd)
	if err != nil {
		return usageErr("%v", err)
	}
	table, err := target.LoadTable(ctx, goBin)
	if err != nil {
		return usageErr("%v", err)
	}
	goEnv, err := target.LoadGoEnv(ctx, goBin)
	if err != nil {
		return usageErr("%v", err)
	}
	targets, err := expandTargets(table, o.targets)
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		if prog.mode != "none" {
			fmt.Fprintf(stdio.Err, "portmatrix: "+format+"\n", args...)
		}
	}
	if src.Published() {
		say("downloading %s@%s through the module proxy (at most %s)", src.Module, src.Version, o.fetchTimeout)
	}
	started := time.Now()
	ws, err := check.Open(ctx, src, check.OpenOptions{GoBin: goBin, Timeout: o.fetchTimeout})
	if err != nil {
		return usageErr("%v", err)
	}
	defer ws.Close()

	host := target.Target{GOOS: goEnv.HostOS, GOARCH: goEnv.HostArc}
	platforms := check.Platforms(targets, check.PlatformOptions{
		Table: table, Cgo: o.cgo, WorkspaceEnv: ws.Env,
		SelectToolchain: func(n toolchain.Need) (toolchain.Toolchain, error) {
			return toolchain.Select(n, host, toolchain.Overrides{}, exec.LookPath)
		},
	})
	say("listing the packages of %s for %s", ws.Name, plural(len(targets), "target"))
	pkgs, err := check.List(ctx, ws, platforms, check.ListOptions{GoBin: goBin, Jobs: o.jobs, Timeout: o.fetchTimeout})
	if err != nil {
		return usageErr("%v", err)
	}
	if !slices.ContainsFunc(pkgs, func(ps []check.Package) bool { return len(ps) > 0 }) && !slices.ContainsFunc(platforms, func(p check.Platform) bool { return p.Skip != nil }) {
		which := "any of the " + plural(len(targets), "target")
		if len(targets) == 1 {
			which = targets[0].String()
		}
		return usageErr("%s: no package has Go files to build for %s", ws.Name, which)
	}

	outDir, logDir, keep := filepath.Join(ws.Temp, "out"), filepath.Join(ws.Temp, "logs"), o.dist != ""
	if keep {
		abs, err := filepath.Abs(o.dist)
		if err != nil {
			return usageErr("--dist: %v", err)
		}
		outDir, logDir = abs, filepath.Join(abs, filepath.FromSlash(plan.LogDir))
	}
	jobs := check.Jobs(platforms, pkgs, check.JobOptions{GoBin: goBin, Dir: ws.Dir, OutDir: outDir, LogDir: logDir})
	planJobs := check.PlanJobs(jobs)

	prog.start(len(planJobs))
	results := build.Run(ctx, check.NewRunner(jobs, &build.GoRunner{}), planJobs, build.Options{
		Jobs: o.jobs, Timeout: o.timeout, OnStart: prog.jobStarted, OnDone: prog.jobDone,
		Threads: threadsFor(threadsAuto, o.jobs, len(planJobs)),
	})
	prog.finish()

	outcomes := make([]verify.Outcome, len(results))
	for i, res := range results {
		switch {
		case res.Status != build.StatusOK:
		case jobs[i].Kind == check.KindBinary:
			outcomes[i] = verify.Binary(res.Job)
		default:
			outcomes[i] = verify.Outcome{Info: &inspect.Info{}} // a compile check has no binary to read
		}
	}
	rows := report.Collect(results, outcomes, nil)
	outs := check.Annotate(rows, jobs, results, ws.ModCache, keep)
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          "portmatrix " + Version,
		GoVersion:     goEnv.Version,
		Host:          goEnv.Host(),
		Manifest:      ws.Name,
		Started:       started.UTC().Truncate(time.Second),
		DurationSec:   time.Since(started).Seconds(),
		Jobs:          rows,
		Version:       ws.Version,
	}
	rep.Summary = report.Summarize(rep.Jobs)
	if err := o.reportFlags.write(rep, stdio); err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	if o.jsonFile != "-" {
		sum := check.Summarize(ws.Name, o.cgo, targets, jobs, rows, outs)
		if err := check.WriteText(stdio.Out, sum); err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stdio.Err, "portmatrix: interrupted; the report shows what finished")
	}
	if rep.Failed() {
		return silent(ExitFailed)
	}
	return nil
}

// expandTargets resolves --targets patterns into targets, without
// duplicates, in table order (levels of an architecture in their order).
func expandTargets(table *target.Table, patterns []string) ([]target.Target, error) {
	var out []target.Target
	for _, pat := range patterns {
		ts, err := table.Expand(pat)
		if err != nil {
			return nil, usageErr("--targets: %v", err)
		}
		for _, t := range ts {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		return nil, usageErr("--targets: no targets")
	}
	target.Sort(out)
	return out, nil
}
