package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/fingerprint"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/sched"
	"github.com/portmatrix/portmatrix/pkg/shard"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// DefaultJobs is the default number of builds at once. Measured on a
// 2-core machine (README: Choosing -j), two builds at once beat one by
// keeping the cores busy through each build's serial link step, and more
// than two only added memory.
func DefaultJobs() int {
	n := runtime.NumCPU()
	if n < 2 {
		return 2
	}
	return n
}

// threadsAuto is --threads auto, as parseThreads returns it.
const threadsAuto = -1

// parseThreads reads --threads: auto (threadsAuto), 0 or a number.
func parseThreads(flag string) (int, error) {
	if flag == "auto" {
		return threadsAuto, nil
	}
	n, err := strconv.Atoi(flag)
	if err != nil || n < 0 {
		return 0, usageErr("--threads %q: want auto, 0 or a positive number of threads per build", flag)
	}
	return n, nil
}

// threadsFor is the GOMAXPROCS of every build (build.Options.Threads) of a
// plan of n builds, jobs at once: auto shares the cores among the builds
// running at once (sched.Threads), unless GOMAXPROCS is already set in the
// environment, which then wins; 0 sets nothing; N gives every build N.
func threadsFor(policy, jobs, n int) int {
	if policy != threadsAuto {
		return policy
	}
	if os.Getenv("GOMAXPROCS") != "" {
		return 0
	}
	cores := runtime.GOMAXPROCS(0) // the CPUs this process may use: affinity and cgroup limits
	return sched.Threads(cores, jobs, n)
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
	fs.StringVar(&o.threads, "threads", "auto", "GOMAXPROCS of each build: auto (the cores shared among the builds running at once when the plan has at least 3 builds per -j slot; off when GOMAXPROCS is set in the environment), a number, or 0 (not set: every build sizes itself to every core)")
	fs.StringVar(&o.checksums, "checksums", "", "SHA256SUMS file to write (default SHA256SUMS in the dist directory; none: do not write one; a shard writes none)")
	return cmd
}

func runBuild(ctx context.Context, o *buildOptions, stdio Stdio) error {
	if o.jobs < 1 {
		return usageErr("--jobs must be at least 1 (got %d)", o.jobs)
	}
	var spec *shard.Spec
	if o.shard != "" {
		s, err := shard.Parse(o.shard)
		if err != nil {
			return usageErr("--shard: %v", err)
		}
		if o.jsonFile == "" || o.jsonFile == "-" {
			return usageErr("--shard %s: give --json FILE; a shard's JSON report is what portmatrix merge combines", o.shard)
		}
		spec = &s
	}
	budget := sched.DefaultBudget()
	if o.maxMemory != "auto" {
		b, err := sched.ParseSize(o.maxMemory)
		if err != nil {
			return usageErr("--max-memory: %v", err)
		}
		budget = b
	}
	threads, err := parseThreads(o.threads)
	if err != nil {
		return err
	}
	prog, err := newProgress(o.progress, stdio)
	if err != nil {
		return err
	}
	// The fingerprint's `go env` query runs while the manifest is loaded
	// and planned (which asks the go command twice itself).
	fpEnv := make(chan map[string]string, 1)
	go func() {
		m, err := fingerprint.QueryGoEnv(ctx, goCommand(o.goBin, stdio), nil)
		if err != nil {
			m = nil // findUnchanged asks again and reports the error
		}
		fpEnv <- m
	}()
	ld, err := o.load(ctx, stdio)
	if err != nil {
		return err
	}
	jobs := ld.plan.Jobs
	if spec != nil {
		jobs = shard.Select(jobs, *spec)
		fmt.Fprintf(stdio.Err, "portmatrix: shard %s: %s of %d\n", spec, plural(len(jobs), "job"), len(ld.plan.Jobs))
	}
	started := time.Now()
	u := findUnchanged(ctx, o, ld, jobs, <-fpEnv, openCache(o.cache, stdio), stdio)
	u.restore(ctx, jobs, max(o.jobs, 2), o.force, o.explain, stdio)
	toBuild := u.split(jobs)
	if err := preflight(ctx, toBuild, stdio); err != nil {
		return err
	}
	if len(toBuild) > 0 {
		prog.start(len(toBuild))
	}
	// Each binary is inspected as soon as it is built, while the other
	// builds go on, so only the last one's inspection is left at the end.
	verified := make([]verify.Outcome, len(toBuild))
	var inspecting sync.WaitGroup
	onDone := func(res build.Result) {
		prog.jobDone(res)
		if res.Status == build.StatusOK {
			inspecting.Go(func() { verified[res.Job.Index] = verify.Binary(res.Job) })
		}
	}
	built := build.Run(ctx, &build.GoRunner{}, toBuild, build.Options{
		Jobs: o.jobs, FailFast: o.failFast, Timeout: o.timeout,
		OnStart: prog.jobStarted, OnDone: onDone,
		Cost: sched.Cost(toBuild, u.state), MaxMemory: budget, Memory: sched.Memory(u.state),
		Threads: threadsFor(threads, o.jobs, len(toBuild)),
	})
	if len(toBuild) > 0 {
		prog.finish()
	}
	inspecting.Wait()
	u.storeBuilt(ctx, toBuild, built, verified, max(o.jobs, 2), stdio)
	results, outcomes := u.merge(jobs, built, verified)
	u.recordBuilds(jobs, results, outcomes)
	runs := smokeRuns(ctx, o, jobs, results, outcomes, ld.goEnv)
	rows := report.Collect(results, outcomes, runs)
	for i := range rows {
		_, rows[i].Cached = u.fresh[i]
		_, rows[i].Restored = u.restored[i]
	}
	if o.reproducible {
		if err := reproChecks(ctx, o, jobs, rows, stdio); err != nil {
			return err
		}
	}
	err = release.Pack(ctx, jobs, rows, release.Options{DistDir: ld.plan.DistDir, ModTime: ld.archiveTime,
		Reuse: u.reuseArchive, Packed: u.packed})
	u.save(jobs, spec == nil && len(o.targets) == 0 && len(o.builds) == 0, stdio)
	if err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	rep := &report.Report{
		SchemaVersion:  report.SchemaVersion,
		Tool:           "portmatrix " + Version,
		GoVersion:      ld.goEnv.Version,
		Host:           ld.goEnv.Host(),
		Manifest:       ld.plan.Manifest,
		Started:        started.UTC().Truncate(time.Second),
		DurationSec:    time.Since(started).Seconds(),
		Jobs:           rows,
		Version:        ld.stamp.Version,
		Commit:         ld.stamp.Commit,
		Date:           ld.stamp.Date,
		ManifestSHA256: ld.manifestSHA256,
		Plan:           jobIDs(ld.plan.Jobs),
	}
	if spec != nil {
		rep.Shard = &report.Shard{Index: spec.Index, Count: spec.Count}
	}
	rep.Summary = report.Summarize(rep.Jobs)
	if spec == nil && o.checksums != "none" {
		path := o.checksums
		if path == "" {
			path = filepath.Join(ld.plan.DistDir, release.ChecksumsFile)
		}
		written, err := release.WriteChecksums(path, rows)
		if err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
		if written {
			rep.Checksums = path
		}
	}

	if err := o.reportFlags.write(rep, stdio); err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stdio.Err, "portmatrix: interrupted; the report shows what finished")
	}
	if rep.Failed() {
		return silent(ExitFailed)
	}
	return nil
}

func jobIDs(jobs []plan.Job) []string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return ids
}
