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
		if _, err := exec.LookPath(fx.cc); err == nil && !fx.notExec {
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

// BenchmarkCorpus inspects the benchmark corpus (corpus_test.go, about 200
// Go binaries of every format, 800 MB): one file after another with
// FileWith, and all at once with Files, each without and with hashing.
// MB/s counts every byte of every file, read or not; files/s is the rate
// that matters for `portmatrix inspect DIR`.
//
//	PORTMATRIX_BENCH_CORPUS=build go test -run '^$' -bench Corpus ./pkg/inspect/
func BenchmarkCorpus(b *testing.B) {
	paths := benchCorpus(b)
	var total int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		total += st.Size()
	}
	for _, bm := range []struct {
		name     string
		opt      Options
		parallel bool
	}{
		{"sequential", Options{}, false},
		{"parallel", Options{}, true},
		{"sequential+sha256", Options{Hash: true}, false},
		{"parallel+sha256", Options{Hash: true}, true},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				if bm.parallel {
					for _, r := range Files(b.Context(), paths, bm.opt, 0) {
						if r.Err != nil {
							b.Fatal(r.Err)
						}
					}
					continue
				}
				for _, p := range paths {
					if _, err := FileWith(p, bm.opt); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(paths))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
			b.ReportMetric(float64(len(paths)), "files/op")
		})
	}
}
