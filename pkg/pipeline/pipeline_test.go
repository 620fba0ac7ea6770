package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/incremental"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/outcache"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/portmatrix/portmatrix/pkg/shard"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// These tests drive the whole pipeline with fakes: a runner that writes a
// tiny ELF executable instead of running go build, a keyer whose input keys
// the test sets, and fake smoke, reproducibility and preflight stages. No
// go command runs, so they are the fast tier (go test -short).

// elf is a minimal static x86-64 ELF executable (one PT_LOAD, no
// sections) carrying payload, so two jobs' binaries differ. inspect reads
// it as "ET_EXEC without PT_INTERP": static.
func elf(payload string) []byte {
	b := make([]byte, 64+56)
	copy(b, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0})
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)  // ET_EXEC
	le.PutUint16(b[18:], 62) // EM_X86_64
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], 0x400078)
	le.PutUint64(b[32:], 64) // e_phoff
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 1)
	le.PutUint16(b[58:], 64)
	b = append(b, payload...)
	p := b[64:]
	le.PutUint32(p[0:], 1) // PT_LOAD
	le.PutUint32(p[4:], 5)
	le.PutUint64(p[16:], 0x400000)
	le.PutUint64(p[24:], 0x400000)
	le.PutUint64(p[32:], uint64(len(b)))
	le.PutUint64(p[40:], uint64(len(b)))
	le.PutUint64(p[48:], 0x1000)
	return b
}

// fakeRunner "builds" a job by writing elf(job ID + version) to its output,
// and records what it built. fail makes a job fail; block makes it wait
// for its context.
type fakeRunner struct {
	mu      sync.Mutex
	built   []string
	version *string
	fail    map[string]bool
	block   map[string]bool
	started chan string
}

func (f *fakeRunner) Run(ctx context.Context, job plan.Job) error {
	f.mu.Lock()
	f.built = append(f.built, job.ID)
	fail, block := f.fail[job.ID], f.block[job.ID]
	f.mu.Unlock()
	if f.started != nil {
		f.started <- job.ID
	}
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	if fail {
		return &build.BuildError{Job: job, Tail: []string{"main.go:1:1: undefined: x"}, Err: errors.New("exit status 1")}
	}
	if err := os.MkdirAll(filepath.Dir(job.Output), 0o755); err != nil {
		return err
	}
	return os.WriteFile(job.Output, elf(job.ID+*f.version), 0o755)
}

func (f *fakeRunner) ran() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.built...)
	f.built = nil
	return out
}

// fakeKeyer keys every job "<id>@<version>": a new version is a source
// change.
type fakeKeyer struct{ version *string }

func (k fakeKeyer) Keys(_ context.Context, jobs []plan.Job, _ int) ([]string, []error) {
	keys := make([]string, len(jobs))
	for i, j := range jobs {
		keys[i] = fmt.Sprintf("%064x", []byte(j.ID+"@"+*k.version))[:64]
	}
	return keys, make([]error, len(jobs))
}

// fixture is a dist directory and a plan of three pure-Go linux/amd64
// jobs expected static.
type fixture struct {
	t       *testing.T
	dist    string
	ld      *Loaded
	runner  *fakeRunner
	version string
	notes   []note.Note
}

func newFixture(t *testing.T, ids ...string) *fixture {
	if len(ids) == 0 {
		ids = []string{"a", "b", "c"}
	}
	dist := t.TempDir()
	tg := target.Target{GOOS: "linux", GOARCH: "amd64"}
	p := &plan.Plan{Manifest: "portmatrix.yaml", DistDir: dist}
	for i, id := range ids {
		out := filepath.Join(dist, id, "app")
		p.Jobs = append(p.Jobs, plan.Job{
			Index: i, ID: id + "/linux/amd64/default", Build: id, Variant: "default", Target: tg,
			Argv: []string{"go", "build", "-o", out, "."}, Output: out,
			Expect: plan.Expectation{Linkage: manifest.ExpectStatic, Source: "test"},
		})
	}
	f := &fixture{t: t, dist: dist, version: "v1"}
	f.runner = &fakeRunner{version: &f.version}
	f.ld = &Loaded{Plan: p, GoBin: "go", Stamp: plan.Stamp{Version: "dev", Commit: "none", Date: "2024-01-01T00:00:00Z", DateSource: "--date"},
		GoEnv: goenv.Env{"GOVERSION": "go1.26.8", "GOHOSTOS": "linux", "GOHOSTARCH": "amd64"}}
	return f
}

// options are the fakes, and cache (a directory, or "" for none).
func (f *fixture) options(cache string) Options {
	return Options{
		Tool: "portmatrix test", Jobs: 2, Runner: f.runner, Cache: outcache.Open(cache),
		Keyer:  func(context.Context) (incremental.Keyer, error) { return fakeKeyer{&f.version}, nil },
		Notify: func(n note.Note) { f.notes = append(f.notes, n) },
		Preflight: func(context.Context, []toolchain.Use) []toolchain.Diagnosis {
			f.t.Error("preflight of a plan without cgo")
			return nil
		},
	}
}

// build runs the pipeline and returns the report, checking that its JSON
// reads back with "ok" as the status says.
func (f *fixture) build(opt Options) *report.Report {
	f.t.Helper()
	rep, err := Build(context.Background(), f.ld, opt)
	require.NoError(f.t, err)
	var b bytes.Buffer
	require.NoError(f.t, report.WriteJSON(&b, rep))
	var back report.Report
	require.NoError(f.t, json.Unmarshal(b.Bytes(), &back), "the JSON report reads back")
	return rep
}

// how says per job whether it was built, unchanged (cached) or restored.
func how(rep *report.Report) map[string]string {
	out := map[string]string{}
	for _, j := range rep.Jobs {
		switch {
		case j.Cached:
			out[j.Build] = "unchanged"
		case j.Restored:
			out[j.Build] = "restored"
		default:
			out[j.Build] = string(j.Status)
		}
	}
	return out
}

func TestBuildSkipRestoreBuild(t *testing.T) {
	f := newFixture(t)
	cache := t.TempDir()

	rep := f.build(f.options(cache))
	assert.Equal(t, map[string]string{"a": "ok", "b": "ok", "c": "ok"}, how(rep), "first run builds everything")
	assert.Len(t, f.runner.ran(), 3)
	assert.Equal(t, 3, rep.Summary.OK)
	for _, j := range rep.Jobs {
		assert.Equal(t, "static", j.Linkage, j.ID)
		assert.NotEmpty(t, j.SHA256, j.ID)
		assert.Equal(t, j.Build+"/app", j.File, "named relative to dist")
	}
	assert.FileExists(t, filepath.Join(f.dist, filepath.FromSlash(incremental.StateFile)))

	rep = f.build(f.options(cache))
	assert.Equal(t, map[string]string{"a": "unchanged", "b": "unchanged", "c": "unchanged"}, how(rep))
	assert.Empty(t, f.runner.ran(), "nothing changed: nothing built")
	assert.Equal(t, 3, rep.Summary.Cached)

	// b's binary is deleted: restored from the output cache. c's is
	// replaced by another file: not unchanged, restored too. The rest is
	// unchanged.
	require.NoError(t, os.Remove(f.ld.Plan.Jobs[1].Output))
	require.NoError(t, os.WriteFile(f.ld.Plan.Jobs[2].Output, elf("tampered"), 0o755))
	rep = f.build(f.options(cache))
	assert.Equal(t, map[string]string{"a": "unchanged", "b": "restored", "c": "restored"}, how(rep))
	assert.Empty(t, f.runner.ran())
	assert.Equal(t, 2, rep.Summary.Restored)
	data, err := os.ReadFile(f.ld.Plan.Jobs[2].Output)
	require.NoError(t, err)
	assert.Equal(t, elf("c/linux/amd64/defaultv1"), data, "the restored binary is the one built")

	// A source change: every job is built; --force builds again.
	f.version = "v2"
	rep = f.build(f.options(cache))
	assert.Equal(t, map[string]string{"a": "ok", "b": "ok", "c": "ok"}, how(rep))
	assert.Len(t, f.runner.ran(), 3)
	opt := f.options(cache)
	opt.Force = true
	f.build(opt)
	assert.Len(t, f.runner.ran(), 3, "--force builds every job")

	// No binary left: all restored from the cache, which keeps the latest
	// build of each output.
	for _, j := range f.ld.Plan.Jobs {
		require.NoError(t, os.Remove(j.Output))
	}
	rep = f.build(f.options(cache))
	assert.Equal(t, map[string]string{"a": "restored", "b": "restored", "c": "restored"}, how(rep))
	assert.Empty(t, f.runner.ran())
}

func TestBuildCorruptCacheEntryIsBuilt(t *testing.T) {
	f := newFixture(t, "a")
	cache := t.TempDir()
	f.build(f.options(cache))
	f.runner.ran()
	// Corrupt every binary in the cache, keeping sizes.
	n := 0
	require.NoError(t, filepath.Walk(cache, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && filepath.Ext(p) == "" && fi.Size() > 64 {
			data, _ := os.ReadFile(p)
			if bytes.HasPrefix(data, []byte{0x7f, 'E', 'L', 'F'}) {
				data[len(data)-1] ^= 0xff
				n++
				return os.WriteFile(p, data, fi.Mode())
			}
		}
		return err
	}))
	require.Equal(t, 1, n, "one cached binary")
	require.NoError(t, os.Remove(f.ld.Plan.Jobs[0].Output))

	opt := f.options(cache)
	opt.Explain = true
	rep := f.build(opt)
	assert.Equal(t, map[string]string{"a": "ok"}, how(rep), "a cache entry that fails its hash check is built")
	assert.Equal(t, []string{"a/linux/amd64/default"}, f.runner.ran())
	assert.Contains(t, fmt.Sprint(f.notes), "SHA-256", "--explain says why it was not restored")
}

func TestBuildFailFastAndCancel(t *testing.T) {
	t.Run("fail-fast", func(t *testing.T) {
		f := newFixture(t)
		f.runner.fail = map[string]bool{"a/linux/amd64/default": true}
		opt := f.options("")
		opt.Jobs, opt.FailFast = 1, true
		rep := f.build(opt)
		assert.Equal(t, map[string]string{"a": "failed", "b": "skipped", "c": "skipped"}, how(rep))
		assert.Equal(t, "main.go:1:1: undefined: x", rep.Jobs[0].LogTail[0])
		assert.True(t, rep.Failed())
	})
	t.Run("cancel", func(t *testing.T) {
		f := newFixture(t)
		f.runner.block = map[string]bool{"a/linux/amd64/default": true}
		f.runner.started = make(chan string, 3)
		ctx, cancel := context.WithCancel(context.Background())
		opt := f.options("")
		opt.Jobs = 1
		go func() {
			<-f.runner.started
			cancel()
		}()
		rep, err := Build(ctx, f.ld, opt)
		require.NoError(t, err, "a cancelled run still reports")
		assert.Equal(t, map[string]string{"a": "cancelled", "b": "skipped", "c": "skipped"}, how(rep))
		_, err = os.Stat(f.ld.Plan.Jobs[0].Output)
		assert.True(t, os.IsNotExist(err), "no binary for a cancelled job")
	})
}

// fakeRepro says "no" for the jobs in bad, "yes" for the others.
type fakeRepro struct{ bad map[string]bool }

func (r fakeRepro) CheckAll(_ context.Context, jobs []plan.Job, _ int) []repro.Result {
	out := make([]repro.Result, len(jobs))
	for i, j := range jobs {
		out[i] = repro.Result{Verdict: repro.VerdictYes}
		if r.bad[j.ID] {
			out[i] = repro.Result{Verdict: repro.VerdictNo, Details: []string{"section .text differs"}}
		}
	}
	return out
}

func (fakeRepro) Close() error { return nil }

func TestBuildNotReproducibleIsNotOK(t *testing.T) {
	f := newFixture(t, "a", "b")
	opt := f.options("")
	opt.Reproducible = true
	opt.Repro = func() (Rechecker, error) { return fakeRepro{bad: map[string]bool{"b/linux/amd64/default": true}}, nil }
	rep := f.build(opt)
	a, b := rep.Jobs[0], rep.Jobs[1]
	assert.Equal(t, report.StatusOK, a.Status)
	assert.Equal(t, repro.VerdictYes, a.Reproducible)
	assert.Equal(t, report.StatusViolated, b.Status)
	assert.Equal(t, repro.VerdictNo, b.Reproducible)
	assert.Contains(t, b.Violations, report.MsgNotReproducible)

	// The bug this redesign fixed: the JSON said "ok": true for a job that
	// failed --reproducible, because ok was stored before the check.
	var b2 bytes.Buffer
	require.NoError(t, report.WriteJSON(&b2, rep))
	var raw struct {
		Jobs []map[string]any `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(b2.Bytes(), &raw))
	assert.Equal(t, true, raw.Jobs[0]["ok"])
	assert.Equal(t, false, raw.Jobs[1]["ok"], "a job that is not reproducible is not ok")
	assert.Equal(t, 1, rep.Summary.Violated)
}

// fakeSmoker fails the binaries of the jobs in bad.
type fakeSmoker struct{ bad map[string]bool }

func (s fakeSmoker) RunAll(_ context.Context, tasks []smoke.Task, _ int) []smoke.Result {
	out := make([]smoke.Result, len(tasks))
	for i, t := range tasks {
		out[i] = smoke.Result{Status: smoke.StatusOK, How: "native"}
		if s.bad[filepath.Base(filepath.Dir(t.Request.Path))] {
			out[i] = smoke.Result{Status: smoke.StatusFailed, How: "native", ExitCode: 2, Output: []string{"boom"}}
		}
	}
	return out
}

func TestBuildSmokeFailureIsAViolation(t *testing.T) {
	f := newFixture(t, "a", "b")
	opt := f.options("")
	opt.Smoke = true
	opt.Smoker = fakeSmoker{bad: map[string]bool{"b": true}}
	rep := f.build(opt)
	assert.Equal(t, report.StatusOK, rep.Jobs[0].Status)
	require.NotNil(t, rep.Jobs[0].Runs)
	assert.Equal(t, report.StatusViolated, rep.Jobs[1].Status)
	assert.Contains(t, rep.Jobs[1].Violations, "does not start: failed (exit 2: boom)")
}

func TestBuildPreflightStopsBeforeBuilding(t *testing.T) {
	f := newFixture(t, "a")
	j := &f.ld.Plan.Jobs[0]
	j.Cgo = true
	j.Toolchain = &toolchain.Toolchain{Name: "native", CC: []string{"badcc"}, Package: "gcc"}
	opt := f.options("")
	opt.Preflight = func(_ context.Context, uses []toolchain.Use) []toolchain.Diagnosis {
		require.Len(t, uses, 1)
		assert.Equal(t, []string{"linux/amd64"}, uses[0].Targets)
		return []toolchain.Diagnosis{{Targets: uses[0].Targets, Toolchain: &uses[0].Toolchain, Status: toolchain.StatusBroken,
			Reason: "badcc: cannot find crt1.o", Fix: "apt-get install gcc"}}
	}
	rep, err := Build(context.Background(), f.ld, opt)
	var pe *PreflightError
	require.ErrorAs(t, err, &pe)
	assert.Nil(t, rep)
	assert.Contains(t, pe.Broken[0].Detail(), "C toolchain badcc for linux/amd64 does not work")
	assert.Empty(t, f.runner.ran(), "nothing was built")
}

func TestBuildChecksumsAndArchives(t *testing.T) {
	f := newFixture(t, "a", "b")
	readme := filepath.Join(t.TempDir(), "README")
	require.NoError(t, os.WriteFile(readme, []byte("hi"), 0o644))
	f.ld.Plan.Jobs[0].Archive = &plan.Archive{Format: "tar.gz", Path: filepath.Join(f.dist, "a.tar.gz"),
		Files: []plan.ArchiveFile{{Src: readme, Name: "README"}}}
	f.runner.fail = map[string]bool{"b/linux/amd64/default": true}
	opt := f.options("")
	opt.Checksums = filepath.Join(f.dist, "SHA256SUMS")
	rep := f.build(opt)
	require.NotNil(t, rep.Jobs[0].Archive)
	assert.Equal(t, "a.tar.gz", rep.Jobs[0].Archive.File)
	assert.Nil(t, rep.Jobs[1].Archive)
	sums, err := os.ReadFile(opt.Checksums)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("%s  a.tar.gz\n%s  a/app\n", rep.Jobs[0].Archive.SHA256, rep.Jobs[0].SHA256), string(sums))
	assert.Equal(t, opt.Checksums, rep.Checksums)
}

func TestBuildShardReportsWholePlan(t *testing.T) {
	f := newFixture(t)
	opt := f.options("")
	opt.Shard = &shardSpec2of2
	opt.Checksums = filepath.Join(f.dist, "SHA256SUMS")
	rep := f.build(opt)
	assert.Len(t, rep.Plan, 3, "the report names every job of the plan")
	assert.Less(t, len(rep.Jobs), 3)
	assert.Equal(t, &report.Shard{Index: 2, Count: 2}, rep.Shard)
	assert.NoFileExists(t, opt.Checksums, "a shard writes no SHA256SUMS")
}

func TestBuildTimesFromTheClock(t *testing.T) {
	f := newFixture(t, "a")
	opt := f.options("")
	start := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	calls := 0
	opt.Now = func() time.Time { calls++; return start.Add(time.Duration(calls-1) * 1500 * time.Millisecond) }
	rep := f.build(opt)
	assert.Equal(t, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), rep.Started)
	assert.Equal(t, 1.5, rep.DurationSec)
}

var shardSpec2of2 = shard.Spec{Index: 2, Count: 2}

// TestBuildInputsChangedDuringBuild: a source edited while its job builds
// (here: the key changes between the keying before and after the builds)
// is neither recorded as unchanged nor cached, so the next run builds it.
func TestBuildInputsChangedDuringBuild(t *testing.T) {
	f := newFixture(t, "a")
	cache := t.TempDir()
	opt := f.options(cache)
	opt.Runner = build.RunnerFunc(func(ctx context.Context, job plan.Job) error {
		err := f.runner.Run(ctx, job)
		f.version = "edited"
		return err
	})
	rep := f.build(opt)
	assert.Equal(t, map[string]string{"a": "ok"}, how(rep))
	assert.Contains(t, fmt.Sprint(f.notes), "changed while it was built")
	f.runner.ran()

	rep = f.build(f.options(cache))
	assert.Equal(t, map[string]string{"a": "ok"}, how(rep), "built again: the first binary was made from other inputs")
	assert.Len(t, f.runner.ran(), 1)
}

// TestUserGoEnv: a go env file setting that would reach a build behind the
// plan's back is a problem at its line; the proxy and cache settings jobs
// inherit anyway, and settings every job overrides, are not.
func TestUserGoEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "env")
	require.NoError(t, os.WriteFile(file, []byte("GOPROXY=https://proxy.example\nGOFLAGS=-race\nGOAMD64=v3\n\nGOEXPERIMENT=\n"), 0o644))
	env := goenv.Env{"GOENV": file}
	amd64 := target.Target{GOOS: "linux", GOARCH: "amd64"}
	arm64 := target.Target{GOOS: "linux", GOARCH: "arm64"}
	jobs := []plan.Job{{Target: amd64, Env: []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "GOFLAGS="}}}
	ps := userGoEnv(env, jobs)
	require.Len(t, ps, 1, ps.Error())
	assert.Equal(t, file+":2: GOFLAGS: GOFLAGS=-race, set by `go env -w`, would change builds without being in the plan: remove it (go env -u GOFLAGS), or put it in the manifest (env:, flags:) or pass it through (env_passthrough)", ps[0].Error())

	jobs = append(jobs, plan.Job{Target: arm64, Env: []string{"GOOS=linux", "GOARCH=arm64", "GOARM64=v8.0", "GOFLAGS="}})
	ps = userGoEnv(env, jobs)
	require.Len(t, ps, 1, "GOAMD64 means nothing to the arm64 job: %s", ps.Error())

	jobs = append(jobs, plan.Job{Target: amd64, Env: []string{"GOOS=linux", "GOARCH=amd64"}})
	ps = userGoEnv(env, jobs)
	require.Len(t, ps, 2, "an amd64 job that does not set GOAMD64 would get the file's: %s", ps.Error())
	assert.Equal(t, "GOAMD64", ps[1].Field)

	assert.Empty(t, userGoEnv(goenv.Env{"GOENV": "off"}, jobs))
	assert.Empty(t, userGoEnv(goenv.Env{"GOENV": filepath.Join(t.TempDir(), "none")}, jobs), "no file, no settings")
}

// TestSumsDescribeTheDistDirectory: after a run of part of the plan, and
// after an interrupted run, SHA256SUMS still lists every binary an earlier
// run built that is still as it was (issue 14, item 9); a file changed
// since is not listed, and a job that failed in this run is not either.
func TestSumsDescribeTheDistDirectory(t *testing.T) {
	f := newFixture(t)
	sums := filepath.Join(f.dist, "SHA256SUMS")
	opt := f.options("")
	opt.Checksums = sums
	f.build(opt)
	read := func() []string {
		entries, err := checksum.ReadFile(sums)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name)
		}
		return names
	}
	require.Equal(t, []string{"a/app", "b/app", "c/app"}, read())

	// Only job a (as with --targets): b and c are still listed.
	all := f.ld.Plan.Jobs
	f.ld.Plan.Jobs, f.ld.Filtered = all[:1], true
	f.version = "v2"
	f.build(opt)
	assert.Equal(t, []string{"a/app", "b/app", "c/app"}, read())
	assert.Contains(t, fmt.Sprint(f.notes), "SHA256SUMS also lists 2 files that earlier runs built")

	// c changed since it was built: not listed. b failed in this run: not
	// listed, though its earlier binary is still there.
	f.ld.Plan.Jobs, f.ld.Filtered = all, false
	require.NoError(t, os.WriteFile(all[2].Output, elf("edited"), 0o755))
	f.runner.fail = map[string]bool{all[1].ID: true}
	f.runner.block = map[string]bool{all[2].ID: true}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt.Jobs = 2 // b and c at once: cancel once b has failed and c runs
	opt.Observer = &cancelWhen{done: all[1].ID, started: all[2].ID, cancel: cancel}
	rep, err := Build(ctx, f.ld, opt)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "unchanged", "b": "failed", "c": "cancelled"}, how(rep))
	assert.Equal(t, []string{"a/app"}, read())
}

// cancelWhen is an Observer that cancels the run once job done has ended
// and job started has begun.
type cancelWhen struct {
	build.Quiet
	mu            sync.Mutex
	done, started string
	seen          int
	cancel        func()
}

func (c *cancelWhen) saw() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen++; c.seen == 2 {
		c.cancel()
	}
}

func (c *cancelWhen) JobStarted(j plan.Job) {
	if j.ID == c.started {
		c.saw()
	}
}

func (c *cancelWhen) JobDone(r build.Result) {
	if r.Job.ID == c.done {
		c.saw()
	}
}
