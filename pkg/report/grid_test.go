package report

import (
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// showcaseJobs is a representative release for the grid, HTML, JUnit and
// browser tests: every class, several OSes and architectures, three jobs
// (two levels, two variants) in linux/amd64, and reproducibility verdicts.
func showcaseJobs() []Job {
	return []Job{
		{
			ID: "app/linux/amd64/default", Build: "app", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64",
			Variant: "default", Status: StatusOK, Output: "dist/app/linux_amd64_default/app", Format: "elf",
			Linkage: "static", LinkageRule: "ET_EXEC without PT_INTERP", Expect: "static",
			Needed: []string{}, ThirdParty: []string{}, Violations: []string{},
			Size: 2_202_009, DurationSec: 1.234, Stripped: true,
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			File:   "app/linux_amd64_default/app",
			Archive: &Artifact{
				File:   "app_1.2.3_linux_amd64.tar.gz",
				SHA256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", Size: 1_048_576,
			},
			Reproducible: repro.VerdictYes,
		},
		{
			ID: "app/linux/amd64/cgo", Build: "app", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64",
			Variant: "cgo", Cgo: true, Linkmode: "external", Status: StatusOK, Output: "dist/app/linux_amd64_cgo/app",
			Format: "elf", Linkage: "dynamic", LinkageRule: "ET_DYN with PT_INTERP", Interpreter: "/lib64/ld-linux-x86-64.so.2",
			Needed: []string{"libc.so.6", "libfoo.so.1"}, ThirdParty: []string{"libfoo.so.1"}, Expect: "dynamic",
			Size: 2_404_000, DurationSec: 3.01, PIE: true,
			Libc: "glibc", MaxGlibc: "2.34", GlibcSymbols: []string{"__libc_start_main@GLIBC_2.34", "pthread_create@GLIBC_2.34"},
			Reproducible: repro.VerdictNo,
			ReproDetails: []string{"build setting -ldflags differs", "section .note.go.buildid differs at offset 0x1000"},
		},
		{
			ID: "app/linux/amd64/v3/default", Build: "app", Target: "linux/amd64/v3", GOOS: "linux", GOARCH: "amd64",
			Level: "v3", Variant: "default", Status: StatusOK, Output: "dist/app/linux_amd64_v3_default/app",
			Format: "elf", Linkage: "static", Expect: "static", Size: 2_300_000, DurationSec: 1.5,
			Reproducible: repro.VerdictYes,
		},
		{
			ID: "app/linux/arm64/default", Build: "app", Target: "linux/arm64", GOOS: "linux", GOARCH: "arm64",
			Variant: "default", Status: StatusOK, Output: "dist/app/linux_arm64_default/app", Format: "elf",
			Linkage: "static-pie", Expect: "static-pie", Size: 2_600_000, DurationSec: 2.05,
		},
		{
			ID: "app/linux/arm/v7/cgo", Build: "app", Target: "linux/arm/v7", GOOS: "linux", GOARCH: "arm", Level: "v7",
			Variant: "cgo", Cgo: true, Status: StatusFailed, Output: "dist/app/linux_arm_v7_cgo/app", Expect: "dynamic",
			DurationSec: 0.52, Error: "go build: exit status 1\ncgo: C compiler not found",
			LogTail: []string{"# runtime/cgo", `cgo: C compiler "arm-linux-gnueabihf-gcc" not found`},
			LogFile: "dist/logs/app_linux_arm_v7_cgo.log",
		},
		{
			ID: "app/darwin/arm64/default", Build: "app", Target: "darwin/arm64", GOOS: "darwin", GOARCH: "arm64",
			Variant: "default", Status: StatusOK, Output: "dist/app/darwin_arm64_default/app", Format: "macho",
			Linkage: "dynamic", Interpreter: "/usr/lib/dyld", Needed: []string{"/usr/lib/libSystem.B.dylib"},
			SystemLibsOnly: true, Expect: "any", Size: 2_150_000, DurationSec: 1.9, MinOS: "11.0", Libc: "libSystem",
		},
		{
			ID: "app/darwin/amd64/default", Build: "app", Target: "darwin/amd64", GOOS: "darwin", GOARCH: "amd64",
			Variant: "default", Status: StatusViolated, Output: "dist/app/darwin_amd64_default/app", Format: "macho",
			Linkage: "dynamic", Needed: []string{"/usr/lib/libSystem.B.dylib"}, Expect: "static",
			Violations: []string{"expected static, got dynamic"}, Size: 2_100_000, DurationSec: 1.8, MinOS: "10.15",
		},
		{
			ID: "app/windows/amd64/default", Build: "app", Target: "windows/amd64", GOOS: "windows", GOARCH: "amd64",
			Variant: "default", Status: StatusOK, Output: "dist/app/windows_amd64_default/app.exe", Format: "pe",
			Linkage: "dynamic", Needed: []string{"kernel32.dll"}, Expect: "any", Size: 2_500_000, DurationSec: 2.2,
			MinOS: "6.1", Reproducible: repro.VerdictError, ReproDetails: []string{"second build: exit status 1"},
		},
		{
			ID: "app/windows/arm64/default", Build: "app", Target: "windows/arm64", GOOS: "windows", GOARCH: "arm64",
			Variant: "default", Status: StatusTimeout, Output: "dist/app/windows_arm64_default/app.exe", Expect: "any",
			DurationSec: 300, Error: "killed after 5m0s",
		},
		{
			ID: "app/freebsd/amd64/default", Build: "app", Target: "freebsd/amd64", GOOS: "freebsd", GOARCH: "amd64",
			Variant: "default", Status: StatusCancelled, Output: "dist/app/freebsd_amd64_default/app", Expect: "static",
			DurationSec: 0.4, Error: "context canceled",
		},
		{
			ID: "app/plan9/386/default", Build: "app", Target: "plan9/386", GOOS: "plan9", GOARCH: "386",
			Variant: "default", Status: StatusSkipped, Output: "dist/app/plan9_386_default/app", Expect: "static",
		},
		{
			ID: "app/js/wasm/default", Build: "app", Target: "js/wasm", GOOS: "js", GOARCH: "wasm",
			Variant: "default", Status: StatusOK, Output: "dist/app/js_wasm_default/app.wasm", Format: "wasm",
			Linkage: "static", Needed: []string{"gojs"}, Expect: "any", Size: 2_700_000, DurationSec: 2.4,
		},
		{
			ID: "app/aix/ppc64/default", Build: "app", Target: "aix/ppc64", GOOS: "aix", GOARCH: "ppc64",
			Variant: "default", Status: StatusOK, Output: "dist/app/aix_ppc64_default/app", Format: "xcoff",
			Linkage: "unknown", LinkageRule: "no loader section", Expect: "any", Size: 2_800_000, DurationSec: 2.6,
		},
	}
}

func TestClassOf(t *testing.T) {
	tests := []struct {
		name string
		job  Job
		want Class
	}{
		{"static", Job{Status: StatusOK, Linkage: "static"}, ClassStatic},
		{"static-pie", Job{Status: StatusOK, Linkage: "static-pie"}, ClassStatic},
		{"dynamic, no libraries listed", Job{Status: StatusOK, Linkage: "dynamic"}, ClassDynamicSystem},
		{"dynamic, system libraries", Job{Status: StatusOK, Linkage: "dynamic", Needed: []string{"libc.so.6"}, ThirdParty: []string{}}, ClassDynamicSystem},
		{"dynamic, third-party", Job{Status: StatusOK, Linkage: "dynamic", ThirdParty: []string{"libfoo.so.1"}}, ClassDynamicThirdParty},
		{"shared library, system", Job{Status: StatusOK, Linkage: "shared-library"}, ClassDynamicSystem},
		{"shared library, third-party", Job{Status: StatusOK, Linkage: "shared-library", ThirdParty: []string{"libfoo.so"}}, ClassDynamicThirdParty},
		{"unknown linkage", Job{Status: StatusOK, Linkage: "unknown"}, ClassUnknown},
		{"no linkage", Job{Status: StatusOK}, ClassUnknown},
		{"violated static is failed", Job{Status: StatusViolated, Linkage: "static"}, ClassFailed},
		{"violated dynamic is failed", Job{Status: StatusViolated, Linkage: "dynamic", ThirdParty: []string{"x"}}, ClassFailed},
		{"failed", Job{Status: StatusFailed}, ClassFailed},
		{"timeout", Job{Status: StatusTimeout}, ClassFailed},
		{"cancelled", Job{Status: StatusCancelled, Linkage: "static"}, ClassNotBuilt},
		{"skipped", Job{Status: StatusSkipped}, ClassNotBuilt},
		{"unknown status", Job{Status: "weird", Linkage: "static"}, ClassUnknown},
		{"empty status", Job{}, ClassUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ClassOf(tt.job))
		})
	}
}

func TestClassStyles(t *testing.T) {
	hex := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	symbols, colours, marks := map[string]Class{}, map[string]Class{}, map[string]Class{}
	for _, c := range legendOrder {
		require.Contains(t, classStyles, c)
		assert.NotEmpty(t, c.Symbol(), c)
		assert.NotEmpty(t, c.Description(), c)
		assert.Regexp(t, hex, c.Color(), c)
		assert.Equal(t, 1, utf8.RuneCountInString(c.Mark()), "mark of %s is one character", c)
		assert.NotEmpty(t, classStyles[c].markText, c)
		assert.NotContains(t, symbols, c.Symbol(), "symbol of %s reused", c)
		assert.NotContains(t, colours, c.Color(), "colour of %s reused", c)
		if c != ClassDynamicThirdParty { // the text grid says D for both dynamic classes
			assert.NotContains(t, marks, c.Mark(), "mark of %s reused", c)
		}
		symbols[c.Symbol()], colours[c.Color()], marks[c.Mark()] = c, c, c
	}
	assert.Len(t, classStyles, len(legendOrder), "a style without a class in legendOrder")
	assert.ElementsMatch(t, legendOrder, severity, "severity orders every class")
	assert.Equal(t, []Class{ClassStatic, ClassDynamicSystem, ClassDynamicThirdParty, ClassCompiles, ClassFailed, ClassNotBuilt, ClassUnknown}, Classes(),
		"Classes is every class but the one only check gives, in legend order")
}

func TestWorst(t *testing.T) {
	assert.Equal(t, Class(""), Worst())
	assert.Equal(t, ClassStatic, Worst(ClassCompiles, ClassStatic), "a binary's class hides a compile-only row")
	assert.Equal(t, ClassDynamicThirdParty, Worst(ClassStatic, ClassDynamicThirdParty, ClassDynamicSystem))
	assert.Equal(t, ClassUnknown, Worst(ClassDynamicSystem, ClassUnknown))
	assert.Equal(t, ClassNotBuilt, Worst(ClassUnknown, ClassNotBuilt, ClassStatic))
	assert.Equal(t, ClassExcluded, Worst(ClassNotBuilt, ClassExcluded))
	assert.Equal(t, ClassFailed, Worst(ClassExcluded, ClassFailed, ClassCompiles))
}

// TestGridText: the text grid shows the worst class of each cell (levels
// and variants share one), architectures as columns, blanks for targets
// no job has.
func TestGridText(t *testing.T) {
	jobs := []Job{
		{ID: "a", Target: "linux/amd64", Status: StatusOK, Linkage: "static"},
		{ID: "b", Target: "linux/amd64/v3", Status: StatusOK, Linkage: "dynamic"},
		{ID: "c", Target: "linux/arm/v6", Status: StatusOK, Package: "example.com/lib"},
		{ID: "d", Target: "linux/arm/v7", Status: StatusOK, Linkage: "static-pie"},
		{ID: "e", Target: "windows/arm64", Status: StatusFailed},
		{ID: "f", Target: "js/wasm", Status: StatusCancelled},
		{ID: "g", Target: "aix/ppc64", Status: StatusOK, Linkage: "unknown"},
	}
	g := NewGrid(jobs)
	assert.Equal(t, ""+
		"         amd64  arm  arm64  ppc64  wasm\n"+
		"aix                         ?\n"+
		"js                                 -\n"+
		"linux    D      S\n"+
		"windows              ✗\n", g.Text())
	assert.Equal(t, map[string]string{"aix/ppc64": "?", "js/wasm": "-", "linux/amd64": "D", "linux/arm": "S", "windows/arm64": "✗"}, g.Marks())
	assert.Equal(t, "S static · D dynamic · ✓ compiles (no binary) · ✗ fails · ∅ build constraints exclude every file · - not built · ? unknown linkage or status", g.TextLegend())
	assert.NotContains(t, NewGrid(jobs[:1]).TextLegend(), "?", "unknown is listed only when present")
	assert.Equal(t, "\n", NewGrid(nil).Text(), "an empty grid is an empty header")

	excluded := NewGridOf(jobs[4:5], func(int) Class { return ClassExcluded })
	assert.Equal(t, map[string]string{"windows/arm64": "∅"}, excluded.Marks())
	assert.Contains(t, excluded.Legend(), ClassExcluded, "listed in the legend when present")
	assert.NotContains(t, g.Legend(), ClassExcluded)
}

// cellView is a grid cell reduced to what the tests compare.
type cellView struct {
	target  string
	entries []string // "class label"
}

func view(g Grid) map[string]cellView {
	out := map[string]cellView{}
	for _, row := range g.Cells {
		for _, c := range row {
			v := cellView{target: c.Target}
			for _, e := range c.Entries {
				v.entries = append(v.entries, string(e.Class)+" "+e.Label)
			}
			out[c.Target] = v
		}
	}
	return out
}

func TestNewGrid(t *testing.T) {
	job := func(id, target, goos, goarch, level, variant string, st Status, linkage string) Job {
		return Job{ID: id, Build: "app", Target: target, GOOS: goos, GOARCH: goarch, Level: level,
			Variant: variant, Status: st, Linkage: linkage}
	}
	tests := []struct {
		name   string
		jobs   []Job
		oses   []string
		arches []string
		cells  map[string][]string // target -> "class label", only non-empty cells
	}{
		{name: "empty", jobs: nil, oses: nil, arches: nil, cells: map[string][]string{}},
		{
			name:   "one job per cell has no labels",
			jobs:   []Job{job("a", "linux/amd64", "linux", "amd64", "", "default", StatusOK, "static"), job("b", "darwin/arm64", "darwin", "arm64", "", "cgo", StatusFailed, "")},
			oses:   []string{"darwin", "linux"},
			arches: []string{"amd64", "arm64"},
			cells:  map[string][]string{"linux/amd64": {"static "}, "darwin/arm64": {"failed "}},
		},
		{
			name: "variants share a cell in report order",
			jobs: []Job{
				job("a", "linux/amd64", "linux", "amd64", "", "static", StatusOK, "static"),
				job("b", "linux/amd64", "linux", "amd64", "", "cgo", StatusOK, "dynamic"),
			},
			oses: []string{"linux"}, arches: []string{"amd64"},
			cells: map[string][]string{"linux/amd64": {"static static", "dynamic-system cgo"}},
		},
		{
			name: "levels share a cell; no level shows the arch",
			jobs: []Job{
				job("a", "linux/arm/v7", "linux", "arm", "v7", "default", StatusOK, "static"),
				job("b", "linux/arm", "linux", "arm", "", "default", StatusSkipped, ""),
				job("c", "linux/arm/v6", "linux", "arm", "v6", "default", StatusOK, "static"),
			},
			oses: []string{"linux"}, arches: []string{"arm"},
			cells: map[string][]string{"linux/arm": {"static v7", "not-built arm", "static v6"}},
		},
		{
			name: "level and variant both differ",
			jobs: []Job{
				job("a", "linux/amd64", "linux", "amd64", "", "default", StatusOK, "static"),
				job("b", "linux/amd64/v3", "linux", "amd64", "v3", "default", StatusOK, "static"),
				job("c", "linux/amd64", "linux", "amd64", "", "cgo", StatusViolated, "dynamic"),
			},
			oses: []string{"linux"}, arches: []string{"amd64"},
			cells: map[string][]string{"linux/amd64": {"static amd64 default", "static v3 default", "failed amd64 cgo"}},
		},
		{
			name: "builds share a cell",
			jobs: []Job{
				{ID: "cli/linux/amd64/default", Build: "cli", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Variant: "default", Status: StatusOK, Linkage: "static"},
				{ID: "server/linux/amd64/default", Build: "server", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Variant: "default", Status: StatusOK, Linkage: "dynamic", ThirdParty: []string{"libpq.so.5"}},
			},
			oses: []string{"linux"}, arches: []string{"amd64"},
			cells: map[string][]string{"linux/amd64": {"static cli", "dynamic-third-party server"}},
		},
		{
			name: "goos and goarch taken from the target when unset",
			jobs: []Job{
				{ID: "x", Target: "linux/arm/v7", Variant: "a", Status: StatusOK, Linkage: "static"},
				{ID: "y", Target: "linux/arm", Variant: "a", Status: StatusCancelled},
				{ID: "z", Target: "", Variant: "a", Status: StatusFailed},
			},
			oses: []string{"?", "linux"}, arches: []string{"?", "arm"},
			cells: map[string][]string{"linux/arm": {"static v7", "not-built arm"}, "?/?": {"failed "}},
		},
		{
			name: "indistinguishable jobs are labelled by id",
			jobs: []Job{
				job("app/one", "linux/amd64", "linux", "amd64", "", "default", StatusOK, "static"),
				job("app/two", "linux/amd64", "linux", "amd64", "", "default", StatusOK, "static"),
			},
			oses: []string{"linux"}, arches: []string{"amd64"},
			cells: map[string][]string{"linux/amd64": {"static app/one", "static app/two"}},
		},
		{
			name: "sorted rows and only arches that occur",
			jobs: []Job{
				job("a", "windows/arm64", "windows", "arm64", "", "d", StatusOK, "dynamic"),
				job("b", "plan9/386", "plan9", "386", "", "d", StatusOK, "static"),
				job("c", "aix/ppc64", "aix", "ppc64", "", "d", StatusOK, "unknown"),
			},
			oses: []string{"aix", "plan9", "windows"}, arches: []string{"386", "arm64", "ppc64"},
			cells: map[string][]string{"windows/arm64": {"dynamic-system "}, "plan9/386": {"static "}, "aix/ppc64": {"unknown "}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGrid(tt.jobs)
			assert.Equal(t, tt.oses, g.OSes)
			assert.Equal(t, tt.arches, g.Arches)
			require.Len(t, g.Cells, len(g.OSes))
			for r, row := range g.Cells {
				require.Len(t, row, len(g.Arches))
				for c, cell := range row {
					assert.Equal(t, g.OSes[r]+"/"+g.Arches[c], cell.Target)
				}
			}
			got := map[string][]string{}
			for target, v := range view(g) {
				if len(v.entries) > 0 {
					got[target] = v.entries
				}
			}
			assert.Equal(t, tt.cells, got)

			// Every job is in exactly one cell, with its index and id.
			seen := map[int]bool{}
			for _, row := range g.Cells {
				for _, cell := range row {
					for _, e := range cell.Entries {
						assert.False(t, seen[e.Index], "job %d twice", e.Index)
						seen[e.Index] = true
						assert.Equal(t, tt.jobs[e.Index].ID, e.ID)
						assert.Equal(t, ClassOf(tt.jobs[e.Index]), e.Class)
					}
				}
			}
			assert.Len(t, seen, len(tt.jobs))
		})
	}
}

func TestGridLegend(t *testing.T) {
	core := []Class{ClassStatic, ClassDynamicSystem, ClassDynamicThirdParty, ClassFailed, ClassNotBuilt}
	tests := []struct {
		name string
		jobs []Job
		want []Class
	}{
		{"empty lists the core classes", nil, core},
		{"all ok lists the core classes", []Job{{Target: "linux/amd64", Status: StatusOK, Linkage: "static"}}, core},
		{"unknown is listed when present", []Job{{Target: "aix/ppc64", Status: StatusOK, Linkage: "unknown"}}, append(core, ClassUnknown)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, NewGrid(tt.jobs).Legend())
		})
	}
}

func TestShowcaseGrid(t *testing.T) {
	g := NewGrid(showcaseJobs())
	assert.Equal(t, []string{"aix", "darwin", "freebsd", "js", "linux", "plan9", "windows"}, g.OSes)
	assert.Equal(t, []string{"386", "amd64", "arm", "arm64", "ppc64", "wasm"}, g.Arches)
	v := view(g)
	assert.Equal(t, []string{"static amd64 default", "dynamic-third-party amd64 cgo", "static v3 default"}, v["linux/amd64"].entries)
	classes := map[Class]bool{}
	for _, row := range g.Cells {
		for _, cell := range row {
			for _, e := range cell.Entries {
				classes[e.Class] = true
			}
		}
	}
	// Compile-only rows come from `portmatrix check` (TestClassCompiles).
	assert.Len(t, classes, len(Classes())-1, "the showcase must exercise every class of a build")
	assert.False(t, classes[ClassCompiles])
}

// TestClassCompiles: an ok row with no binary (a library compile-checked
// by `portmatrix check`) is "compiles", listed in the legend only then.
func TestClassCompiles(t *testing.T) {
	lib := Job{ID: "lib/linux/amd64", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Package: "example.com/lib/...", Status: StatusOK}
	assert.Equal(t, ClassCompiles, ClassOf(lib))
	failed := lib
	failed.Status = StatusFailed
	assert.Equal(t, ClassFailed, ClassOf(failed))
	assert.Contains(t, NewGrid([]Job{lib}).Legend(), ClassCompiles)
	assert.NotContains(t, NewGrid(showcaseJobs()).Legend(), ClassCompiles)
	assert.Equal(t, ClassUnknown, ClassOf(Job{Status: StatusOK}), "no package, no linkage: unknown")
}
