package fingerprint

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// fixture is a real module in a temp directory with a fake toolchain: a
// GOROOT with VERSION, go.env and tools, a go binary and a PATH directory,
// and `go env` answered by the goEnv seam, so no test needs the go command.
type fixture struct {
	t       testing.TB
	base    string // holds everything below
	mod     string // the module root
	dist    string // the dist directory, inside the module as usual
	bin     string // the only PATH entry
	goBin   string
	goroot  string
	goenv   string // the user's go env file (`go env -w`)
	environ []string
	goEnv   map[string]string
	opt     Options
	job     plan.Job
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{t: t, base: base}
	f.mod = filepath.Join(base, "mod")
	f.dist = filepath.Join(f.mod, "dist")
	f.bin = filepath.Join(base, "bin")
	f.goroot = filepath.Join(base, "goroot")
	f.goenv = filepath.Join(base, "config", "go", "env")
	f.goBin = filepath.Join(f.bin, "go")

	f.write("mod/go.mod", "module example.com/app\n\ngo 1.26\n\nrequire example.com/dep v1.0.0\n")
	f.write("mod/go.sum", "example.com/dep v1.0.0 h1:AAAA=\nexample.com/dep v1.0.0/go.mod h1:BBBB=\n")
	f.write("mod/main.go", "package main\n\nfunc main() {}\n")
	f.write("mod/assets/index.html", "<h1>hello</h1>\n")
	f.write("mod/cmd/tool/main.go", "package main\n\nfunc main() {}\n")
	f.write("mod/vendor/modules.txt", "# example.com/dep v1.0.0\n## explicit\nexample.com/dep\n")
	f.write("mod/vendor/example.com/dep/dep.go", "package dep\n")
	f.write("goroot/VERSION", "go1.26.8\ntime 2026-01-01T00:00:00Z\n")
	f.write("goroot/go.env", "GOPROXY=https://proxy.golang.org,direct\nGOTOOLCHAIN=auto\n")
	for _, tool := range []string{"compile", "link", "asm", "cgo"} {
		f.write("goroot/pkg/tool/linux_amd64/"+tool, "tool "+tool)
	}
	f.write("config/go/env", "")
	f.write("bin/go", "#!/bin/sh\necho fake go\n")
	require.NoError(t, os.Chmod(f.goBin, 0o755))

	f.environ = []string{"PATH=" + f.bin, "HOME=" + base, "TERM=dumb"}
	f.goEnv = map[string]string{
		"GOVERSION": "go1.26.8", "GOROOT": f.goroot, "GOTOOLDIR": filepath.Join(f.goroot, "pkg", "tool", "linux_amd64"),
		"GOENV": f.goenv, "GOHOSTOS": "linux", "GOHOSTARCH": "amd64", "GOOS": "linux", "GOARCH": "amd64",
		"GOAMD64": "v1", "GOFLAGS": "", "GOTOOLCHAIN": "auto", "GOWORK": "", "CGO_ENABLED": "1",
		"CC": "gcc", "CXX": "g++", "GOCACHE": filepath.Join(base, "cache"),
		"GOMODCACHE": filepath.Join(base, "gopath", "pkg", "mod"),
	}
	f.job = plan.Job{
		ID:     "app/linux/amd64/default",
		Dir:    f.mod,
		Argv:   []string{f.goBin, "build", "-o", filepath.Join(f.dist, "app_linux_amd64", "app"), "-trimpath", "-ldflags=-s -w", "."},
		Env:    []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS="},
		Output: filepath.Join(f.dist, "app_linux_amd64", "app"),
	}
	return f
}

// write creates base/rel with content, and its directories.
func (f *fixture) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.base, filepath.FromSlash(rel))
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.WriteFile(p, []byte(content), 0o644))
}

// global is a fresh Global over the fixture as it is now.
func (f *fixture) global() *Global {
	f.t.Helper()
	opt := f.opt
	opt.DistDir = f.dist
	opt.goEnv = func(context.Context, string, []string) (goenv.Env, error) {
		return maps.Clone(f.goEnv), nil
	}
	g, err := NewGlobal(context.Background(), f.goBin, f.environ, opt)
	require.NoError(f.t, err)
	return g
}

// key keys the fixture's job with a fresh Global, as the next run would.
func (f *fixture) key() (string, error) {
	return f.global().Key(context.Background(), f.job)
}

func (f *fixture) mustKey() string {
	f.t.Helper()
	k, err := f.key()
	require.NoError(f.t, err)
	require.Len(f.t, k, 64)
	return k
}

// insertFlags puts flags before the package argument (the last one).
func (f *fixture) insertFlags(flags ...string) {
	n := len(f.job.Argv)
	f.job.Argv = append(append(append([]string(nil), f.job.Argv[:n-1]...), flags...), f.job.Argv[n-1])
}

// gitInit makes a minimal repository around the module (files only: the
// fingerprint reads them without git).
func (f *fixture) gitInit(commit string) {
	f.write("mod/.git/HEAD", "ref: refs/heads/main\n")
	f.write("mod/.git/refs/heads/main", commit+"\n")
	f.write("mod/.git/config", "[core]\n")
}
