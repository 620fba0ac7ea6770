package fingerprint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeyUncertain proves every "cannot decide" case gives ErrUncertain
// (so the job is built) and its near miss still gets a key.
func TestKeyUncertain(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *fixture)
		uncertain bool
		contains  string
	}{
		{name: "go.work above the module", setup: func(f *fixture) { f.write("go.work", "go 1.26\n\nuse ./mod\n") }, uncertain: true, contains: "go.work"},
		{name: "go.work above the module with GOWORK=off", setup: func(f *fixture) {
			f.write("go.work", "go 1.26\n\nuse ./mod\n")
			f.job.Env = append(f.job.Env, "GOWORK=off")
		}},
		{name: "go.work in the module", setup: func(f *fixture) { f.write("mod/go.work", "go 1.26\n") }, uncertain: true, contains: "go.work"},
		{name: "GOWORK inherited", setup: func(f *fixture) { f.environ = append(f.environ, "GOWORK=/elsewhere/go.work") }, uncertain: true, contains: "GOWORK"},
		{name: "GOWORK from go env -w", setup: func(f *fixture) { f.write("config/go/env", "GOWORK=/elsewhere/go.work\n") }, uncertain: true, contains: "GOWORK"},
		{name: "local replace", setup: func(f *fixture) {
			f.write("mod/go.mod", "module example.com/app\n\ngo 1.26\n\nreplace example.com/dep => ../dep\n")
		}, uncertain: true, contains: "go.mod:5"},
		{name: "local replace in a block", setup: func(f *fixture) {
			f.write("mod/go.mod", "module example.com/app\n\nreplace (\n\texample.com/x v1.0.0 => example.com/y v1.2.0\n\texample.com/dep v1.0.0 => /abs/dep // local\n)\n")
		}, uncertain: true, contains: "/abs/dep"},
		{name: "module replace", setup: func(f *fixture) {
			f.write("mod/go.mod", "module example.com/app\n\nreplace example.com/dep => example.com/fork v1.0.1 // a fork\n")
		}},
		{name: "symlink out of the module", setup: func(f *fixture) {
			f.write("secret.txt", "outside")
			f.symlink(filepath.Join(f.base, "secret.txt"), "mod/assets/secret.txt")
		}, uncertain: true, contains: "outside the module"},
		{name: "relative symlink out of the module", setup: func(f *fixture) {
			f.write("secret.txt", "outside")
			f.symlink("../../secret.txt", "mod/assets/secret.txt")
		}, uncertain: true, contains: "outside the module"},
		{name: "symlink into dist", setup: func(f *fixture) {
			f.write("mod/dist/gen.html", "x")
			f.symlink("../dist/gen.html", "mod/assets/gen.html")
		}, uncertain: true, contains: "not hashed"},
		{name: "symlink inside the module", setup: func(f *fixture) { f.symlink("index.html", "mod/assets/home.html") }},
		{name: "dangling symlink inside (editor lock)", setup: func(f *fixture) { f.symlink("user@host.1234:5678", "mod/.#main.go") }},
		{name: "dangling symlink out of the module", setup: func(f *fixture) { f.symlink("/nonexistent/x", "mod/x") }, uncertain: true, contains: "leaves the module"},
		{name: "too many files", setup: func(f *fixture) { f.opt.MaxFiles = 3 }, uncertain: true, contains: "more than 3 files"},
		{name: "too many bytes", setup: func(f *fixture) { f.opt.MaxBytes = 10 }, uncertain: true, contains: "larger than 10 bytes"},
		{name: "no go.mod", setup: func(f *fixture) { require.NoError(f.t, os.Remove(filepath.Join(f.mod, "go.mod"))) }, uncertain: true, contains: "no go.mod"},
		{name: "GO111MODULE=off", setup: func(f *fixture) { f.job.Env = append(f.job.Env, "GO111MODULE=off") }, uncertain: true, contains: "GOPATH mode"},
		{name: "devel toolchain", setup: func(f *fixture) { f.goEnv["GOVERSION"] = "devel go1.27-abcdef" }, uncertain: true, contains: "development toolchain"},
		{name: "GOTOOLCHAIN with path", setup: func(f *fixture) { f.environ = append(f.environ, "GOTOOLCHAIN=go1.26.8+path") }, uncertain: true, contains: "PATH"},
		{name: "GOTOOLCHAIN version", setup: func(f *fixture) { f.job.Env = append(f.job.Env, "GOTOOLCHAIN=go1.26.9") }},
		{name: "job sets GOROOT", setup: func(f *fixture) { f.job.Env = append(f.job.Env, "GOROOT=/opt/go") }, uncertain: true, contains: "GOROOT"},
		{name: "argv is not go build", setup: func(f *fixture) { f.job.Argv[1] = "install" }, uncertain: true, contains: "is not"},
		{name: "argv[0] is another go", setup: func(f *fixture) { f.job.Argv[0] = "/opt/go/bin/go" }, uncertain: true, contains: "is not"},
		{name: "a second -o", setup: func(f *fixture) { f.insertFlags("-o", "/elsewhere/app") }, uncertain: true, contains: "2 -o flags"},
		{name: "-toolexec", setup: func(f *fixture) { f.insertFlags("-toolexec", "strace") }, uncertain: true, contains: "-toolexec"},
		{name: "-overlay", setup: func(f *fixture) { f.insertFlags("-overlay=o.json") }, uncertain: true, contains: "-overlay"},
		{name: "-modfile", setup: func(f *fixture) { f.insertFlags("-modfile=go.alt.mod") }, uncertain: true, contains: "-modfile"},
		{name: "-C", setup: func(f *fixture) { f.insertFlags("-C", "sub") }, uncertain: true, contains: "-C"},
		{name: "-compiler=gccgo", setup: func(f *fixture) { f.insertFlags("-compiler=gccgo") }, uncertain: true, contains: "gccgo"},
		{name: "-ldflags -extld", setup: func(f *fixture) { f.insertFlags("-ldflags", "-s -extld=clang") }, uncertain: true, contains: "extld"},
		{name: "-ldflags -extldflags is fine", setup: func(f *fixture) { f.insertFlags("-ldflags=-extldflags=-static") }},
		{name: "-pgo outside the module", setup: func(f *fixture) { f.insertFlags("-pgo=/tmp/cpu.pprof") }, uncertain: true, contains: "-pgo"},
		{name: "-pgo inside the module", setup: func(f *fixture) { f.insertFlags("-pgo=assets/cpu.pprof") }},
		{name: "-modfile in GOFLAGS from go env -w, which GOFLAGS= does not clear", setup: func(f *fixture) {
			f.write("config/go/env", "GOFLAGS=-modfile=go.alt.mod\n")
		}, uncertain: true, contains: "GOFLAGS"},
		{name: "hg repository with -buildvcs", setup: func(f *fixture) { f.write("mod/.hg/requires", "store\n") }, uncertain: true, contains: "only git"},
		{name: "hg repository with -buildvcs=false", setup: func(f *fixture) {
			f.write("mod/.hg/requires", "store\n")
			f.insertFlags("-buildvcs=false")
		}},
		{name: "GIT_DIR set", setup: func(f *fixture) { f.environ = append(f.environ, "GIT_DIR=/elsewhere/.git") }, uncertain: true, contains: "GIT_DIR"},
		{name: "reftable repository", setup: func(f *fixture) {
			f.gitInit(commitA)
			f.write("mod/.git/HEAD", "ref: refs/heads/.invalid\n")
		}, uncertain: true, contains: "reftable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.setup(f)
			key, err := f.key()
			if !tt.uncertain {
				require.NoError(t, err)
				assert.Len(t, key, 64)
				return
			}
			require.ErrorIs(t, err, ErrUncertain)
			assert.Empty(t, key)
			assert.Contains(t, err.Error(), tt.contains)
			assert.Contains(t, err.Error(), f.job.ID, "the error names the job")
		})
	}

	t.Run("unreadable file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads every file")
		}
		f := newFixture(t)
		require.NoError(t, os.Chmod(filepath.Join(f.mod, "main.go"), 0))
		_, err := f.key()
		require.ErrorIs(t, err, ErrUncertain)
		assert.Contains(t, err.Error(), "main.go")
	})
}

func (f *fixture) symlink(target, rel string) {
	f.t.Helper()
	p := filepath.Join(f.base, filepath.FromSlash(rel))
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	if err := os.Symlink(target, p); err != nil {
		f.t.Skipf("symlinks: %v", err)
	}
}

func TestGitHead(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{name: "loose ref", files: map[string]string{".git/HEAD": "ref: refs/heads/main\n", ".git/refs/heads/main": commitA + "\n"}, want: "git refs/heads/main " + commitA},
		{name: "packed ref", files: map[string]string{
			".git/HEAD":        "ref: refs/heads/main\n",
			".git/packed-refs": "# pack-refs with: peeled fully-peeled sorted\n" + commitB + " refs/heads/dev\n" + commitA + " refs/heads/main\n",
		}, want: "git refs/heads/main " + commitA},
		{name: "detached", files: map[string]string{".git/HEAD": commitB + "\n"}, want: "git detached " + commitB},
		{name: "unborn branch", files: map[string]string{".git/HEAD": "ref: refs/heads/main\n"}, want: "git refs/heads/main unborn"},
		{name: "worktree", files: map[string]string{
			".git":                                   "gitdir: main/.git/worktrees/wt\n",
			"main/.git/worktrees/wt/HEAD":            "ref: refs/heads/feature\n",
			"main/.git/worktrees/wt/commondir":       "../..\n",
			"main/.git/refs/heads/feature":           commitB + "\n",
			"main/.git/worktrees/wt/refs/.placehold": "",
		}, want: "git refs/heads/feature " + commitB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for rel, content := range tt.files {
				p := filepath.Join(dir, filepath.FromSlash(rel))
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
			}
			got, err := gitHead(filepath.Join(dir, ".git"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLocalReplace(t *testing.T) {
	tests := []struct {
		gomod string
		local bool
	}{
		{"module m\n", false},
		{"module m\nreplace a => ./a\n", true},
		{"module m\nreplace a v1.0.0 => ../a\n", true},
		{"module m\nreplace a=>b v1.0.0\n", false},
		{"module m\nreplace (\n\ta => b v1.0.0\n)\nrequire c v1.0.0\n", false},
		{"module m\nreplace(\n\ta => \"./quoted dir\"\n)\n", true},
		{"module m\n// replace a => ./a\n", false},
		{"module m\nrequire (\n\ta v1.0.0 // => ./x\n)\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.gomod, func(t *testing.T) {
			got, err := localReplace([]byte(tt.gomod))
			if err != nil {
				require.ErrorIs(t, err, ErrUncertain) // unreadable counts as local
				assert.True(t, tt.local)
				return
			}
			assert.Equal(t, tt.local, got != "", got)
		})
	}
}
