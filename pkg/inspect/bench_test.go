package inspect

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// benchDir copies every Go fixture this machine can build (and the C ones,
// where compilers are installed) into one directory, once.
var benchDir = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "inspect-bench-")
	if err != nil {
		return "", err
	}
	benchTmp.Store(dir)
	return dir, nil
})

func benchFixtures(b *testing.B) string {
	b.Helper()
	dir, err := benchDir()
	if err != nil {
		b.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		return dir
	}
	var paths []string
	for name := range fixtures {
		if fx := fixtures[name]; fx.cgo {
			continue // needs this host's C toolchain; the C fixtures cover it
		}
		paths = append(paths, fixturePath(b, name))
	}
	for name, fx := range cFixtures {
		if _, err := exec.LookPath(fx.cc); err == nil {
			paths = append(paths, cFixturePath(b, name))
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	if len(paths) < 20 {
		b.Fatalf("only %d fixtures built; the benchmark wants at least 20", len(paths))
	}
	return dir
}

// BenchmarkInspectDir inspects every binary in a directory of real
// fixtures of every format: what `portmatrix inspect DIR` does per run.
//
//	go test -run '^$' -bench InspectDir -benchmem ./pkg/inspect/
func BenchmarkInspectDir(b *testing.B) {
	dir := benchFixtures(b)
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, e := range entries {
		if st, err := e.Info(); err == nil {
			bytes += st.Size()
		}
	}
	b.SetBytes(bytes)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range entries {
			if _, err := File(filepath.Join(dir, e.Name())); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(entries)), "files/op")
}
