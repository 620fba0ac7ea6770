// Package fingerprint computes a job's input key, so `portmatrix build` can
// skip a job whose inputs provably did not change without starting `go`.
//
// A key is a SHA-256 over everything that can change what `go build` writes:
// the Go toolchain's identity, the inherited environment filtered to what a
// build reads, the job's argv, environment and directory, the C compiler of a
// cgo job, the VCS commit the go command stamps, and the content of every file
// in the main module. The rule is one-sided: when anything cannot be proved,
// Key returns an error wrapping ErrUncertain and the job is built. A wrong
// "unchanged" ships a stale binary; a wrong "changed" costs one build.
//
// What a key does not cover, like Go's own build cache (`go help cache`):
// system C headers and libraries that cgo code includes or links, pkg-config
// .pc files, and edits made in place to GOROOT/src of a release toolchain
// (a "devel" toolchain is never keyed). Keys must be computed before the
// builds start, so an edit made during a build changes the next run's key.
package fingerprint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// FormatVersion is hashed into every key; bump it whenever what a key covers
// changes, so keys recorded by an older portmatrix never match.
const FormatVersion = "portmatrix-fingerprint-1"

// Bounds on the main module: a tree beyond them is not keyed (its jobs are
// always built), because hashing it could cost more than the build it saves.
// At the ~1-2 GB/s SHA-256 runs at here, 200 MiB is ~0.1-0.2 s.
const (
	DefaultMaxBytes int64 = 200 << 20
	DefaultMaxFiles       = 20000
)

// ErrUncertain means the inputs of a job cannot be proved unchanged, so the
// job must be built. Key wraps it with the reason.
var ErrUncertain = errors.New("inputs cannot be proved unchanged")

func uncertain(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUncertain}, args...)...)
}

// Options tune NewGlobal.
type Options struct {
	// DistDir is the dist directory (plan.Plan.DistDir). Outputs, logs and
	// the state file live there; if it is inside a module it is skipped, or
	// every build would change the next key.
	DistDir string
	// MaxBytes and MaxFiles bound the main module (DefaultMaxBytes and
	// DefaultMaxFiles when zero).
	MaxBytes int64
	MaxFiles int
	// Exclude are files portmatrix itself writes on every run (the report
	// files, SHA256SUMS), absolute: they are not hashed, or writing
	// `--json report.json` into the module would make every job look
	// changed on the next run. A build that embeds one of them is not
	// supported.
	Exclude []string
	// SkipDirs are more directories portmatrix writes to on every run (the
	// output cache), absolute: never hashed as part of a module, like the
	// dist directory.
	SkipDirs []string
	// GoEnv, when set, is what goenv.Query answered for the same go command
	// and environment: a caller that asked early, in parallel with other
	// start-up work, saves NewGlobal a go command run (about 20 ms).
	GoEnv goenv.Env

	// goEnv replaces `go env -json` in tests, so they can fake the toolchain.
	goEnv func(ctx context.Context, goBin string, environ []string) (goenv.Env, error)
}

// Global is what every key of a run shares: the toolchain identity and the
// filtered environment, computed once, and caches of module trees and C
// compilers, so keying 12 jobs of one module hashes the module once. It is
// safe for concurrent use. Results, errors included, are cached for the life
// of the Global: make one per run.
type Global struct {
	goBin     string
	environ   []string
	inherited map[string]string // last value wins, as exec.Cmd does
	filtered  []string          // sorted KEY=VALUE that can change a build
	goEnv     goenv.Env         // `go env -json` of the toolchain
	userFile  map[string]string // the GOENV file (`go env -w`)
	rootFile  map[string]string // GOROOT/go.env
	identity  string            // the toolchain's identity, hashed into every key
	devel     error             // non-nil for a devel toolchain: never key
	skipDirs  []string          // dist, GOCACHE, GOMODCACHE, Options.SkipDirs: never part of a module
	skipFiles map[string]bool   // Options.Exclude, cleaned and resolved
	maxBytes  int64
	maxFiles  int

	mu        sync.Mutex
	modules   map[string]*cell[string]
	compilers map[string]*cell[string]
	vcs       map[string]*cell[string]
}

// cell is one cached result, computed once however many jobs ask.
type cell[T any] struct {
	once sync.Once
	v    T
	err  error
}

func cached[T any](g *Global, m map[string]*cell[T], key string, f func() (T, error)) (T, error) {
	g.mu.Lock()
	c := m[key]
	if c == nil {
		c = &cell[T]{}
		m[key] = c
	}
	g.mu.Unlock()
	c.once.Do(func() { c.v, c.err = f() })
	return c.v, c.err
}

// NewGlobal asks the go command goBin ("go" when empty) for its identity,
// with environ as the environment every job inherits (build.GoRunner.Env;
// nil means os.Environ(), as there). It fails only when the go command
// cannot be asked.
func NewGlobal(ctx context.Context, goBin string, environ []string, opt Options) (*Global, error) {
	if goBin == "" {
		goBin = "go"
	}
	if environ == nil {
		environ = os.Environ()
	}
	g := &Global{
		goBin:     goBin,
		environ:   append([]string(nil), environ...),
		inherited: envMap(environ),
		filtered:  filterEnv(environ),
		maxBytes:  opt.MaxBytes,
		maxFiles:  opt.MaxFiles,
		modules:   map[string]*cell[string]{},
		compilers: map[string]*cell[string]{},
		vcs:       map[string]*cell[string]{},
	}
	if g.maxBytes <= 0 {
		g.maxBytes = DefaultMaxBytes
	}
	if g.maxFiles <= 0 {
		g.maxFiles = DefaultMaxFiles
	}
	query := opt.goEnv
	if query == nil {
		query = goenv.Query
	}
	if opt.GoEnv != nil {
		g.goEnv = opt.GoEnv
	} else {
		var err error
		if g.goEnv, err = query(ctx, goBin, environ); err != nil {
			return nil, err
		}
	}
	if err := g.loadIdentity(); err != nil {
		return nil, err
	}
	for _, d := range append([]string{opt.DistDir, g.goEnv["GOCACHE"], g.goEnv["GOMODCACHE"]}, opt.SkipDirs...) {
		if filepath.IsAbs(d) {
			g.skipDirs = append(g.skipDirs, filepath.Clean(d))
			if r, err := filepath.EvalSymlinks(d); err == nil && r != filepath.Clean(d) {
				g.skipDirs = append(g.skipDirs, r)
			}
		}
	}
	g.skipFiles = map[string]bool{}
	for _, f := range opt.Exclude {
		if filepath.IsAbs(f) {
			g.skipFiles[filepath.Clean(f)] = true
			if r, err := filepath.EvalSymlinks(f); err == nil {
				g.skipFiles[r] = true
			}
		}
	}
	return g, nil
}

// Key is the input key of job: equal keys mean the go command would be given
// the same inputs. Any error means "build it"; all but a cancelled ctx wrap
// ErrUncertain with the reason.
func (g *Global) Key(ctx context.Context, job plan.Job) (string, error) {
	key, err := g.key(ctx, job)
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", job.ID, err)
	}
	return key, nil
}

func (g *Global) key(ctx context.Context, job plan.Job) (string, error) {
	if g.devel != nil {
		return "", g.devel
	}
	if len(job.Argv) < 2 || job.Argv[0] != g.goBin || job.Argv[1] != "build" {
		return "", uncertain("argv %q is not `%s build ...`", job.Argv, g.goBin)
	}
	if !filepath.IsAbs(job.Dir) {
		return "", uncertain("directory %q is not absolute", job.Dir)
	}
	dir := filepath.Clean(job.Dir)
	env := g.jobEnv(job)
	if err := env.check(); err != nil {
		return "", err
	}
	flags, err := scanFlags(dir, env, job.Argv[2:])
	if err != nil {
		return "", err
	}
	if flags.outputs != 1 {
		return "", uncertain("argv has %d -o flags, so the output may not be %s", flags.outputs, job.Output)
	}
	root, err := moduleRoot(dir)
	if err != nil {
		return "", err
	}
	if err := checkWork(env, dir); err != nil {
		return "", err
	}
	if flags.pgo != "" && !within(root, flags.pgo) {
		return "", uncertain("-pgo profile %s is outside the module %s", flags.pgo, root)
	}
	tree, err := cached(g, g.modules, root, func() (string, error) { return g.hashModule(root) })
	if err != nil {
		return "", err
	}
	vcs := "off"
	if flags.buildvcs {
		if vcs, err = g.vcsState(ctx, env, dir, root); err != nil {
			return "", err
		}
	}
	cc, err := g.cgoCompilers(ctx, env)
	if err != nil {
		return "", err
	}

	h := sha256.New()
	field(h, "format", FormatVersion)
	field(h, "toolchain", g.identity)
	field(h, "inherited", g.filtered...)
	field(h, "argv", job.Argv...)
	field(h, "env", keyedEnv(job.Env)...)
	field(h, "dir", dir)
	field(h, "module", root, tree)
	field(h, "vcs", vcs)
	field(h, "cc", cc...)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keyedEnv is a job's environment without the variables that cannot
// change what the go command writes (ignoredGoVars: GOMAXPROCS, which
// --threads sets from the size of the run, the caches, the proxy), so a
// run of another size or on another machine still finds its jobs
// unchanged.
func keyedEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(ignoredGoVars, k) {
			out = append(out, kv)
		}
	}
	return out
}

// Keys keys every job, at most parallel at once (C compiler probes are
// processes; the module walk is shared), and returns keys and errors by
// index: an error at i means job i must be built.
func (g *Global) Keys(ctx context.Context, jobs []plan.Job, parallel int) ([]string, []error) {
	keys, errs := make([]string, len(jobs)), make([]error, len(jobs))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			keys[i], errs[i] = g.Key(ctx, jobs[i])
		}()
	}
	wg.Wait()
	return keys, errs
}

// field writes a tagged, length-prefixed list, so no two different inputs
// can produce the same byte stream.
func field(h hash.Hash, tag string, vals ...string) {
	fmt.Fprintf(h, "%s %d\n", tag, len(vals))
	for _, v := range vals {
		fmt.Fprintf(h, "%d:%s\n", len(v), v)
	}
}

// lookGo resolves argv[0] the way exec.Command does: with this process's
// PATH, not the child's.
var lookGo = exec.LookPath

// within reports whether path is root or below it (both clean and absolute).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
