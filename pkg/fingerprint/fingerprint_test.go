package fingerprint

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

const (
	commitA = "1111111111111111111111111111111111111111"
	commitB = "2222222222222222222222222222222222222222"
)

// TestKeyChanges proves every input invalidates: each case changes one
// thing between two runs, and the key must differ.
func TestKeyChanges(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *fixture)
		change func(f *fixture)
	}{
		{name: "go file changed", change: func(f *fixture) { f.write("mod/main.go", "package main\n\nfunc main() { println() }\n") }},
		{name: "file added", change: func(f *fixture) { f.write("mod/util.go", "package main\n") }},
		{name: "file removed", change: func(f *fixture) { require.NoError(f.t, os.Remove(filepath.Join(f.mod, "cmd", "tool", "main.go"))) }},
		{name: "embeddable non-Go file changed", change: func(f *fixture) { f.write("mod/assets/index.html", "<h1>bye</h1>\n") }},
		{name: "dotfile changed", change: func(f *fixture) { f.write("mod/.env.example", "X=1\n") }},
		{name: "file mode changed", change: func(f *fixture) { require.NoError(f.t, os.Chmod(filepath.Join(f.mod, "main.go"), 0o755)) }},
		{name: "go.sum", change: func(f *fixture) { f.write("mod/go.sum", "example.com/dep v1.0.0 h1:CCCC=\n") }},
		{name: "go.mod", change: func(f *fixture) {
			f.write("mod/go.mod", "module example.com/app\n\ngo 1.26.1\n\nrequire example.com/dep v1.0.0\n")
		}},
		{name: "vendor/modules.txt", change: func(f *fixture) { f.write("mod/vendor/modules.txt", "# example.com/dep v1.0.1\n") }},
		{name: "vendored package with its own go.mod", change: func(f *fixture) { f.write("mod/vendor/example.com/dep/go.mod", "module example.com/dep\n") }},
		{name: "flag in argv", change: func(f *fixture) { f.insertFlags("-tags=netgo") }},
		{name: "ldflags value", change: func(f *fixture) { f.job.Argv[5] = "-ldflags=-s -w -X main.version=2" }},
		{name: "output path", change: func(f *fixture) { f.job.Argv[3] += ".new" }},
		{name: "main package", change: func(f *fixture) { f.job.Argv[len(f.job.Argv)-1] = "./cmd/tool" }},
		{name: "directory", change: func(f *fixture) { f.job.Dir = filepath.Join(f.mod, "cmd", "tool") }},
		{name: "job env var", change: func(f *fixture) { f.job.Env = append(f.job.Env, "GOAMD64=v3") }},
		{name: "inherited GOAMD64", change: func(f *fixture) { f.environ = append(f.environ, "GOAMD64=v3") }},
		{name: "inherited CGO_CFLAGS", change: func(f *fixture) { f.environ = append(f.environ, "CGO_CFLAGS=-O3") }},
		{name: "inherited GOEXPERIMENT", change: func(f *fixture) { f.environ = append(f.environ, "GOEXPERIMENT=noswissmap") }},
		{name: "inherited SOURCE_DATE_EPOCH", change: func(f *fixture) { f.environ = append(f.environ, "SOURCE_DATE_EPOCH=1") }},
		{name: "go env -w setting", change: func(f *fixture) { f.write("config/go/env", "GOAMD64=v2\n") }},
		{name: "go version", change: func(f *fixture) { f.goEnv["GOVERSION"] = "go1.26.9" }},
		{name: "GOROOT VERSION file", change: func(f *fixture) { f.write("goroot/VERSION", "go1.26.8\ntime 2026-02-02T00:00:00Z\n") }},
		{name: "GOROOT go.env", change: func(f *fixture) { f.write("goroot/go.env", "GOTOOLCHAIN=local\n") }},
		{name: "go binary replaced", change: func(f *fixture) { f.write("bin/go", "#!/bin/sh\necho other fake go\n") }},
		{name: "compiler tool touched", change: func(f *fixture) {
			later := time.Now().Add(time.Hour)
			require.NoError(f.t, os.Chtimes(filepath.Join(f.goroot, "pkg", "tool", "linux_amd64", "compile"), later, later))
		}},
		{name: "git commit", setup: func(f *fixture) { f.gitInit(commitA) }, change: func(f *fixture) { f.write("mod/.git/refs/heads/main", commitB+"\n") }},
		{name: "git branch switch", setup: func(f *fixture) { f.gitInit(commitA) }, change: func(f *fixture) {
			f.write("mod/.git/refs/heads/dev", commitB+"\n")
			f.write("mod/.git/HEAD", "ref: refs/heads/dev\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			before := f.mustKey()
			tt.change(f)
			assert.NotEqual(t, before, f.mustKey())
		})
	}
}

// TestKeyStays proves what must not force a rebuild: the key is equal
// across the change.
func TestKeyStays(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *fixture)
		change func(f *fixture)
	}{
		{name: "nothing", change: func(*fixture) {}},
		// --threads sets GOMAXPROCS in the job's environment from the size
		// of the run; a run of another size must still find its jobs
		// unchanged.
		{name: "GOMAXPROCS in the job's env", change: func(f *fixture) { f.job.Env = append(f.job.Env, "GOMAXPROCS=1") }},
		{name: "GOMAXPROCS changed", setup: func(f *fixture) { f.job.Env = append(f.job.Env, "GOMAXPROCS=2") }, change: func(f *fixture) {
			f.job.Env[len(f.job.Env)-1] = "GOMAXPROCS=8"
		}},
		// A zig job's env names the shared zig cache; another machine's
		// cache directory builds the same bytes.
		{name: "zig cache moved", setup: func(f *fixture) {
			f.job.Env = append(f.job.Env, "ZIG_GLOBAL_CACHE_DIR=/a", "ZIG_LOCAL_CACHE_DIR=/a")
		}, change: func(f *fixture) {
			f.job.Env = append(f.job.Env[:len(f.job.Env)-2], "ZIG_GLOBAL_CACHE_DIR=/b", "ZIG_LOCAL_CACHE_DIR=/b")
		}},
		{name: "output written to dist", change: func(f *fixture) {
			f.write("mod/dist/app_linux_amd64/app", "\x7fELF...")
			f.write("mod/dist/.portmatrix/state.json", "{}")
			f.write("mod/dist/.portmatrix/logs/app.log", "ok")
		}},
		{name: "git churn without a commit", setup: func(f *fixture) { f.gitInit(commitA) }, change: func(f *fixture) {
			f.write("mod/.git/objects/ab/cdef", "blob")
			f.write("mod/.git/index", "index")
			f.write("mod/.git/FETCH_HEAD", commitB)
		}},
		{name: "git commit with -buildvcs=false", setup: func(f *fixture) {
			f.gitInit(commitA)
			f.insertFlags("-buildvcs=false")
		}, change: func(f *fixture) { f.write("mod/.git/refs/heads/main", commitB+"\n") }},
		{name: "git commit with GOFLAGS=-buildvcs=false from go env -w", setup: func(f *fixture) {
			f.gitInit(commitA)
			f.write("config/go/env", "GOFLAGS=-buildvcs=false\n")
		}, change: func(f *fixture) { f.write("mod/.git/refs/heads/main", commitB+"\n") }},
		{name: "nested module added", change: func(f *fixture) {
			f.write("mod/tools/go.mod", "module example.com/app/tools\n")
			f.write("mod/tools/tools.go", "package tools\n")
		}},
		{name: "nested module changed", setup: func(f *fixture) {
			f.write("mod/tools/go.mod", "module example.com/app/tools\n")
			f.write("mod/tools/tools.go", "package tools\n")
		}, change: func(f *fixture) { f.write("mod/tools/tools.go", "package tools // changed\n") }},
		{name: "module cache inside the module", setup: func(f *fixture) {
			f.goEnv["GOMODCACHE"] = filepath.Join(f.mod, ".gopath", "pkg", "mod")
			f.write("mod/.gopath/pkg/mod/cache/lock", "")
		}, change: func(f *fixture) { f.write("mod/.gopath/pkg/mod/cache/download/x", "zip") }},
		{name: "unrelated inherited variable", change: func(f *fixture) { f.environ = append(f.environ, "EDITOR=vi", "GOTMPDIR=/tmp/x", "GOPROXY=off") }},
		{name: "GOCACHE moved", change: func(f *fixture) {
			f.goEnv["GOCACHE"] = filepath.Join(f.base, "cache2")
			f.environ = append(f.environ, "GOCACHE="+f.goEnv["GOCACHE"])
		}},
		{name: "PATH of a job without cgo", change: func(f *fixture) { f.environ[0] += string(filepath.ListSeparator) + "/opt/bin" }},
		{name: "file outside the module", change: func(f *fixture) { f.write("README-outside.md", "x") }},
		{name: "report files this run writes (Exclude)", setup: func(f *fixture) {
			f.opt.Exclude = []string{filepath.Join(f.mod, "report.json"), filepath.Join(f.mod, "junit.xml")}
		}, change: func(f *fixture) {
			f.write("mod/report.json", `{"duration_seconds": 1.5}`)
			f.write("mod/junit.xml", "<testsuites/>")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			before := f.mustKey()
			tt.change(f)
			assert.Equal(t, before, f.mustKey())
		})
	}
}

// TestKeyCompiler proves a cgo job's key follows its C compiler, found on
// PATH as the go command finds it.
func TestKeyCompiler(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh for the fake compiler")
	}
	cgo := func(f *fixture) {
		f.job.Env = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=1", "GOFLAGS=", "CC=fakecc -target aarch64", "CXX=fakecxx"}
		f.fakeCC("fakecc", "fakecc 1.0")
	}
	tests := []struct {
		name    string
		setup   func(f *fixture)
		change  func(f *fixture)
		changes bool
	}{
		{name: "version output", setup: cgo, change: func(f *fixture) { f.fakeCC("fakecc", "fakecc 2.0") }, changes: true},
		{name: "mtime", setup: cgo, change: func(f *fixture) {
			later := time.Now().Add(time.Hour)
			require.NoError(f.t, os.Chtimes(filepath.Join(f.bin, "fakecc"), later, later))
		}, changes: true},
		{name: "CXX installed", setup: cgo, change: func(f *fixture) { f.fakeCC("fakecxx", "fakecxx 1.0") }, changes: true},
		{name: "other compiler earlier on PATH", setup: cgo, change: func(f *fixture) {
			f.write("bin2/fakecc", "#!/bin/sh\necho other\n")
			require.NoError(f.t, os.Chmod(filepath.Join(f.base, "bin2", "fakecc"), 0o755))
			f.environ[0] = "PATH=" + filepath.Join(f.base, "bin2") + string(filepath.ListSeparator) + f.bin
		}, changes: true},
		{name: "compiler change without cgo", change: func(f *fixture) { f.fakeCC("gcc", "gcc 99") }, changes: false},
		{name: "unrelated PATH entry", setup: cgo, change: func(f *fixture) {
			f.environ[0] += string(filepath.ListSeparator) + filepath.Join(f.base, "empty")
		}, changes: false}, // PATH counts only through what it finds
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			before := f.mustKey()
			tt.change(f)
			if tt.changes {
				assert.NotEqual(t, before, f.mustKey())
			} else {
				assert.Equal(t, before, f.mustKey())
			}
		})
	}

	t.Run("version probe fails", func(t *testing.T) {
		f := newFixture(t)
		cgo(f)
		f.write("bin/fakecc", "#!/bin/sh\nexit 3\n")
		_, err := f.key()
		assert.ErrorIs(t, err, ErrUncertain)
	})
	t.Run("arguments reach the probe", func(t *testing.T) {
		f := newFixture(t)
		cgo(f)
		f.write("bin/fakecc", "#!/bin/sh\necho \"$@\"\n")
		g := f.global()
		_, err := g.Key(context.Background(), f.job)
		require.NoError(t, err)
		id, err := g.compilerID(context.Background(), "fakecc -target aarch64", "PATH_UNUSED")
		require.NoError(t, err) // not found on that PATH: an identity, not an error
		assert.Contains(t, id, "not found")
		id, err = g.compilerID(context.Background(), "fakecc -target aarch64", f.bin)
		require.NoError(t, err)
		assert.Contains(t, id, "-target aarch64 --version")
	})
}

// fakeCC writes an executable on the fixture's PATH printing version.
func (f *fixture) fakeCC(name, version string) {
	f.write("bin/"+name, "#!/bin/sh\necho '"+version+"'\n")
	require.NoError(f.t, os.Chmod(filepath.Join(f.bin, name), 0o755))
}

// TestKeysConcurrent keys many jobs of one module at once (run with -race).
func TestKeysConcurrent(t *testing.T) {
	f := newFixture(t)
	g := f.global()
	jobs := make([]plan.Job, 12)
	for i := range jobs {
		jobs[i] = f.job
		jobs[i].Env = append([]string{"GOARM=" + strings.Repeat("x", i)}, f.job.Env...)
	}
	keys, errs := g.Keys(context.Background(), jobs, 4)
	seen := map[string]bool{}
	for i := range jobs {
		require.NoError(t, errs[i])
		seen[keys[i]] = true
	}
	assert.Len(t, seen, len(jobs), "jobs that differ get different keys")
}

// TestRealGo asks the installed go command, the one thing the fakes cannot
// prove: that `go env -json` gives what the identity needs.
func TestRealGo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	g, err := NewGlobal(context.Background(), "go", os.Environ(), Options{})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(g.goEnv.Version(), "go"), g.goEnv.Version())
	assert.NotEmpty(t, g.goEnv.Host())
	assert.Contains(t, g.identity, "tool ")
	assert.NotContains(t, g.identity, "absent", "the real GOROOT has every tool")
}

// TestRealGoPrefetched: answers from goenv.Query given as Options.GoEnv
// make the same Global as NewGlobal's own query, without asking again.
func TestRealGoPrefetched(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	ctx := context.Background()
	answers, err := goenv.Query(ctx, "", nil)
	require.NoError(t, err)
	asked, err := NewGlobal(ctx, "go", os.Environ(), Options{})
	require.NoError(t, err)
	given, err := NewGlobal(ctx, "go", os.Environ(), Options{GoEnv: answers,
		goEnv: func(context.Context, string, []string) (goenv.Env, error) {
			return nil, errors.New("asked although the answers were given")
		}})
	require.NoError(t, err)
	assert.Equal(t, asked.identity, given.identity)
	assert.Equal(t, asked.goEnv, given.goEnv)
}

// TestKeyModuleBelowRepository: with the module in a subdirectory of a git
// repository, the go command stamps vcs.modified from the whole repository,
// so a change outside the module (not hashed) must still change the key;
// with the repository clean again, the key is the clean one again.
func TestKeyModuleBelowRepository(t *testing.T) {
	git := needtool.Path(t, "apt-get install git", "git")
	f := newFixture(t)
	f.write("README.md", "the repository's own readme\n")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = f.base
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	run("init", "-q", "-b", "main")
	run("add", "-A")
	run("commit", "-q", "-m", "init")
	clean := f.mustKey()
	assert.Equal(t, clean, f.mustKey())

	f.write("README.md", "edited outside the module\n")
	dirty := f.mustKey()
	assert.NotEqual(t, clean, dirty, "an edit outside the module flips vcs.modified")
	f.write("README.md", "edited again: still modified\n")
	assert.Equal(t, dirty, f.mustKey(), "what is keyed is what the go command stamps: modified or not")

	f.write("README.md", "the repository's own readme\n")
	assert.Equal(t, clean, f.mustKey(), "clean again")

	f.insertFlags("-buildvcs=false")
	noVCS := f.mustKey()
	f.write("README.md", "edited outside the module\n")
	assert.Equal(t, noVCS, f.mustKey(), "without VCS stamping, files outside the module do not matter")
}
