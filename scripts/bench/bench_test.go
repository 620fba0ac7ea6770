package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/manifest"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want Stat
	}{
		{"empty", nil, Stat{}},
		{"one", []float64{4}, Stat{Median: 4, Min: 4, Max: 4, N: 1}},
		{"odd, unsorted", []float64{9, 1, 5}, Stat{Median: 5, Min: 1, Max: 9, N: 3}},
		{"even: mean of the middle two", []float64{4, 1, 3, 10}, Stat{Median: 3.5, Min: 1, Max: 10, N: 4}},
		{"outlier does not move the median", []float64{10, 11, 1000}, Stat{Median: 11, Min: 10, Max: 1000, N: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]float64(nil), tt.in...)
			assert.Equal(t, tt.want, summarize(tt.in))
			assert.Equal(t, in, tt.in, "summarize must not reorder its argument")
		})
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		name   string
		a, b   float64
		want   float64
		wantOK bool
	}{
		{"half", 5, 10, 0.5, true},
		{"slower", 30, 10, 3, true},
		{"no baseline", 5, 0, 0, false},
		{"negative baseline", 5, -1, 0, false},
		{"NaN", math.NaN(), 1, 0, false},
		{"infinite baseline", 1, math.Inf(1), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ratio(tt.a, tt.b)
			assert.Equal(t, tt.wantOK, ok)
			assert.InDelta(t, tt.want, got, 1e-12)
		})
	}
}

func TestFloorSeconds(t *testing.T) {
	f, ok := floorSeconds(300, 2)
	assert.True(t, ok)
	assert.InDelta(t, 150, f, 1e-12)
	f, ok = floorSeconds(300, 4)
	assert.True(t, ok)
	assert.InDelta(t, 75, f, 1e-12)
	_, ok = floorSeconds(300, 0)
	assert.False(t, ok, "no cores")
	_, ok = floorSeconds(0, 2)
	assert.False(t, ok, "no loop measured")
}

func TestRotate(t *testing.T) {
	abc := []string{"A", "B", "C"}
	assert.Equal(t, []string{"A", "B", "C"}, rotate(abc, 0))
	assert.Equal(t, []string{"B", "C", "A"}, rotate(abc, 1))
	assert.Equal(t, []string{"C", "A", "B"}, rotate(abc, 2))
	assert.Equal(t, []string{"A", "B", "C"}, rotate(abc, 3))
	assert.Equal(t, []string{"C", "A", "B"}, rotate(abc, -1))
	assert.Nil(t, rotate([]string(nil), 1))
	assert.Equal(t, []string{"A", "B", "C"}, abc, "rotate must not change its argument")
}

func TestParseStatPPID(t *testing.T) {
	tests := []struct {
		name, stat string
		want       int
		wantOK     bool
	}{
		{"plain", "1234 (go) S 1200 1234 1200 0 -1", 1200, true},
		{"name with spaces and parentheses", "77 (a) b (c) R 76 77 0", 76, true},
		{"truncated", "77 (go)", 0, false},
		{"garbage", "no parenthesis", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseStatPPID([]byte(tt.stat))
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDescendants(t *testing.T) {
	parents := map[int]int{1: 0, 10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20}
	assert.ElementsMatch(t, []int{10, 11, 12, 13}, descendants(10, parents))
	assert.ElementsMatch(t, []int{21}, descendants(21, parents))
	assert.ElementsMatch(t, []int{99}, descendants(99, parents), "the root alone when it has no children")
}

// TestSampleTreeFakeProc sums the RSS of a tree from a made-up /proc: the
// root, a child and a grandchild, but not a sibling of the root.
func TestSampleTreeFakeProc(t *testing.T) {
	root := t.TempDir()
	write := func(pid, stat, statm string) {
		d := filepath.Join(root, pid)
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "stat"), []byte(stat), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(d, "statm"), []byte(statm), 0o644))
	}
	write("100", "100 (sh) S 1 100", "500 10 5 1 0 20 0")
	write("101", "101 (go build) S 100 100", "900 20 5 1 0 20 0")
	write("102", "102 (compile) R 101 100", "900 30 5 1 0 20 0")
	write("200", "200 (other) S 1 200", "900 1000 5 1 0 20 0")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "self"), 0o755)) // not a pid

	fs := &procFS{root: root, pageSize: 4096}
	sum, n, err := fs.sampleTree(100)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, int64(10+20+30)*4096, sum)

	sum, n, err = fs.sampleTree(999)
	require.NoError(t, err)
	assert.Zero(t, n, "a root that is gone has no tree")
	assert.Zero(t, sum)
}

// TestTreeSamplerRealTree samples a real shell with two sleeping children.
func TestTreeSamplerRealTree(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes")
	}
	cmd := exec.Command("sh", "-c", "sleep 0.3 & sleep 0.3; wait")
	require.NoError(t, cmd.Start())
	s := startTreeSampler(cmd.Process.Pid, 10*time.Millisecond)
	require.NoError(t, cmd.Wait())
	peak := s.Stop()
	assert.GreaterOrEqual(t, peak.Procs, 2, "the shell and its sleeps at once")
	assert.Positive(t, peak.RSSBytes)
	assert.GreaterOrEqual(t, peak.Samples, 2)
}

// TestMeasure runs a small process tree through measure and checks that
// both CPU sources and the memory figures are there and agree.
func TestMeasure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes")
	}
	dir := t.TempDir()
	c := Command{Dir: dir, Args: []string{"sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done & sleep 0.2; wait; exit 3"},
		Env: os.Environ(), Log: filepath.Join(dir, "log")}
	m, err := measure(context.Background(), c, 10*time.Millisecond, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 3, m.ExitCode, "a failed run is a measurement, not an error")
	assert.GreaterOrEqual(t, m.WallSeconds, 0.2)
	assert.Positive(t, m.CPUSeconds, "the busy child's CPU is in the top process's wait4 rusage")
	assert.InDelta(t, m.CPUSeconds, m.ChildrenCPU, 0.05, "wait4 rusage and RUSAGE_CHILDREN growth agree")
	assert.Positive(t, m.MaxRSSBytes)
	assert.GreaterOrEqual(t, m.PeakTree.Procs, 2)
	assert.Positive(t, m.PeakTree.RSSBytes)

	c.Args = []string{"sleep", "10"}
	m, err = measure(context.Background(), c, 10*time.Millisecond, 200*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, m.TimedOut)
	assert.Less(t, m.WallSeconds, 5.0, "the process group is killed at the time limit")
}

func TestTargets(t *testing.T) {
	ts, err := parseTargets(defaultTargets)
	require.NoError(t, err)
	require.Len(t, ts, 12)
	var slugs []string
	for _, tg := range ts {
		slugs = append(slugs, tg.Slug()+tg.Ext())
	}
	assert.Contains(t, slugs, "linux_arm_v7")
	assert.Contains(t, slugs, "windows_arm64.exe")
	assert.Equal(t, "linux/arm/v7", ts[2].String())
	assert.Equal(t, "7", ts[2].GOARM)
	assert.Equal(t, "linux_amd64_cgo", cgoTarget.Slug())
	assert.Equal(t, "linux_arm_7", grTarget(ts[2]))

	_, err = parseTargets("linux/amd64/v3")
	assert.ErrorContains(t, err, "linux/amd64/v3")
	_, err = parseTargets(" , ")
	assert.Error(t, err)
}

func TestAllTargets(t *testing.T) {
	got := allTargets("aix/ppc64\nandroid/386\nandroid/arm64\nios/arm64\njs/wasm\nlinux/amd64\n")
	var names []string
	for _, tg := range got {
		names = append(names, tg.String()+tg.Ext())
	}
	assert.Equal(t, []string{"aix/ppc64", "android/arm64", "js/wasm.wasm", "linux/amd64"}, names)
}

func TestParseWorkload(t *testing.T) {
	w, err := parseWorkload("shfmt")
	require.NoError(t, err)
	assert.Equal(t, "./cmd/shfmt", w.Main)
	w, err = parseWorkload("github.com/junegunn/fzf@v0.66.0")
	require.NoError(t, err)
	assert.Equal(t, Workload{Name: "fzf", Module: "github.com/junegunn/fzf", Version: "v0.66.0", Main: ".", Binary: "fzf"}, w)
	w, err = parseWorkload("mvdan.cc/sh/v3@v3.14.1:./cmd/gosh")
	require.NoError(t, err)
	assert.Equal(t, "gosh", w.Binary)
	w, err = parseWorkload("example.com/tool/v2@v2.0.0")
	require.NoError(t, err)
	assert.Equal(t, "tool", w.Binary, "a major version suffix is not the binary's name")
	_, err = parseWorkload("fzf@")
	assert.Error(t, err)
	_, err = parseWorkload("example.com/x@v1.0.0:cmd/x")
	assert.ErrorContains(t, err, "relative")
}

// TestPortmatrixManifestValid checks that the manifests the bench writes
// pass portmatrix's own strict decoding and validation, for the plain and
// the cgo matrix.
func TestPortmatrixManifestValid(t *testing.T) {
	work := t.TempDir()
	w, err := smokeWorkload(filepath.Join(work, "src", "hello"), "go1.26.8")
	require.NoError(t, err)
	ts, err := parseTargets(defaultTargets)
	require.NoError(t, err)
	cfg := filepath.Join(work, "cfg")
	require.NoError(t, os.MkdirAll(cfg, 0o755))
	p := &pmContender{bin: "portmatrix", extra: []string{"-j", "3"}}
	for _, m := range []Matrix{{Name: "default", Targets: ts}, {Name: "cgo", Targets: append(ts, cgoTarget)}} {
		t.Run(m.Name, func(t *testing.T) {
			require.NoError(t, p.Setup(w, m, cfg, filepath.Join(work, "dist")))
			data, err := os.ReadFile(p.manifest(cfg, m))
			require.NoError(t, err)
			_, problems := manifest.Parse(data, p.manifest(cfg, m))
			assert.Empty(t, problems, "%s", data)
			args := p.Command(w, m, cfg, "/d", "/r")
			assert.Equal(t, []string{"-j", "3"}, args[len(args)-2:], "extra flags go last")
		})
	}
}

// TestLoopScript checks the loop's script for the flags and paths the
// other contenders use too.
func TestLoopScript(t *testing.T) {
	cfg := t.TempDir()
	w := Workload{Name: "fzf", Binary: "fzf", Main: ".", Dir: "/src/fzf"}
	m := Matrix{Name: "cgo", Targets: []Target{{GOOS: "linux", GOARCH: "arm", GOARM: "7"}, {GOOS: "windows", GOARCH: "arm64"}, cgoTarget}}
	require.NoError(t, loopContender{}.Setup(w, m, cfg, ""))
	b, err := os.ReadFile(loopContender{}.script(cfg, m))
	require.NoError(t, err)
	s := string(b)
	assert.Contains(t, s, `GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0 go build -o "$1"/linux_arm_v7/fzf -trimpath -ldflags '-s -w' . || status=1`)
	assert.Contains(t, s, `"$1"/windows_arm64/fzf.exe`)
	assert.Contains(t, s, `GOOS=linux GOARCH=amd64 CGO_ENABLED=1 go build -o "$1"/linux_amd64_cgo/fzf`)
}

// TestGoreleaserMissing finds outputs in goreleaser's layout, whatever
// level suffix its version adds.
func TestGoreleaserMissing(t *testing.T) {
	dist := t.TempDir()
	for _, p := range []string{"fzf_linux_amd64_v1/fzf", "fzf_linux_arm_7/fzf", "fzf_windows_arm64_v8.0/fzf.exe", "fzf-cgo_linux_amd64_v1/fzf"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dist, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dist, p), []byte("x"), 0o644))
	}
	w := Workload{Name: "fzf", Binary: "fzf"}
	m := Matrix{Targets: []Target{{GOOS: "linux", GOARCH: "amd64"}, {GOOS: "linux", GOARCH: "arm", GOARM: "7"},
		{GOOS: "windows", GOARCH: "arm64"}, cgoTarget, {GOOS: "linux", GOARCH: "arm64"}, {GOOS: "linux", GOARCH: "arm", GOARM: "6"}}}
	assert.Equal(t, []string{"linux/arm64", "linux/arm/v6"}, (&grContender{}).Missing(w, m, dist))
}

// TestCellsAndMarkdown summarizes made-up samples and renders them: the
// ratios against the loop, the floor, the not-installed row, and the
// smoke test's completeness check.
func TestCellsAndMarkdown(t *testing.T) {
	sample := func(c string, wall, cpu float64, ok bool) Sample {
		return Sample{Workload: "fzf", Scenario: "cold", Contender: c, Round: 1, OK: ok, OutputsExpected: 12, OutputsFound: 12,
			Measurement: Measurement{WallSeconds: wall, CPUSeconds: cpu, PeakTree: TreePeak{RSSBytes: 100 << 20}, MaxRSSBytes: 50 << 20}}
	}
	samples := []Sample{
		sample(loopName, 100, 180, true), sample(loopName, 120, 200, true), sample(loopName, 110, 190, true),
		sample("portmatrix", 50, 200, true), sample("portmatrix", 60, 210, true), sample("portmatrix", 0, 0, false),
		{Workload: "fzf", Scenario: "cold", Contender: "portmatrix", Warmup: true, OK: true, Measurement: Measurement{WallSeconds: 999}},
	}
	scenarios := []Scenario{allScenarios[0]}
	cells := summarizeCells(samples, []string{"fzf"}, scenarios, []string{"portmatrix", loopName, "goreleaser"}, map[string]bool{"goreleaser": true}, 2)
	require.Len(t, cells, 3)
	pm, loop, gr := cells[0], cells[1], cells[2]
	assert.Equal(t, 3, pm.Runs, "the warm-up run is not counted")
	assert.Equal(t, 1, pm.Failed)
	assert.InDelta(t, 55, pm.Wall.Median, 1e-9, "statistics over the successful runs only")
	assert.InDelta(t, 0.5, pm.WallVsLoop, 1e-9)
	assert.InDelta(t, 95, pm.FloorSecs, 1e-9, "loop CPU median 190 s over 2 cores")
	assert.InDelta(t, 55.0/95, pm.WallVsFlr, 1e-9)
	assert.InDelta(t, 1, loop.WallVsLoop, 1e-9)
	assert.True(t, gr.NotInstalled)

	meta := Meta{GoVersion: "go1.26.8 linux/amd64", Portmatrix: "abc", Goreleaser: Goreleaser{Status: "not installed"},
		Workloads: []Workload{{Name: "fzf", Module: "github.com/junegunn/fzf", Version: "v0.65.2", Main: "."}},
		Machine:   Machine{NumCPU: 2, CoresForFloor: 2}, Rounds: 3, Scenarios: scenarios, SampleInterval: "20ms"}
	var md bytes.Buffer
	require.NoError(t, writeMarkdown(&md, meta, cells))
	out := md.String()
	assert.Contains(t, out, "| cold | portmatrix | 55.0 (50.0–60.0) | 0.50 | 0.58 | 205.0 (200.0–210.0) | 100 (100–100) | 50 (50–50) | 12/12, 1 of 3 runs failed |")
	assert.Contains(t, out, "| cold | go build loop | 110.0 (100.0–120.0) | 1.00 |")
	assert.Contains(t, out, "| cold | goreleaser | not installed |")
	assert.Contains(t, out, "| cold | *floor: loop CPU / 2 cores* | 95.0 | | 1.00 |")
	assert.NoError(t, checkTable(out, []string{"fzf"}, scenarios, []string{"portmatrix", loopName}, nil))
	assert.ErrorContains(t, checkTable(out, []string{"fzf"}, allScenarios[:2], []string{"portmatrix"}, nil), "warm/portmatrix")
	onlyCold := func(sc Scenario, _ string) bool { return sc.Cold }
	assert.NoError(t, checkTable(out, []string{"fzf"}, allScenarios[:2], []string{"portmatrix"}, onlyCold), "a contender is not expected where it does not run")
	assert.NotContains(t, out, "NaN")
	assert.False(t, strings.Contains(out, "Inf"))
}

func TestRunEnv(t *testing.T) {
	env := runEnv([]string{"HOME=/root", "GOFLAGS=-mod=vendor", "GOOS=plan9", "GOCACHE=/old", "PORTMATRIX_CACHE=/mine", "GOPROXY=https://x", "PATH=/bin"}, "/cache")
	assert.Equal(t, []string{"HOME=/root", "PATH=/bin", "GOCACHE=/cache", "PORTMATRIX_CACHE=/cache.portmatrix-outputs", "GOFLAGS=", "GOWORK=off", "GOPROXY=off"}, env)
}

func TestAppendEdit(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "main.go")
	require.NoError(t, os.WriteFile(f, []byte("package main\n\nfunc main() {}\n"), 0o644))
	require.NoError(t, appendEdit(f, 1))
	require.NoError(t, appendEdit(f, 2))
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	assert.Contains(t, string(b), "var portmatrixBenchEdit1 = 1\n")
	assert.Contains(t, string(b), "var portmatrixBenchEdit2 = 2\n")
	got, err := editTarget(Workload{Dir: dir, Main: "."})
	require.NoError(t, err)
	assert.Equal(t, f, got)
}

func TestParseOptions(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseOptions([]string{"--smoke", "--scenarios", "cold,cgo", "--", "-j", "4"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, []string{"hello"}, o.Workloads)
	assert.Equal(t, smokeTargets, o.Targets)
	assert.Equal(t, 1, o.Rounds)
	assert.Equal(t, []string{"cold", "cgo"}, o.Scenarios, "explicit flags win over --smoke's defaults")
	assert.Equal(t, []string{"-j", "4"}, o.Extra)

	o, err = parseOptions([]string{"--all", "--rounds", "5"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, []string{"cold", "warm", "noop", "edit", "cgo", "all-warm", "all-noop"}, o.Scenarios)
	assert.Equal(t, []string{"fzf", "shfmt"}, o.Workloads)

	o, err = parseOptions([]string{"--variant", "t0=--threads 0", "--variant", "j3= -j 3 --threads 1"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, []Variant{{Name: "t0", Flags: []string{"--threads", "0"}}, {Name: "j3", Flags: []string{"-j", "3", "--threads", "1"}}}, o.Variants)
	for _, bad := range [][]string{{"--variant", "noequals"}, {"--variant", "a b=-j 1"}, {"--variant", "x=-j 1", "--variant", "x=-j 2"}, {"--variant", "x=-j 1", "--contenders", "loop"}} {
		_, err = parseOptions(bad, &stderr)
		assert.Error(t, err, "%q", bad)
	}

	o, err = parseOptions([]string{"--rounds", "5", "--cold-rounds", "2", "--variant", "nocache=--cache off", "--variant-scenarios", "warm,noop"}, &stderr)
	require.NoError(t, err)
	r := &runner{opts: o}
	cold, _ := scenarioByName("cold")
	warm, _ := scenarioByName("warm")
	assert.Equal(t, 2, r.rounds(cold))
	assert.Equal(t, 5, r.rounds(warm))
	variant := &pmContender{variant: "nocache"}
	assert.False(t, r.runsIn(variant, cold), "a variant runs only in --variant-scenarios")
	assert.True(t, r.runsIn(variant, warm))
	assert.True(t, r.runsIn(&pmContender{}, cold))
	assert.True(t, r.runsIn(loopContender{}, cold))
	_, err = parseOptions([]string{"--variant-scenarios", "hot"}, &stderr)
	assert.ErrorContains(t, err, `"hot"`)
	_, err = parseOptions([]string{"--cold-rounds", "-1"}, &stderr)
	assert.Error(t, err)

	_, err = parseOptions([]string{"--scenarios", "hot"}, &stderr)
	assert.ErrorContains(t, err, `"hot"`)
	_, err = parseOptions([]string{"--rounds", "0"}, &stderr)
	assert.Error(t, err)
	_, err = parseOptions([]string{"--smoke", "--install-goreleaser"}, &stderr)
	assert.Error(t, err)
}

// BenchmarkSampleTree is the cost of one /proc sample: the bench's own CPU
// time per interval, which it takes from the machine it measures.
func BenchmarkSampleTree(b *testing.B) {
	fs := newProcFS()
	pid := os.Getpid()
	for b.Loop() {
		if _, _, err := fs.sampleTree(pid); err != nil {
			b.Fatal(err)
		}
	}
}
