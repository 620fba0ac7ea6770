package cli

import (
	"context"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/check"
	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/progress"
	"github.com/portmatrix/portmatrix/pkg/sched"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

type checkOptions struct {
	reportFlags
	goBin        string
	targets      []string
	cgo          bool
	compile      bool
	link         bool
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
		Long: `check says on which platforms of the toolchain a Go module builds. By
default it type-checks every package and everything it imports with
go/types, from source, for every platform (parsing each file once for all
of them), with the compiler's own checks the type checker lacks; a platform
where that cannot decide (cgo, assembly or //go:linkname left to the
linker) is compiled with go build instead. --compile compiles every
platform with go build; --link also builds the main packages into binaries
and inspects how they link (linkage, glibc floor, libraries). Failures are
grouped by their first error.

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
	registerGo(fs, &o.goBin)
	fs.StringSliceVar(&o.targets, "targets", []string{"all"}, "targets to check (comma-separated patterns: goos/goarch[/level], globs, all, first-class, cgo)")
	fs.BoolVar(&o.cgo, "cgo", false, "CGO_ENABLED=1 on every target that supports cgo, with the C toolchain portmatrix picks for it (default: pure Go)")
	fs.BoolVar(&o.compile, "compile", false, "compile every platform with go build instead of type-checking it (the toolchain's own word, and binaries for the main packages)")
	fs.BoolVar(&o.link, "link", false, "in the type-check mode, also build the main packages into binaries and inspect how they link")
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
	for _, d := range []struct {
		flag string
		d    time.Duration
	}{{"--timeout", o.timeout}, {"--fetch-timeout", o.fetchTimeout}} {
		if d.d < 0 {
			return usageErr("%s %s is negative; want a duration such as 10m", d.flag, d.d)
		}
	}
	if err := o.files(stdio).Check(nil); err != nil {
		return usageErr("%v", err)
	}
	prog, err := progress.New(o.progress, stdio.Err, isTerminal(stdio.Err))
	if err != nil {
		return usageErr("%v", err)
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
	env, err := goenv.Query(ctx, goBin, nil)
	if err != nil {
		return usageErr("%v", err)
	}
	targets, err := table.ExpandAll(o.targets)
	if err != nil {
		return usageErr("--targets: %v", err)
	}
	host := target.Target{GOOS: env.HostOS(), GOARCH: env.HostArch()}
	opt := check.RunOptions{
		GoBin: goBin, Table: table, GoEnv: env, Targets: targets, Cgo: o.cgo, Compile: o.compile, Link: o.link,
		Jobs: o.jobs, Threads: sched.ThreadsAuto, EnvGOMAXPROCS: os.Getenv("GOMAXPROCS"),
		Timeout: o.timeout, FetchTimeout: o.fetchTimeout, Dist: o.dist, Tool: "portmatrix " + Version,
		Observer: prog,
		SelectToolchain: func(n toolchain.Need) (toolchain.Toolchain, error) {
			return toolchain.Select(n, host, toolchain.Overrides{}, exec.LookPath)
		},
	}
	if prog.Mode() != progress.None {
		opt.Notify = func(n note.Note) { printNotes(stdio, []note.Note{n}) }
	}
	res, err := check.Run(ctx, src, opt)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := o.reportFlags.write(res.Report, stdio); err != nil {
		return err
	}
	if o.jsonFile != "-" {
		if err := check.WriteText(stdio.Out, res.Summary); err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
	}
	return finish(ctx, res.Report.Failed(), stdio)
}
