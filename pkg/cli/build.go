package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/attest"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/outcache"
	"github.com/portmatrix/portmatrix/pkg/pipeline"
	"github.com/portmatrix/portmatrix/pkg/progress"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/sched"
	"github.com/portmatrix/portmatrix/pkg/shard"
)

// DefaultJobs is the default number of builds at once. Measured on a
// 2-core machine (docs/incremental.md: The pool), two builds at once beat
// one by keeping the cores busy through each build's serial link step,
// and more than two only added memory.
func DefaultJobs() int {
	return max(runtime.NumCPU(), 2)
}

type buildOptions struct {
	planFlags
	reportFlags
	jobs         int
	failFast     bool
	timeout      time.Duration
	progress     string
	smoke        bool
	shard        string
	reproducible bool
	checksums    string
	maxMemory    string
	threads      string
	cache        string
	force        bool
	explain      bool
}

func newBuildCmd(stdio Stdio) *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build every job of the manifest, inspect the outputs and report",
		Long: `build validates the manifest, runs go build for every job (target × variant)
in a worker pool, opens every output binary and checks it against the
manifest's expectations. The report goes to stdout; progress to stderr.

Exit status: 0 when every job built and every expectation holds, 1 when a
build failed, an expectation was violated or the run was cancelled, 2 for
usage and manifest errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBuild(cmd.Context(), o, stdio) },
	}
	fs := cmd.Flags()
	o.planFlags.register(fs)
	o.planFlags.registerRelease(fs)
	fs.IntVarP(&o.jobs, "jobs", "j", DefaultJobs(), "builds to run at once")
	fs.BoolVar(&o.failFast, "fail-fast", false, "stop after the first failed build (default: keep going so the report has every row)")
	fs.DurationVar(&o.timeout, "timeout", 0, "per-job time limit, e.g. 10m (0: none)")
	o.reportFlags.register(fs)
	fs.StringVar(&o.progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal, lines otherwise), bar, lines, none")
	fs.BoolVar(&o.smoke, "smoke", false, "run every built binary (natively, under qemu-user or wine) to show it starts; the manifest's smoke: gives arguments and timeout")
	fs.StringVar(&o.shard, "shard", "", "build only part i of the plan split into n cost-balanced parts, e.g. 2/4 (needs --json; combine the parts with portmatrix merge)")
	fs.BoolVar(&o.reproducible, "reproducible", false, "build every job a second time from another path with a fresh GOCACHE and compare the bytes; say where they differ")
	fs.BoolVar(&o.force, "force", false, "rebuild every job, even those whose inputs and binary are unchanged since the last run")
	fs.StringVar(&o.cache, "cache", "", "the output cache, where every built binary is kept by its input key and restored from when a job's inputs match again: a directory, or off (default: $PORTMATRIX_CACHE, else portmatrix/outputs in the user cache directory)")
	fs.BoolVar(&o.explain, "explain", false, "say on stderr why each job that cannot be proved unchanged is built")
	fs.StringVar(&o.maxMemory, "max-memory", "auto", "memory budget of the builds running at once, e.g. 8G (auto: 80% of available memory; 0: none); a build is estimated from its last recorded peak, else 1G")
	fs.StringVar(&o.threads, "threads", "auto", "GOMAXPROCS of each build, set in its environment and shown by plan: auto (the cores shared among the builds running at once when the plan has at least 3 builds per -j slot; the environment's GOMAXPROCS when set), a number, or 0 (not set: every build sizes itself to every core)")
	fs.StringVar(&o.checksums, "checksums", "", "SHA256SUMS file to write (default SHA256SUMS in the dist directory; none: do not write one; a shard writes none)")
	return cmd
}

// options turns the flags into the pipeline's options, checking them
// before anything is loaded.
func (o *buildOptions) options(stdio Stdio) (pipeline.Options, error) {
	opt := pipeline.Options{Tool: "portmatrix " + Version, Jobs: o.jobs, FailFast: o.failFast, Timeout: o.timeout,
		Smoke: o.smoke, Reproducible: o.reproducible, Force: o.force, Explain: o.explain, EnvGOMAXPROCS: stdio.getenv("GOMAXPROCS")}
	if o.jobs < 1 {
		return opt, usageErr("--jobs must be at least 1 (got %d)", o.jobs)
	}
	if o.timeout < 0 {
		return opt, usageErr("--timeout %s is negative; want a duration such as 10m, or 0 for none", o.timeout)
	}
	if o.shard != "" {
		s, err := shard.Parse(o.shard)
		if err != nil {
			return opt, usageErr("--shard: %v", err)
		}
		if o.jsonFile == "" || o.jsonFile == "-" {
			return opt, usageErr("--shard %s: give --json FILE; a shard's JSON report is what portmatrix merge combines", o.shard)
		}
		opt.Shard = &s
	}
	opt.MaxMemory = sched.DefaultBudget()
	if o.maxMemory != "auto" {
		b, err := sched.ParseSize(o.maxMemory)
		if err != nil {
			return opt, usageErr("--max-memory: %v", err)
		}
		opt.MaxMemory = b
	}
	threads, err := sched.ParseThreads(o.threads)
	if err != nil {
		return opt, usageErr("%v", err)
	}
	opt.Threads = threads
	prog, err := progress.New(o.progress, stdio.Err, isTerminal(stdio.Err))
	if err != nil {
		return opt, usageErr("%v", err)
	}
	opt.Observer = prog
	cache, err := outcache.FromFlag(o.cache, stdio.getenv)
	if err != nil {
		fmt.Fprintf(stdio.Err, "warning: %v\n", err)
	}
	opt.Cache = cache
	opt.Notify = func(n note.Note) {
		if n.Level != note.Explain || o.explain {
			fmt.Fprintln(stdio.Err, n)
		}
	}
	for _, f := range []string{o.jsonFile, o.mdFile, o.junitFile, o.htmlFile, stdio.getenv("GITHUB_STEP_SUMMARY")} {
		if f != "" && f != "-" {
			if abs, err := filepath.Abs(f); err == nil {
				opt.Exclude = append(opt.Exclude, abs)
			}
		}
	}
	return opt, nil
}

func runBuild(ctx context.Context, o *buildOptions, stdio Stdio) error {
	opt, err := o.options(stdio)
	if err != nil {
		return err
	}
	ld, err := o.load(ctx, stdio)
	if err != nil {
		o.reportFlags.annotateProblems(err, stdio)
		return err
	}
	if opt.Shard != nil {
		fmt.Fprintf(stdio.Err, "portmatrix: shard %s: %s of %d\n", opt.Shard, plural.Count(len(shard.Select(ld.Plan.Jobs, *opt.Shard)), "job"), len(ld.Plan.Jobs))
	}
	if o.checksums != "none" {
		opt.Checksums = o.checksums
		if opt.Checksums == "" {
			opt.Checksums = filepath.Join(ld.Plan.DistDir, release.ChecksumsFile)
		}
	}
	if err := o.checkPaths(ld, opt.Checksums, stdio); err != nil {
		return err
	}
	// The signing key is read before anything is built: a missing or
	// unreadable key fails the run here, not after an hour of builds.
	if rel := ld.Plan.Release; rel != nil && rel.Sign != nil && opt.Shard == nil {
		key, err := attest.LoadKey(rel.Sign, stdio.getenv)
		if err != nil {
			return usageErr("%v", err)
		}
		opt.SigningKey = key
	}
	rep, err := pipeline.Build(ctx, ld, opt)
	if rep == nil { // nothing was built: a broken C toolchain, a busy or unusable dist directory
		var pe *pipeline.PreflightError
		if errors.As(err, &pe) {
			for _, d := range pe.Broken {
				fmt.Fprintln(stdio.Err, d.Detail())
			}
		}
		return &exitError{code: ExitUsage, err: err}
	}
	if werr := o.reportFlags.write(rep, stdio); werr != nil {
		return werr
	}
	if err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	return finish(ctx, rep.Failed(), stdio)
}

// finish is the exit of a command that wrote a report: a note when it was
// interrupted, exit 1 when a row failed.
func finish(ctx context.Context, failed bool, stdio Stdio) error {
	if ctx.Err() != nil {
		fmt.Fprintln(stdio.Err, "portmatrix: interrupted; the report shows what finished")
	}
	if failed {
		return silent(ExitFailed)
	}
	return nil
}

// checkPaths refuses, before anything is built, report and sums paths that
// would overwrite what the user has: the manifest, an output, archive or
// log of the plan, or an existing file that is not an earlier report of
// the same kind (report.CheckWrite).
func (o *buildOptions) checkPaths(ld *pipeline.Loaded, sums string, stdio Stdio) error {
	protected := ld.Protected()
	if sums != "" {
		if err := report.CheckWrite("--checksums", sums, report.KindSums, protected); err != nil {
			return usageErr("%v", err)
		}
		if abs, err := filepath.Abs(sums); err == nil {
			protected[abs] = "the SHA256SUMS file"
			if r := ld.Plan.Release; r != nil && r.Sign != nil {
				protected[abs+attest.SignatureExt] = "the signature of SHA256SUMS"
			}
		}
	}
	if err := o.files(stdio).Check(protected); err != nil {
		return usageErr("%v", err)
	}
	return nil
}
