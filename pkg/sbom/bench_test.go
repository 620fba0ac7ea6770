package sbom_test

import (
	"os"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/sbom"
)

// The cost of the SBOMs beside what a build already pays per binary: the
// inspection with its SHA-256 (inspect.File) against encoding both SBOM
// formats of the same binary, side by side in one run on the test binary
// itself (a Go binary with dozens of modules). docs/benchmarks.md gives the
// ratio.
func BenchmarkInspectAndHash(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := inspect.File(exe); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeBoth(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
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
