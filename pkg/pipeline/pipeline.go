// Package pipeline runs a build: the stages of `portmatrix build`, in
// order, each a function of values in and values out:
//
//	load        manifest → plan (Load)
//	incremental which jobs need a build: unchanged, restored, built
//	preflight   every C toolchain the builds use compiles and links
//	pool        go build per job, in a bounded worker pool
//	verify      every binary inspected and checked as soon as it is built
//	smoke       binaries started natively or under an emulator
//	repro       a second, independent build of every job, compared
//	release     archives, SBOMs beside the binaries, SHA256SUMS
//	attest      the release's provenance, signatures of it and SHA256SUMS
//	report      every stage's result made into rows, once (report.Collect)
//
// Options carry the seams tests need: the build.Runner, the clock, the
// input keyer, the preflight, the smoke runner and the reproducibility
// checker, so the whole pipeline runs in unit tests with fakes and without
// the go command. Nothing here prints: progress goes to an Observer and
// remarks come back as notes.
package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/distdir"
	"github.com/portmatrix/portmatrix/pkg/fingerprint"
	"github.com/portmatrix/portmatrix/pkg/incremental"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/outcache"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/portmatrix/portmatrix/pkg/shard"
	"github.com/portmatrix/portmatrix/pkg/signing"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// Options tune Build. The zero value builds every job one at a time with
// the real go command and no output cache.
type Options struct {
	// Tool names portmatrix in the report ("portmatrix v1.2.3").
	Tool string
	// Environ is the environment every job inherits, its own Env on top
	// (Loaded.Environ when nil).
	Environ []string
	// EnvGOMAXPROCS is GOMAXPROCS of portmatrix's environment, for the
	// --threads policy (SelectJobs).
	EnvGOMAXPROCS string

	// Jobs is the most builds at once (at least 1); FailFast stops after
	// the first failure; Timeout bounds each build (0: none).
	Jobs     int
	FailFast bool
	Timeout  time.Duration
	// Threads is the --threads policy (sched.ThreadsFor); MaxMemory the
	// memory budget of the builds running at once (0: none).
	Threads   int
	MaxMemory int64

	// Smoke starts every binary, not only those whose build asks for it.
	Smoke bool
	// Reproducible builds every job a second time and compares the bytes.
	Reproducible bool

	// Cache is the output cache (nil: off). Force builds every job;
	// Explain adds a note per job saying why it is built.
	Cache          *outcache.Cache
	Force, Explain bool
	// Exclude are files this run writes outside the dist directory (the
	// report files): never hashed as module source.
	Exclude []string

	// Shard builds one part of the plan (nil: all of it).
	Shard *shard.Spec
	// Checksums is the SHA256SUMS file to write ("": none; a shard writes
	// none).
	Checksums string
	// SigningKey signs SHA256SUMS and the provenance when the plan's
	// release asks for signing (loaded before the run: attest.LoadKey).
	SigningKey *signing.Key

	// Observer shows the pool's progress (build.Quiet when nil); Notify
	// gets the notes of every stage (dropped when nil).
	Observer build.Observer
	Notify   func(note.Note)

	// Seams for tests; nil means the real thing.
	Runner    build.Runner                                                 // &build.GoRunner{Env: Environ}
	Now       func() time.Time                                             // time.Now
	Keyer     func(ctx context.Context) (incremental.Keyer, error)         // a fingerprint.Global
	Preflight func(context.Context, []toolchain.Use) []toolchain.Diagnosis // toolchain.Diagnose
	WarmZig   func(context.Context, toolchain.Use) error                   // toolchain.WarmZig with the run's go command
	Smoker    Smoker                                                       // a smoke.Runner for the host
	Repro     func() (Rechecker, error)                                    // a repro.Session
	Facts     func(context.Context, toolchain.Toolchain) toolchain.Facts   // toolchain.FactsOf in Environ
}

// Smoker starts binaries (smoke.Runner).
type Smoker interface {
	RunAll(ctx context.Context, tasks []smoke.Task, workers int) []smoke.Result
}

// Rechecker builds jobs a second time and compares (repro.Session).
type Rechecker interface {
	CheckAll(ctx context.Context, jobs []plan.Job, workers int) []repro.Result
	Close() error
}

var (
	_ Smoker    = (*smoke.Runner)(nil)
	_ Rechecker = (*repro.Session)(nil)
)

// PreflightError is a run stopped before its first build because C
// toolchains it needs do not work.
type PreflightError struct {
	Broken []toolchain.Diagnosis
}

// Error counts the broken toolchains; Detail of each says the rest.
func (e *PreflightError) Error() string {
	return fmt.Sprintf("%s failed the preflight; nothing was built", plural.Count(len(e.Broken), "C toolchain"))
}

// run is one Build: the options with defaults and the stage results.
type run struct {
	opt  Options
	ld   *Loaded
	dist *distdir.Dir
	jobs []plan.Job
}

// Build runs the stages of the package documentation over the jobs of
// ld's plan (one shard of it with Options.Shard) and returns the report.
// Every file it writes in the dist directory goes through the directory's
// root (package distdir), which it holds locked while it runs. When the
// report is nil, nothing was built: the dist directory could not be
// opened (or another run holds it), or C toolchains failed the preflight
// (*PreflightError). Any other error comes with the report of what was
// done (a release archive that could not be written, say).
func Build(ctx context.Context, ld *Loaded, opt Options) (*report.Report, error) {
	r := &run{opt: defaults(opt, ld), ld: ld}
	r.jobs = ld.SelectJobs(opt.Shard, r.opt.Jobs, r.opt.Threads, opt.EnvGOMAXPROCS)
	started := r.opt.Now()
	inc, notes := incremental.Open(ctx, r.jobs, incremental.Options{
		DistDir: ld.Plan.DistDir, Cache: r.opt.Cache, NewKeyer: r.opt.Keyer,
		Force: r.opt.Force, Explain: r.opt.Explain, Workers: max(r.opt.Jobs, 2),
	})
	r.notify(notes...)
	// Nothing is written before the C toolchains are proved: a broken one
	// stops the run with the dist directory as it was.
	if err := r.preflight(ctx, inc.ToBuild()); err != nil {
		return nil, err
	}
	dist, err := distdir.Open(ld.Plan.DistDir)
	if err != nil {
		return nil, err
	}
	defer dist.Close()
	r.dist = dist
	if n := len(dist.Cleaned); n > 0 {
		r.notify(note.Infof("removed %s an interrupted run left in %s", plural.Count(n, "temporary file"), dist.Path()))
	}
	r.notify(inc.Restore(ctx, dist.Root())...)
	toBuild := inc.ToBuild()
	if r.opt.Runner == nil {
		r.opt.Runner = &build.GoRunner{Env: r.opt.Environ, Root: dist.Root()}
	}
	built, verified := r.pool(ctx, toBuild, inc)
	r.notify(inc.Finish(ctx, built, verified)...)
	st := merge(r.jobs, inc.Prior(), built, verified)
	st.Runs = r.smoke(ctx, st)
	st.Repro = r.repro(ctx, st)
	files, packErr := r.pack(ctx, st, inc)
	st.Files = files
	st.Facts = r.facts(ctx, st)
	if packErr == nil {
		packErr = r.sboms(ctx, st)
	}
	if err := inc.Save(r.opt.Shard == nil && !ld.Filtered); err != nil {
		r.notify(note.Warnf("the next run cannot skip unchanged jobs: %v", err))
	}
	rep := r.report(st, started)
	if packErr != nil {
		return rep, packErr
	}
	if err := r.writeSums(rep, inc); err != nil {
		return rep, err
	}
	if err := r.attest(ctx, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// defaults fills the seams and bounds of opt.
func defaults(opt Options, ld *Loaded) Options {
	opt.Jobs = max(opt.Jobs, 1)
	if opt.Environ == nil {
		opt.Environ = ld.Environ
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Observer == nil {
		opt.Observer = build.Quiet{}
	}
	if opt.Keyer == nil {
		fp := fingerprint.Options{DistDir: ld.Plan.DistDir, Exclude: opt.Exclude, GoEnv: ld.GoEnv}
		if opt.Cache.Enabled() {
			fp.SkipDirs = []string{opt.Cache.Dir()}
		}
		if abs, err := filepath.Abs(opt.Checksums); err == nil && opt.Checksums != "" {
			fp.Exclude = append(fp.Exclude, abs)
		}
		opt.Keyer = func(ctx context.Context) (incremental.Keyer, error) {
			return fingerprint.NewGlobal(ctx, ld.GoBin, opt.Environ, fp)
		}
	}
	if opt.Preflight == nil {
		environ := opt.Environ
		opt.Preflight = func(ctx context.Context, uses []toolchain.Use) []toolchain.Diagnosis {
			return toolchain.Diagnose(ctx, uses, environ)
		}
	}
	if opt.WarmZig == nil {
		environ := opt.Environ
		opt.WarmZig = func(ctx context.Context, u toolchain.Use) error {
			return toolchain.WarmZig(ctx, ld.GoBin, u, environ)
		}
	}
	if opt.Smoker == nil {
		opt.Smoker = &smoke.Runner{Host: ld.host(), GOROOT: ld.GoEnv.GOROOT()}
	}
	if opt.Facts == nil {
		environ := opt.Environ
		opt.Facts = func(ctx context.Context, tc toolchain.Toolchain) toolchain.Facts {
			return toolchain.FactsOf(ctx, tc, environ)
		}
	}
	if opt.Repro == nil {
		// The second builds run in the environment of the first ones.
		environ := opt.Environ
		opt.Repro = func() (Rechecker, error) {
			return repro.NewSession(repro.Options{Runner: &build.GoRunner{Env: environ}})
		}
	}
	return opt
}

func (r *run) notify(notes ...note.Note) {
	if r.opt.Notify == nil {
		return
	}
	for _, n := range notes {
		r.opt.Notify(n)
	}
}
