package repro

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// fakeJob is a job whose "first build" is a small file in a fresh dist
// directory, with a module directory that exists.
func fakeJob(t *testing.T, content string) plan.Job {
	t.Helper()
	dir, dist := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n"), 0o644))
	out := filepath.Join(dist, "m")
	require.NoError(t, os.WriteFile(out, []byte(content), 0o755))
	env := make([]string, 0, 16) // spare capacity: appending must not write into it
	env = append(env, "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	return plan.Job{
		ID: "m/linux/amd64/default", Build: "m", Variant: "default", Dir: dir,
		Argv:   []string{"go", "build", "-o", out, "-trimpath", "-ldflags=-s -w", "."},
		Env:    env,
		Output: out,
		Log:    filepath.Join(dist, ".portmatrix", "logs", "m.log"),
	}
}

// writes returns a runner that records the job it is given and writes
// content to its output.
func writes(content string, got *plan.Job) build.Runner {
	return build.RunnerFunc(func(ctx context.Context, job plan.Job) error {
		*got = job
		return os.WriteFile(job.Output, []byte(content), 0o755)
	})
}

func TestCheckOverridesOnlyWhatItDocuments(t *testing.T) {
	job := fakeJob(t, "same bytes")
	orig := job
	origArgv, origEnv := slices.Clone(job.Argv), slices.Clone(job.Env)
	tmp := t.TempDir()
	cache := filepath.Join(t.TempDir(), "gocache")
	var second plan.Job
	var dirSeen string
	runner := build.RunnerFunc(func(ctx context.Context, j plan.Job) error {
		second = j
		real, err := filepath.EvalSymlinks(j.Dir)
		dirSeen = real
		require.NoError(t, err)
		return os.WriteFile(j.Output, []byte("same bytes"), 0o755)
	})

	res := Check(context.Background(), job, Options{GoCache: cache, TempDir: tmp, Runner: runner})
	require.Equal(t, VerdictYes, res.Verdict, res.Details)
	assert.Nil(t, res.Diff)
	assert.Empty(t, res.Details)

	// The job given to Check is untouched.
	assert.Equal(t, origArgv, job.Argv)
	assert.Equal(t, origEnv, job.Env)
	assert.Equal(t, origEnv, job.Env[:len(origEnv):len(origEnv)], "no append into the job's spare capacity")

	// Argv: only the output path changes.
	require.Len(t, second.Argv, len(orig.Argv))
	for i := range orig.Argv {
		if i == plan.OutputArg {
			assert.NotEqual(t, orig.Argv[i], second.Argv[i])
			continue
		}
		assert.Equal(t, orig.Argv[i], second.Argv[i], "argv[%d]", i)
	}
	assert.Equal(t, second.Output, second.Argv[plan.OutputArg])
	assert.True(t, filepath.IsAbs(second.Output))
	assert.Equal(t, filepath.Base(orig.Output), filepath.Base(second.Output))

	// Env: the job's, then exactly the four documented overrides.
	require.Len(t, second.Env, len(orig.Env)+4)
	assert.Equal(t, orig.Env, second.Env[:len(orig.Env)])
	assert.Equal(t, []string{
		"PWD=" + second.Dir,
		"GOCACHE=" + cache,
		"TMPDIR=" + filepath.Join(filepath.Dir(filepath.Dir(second.Dir)), "tmp"),
		"GOTMPDIR=" + filepath.Join(filepath.Dir(filepath.Dir(second.Dir)), "tmp"),
	}, second.Env[len(orig.Env):])

	// Dir: another path to the same directory.
	realDir, err := filepath.EvalSymlinks(orig.Dir)
	require.NoError(t, err)
	assert.NotEqual(t, orig.Dir, second.Dir)
	assert.Equal(t, realDir, dirSeen)
	assert.NotEqual(t, orig.Log, second.Log)

	// Everything else is the job's own.
	rest := second
	rest.Dir, rest.Argv, rest.Env, rest.Output, rest.Log = orig.Dir, orig.Argv, orig.Env, orig.Output, orig.Log
	assert.Equal(t, orig, rest)

	// Temporary files are gone; the source and the first binary are not.
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries)
	assert.FileExists(t, filepath.Join(orig.Dir, "go.mod"))
	assert.FileExists(t, orig.Output)
}

func TestCheckVerdicts(t *testing.T) {
	failure := &build.BuildError{
		Args: []string{"go", "build"},
		Tail: []string{"# example.com/m", "./main.go:3:1: syntax error"},
		Err:  errors.New("exit status 1"),
	}
	tests := []struct {
		name    string
		runner  func(*plan.Job) build.Runner
		verdict string
		details []string // each must appear in Details
	}{
		{
			name:    "same bytes",
			runner:  func(got *plan.Job) build.Runner { return writes("first build", got) },
			verdict: VerdictYes,
		},
		{
			name:    "different bytes",
			runner:  func(got *plan.Job) build.Runner { return writes("first BUILD", got) },
			verdict: VerdictNo,
			details: []string{"first difference at offset 0x6"},
		},
		{
			name: "second build fails",
			runner: func(got *plan.Job) build.Runner {
				return build.RunnerFunc(func(ctx context.Context, j plan.Job) error { return failure })
			},
			verdict: VerdictError,
			details: []string{"./main.go:3:1: syntax error", "# example.com/m"},
		},
		{
			name: "runner panics",
			runner: func(got *plan.Job) build.Runner {
				return build.RunnerFunc(func(ctx context.Context, j plan.Job) error { panic("boom") })
			},
			verdict: VerdictError,
			details: []string{"repro m/linux/amd64/default: internal error: boom"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := fakeJob(t, "first build")
			tmp := t.TempDir()
			var got plan.Job
			res := Check(context.Background(), job, Options{TempDir: tmp, Runner: tt.runner(&got)})
			assert.Equal(t, tt.verdict, res.Verdict, res.Details)
			for _, d := range tt.details {
				assert.Contains(t, res.Details, d)
			}
			assert.Equal(t, tt.verdict == VerdictNo, res.Diff != nil)
			assert.Equal(t, tt.verdict == VerdictError, res.Err != nil)
			assert.Positive(t, res.Duration)
			entries, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, entries, "temporary files left behind")
		})
	}
}

func TestCheckRefusesBadJobs(t *testing.T) {
	never := build.RunnerFunc(func(ctx context.Context, j plan.Job) error {
		t.Fatal("the runner must not be called")
		return nil
	})
	tests := []struct {
		name   string
		modify func(*plan.Job)
		want   string
	}{
		{"no -o", func(j *plan.Job) { j.Argv = []string{"go", "build", "."} }, "argv has no -o at index 2"},
		{"no dir", func(j *plan.Job) { j.Dir = "" }, "the job has no directory"},
		{"no first binary", func(j *plan.Job) { j.Output += ".missing" }, "the first build's binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := fakeJob(t, "x")
			tt.modify(&job)
			res := Check(context.Background(), job, Options{TempDir: t.TempDir(), Runner: never})
			assert.Equal(t, VerdictError, res.Verdict)
			require.NotEmpty(t, res.Details)
			assert.Contains(t, res.Details[0], tt.want)
		})
	}
}

func TestSourceRoot(t *testing.T) {
	top := t.TempDir()
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{top}, parts...)...)
		require.NoError(t, os.MkdirAll(p, 0o755))
		return p
	}
	touch := func(parts ...string) {
		require.NoError(t, os.WriteFile(filepath.Join(append([]string{top}, parts...)...), nil, 0o644))
	}
	mk("plain", "mod")
	mk("repo", ".git")
	mk("repo", "app", "cmd")
	mk("ws", "repo", ".git")
	mk("ws", "repo", "mod")
	touch("ws", "go.work")
	mk("inner", ".git")
	mk("inner", "sub", ".git")
	mk("inner", "sub", "mod")

	tests := []struct {
		name string
		dir  string
		env  []string
		want string
	}{
		{"no vcs, no go.work", filepath.Join(top, "plain", "mod"), nil, filepath.Join(top, "plain", "mod")},
		{"module below the repo root", filepath.Join(top, "repo", "app", "cmd"), nil, filepath.Join(top, "repo")},
		{"go.work above the repo", filepath.Join(top, "ws", "repo", "mod"), nil, filepath.Join(top, "ws")},
		{"GOWORK set: no walk for go.work", filepath.Join(top, "ws", "repo", "mod"), []string{"GOWORK=off"}, filepath.Join(top, "ws", "repo")},
		{"innermost repo wins", filepath.Join(top, "inner", "sub", "mod"), nil, filepath.Join(top, "inner", "sub")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sourceRoot(tt.dir, tt.env))
		})
	}
}

func TestSecondJobRunsBelowTheLinkedRoot(t *testing.T) {
	top := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(top, "repo", ".git"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(top, "repo", "app"), 0o755))
	job := plan.Job{Dir: filepath.Join(top, "repo", "app"), Argv: []string{"go", "build", "-o", "/x/out", "."}, Output: "/x/out"}
	work := t.TempDir()
	second, err := secondJob(job, work, "/cache")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(work, "src", "repo", "app"), second.Dir)
	target, err := os.Readlink(filepath.Join(work, "src", "repo"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(top, "repo"), target)
}

func TestSessionCloseRemovesReadOnlyCache(t *testing.T) {
	parent := t.TempDir()
	s, err := NewSession(Options{TempDir: parent})
	require.NoError(t, err)
	cache := s.Options().GoCache
	require.DirExists(t, cache)
	// The go command leaves read-only entries; Close must still remove them.
	ro := filepath.Join(cache, "ab")
	require.NoError(t, os.Mkdir(ro, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ro, "entry-d"), []byte("x"), 0o444))
	require.NoError(t, os.Chmod(ro, 0o555))

	require.NoError(t, s.Close())
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	assert.Empty(t, entries)
}
