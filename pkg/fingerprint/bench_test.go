package fingerprint

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/plan"
)

// benchFixture is a module of 300 files, 3.6 MB: 270 Go files of 8 KB in
// 30 packages and 30 assets of 50 KB, and 12 jobs over it.
func benchFixture(b *testing.B) (*fixture, []plan.Job) {
	f := newFixture(b)
	src := "package p\n\n// " + strings.Repeat("x", 8<<10) + "\n"
	for i := range 270 {
		f.write(fmt.Sprintf("mod/internal/p%02d/f%03d.go", i%30, i), src)
	}
	asset := strings.Repeat("a", 50<<10)
	for i := range 30 {
		f.write(fmt.Sprintf("mod/assets/a%02d.bin", i), asset)
	}
	var jobs []plan.Job
	for _, goos := range []string{"linux", "darwin", "windows", "freebsd"} {
		for _, goarch := range []string{"amd64", "arm64", "386"} {
			j := f.job
			j.ID = "app/" + goos + "/" + goarch + "/default"
			j.Argv = append([]string(nil), f.job.Argv...)
			j.Argv[plan.OutputArg] = filepath.Join(f.dist, goos+"_"+goarch, "app")
			j.Env = []string{"GOOS=" + goos, "GOARCH=" + goarch, "CGO_ENABLED=0", "GOFLAGS="}
			jobs = append(jobs, j)
		}
	}
	return f, jobs
}

func keyAll(b *testing.B, g *Global, jobs []plan.Job) {
	_, errs := g.Keys(context.Background(), jobs, 2)
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeys12 is a run's keying: a fresh Global (toolchain identity
// with a faked `go env`) and 12 keys sharing one module walk.
func BenchmarkKeys12(b *testing.B) {
	f, jobs := benchFixture(b)
	for b.Loop() {
		keyAll(b, f.global(), jobs)
	}
}

// BenchmarkKeys12Cached is the same 12 keys from a Global that has walked
// the module already: the per-job cost.
func BenchmarkKeys12Cached(b *testing.B) {
	f, jobs := benchFixture(b)
	g := f.global()
	keyAll(b, g, jobs)
	for b.Loop() {
		keyAll(b, g, jobs)
	}
}

// BenchmarkKeys12CgoGCC adds what cgo jobs cost: `gcc --version` and
// `g++ --version`, once per run.
func BenchmarkKeys12CgoGCC(b *testing.B) {
	if _, err := exec.LookPath("gcc"); err != nil {
		b.Skip("no gcc")
	}
	f, jobs := benchFixture(b)
	f.environ[0] = "PATH=" + os.Getenv("PATH")
	for i := range jobs {
		jobs[i].Env = append(jobs[i].Env, "CGO_ENABLED=1", "CC=gcc", "CXX=g++")
	}
	for b.Loop() {
		keyAll(b, f.global(), jobs)
	}
}

// BenchmarkNewGlobalGo is the one `go env -json` a run pays for.
func BenchmarkNewGlobalGo(b *testing.B) {
	if _, err := exec.LookPath("go"); err != nil {
		b.Skip("no go command")
	}
	for b.Loop() {
		if _, err := NewGlobal(context.Background(), "go", os.Environ(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
