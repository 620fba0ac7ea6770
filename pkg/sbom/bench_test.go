package sbom_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/sbom"
)

// The cost of the SBOMs beside what a build already pays per binary: the
// inspection with its SHA-256 (inspect.File) against encoding both SBOM
// formats of the same binary, side by side in one run on portmatrix's own
// binary (a Go binary with dozens of modules in its build info; a test
// binary carries none). docs/benchmarks.md gives the ratio.

var (
	benchOnce sync.Once
	benchExe  string
	benchErr  error
	benchTmp  string
)

// TestMain removes the benchmarks' binary.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchTmp != "" {
		_ = os.RemoveAll(benchTmp)
	}
	os.Exit(code)
}

// benchBinary builds cmd/portmatrix once per test process.
func benchBinary(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			benchErr = err
			return
		}
		tmp, err := os.MkdirTemp("", "sbom-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchTmp = tmp
		out := filepath.Join(tmp, "portmatrix")
		cmd := exec.Command("go", "build", "-o", out, "./cmd/portmatrix")
		cmd.Dir = dir
		if msg, err := cmd.CombinedOutput(); err != nil {
			benchErr = err
			b.Logf("%s", msg)
			return
		}
		benchExe = out
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchExe
}

func BenchmarkInspectAndHash(b *testing.B) {
	exe := benchBinary(b)
	for b.Loop() {
		if _, err := inspect.File(exe); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeBoth(b *testing.B) {
	exe := benchBinary(b)
	info, err := inspect.File(exe)
	if err != nil {
		b.Fatal(err)
	}
	bin := sbom.Binary{Name: "bench", Info: info, Tool: "portmatrix bench"}
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range sbom.Formats {
			if _, err := sbom.Encode(f, bin); err != nil {
				b.Fatal(err)
			}
		}
	}
}
