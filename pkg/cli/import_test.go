package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
)

// goreleaserInstall is how the tests get goreleaser (scripts/install-deps.sh
// runs it).
const goreleaserInstall = "go install github.com/goreleaser/goreleaser/v2@v2.15.1"

// TestImportBuildsWhatGoreleaserBuilds imports real goreleaser
// configurations (pkg/goreleaser/testdata/real, fetched from modules on the
// Go module proxy; their README names each) and hand-written ones covering
// overrides, ignore lists, levels and explicit targets, plans the
// imported manifest with `portmatrix plan --json`, and has goreleaser
// v2.15.1 itself build the same configuration (`goreleaser build
// --snapshot` with a stub go that writes a small file for each binary):
// the target sets of every build id must be equal.
func TestImportBuildsWhatGoreleaserBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs goreleaser and the go command")
	}
	gr := needtool.Path(t, goreleaserInstall, "goreleaser")
	needtool.Path(t, "apt-get install git", "git")
	configs := map[string][]byte{}
	files, err := filepath.Glob("../goreleaser/testdata/real/*.y*ml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		configs[filepath.Base(f)] = data
	}
	for name, cfg := range map[string]string{
		"overrides-and-levels": `version: 2
project_name: tool
builds:
  - id: cli
    main: ./cmd/tool
    goos: [linux, windows, darwin, freebsd]
    goarch: [amd64, arm, arm64, 386, mips64le, riscv64]
    goamd64: [v1, v3]
    goarm: ["6", "7"]
    gomips: [softfloat]
    ignore:
      - {goos: windows, goarch: arm}
      - {goos: darwin, goarch: amd64, goamd64: v3}
      - {goarch: "386", goos: freebsd}
    overrides:
      - {goos: linux, goarch: amd64, goamd64: v3, ldflags: ["-s -w"]}
  - id: first-class
    targets: [go_first_class, linux_arm_7, linux_ppc64le]
`,
		"v1-defaults": `project_name: plain
builds:
  - env: [CGO_ENABLED=0]
`,
	} {
		configs[name+".yaml"] = []byte(cfg)
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			project := goreleaserProject(t, dir, cfg)
			want := goreleaserTargets(t, gr, dir, project)
			got := importedTargets(t, dir)
			assert.Equal(t, want, got, "the target sets per build id")
			t.Logf("%s: %d builds, %d targets, the same in goreleaser and portmatrix plan", name, len(got), countTargets(got))
		})
	}
}

func countTargets(m map[string][]string) int {
	n := 0
	for _, ts := range m {
		n += len(ts)
	}
	return n
}

// goreleaserProject makes a module in dir with the configuration as
// .goreleaser.yaml and a git commit, and a copy of its builds alone, with
// the stub go as their tool, for goreleaser to run (gr.yaml). It returns
// the path of that copy.
func goreleaserProject(t *testing.T, dir string, cfg []byte) string {
	t.Helper()
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("go.mod", "module example.com/project\n\ngo 1.24\n")
	write("main.go", "package main\n\nfunc main() {}\n")
	write(".goreleaser.yaml", string(cfg))
	stub := filepath.Join(dir, "stubgo")
	require.NoError(t, os.WriteFile(stub, []byte(`#!/bin/sh
# A go command that writes a small file where "go build -o FILE" would.
out=
while [ $# -gt 0 ]; do
	if [ "$1" = "-o" ]; then out=$2; shift; fi
	shift
done
[ -n "$out" ] && mkdir -p "$(dirname "$out")" && printf 'binary\n' > "$out"
exit 0
`), 0o755))

	// The builds alone, each with the stub as its tool, without hooks and
	// with its main's directory made, so nothing but the target
	// expansion matters.
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(cfg, &doc))
	builds, _ := doc["builds"].([]any)
	if len(builds) == 0 {
		builds = []any{map[string]any{}}
	}
	var keep []any
	for _, b := range builds {
		m, _ := b.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if builder, _ := m["builder"].(string); builder != "" && builder != "go" {
			continue
		}
		delete(m, "hooks")
		delete(m, "gobinary")
		m["tool"] = stub
		m["no_main_check"] = true
		if d, _ := m["dir"].(string); d != "" {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
		}
		keep = append(keep, m)
	}
	out := map[string]any{"version": 2, "builds": keep}
	if p, ok := doc["project_name"]; ok {
		out["project_name"] = p
	}
	data, err := yaml.Marshal(out)
	require.NoError(t, err)
	write("gr.yaml", string(data))
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "x"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", b)
	}
	return filepath.Join(dir, "gr.yaml")
}

// goreleaserTargets runs goreleaser build --snapshot and reads the target
// of every binary in dist/artifacts.json, by build id.
func goreleaserTargets(t *testing.T, gr, dir, config string) map[string][]string {
	t.Helper()
	cmd := exec.Command(gr, "build", "--snapshot", "--clean", "--skip=validate", "-f", config)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORELEASER_EXPERIMENTAL=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "goreleaser: %s", out)
	data, err := os.ReadFile(filepath.Join(dir, "dist", "artifacts.json"))
	require.NoError(t, err)
	var arts []struct {
		Type   string         `json:"type"`
		Target string         `json:"target"`
		Extra  map[string]any `json:"extra"`
	}
	require.NoError(t, json.Unmarshal(data, &arts))
	got := map[string][]string{}
	for _, a := range arts {
		if a.Type != "Binary" {
			continue
		}
		id, _ := a.Extra["ID"].(string)
		got[id] = append(got[id], a.Target)
	}
	for id := range got {
		slices.Sort(got[id])
		got[id] = slices.Compact(got[id])
	}
	return got
}

// importedTargets imports dir's .goreleaser.yaml and plans it: the
// targets of the plan's jobs, in goreleaser's names, by build id.
func importedTargets(t *testing.T, dir string) map[string][]string {
	t.Helper()
	manifestPath := filepath.Join(dir, "portmatrix.yaml")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"import", "goreleaser", filepath.Join(dir, ".goreleaser.yaml"), "-o", manifestPath}, Stdio{Out: &out, Err: &errb})
	require.Contains(t, []int{ExitOK, ExitFailed}, code, "%s", errb.String())
	out.Reset()
	errb.Reset()
	code = Main(context.Background(), []string{"plan", "-f", manifestPath, "--format", "json"}, Stdio{Out: &out, Err: &errb})
	require.Equal(t, ExitOK, code, "plan of the imported manifest:\n%s", errb.String())
	var pl struct {
		Jobs []struct {
			Build  string `json:"build"`
			Target struct {
				GOOS   string `json:"goos"`
				GOARCH string `json:"goarch"`
				Level  string `json:"level"`
			} `json:"target"`
		} `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &pl), "%s", out.String())
	got := map[string][]string{}
	for _, j := range pl.Jobs {
		name := j.Target.GOOS + "_" + j.Target.GOARCH
		if l := j.Target.Level; l != "" {
			if j.Target.GOARCH == "arm" {
				l = strings.TrimPrefix(l, "v")
			}
			name += "_" + l
		}
		got[j.Build] = append(got[j.Build], name)
	}
	for id := range got {
		slices.Sort(got[id])
		got[id] = slices.Compact(got[id])
	}
	return got
}

// TestVerifyGoreleaser has goreleaser v2.15.1 build a small project for
// real (a cgo-off build for two targets, a cgo-on one whose binary is
// dynamic), then checks the verdicts of verify-goreleaser on its dist:
// every binary is what artifacts.json says; --expect static catches the
// dynamic one; an artifacts.json that lies about a goarch is caught.
func TestVerifyGoreleaser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs goreleaser and the go command")
	}
	gr := needtool.Path(t, goreleaserInstall, "goreleaser")
	needtool.Path(t, "apt-get install gcc", "gcc")
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":  "module example.com/who\n\ngo 1.24\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"os/user\"\n)\n\nfunc main() { u, _ := user.Current(); fmt.Println(u) }\n",
		".goreleaser.yaml": `version: 2
project_name: who
builds:
  - id: nocgo
    env: [CGO_ENABLED=0]
    goos: [linux]
    goarch: [amd64, arm64]
  - id: cgo
    env: [CGO_ENABLED=1]
    goos: [linux]
    goarch: [amd64]
`,
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "x"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", b)
	}
	cmd := exec.Command(gr, "build", "--snapshot", "--clean", "--skip=validate")
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "goreleaser: %s", b)
	dist := filepath.Join(dir, "dist")

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"verify-goreleaser"}, args...), Stdio{Out: &out, Err: &errb})
		return code, out.String(), errb.String()
	}
	jsonFile := filepath.Join(t.TempDir(), "r.json")
	code, out, errs := run("--json", jsonFile, dist)
	require.Equal(t, ExitOK, code, "%s\n%s", out, errs)
	data, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	var rep struct {
		Jobs []struct {
			ID, Status, Linkage string
			Cgo                 bool
			Violations          []string
		}
	}
	require.NoError(t, json.Unmarshal(data, &rep))
	byID := map[string]string{}
	for _, j := range rep.Jobs {
		byID[j.ID] = j.Status + " " + j.Linkage + " " + map[bool]string{true: "cgo", false: "nocgo"}[j.Cgo]
	}
	assert.Equal(t, map[string]string{
		"nocgo/linux/amd64/v1/goreleaser":   "ok static nocgo",
		"nocgo/linux/arm64/v8.0/goreleaser": "ok static nocgo",
		"cgo/linux/amd64/v1/goreleaser":     "ok dynamic cgo",
	}, byID)

	code, out, _ = run("--expect", "static", dist)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, "cgo/linux/amd64/v1/goreleaser")
	assert.Contains(t, out, "static")

	// An artifacts.json that says the arm64 binary is amd64.
	arts := filepath.Join(dist, "artifacts.json")
	data, err = os.ReadFile(arts)
	require.NoError(t, err)
	var all []map[string]any
	require.NoError(t, json.Unmarshal(data, &all))
	lied := false
	for _, a := range all {
		if a["type"] == "Binary" && a["goarch"] == "arm64" {
			a["goarch"], a["goamd64"] = "amd64", "v1"
			delete(a, "goarm64")
			lied = true
		}
	}
	require.True(t, lied)
	data, err = json.Marshal(all)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(arts, data, 0o644))
	code, out, _ = run(dist)
	assert.Equal(t, ExitFailed, code)
	assert.Contains(t, out, "the binary's machine is arm64")
}
