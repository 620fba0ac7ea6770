package manifest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/platforms"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// FuzzLoad checks that no manifest makes the loader, the validator or the
// planner panic or run away: every problem names the file, the plan stays
// within plan.MaxJobs, and one input takes seconds at most (a guard
// against a hang, not a speed goal: real manifests take milliseconds).
// The seeds are every manifest in the repository; the corpus the fuzzer
// found is in testdata/fuzz/FuzzLoad.
//
//	go test -fuzz=FuzzLoad -fuzztime=60s ./pkg/manifest/
func FuzzLoad(f *testing.F) {
	for _, glob := range []string{"testdata/*.yaml", "testdata/*/*.yaml", "../plan/testdata/*/*.yaml", "../../examples/*/*.yaml", "../../configs/*.yaml"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("version: 1\nbuilds:\n  - id: app\n    targets: [all]\n    variants: [{name: a}, {name: b, cgo: true}]\n---\nx: 1\n"))
	dir := f.TempDir()
	table := platforms.Table()
	noCC := func(n toolchain.Need, _ toolchain.Overrides) (toolchain.Toolchain, error) {
		return toolchain.Toolchain{Name: "fuzz", CC: []string{"cc"}}, nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		m, ps := manifest.Parse(data, "fuzz.yaml")
		for _, p := range ps {
			if p.File != "fuzz.yaml" {
				t.Fatalf("a problem that does not name the file: %s", p.Error())
			}
			if strings.Contains(p.Msg, "manifest.") {
				t.Fatalf("a Go type name in a message: %s", p.Error())
			}
		}
		if m != nil {
			pl, pps := plan.New(m, plan.Options{Table: table, ManifestDir: dir, SelectToolchain: noCC})
			if len(pl.Jobs) > plan.MaxJobs {
				t.Fatalf("%d jobs, more than plan.MaxJobs", len(pl.Jobs))
			}
			for _, p := range pps {
				if p.File == "" {
					t.Fatalf("a plan problem with no file: %s", p.Error())
				}
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("one input took %s", d)
		}
	})
}
