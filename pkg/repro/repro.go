// Package repro checks that a build is reproducible: it builds a job a
// second time, independently of the first build, and compares the two
// binaries byte for byte. When they differ it says where (Go build settings,
// sections, the first differing offset) and which documented flags would
// remove the difference.
//
// A second build only proves something if nothing of the first one can leak
// into it, and if it is exposed to the things that usually make builds
// differ. So the second build
//
//   - runs from a different path: a symlink to the job's source root in a
//     temporary directory. The go command takes its working directory from
//     os.Getwd, which returns $PWD when $PWD names the current directory, so
//     with cmd.Dir and PWD both set to the symlink every path the build
//     records (DWARF, pclntab file names, the module directory) is the new
//     path unless -trimpath is used. A symlink, unlike a copy, keeps .git and
//     go.work visible (the link points at the outermost of the VCS root and
//     the go.work directory above the module, so the go command finds them
//     by walking up), and copies nothing;
//   - uses a fresh, empty GOCACHE, so no compile or link result of the first
//     build is reused. The cache is shared by every second build of a run
//     (Session), so the standard library is compiled once per target and
//     configuration, not once per job;
//   - uses another TMPDIR and GOTMPDIR, so the go command's $WORK differs;
//   - writes to a temporary output path.
//
// Everything else (argv, flags, the job's environment) is exactly the
// job's. The second build goes through the same build.Runner as the first
// (a build.GoRunner by default) with a modified copy of the plan.Job, so
// there is one way to run the go command, with the same process-group
// handling, atomic output and log tail. Everything temporary is removed when
// the check ends (the shared cache when the Session is closed).
//
// Limits: a replace directive with a relative path that leaves the linked
// root (../lib when lib is outside the repository) does not resolve from
// the link, so the second build fails and the verdict is "error"; a GOWORK
// set in the job's environment names its go.work directly, whose use
// directives then point at the original paths.
package repro

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// The verdicts of a check: the one definition of the strings a report
// row's Reproducible holds (package report, which sits above repro, uses
// these).
const (
	VerdictYes   = "yes"   // the second, independent build gave the same bytes
	VerdictNo    = "no"    // it did not; Details says where they differ
	VerdictError = "error" // the second build or the comparison failed
)

// Options tune Check. The zero value works but compiles the standard
// library from scratch for every call; use a Session to share the cache.
type Options struct {
	// GoCache is the fresh GOCACHE of second builds: an absolute path to a
	// directory that no first build has used. When empty, Check makes one
	// for the call and removes it afterwards.
	GoCache string
	// TempDir is where the temporary directories go (os.TempDir() when
	// empty).
	TempDir string
	// Runner runs the second build (&build.GoRunner{} when nil).
	Runner build.Runner
}

// Result is the outcome of one check, shaped for a report row: Verdict goes
// to report.Job.Reproducible and Details to report.Job.ReproDetails.
type Result struct {
	// Verdict is VerdictYes, VerdictNo or VerdictError.
	Verdict string
	// Details explains a "no" (Difference.Lines) or an "error" (the error
	// and the tail of the second build's output); empty for "yes".
	Details []string
	// Diff is the difference behind a "no"; nil otherwise.
	Diff *Difference
	// Err is the failure behind an "error"; nil otherwise.
	Err error
	// Duration is how long the second build and the comparison took.
	Duration time.Duration
}

// Check builds job a second time, independently (see the package
// documentation), and compares the result with job.Output, which must hold
// the binary of a normal build of the same job. It never panics; a second
// build that fails gives VerdictError with the build's error and output
// tail.
func Check(ctx context.Context, job plan.Job, opt Options) (res Result) {
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			res = errorResult(fmt.Errorf("repro %s: internal error: %v", job.ID, v))
		}
		res.Duration = time.Since(start)
	}()
	diff, err := check(ctx, job, opt)
	switch {
	case err != nil:
		return errorResult(err)
	case diff == nil:
		return Result{Verdict: VerdictYes}
	default:
		return Result{Verdict: VerdictNo, Details: diff.Lines(), Diff: diff}
	}
}

func errorResult(err error) Result {
	details := []string{err.Error()}
	if be, ok := errors.AsType[*build.BuildError](err); ok {
		details = append(details, be.Tail...)
	}
	return Result{Verdict: VerdictError, Details: details, Err: err}
}

func check(ctx context.Context, job plan.Job, opt Options) (*Difference, error) {
	if len(job.Argv) <= plan.OutputArg || job.Argv[plan.OutputArg-1] != "-o" {
		return nil, fmt.Errorf("repro %s: argv has no -o at index %d", job.ID, plan.OutputArg-1)
	}
	if job.Dir == "" {
		return nil, fmt.Errorf("repro %s: the job has no directory", job.ID)
	}
	if _, err := os.Stat(job.Output); err != nil {
		return nil, fmt.Errorf("repro %s: the first build's binary: %w", job.ID, err)
	}
	parent, err := tempParent(opt.TempDir)
	if err != nil {
		return nil, fmt.Errorf("repro %s: %w", job.ID, err)
	}
	work, err := os.MkdirTemp(parent, "portmatrix-repro-*")
	if err != nil {
		return nil, fmt.Errorf("repro %s: %w", job.ID, err)
	}
	defer removeTree(work)
	if opt.GoCache == "" {
		opt.GoCache = filepath.Join(work, "gocache")
		if err := os.Mkdir(opt.GoCache, 0o755); err != nil {
			return nil, fmt.Errorf("repro %s: %w", job.ID, err)
		}
	}
	second, err := secondJob(job, work, opt.GoCache)
	if err != nil {
		return nil, fmt.Errorf("repro %s: %w", job.ID, err)
	}
	runner := opt.Runner
	if runner == nil {
		runner = &build.GoRunner{}
	}
	if err := runner.Run(ctx, second); err != nil {
		return nil, fmt.Errorf("repro %s: second build: %w", job.ID, err)
	}
	diff, err := Compare(job.Output, second.Output)
	if err != nil {
		return nil, fmt.Errorf("repro %s: %w", job.ID, err)
	}
	if diff != nil {
		if err := diff.findDir(second.Dir); err != nil {
			return nil, fmt.Errorf("repro %s: %w", job.ID, err)
		}
	}
	return diff, nil
}

// secondJob is job rewritten to build independently inside work: from a
// symlinked path, with a fresh GOCACHE, its own TMPDIR/GOTMPDIR, output and
// log. It creates the symlink and the directories it needs.
func secondJob(job plan.Job, work, gocache string) (plan.Job, error) {
	dir, err := filepath.Abs(job.Dir)
	if err != nil {
		return job, err
	}
	root := sourceRoot(dir, job.Env)
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return job, err
	}
	// The link keeps the root's base name so that relative layouts and
	// messages still read naturally; only the directories above it change.
	link := filepath.Join(work, "src", filepath.Base(root))
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return job, err
	}
	if err := os.Symlink(root, link); err != nil {
		return job, err
	}
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return job, err
	}
	out := filepath.Join(work, "out", filepath.Base(job.Output))
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		return job, err
	}

	second := job
	second.Dir = filepath.Join(link, rel)
	second.Argv = slices.Clone(job.Argv)
	second.Argv[plan.OutputArg] = out
	second.Output = out
	second.Log = filepath.Join(work, "second-build.log")
	second.Env = append(slices.Clone(job.Env),
		"PWD="+second.Dir,
		"GOCACHE="+gocache,
		"TMPDIR="+tmp,
		"GOTMPDIR="+tmp,
	)
	return second, nil
}

// sourceRoot is the directory to symlink for a build in dir: the highest of
// dir, the innermost version-control root above it and the directory of the
// innermost go.work above it, because the go command finds those by walking
// up from its working directory and must still find them from the link.
// A GOWORK set in env names its file directly and needs no walking.
func sourceRoot(dir string, env []string) string {
	root := dir
	walkWork := true
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOWORK="); ok && v != "" {
			walkWork = false
		}
	}
	walkVCS := true
	for d := dir; ; {
		if walkVCS && hasVCS(d) {
			walkVCS = false
			root = d
		}
		if walkWork && exists(filepath.Join(d, "go.work")) {
			walkWork = false
			root = d
		}
		parent := filepath.Dir(d)
		if parent == d || (!walkVCS && !walkWork) {
			return root
		}
		d = parent
	}
}

// vcsDirs are the entries the go command looks for to stamp VCS information.
var vcsDirs = []string{".git", ".hg", ".svn", ".bzr", ".fslckout", "_FOSSIL_"}

func hasVCS(dir string) bool {
	for _, name := range vcsDirs {
		if exists(filepath.Join(dir, name)) {
			return true
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func tempParent(dir string) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	// GOCACHE must be absolute, and so must paths handed to the go command
	// from another working directory.
	return filepath.Abs(dir)
}

// removeTree removes dir after making its directories writable, because a
// GOCACHE or module cache may hold read-only ones. Symlinks inside are
// removed, never followed.
func removeTree(dir string) error {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o755)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// Session owns what the second builds of one run share: a fresh GOCACHE and
// the directory of their temporary files. Close removes it all.
type Session struct {
	dir string
	opt Options
}

// NewSession makes a fresh GOCACHE (unless opt.GoCache names one) under
// opt.TempDir, so that every Check of the run compiles the standard library
// once per target instead of once per job.
func NewSession(opt Options) (*Session, error) {
	parent, err := tempParent(opt.TempDir)
	if err != nil {
		return nil, fmt.Errorf("repro: session: %w", err)
	}
	dir, err := os.MkdirTemp(parent, "portmatrix-repro-session-*")
	if err != nil {
		return nil, fmt.Errorf("repro: session: %w", err)
	}
	opt.TempDir = dir
	if opt.GoCache == "" {
		opt.GoCache = filepath.Join(dir, "gocache")
		if err := os.Mkdir(opt.GoCache, 0o755); err != nil {
			removeTree(dir)
			return nil, fmt.Errorf("repro: session: %w", err)
		}
	}
	return &Session{dir: dir, opt: opt}, nil
}

// Options are the options Check gets from the session, for callers that
// run Check themselves (in a pool, say).
func (s *Session) Options() Options { return s.opt }

// Check is the package's Check with the session's options. It is safe to
// call from several goroutines at once: the go command locks its cache.
func (s *Session) Check(ctx context.Context, job plan.Job) Result {
	return Check(ctx, job, s.opt)
}

// Close removes the session's cache and temporary files.
func (s *Session) Close() error {
	if err := removeTree(s.dir); err != nil {
		return fmt.Errorf("repro: removing %s: %w", s.dir, err)
	}
	return nil
}
