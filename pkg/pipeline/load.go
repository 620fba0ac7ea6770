package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/distdir"
	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/incremental"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/sched"
	"github.com/portmatrix/portmatrix/pkg/shard"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// LoadOptions say which manifest to load and how to plan it.
type LoadOptions struct {
	// File is the manifest.
	File string
	// GoBin is the go command of every job ("go" when empty).
	GoBin string
	// Environ is portmatrix's environment (os.Environ() when nil). Jobs
	// inherit only the variables goenv.Inherit names, and the go command is
	// asked about itself with those and GOTOOLCHAIN=local, as the jobs run
	// it.
	Environ []string
	// Passthrough names more variables of Environ every job gets
	// (--env-passthrough), on top of the manifest's env_passthrough.
	Passthrough []string
	// Dist overrides the manifest's dist directory when not empty.
	Dist string
	// Targets and Builds select jobs (--targets, --build).
	Targets, Builds []string
	// Stamp is what the release stamp can come from (release.Stamp); its
	// Dir is the manifest's directory.
	Stamp release.StampOptions
	// Release overrides the manifest's release section (--sbom,
	// --provenance, --sign-key, --sign-key-env).
	Release plan.ReleaseFlags
	// SelectToolchain picks the C toolchain of a cgo job (nil: the real
	// selection); `portmatrix doctor` records instead.
	SelectToolchain func(toolchain.Need, toolchain.Overrides) (toolchain.Toolchain, error)
	// FindZig looks for zig when a build has a cgo variant (nil:
	// toolchain.FindZig on PATH). Tests pass a fake.
	FindZig func(context.Context) (*toolchain.Zig, error)
}

// Loaded is a validated manifest's plan and what it was made from: the
// first stage of a run, and the input of Build.
type Loaded struct {
	Plan  *plan.Plan
	GoBin string
	// GoEnv is the one `go env` answer of the run; Table the platforms of
	// the same go command.
	GoEnv goenv.Env
	Table *target.Table
	Stamp plan.Stamp
	// ManifestSHA256 is the hash of the manifest's bytes: merge refuses
	// fragments built from different manifests.
	ManifestSHA256 string
	// Filtered says --targets or --build selected part of the manifest.
	Filtered bool
	// Environ is what every job inherits (goenv.Inherited of
	// LoadOptions.Environ); Plan.Inherit names it.
	Environ []string
	// Notes are the plan's warnings and the stamp's.
	Notes []note.Note
	// Zig is the zig found for the cgo jobs (nil: none, or no cgo job),
	// and ZigCache the cache its jobs share.
	Zig      *toolchain.Zig
	ZigCache string
}

// ProblemsError is a manifest that cannot be planned: every problem, each
// at its file:line:col.
type ProblemsError struct {
	Problems manifest.Problems
	// GoEnvFile is set when the problems are settings of the user's go env
	// file (`go env -w`), not of the manifest.
	GoEnvFile string
}

// Error counts the problems, the manifest's apart from the command line's
// (a problem whose file is a flag, "--targets …"); the caller prints them
// one per line.
func (e *ProblemsError) Error() string {
	if e.GoEnvFile != "" {
		return fmt.Sprintf("the go env file %s has %s that would change builds; nothing was built", e.GoEnvFile, plural.Count(len(e.Problems), "setting"))
	}
	flags := 0
	for _, p := range e.Problems {
		if strings.HasPrefix(p.File, "--") {
			flags++
		}
	}
	inFile := len(e.Problems) - flags
	switch {
	case flags == 0:
		return fmt.Sprintf("the manifest has %s; nothing was built", plural.Count(inFile, "problem"))
	case inFile == 0:
		return fmt.Sprintf("the command line has %s; nothing was built", plural.Count(flags, "problem"))
	}
	return fmt.Sprintf("the manifest has %s and the command line %d; nothing was built", plural.Count(inFile, "problem"), flags)
}

// mergeProblems puts validation's and the plan's problems together. A plan
// problem at the spot and field of a validation problem says the same
// thing again with one job's values ("for linux/386/default: template:
// unknown field"): validation's, which speaks of the manifest's text, is
// kept alone.
func mergeProblems(validation, planned manifest.Problems) manifest.Problems {
	type spot struct {
		line, col int
		field     string
	}
	said := map[spot]bool{}
	for _, p := range validation {
		if p.Line > 0 {
			said[spot{p.Line, p.Col, p.Field}] = true
		}
	}
	all := append(manifest.Problems{}, validation...)
	for _, p := range planned {
		if p.Line == 0 || !said[spot{p.Line, p.Col, p.Field}] {
			all = append(all, p)
		}
	}
	all.Sort()
	return all
}

// Load reads and validates the manifest, asks the go command for its
// platforms and settings (at once: each is a process start of 20-30 ms),
// resolves the release stamp and plans every job. Manifest problems come
// back all at once as a *ProblemsError.
func Load(ctx context.Context, opt LoadOptions) (*Loaded, error) {
	goBin := opt.GoBin
	if goBin == "" {
		goBin = "go"
	}
	m, ps := manifest.Load(opt.File)
	if m == nil {
		ps.Sort()
		return nil, &ProblemsError{Problems: ps}
	}
	abs, err := filepath.Abs(opt.File)
	if err != nil {
		return nil, err
	}
	raw := opt.Environ
	if raw == nil {
		raw = os.Environ()
	}
	ld := &Loaded{GoBin: goBin, Filtered: len(opt.Targets) > 0 || len(opt.Builds) > 0, Environ: goenv.Inherited(raw)}
	asked := append(slices.Clip(ld.Environ), "GOTOOLCHAIN=local")
	var g errgroup.Group
	g.Go(func() (err error) { ld.Table, err = target.LoadTableIn(ctx, goBin, asked); return err })
	g.Go(func() (err error) { ld.GoEnv, err = goenv.Query(ctx, goBin, asked); return err })
	if hasCgo(m) {
		g.Go(func() error {
			ld.Zig, ld.ZigCache, ld.Notes = findZig(ctx, opt.FindZig, raw)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	zigNotes := ld.Notes
	st := opt.Stamp
	st.Dir = filepath.Dir(abs)
	stamp, notes, err := release.Stamp(ctx, st)
	if err != nil {
		return nil, err
	}
	ld.Stamp, ld.Notes = stamp, append(zigNotes, notes...)
	p, pps := plan.New(m, plan.Options{
		Table: ld.Table, GoBin: goBin, ManifestDir: filepath.Dir(abs), DistDir: opt.Dist,
		Stamp: stamp, Targets: opt.Targets, Builds: opt.Builds,
		Host:            target.Target{GOOS: ld.GoEnv.HostOS(), GOARCH: ld.GoEnv.HostArch()},
		SelectToolchain: opt.SelectToolchain,
		Zig:             ld.Zig, ZigCache: ld.ZigCache,
		Passthrough: opt.Passthrough, LookupEnv: lookupIn(raw),
		Release: opt.Release,
	})
	if all := mergeProblems(ps, pps); len(all) > 0 {
		return nil, &ProblemsError{Problems: all}
	}
	if gps := userGoEnv(ld.GoEnv, p.Jobs); len(gps) > 0 {
		return nil, &ProblemsError{Problems: gps, GoEnvFile: gps[0].File}
	}
	p.Inherit = goenv.Names(ld.Environ)
	for _, w := range p.Warnings {
		ld.Notes = append(ld.Notes, note.Warnf("%s", w))
	}
	ld.Plan = p
	if ld.ManifestSHA256, _, err = checksum.File(opt.File); err != nil {
		return nil, err
	}
	return ld, nil
}

// hasCgo says some variant of the manifest builds with cgo: only then is
// zig looked for (two process starts).
func hasCgo(m *manifest.Manifest) bool {
	for _, b := range m.Builds {
		for _, v := range b.Variants {
			if v.Cgo {
				return true
			}
		}
	}
	return false
}

// findZig finds zig (find, or toolchain.FindZig on PATH) and its cache
// directory. No zig is no error: the jobs that need it say so. A zig that
// is there but does not answer is a warning, and is not used.
func findZig(ctx context.Context, find func(context.Context) (*toolchain.Zig, error), environ []string) (*toolchain.Zig, string, []note.Note) {
	if find == nil {
		find = func(ctx context.Context) (*toolchain.Zig, error) { return toolchain.FindZig(ctx, exec.LookPath) }
	}
	z, err := find(ctx)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, "", nil
		}
		return nil, "", []note.Note{note.Warnf("zig is not used: %v", err)}
	}
	get := func(k string) string { v, _ := lookup(environ, k); return v }
	cache, err := toolchain.ZigCacheDir(get)
	if err != nil {
		return nil, "", []note.Note{note.Warnf("zig is not used: %v", err)}
	}
	return z, cache, nil
}

// lookupIn is os.LookupEnv over environ.
func lookupIn(environ []string) func(string) (string, bool) {
	return func(key string) (string, bool) { return lookup(environ, key) }
}

// lookup is the value of key in environ, the last one as exec.Cmd takes it.
func lookup(environ []string, key string) (string, bool) {
	v, found := "", false
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v, found = val, true
		}
	}
	return v, found
}

// userGoEnv finds the settings of the user's go env file (`go env -w`)
// that would reach a build behind the plan's back: the go command applies
// the file wherever the environment leaves a variable empty, so a setting
// such as GOFLAGS=-race there changes every build that does not set
// GOFLAGS itself to something else. Settings of what jobs inherit anyway
// (the proxy, the caches: goenv.Inherit) and settings every job overrides
// are fine. Each problem is at its line of the file.
func userGoEnv(env goenv.Env, jobs []plan.Job) manifest.Problems {
	path, settings, err := env.UserFile()
	if err != nil {
		return manifest.Problems{{File: path, Msg: fmt.Sprintf("cannot read the go env file (GOENV): %v", err)}}
	}
	var ps manifest.Problems
	for _, s := range settings {
		if slices.Contains(goenv.Inherit, s.Key) || everyJobSets(jobs, s.Key) {
			continue
		}
		ps = append(ps, manifest.Problem{File: path, Line: s.Line, Field: s.Key,
			Msg: fmt.Sprintf("%s=%s, set by `go env -w`, would change builds without being in the plan: remove it (go env -u %s), or put it in the manifest (env:, flags:) or pass it through (env_passthrough)", s.Key, s.Value, s.Key)})
	}
	return ps
}

// everyJobSets says every job sets key to a non-empty value, which the go
// command takes over its go env file, or does not read it at all: the level
// variable of another architecture (GOAMD64 means nothing to an arm64
// build).
func everyJobSets(jobs []plan.Job, key string) bool {
	for _, j := range jobs {
		if target.IsLevelVar(key) {
			if l, ok := j.Target.EffectiveLevel(); !ok || l.Var != key {
				continue
			}
		}
		if v, _ := lookup(j.Env, key); v == "" {
			return false
		}
	}
	return true
}

// SelectJobs is the jobs a run builds: the plan's, or one shard of them,
// each with the GOMAXPROCS the --threads policy gives a run of that many
// builds, jobs at once (sched.ThreadsFor; envGOMAXPROCS is GOMAXPROCS of
// portmatrix's environment). `portmatrix plan` shows these jobs and
// `portmatrix build` runs them.
func (ld *Loaded) SelectJobs(s *shard.Spec, jobs, threads int, envGOMAXPROCS string) []plan.Job {
	sel := ld.Plan.Jobs
	if s != nil {
		sel = shard.Select(sel, *s)
	}
	return plan.WithThreads(sel, sched.ThreadsFor(threads, max(jobs, 1), len(sel), envGOMAXPROCS))
}

// Protected names the files a report flag must never overwrite: the
// manifest, and every output, archive and log of the plan, the state file
// and the lock of the dist directory, by absolute path (symbolic links
// resolved where the file exists), for report.CheckWrite.
func (ld *Loaded) Protected() map[string]string {
	out := map[string]string{}
	add := func(path, what string) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return
		}
		out[abs] = what
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			out[real] = what
		}
	}
	add(ld.Plan.Manifest, "the manifest")
	dist := ld.Plan.DistDir
	add(filepath.Join(dist, filepath.FromSlash(incremental.StateFile)), "the state file")
	add(filepath.Join(dist, filepath.FromSlash(distdir.LockFile)), "the dist directory's lock")
	for _, j := range ld.Plan.Jobs {
		add(j.Output, "the binary of job "+j.ID)
		add(j.Log, "the build log of job "+j.ID)
		if j.Archive != nil {
			add(j.Archive.Path, "the archive of job "+j.ID)
		}
		for _, p := range ld.Plan.Release.SBOMPaths(j) {
			add(p, "an SBOM of job "+j.ID)
		}
	}
	if r := ld.Plan.Release; r != nil {
		if r.Provenance != "" {
			add(r.Provenance, "the provenance")
		}
		if r.Sign != nil && r.Sign.File != "" {
			add(r.Sign.File, "the signing key")
		}
	}
	return out
}
