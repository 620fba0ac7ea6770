package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlanProblems plans the manifests under testdata/problems, each valid on
// its own, and compares the plan's problems (and what jobs remain) with a
// golden file.
func TestPlanProblems(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		targets  []string // --targets
		builds   []string // --build
		contains []string // checked on top of the golden file, to state the intent
	}{
		{name: "unknown-platform", contains: []string{
			`4:28: builds[app].targets: unknown platform "lniux/amd64"`, `did you mean "linux/amd64"`,
			`4:41: builds[app].targets: unknown platform "linux/amd46"`,
			`4:54: builds[app].targets: unknown platform "windwos/arm64"`, `did you mean "windows/arm64"`,
		}},
		{name: "glob-matches-nothing", contains: []string{
			`target pattern "zz*/*" matches no platform`, `target pattern "plan9/*/power9" matches no platform`,
			`builds[app].exclude: target pattern "solaris/arm*" matches no platform`,
		}},
		{name: "set-and-level-errors", contains: []string{
			`or one of the sets all, first-class, cgo`, `arm has no level "v9"; its levels are v5, v6, v7`,
			`amd64 has no level "v7"`, `riscv64 has no level "x"`, `386 has no level "sse3"; its levels are sse2, softfloat`, `bad glob`,
		}},
		{name: "cgo-unsupported", contains: []string{
			"cgo: true on js/wasm, linux/ppc64, plan9/386, plan9/amd64, plan9/arm, wasip1/wasm, where `go tool dist list` says CgoSupported is false",
			"cgo: true with external linking on js/wasm,",
		}},
		{name: "ios-without-cgo", contains: []string{
			"builds[app].variants[pure].cgo: android/386, ios/amd64, ios/arm64: requires external (cgo) linking",
			"builds[implicit].targets: ios/arm64: requires",
		}},
		{name: "duplicate-outputs", contains: []string{
			"jobs app/linux/amd64/a and app/linux/amd64/b both write $DIR/dist/app/linux_amd64/app (and 2 more clashes); put {{.Slug}}",
		}},
		{name: "escaping-output", contains: []string{
			`for windows/amd64/default: output path "../windows_amd64/app.exe" escapes the dist directory; likewise for 1 more job (windows/arm64/default), each with a value of its own`,
		}},
		{name: "extldflags-unquotable", contains: []string{
			`13:21: builds[app].variants[rpath].extldflags: cannot pass ["-Wl,-rpath,'/opt/my lib'"] through -ldflags: argument`,
			"contains both single and double quotes and cannot be quoted",
		}},
		{name: "missing-dir", contains: []string{"4:10: builds[app].dir: module directory $DIR/nope does not exist"}},
		{name: "no-jobs", contains: []string{"portmatrix.yaml:3:3: builds: the plan has no jobs: the excludes (and the variants' targets) leave nothing to build"}},
		{name: "no-jobs-filtered", manifest: "filters", targets: []string{"darwin/*"}, contains: []string{"--targets darwin/*: no job of the manifest matches; the plan is empty"}},
		{name: "rule-target-typo", contains: []string{
			`6:19: builds[app].expectations[0].targets: unknown platform "linux/amd46"`,
			`8:28: builds[app].expectations[1].targets: target pattern "*/*/v9" matches no platform`,
		}},
		{name: "bad-excludes", contains: []string{
			`5:15: builds[app].exclude: unknown platform "linux/amd46"`,
			`8:19: builds[app].variants[v].targets: target pattern "lnux/*" matches no platform`,
			`9:19: builds[app].variants[v].exclude: unknown platform "darwn/arm64"`,
		}},
		{name: "targets-filter-unknown", manifest: "filters", targets: []string{"lnux/amd64", "linux/*"}, contains: []string{
			`--targets: unknown platform "lnux/amd64"`, `did you mean "linux/amd64"`,
		}},
		{name: "build-filter-unknown", manifest: "filters", builds: []string{"serer", "nothing-like-it", "client"}, contains: []string{
			`--build: no build with id "serer" (did you mean "server"?)`,
			`--build: no build with id "nothing-like-it"; the builds are server, client`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.manifest
			if name == "" {
				name = tt.name
			}
			m := parse(t, filepath.Join("testdata", "problems", name+".yaml"))
			m.File = "portmatrix.yaml" // problems name the file as the CLI would
			opt := options(t)
			opt.Targets, opt.Builds = tt.targets, tt.builds
			pl, ps := New(m, opt)
			require.NotNil(t, pl)
			require.NotEmpty(t, ps, "want problems")
			got := strings.Join(problemLines(ps, opt.ManifestDir), "\n")
			for _, c := range tt.contains {
				assert.Contains(t, got, c)
			}
			golden(t, filepath.Join("testdata", "problems", tt.name+".golden"), render(pl, ps, opt.ManifestDir))
		})
	}
}

// TestGroupedProblems checks that problems about many targets come as one
// line per cause, not one per target.
func TestGroupedProblems(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		want     int
	}{
		{"cgo over targets without cgo", "cgo-unsupported", 2}, // variants cgo and ext
		{"ios without cgo", "ios-without-cgo", 2},              // variant pure, implicit default
		{"duplicate outputs", "duplicate-outputs", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parse(t, filepath.Join("testdata", "problems", tt.manifest+".yaml"))
			_, ps := New(m, options(t))
			assert.Len(t, ps, tt.want, ps.Error())
		})
	}
}

// TestProblemsKeepGoodJobs: a variant that cannot build some targets still
// plans the others, so one pass shows everything.
func TestProblemsKeepGoodJobs(t *testing.T) {
	m := parse(t, "testdata/problems/cgo-unsupported.yaml")
	pl, ps := New(m, options(t))
	require.Len(t, ps, 2, ps.Error())
	assert.Equal(t, []string{
		"app/js/wasm/pure", "app/linux/amd64/pure", "app/linux/amd64/cgo", "app/linux/amd64/ext",
		"app/linux/ppc64/pure", "app/plan9/386/pure", "app/plan9/amd64/pure", "app/plan9/arm/pure", "app/wasip1/wasm/pure",
	}, jobIDs(pl))
}

// TestDuplicateBuildIDHasNoFollowOn: a build id used twice is one problem
// (validation's); the second build is not planned, so its jobs do not
// clash with the first's.
func TestDuplicateBuildIDHasNoFollowOn(t *testing.T) {
	m, vps := manifest.Parse([]byte("version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n  - id: app\n    targets: [linux/amd64]\n"), "portmatrix.yaml")
	require.Len(t, vps, 1, "validation reports the duplicate id")
	pl, ps := New(m, options(t))
	assert.Empty(t, ps, "the plan adds nothing to validation's problem: %s", ps.Error())
	assert.Equal(t, []string{"app/linux/amd64/default"}, jobIDs(pl))
}

// TestEscapingOutputIsOneProblem: an output template that escapes the dist
// directory on every target is one problem, not one per target.
func TestEscapingOutputIsOneProblem(t *testing.T) {
	m, _ := manifest.Parse([]byte("version: 1\nbuilds:\n  - id: app\n    main: ./cmd/etc\n    targets: [\"linux/*\"]\n    output: '{{if .GOOS}}../{{end}}{{.Binary}}'\n"), "portmatrix.yaml")
	_, ps := New(m, options(t))
	require.Len(t, ps, 1, ps.Error())
	assert.Regexp(t, `^builds\[app\].output: for \d+ jobs \(linux/386/default, linux/amd64/default, linux/arm/default and \d+ more\): output path "../etc" escapes the dist directory$`, ps[0].Field+": "+ps[0].Msg)
}

func TestPlanHasAJobCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nbuilds:\n  - id: app\n    targets: [all]\n    exclude: [android/*, ios/*]\n    output: '{{.Slug}}/{{.Variant}}/app'\n    variants:\n")
	for i := range 400 {
		fmt.Fprintf(&b, "      - name: v%d\n", i)
	}
	m := parseString(t, b.String())
	pl, ps := New(m, options(t))
	require.Len(t, ps, 1, ps.Error())
	assert.Contains(t, ps[0].Msg, "the plan passes 10000 jobs here")
	assert.Contains(t, ps[0].Msg, "portmatrix builds at most 10000 jobs in one run")
	assert.LessOrEqual(t, len(pl.Jobs), MaxJobs)
}

func TestDistHoldingTheModule(t *testing.T) {
	m := parseString(t, "version: 1\ndist: out\nbuilds:\n  - id: app\n    dir: out/mod\n    targets: [linux/amd64]\n")
	opt := options(t)
	require.NoError(t, os.MkdirAll(filepath.Join(opt.ManifestDir, "out", "mod"), 0o755))
	_, ps := New(m, opt)
	require.Len(t, ps, 1, ps.Error())
	assert.Equal(t, "dist", ps[0].Field)
	assert.Contains(t, ps[0].Msg, "holds the module directory")

	m = parseString(t, "version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n")
	opt.DistDir = opt.ManifestDir
	_, ps = New(m, opt)
	require.Len(t, ps, 1, ps.Error())
	assert.Equal(t, "--dist", ps[0].File)
}

// TestSameReasonOnce: targets that fail for the same reason are named once
// in front of it, not each with its own copy of the sentence.
func TestSameReasonOnce(t *testing.T) {
	m := parseString(t, "version: 1\nbuilds:\n  - id: app\n    targets: [linux/arm/v6, linux/arm/v7, linux/arm64]\n    variants: [{name: c, cgo: true, cc: no-such-cc}]\n")
	opt := options(t)
	opt.SelectToolchain = nil // the real selection: no-such-cc is on no PATH
	_, ps := New(m, opt)
	require.Len(t, ps, 1, ps.Error())
	assert.Equal(t, `no C toolchain for cgo: linux/arm/v6, linux/arm/v7, linux/arm64: needs no-such-cc (cc: "no-such-cc"), which is not on PATH`, ps[0].Msg)
}
