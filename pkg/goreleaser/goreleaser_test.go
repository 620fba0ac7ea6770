package goreleaser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/platforms"
	"github.com/portmatrix/portmatrix/pkg/manifest"
)

func names(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.String())
	}
	return out
}

func TestExpand(t *testing.T) {
	for name, c := range map[string]struct {
		yaml string
		want string
	}{
		"defaults": {`builds: [{}]`,
			"darwin_amd64_v1 darwin_arm64_v8.0 linux_386_sse2 linux_amd64_v1 linux_arm64_v8.0 windows_386_sse2 windows_amd64_v1 windows_arm64_v8.0"},
		"goarm and ignore by level": {`builds: [{goos: [linux], goarch: [arm, amd64], goarm: ["6", 7], goamd64: [v1, v3], ignore: [{goos: linux, goarch: arm, goarm: "6"}, {goamd64: v3}]}]`,
			"linux_amd64_v1 linux_arm_7"},
		"unknown pairs skipped": {`builds: [{goos: [darwin, windows], goarch: [386, arm]}]`,
			"windows_386_sse2"},
		"explicit targets get default levels, are not filtered": {`builds: [{targets: [go_first_class, linux_arm_5, darwin_386, linux_amd64], ignore: [{goos: linux}]}]`,
			"darwin_386_sse2 darwin_amd64_v1 darwin_arm64_v8.0 linux_386_sse2 linux_amd64_v1 linux_arm64_v8.0 linux_arm_5 linux_arm_6 windows_386_sse2 windows_amd64_v1"},
		"mips and riscv levels": {`builds: [{goos: [linux], goarch: [mips64le, riscv64, ppc64], gomips: [softfloat], goriscv64: [rva22u64]}]`,
			"linux_mips64le_softfloat linux_ppc64_power8 linux_riscv64_rva22u64"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.yaml), "g.yaml")
			require.NoError(t, err)
			got, err := cfg.Builds[0].Expand()
			require.NoError(t, err)
			assert.Equal(t, strings.Fields(c.want), names(got))
		})
	}
}

func TestTranslate(t *testing.T) {
	got, notes, ok := translate("-X main.v={{ .Version }} -X main.p={{.ProjectName}} {{- .Os -}}_{{ .Arch }}", "app")
	assert.True(t, ok)
	assert.Empty(t, notes)
	assert.Equal(t, "-X main.v={{.Version}} -X main.p=app{{.GOOS}}_{{.GOARCH}}", got)
	_, _, ok = translate("{{ .Env.TOKEN }}", "")
	assert.False(t, ok)
	_, _, ok = translate(`{{ replace .Version "v" "" }}`, "")
	assert.False(t, ok)
	_, notes, ok = translate("{{ .Date }}", "")
	assert.True(t, ok)
	assert.Len(t, notes, 1)
	assert.Equal(t, []string{"-s", "-w", "-X", "a={{ .Env.X }}", "b"}, splitWords("-s -w -X a={{ .Env.X }} b"))
}

func TestImport(t *testing.T) {
	cfg, err := Parse([]byte(`version: 2
project_name: tool
before: {hooks: [go mod tidy]}
builds:
  - id: cli
    main: ./cmd/tool
    binary: "{{ .ProjectName }}"
    flags: [-trimpath, -tags=netgo, -mod=readonly]
    ldflags: ["-s -w -X main.version={{ .Version }} -X main.ts={{ .CommitTimestamp }}"]
    env: [CGO_ENABLED=0, GOEXPERIMENT=loopvar, TOKEN=$SECRET]
    goos: [linux, windows]
    goarch: [amd64, arm64]
    overrides:
      - goos: linux
        goarch: arm64
        ldflags: ["-s -w"]
        env: [GOEXPERIMENT=]
    hooks: {post: [upx dist/*]}
    mod_timestamp: "{{ .CommitTimestamp }}"
  - id: rust
    builder: rust
archives: [{formats: [tar.gz]}]
`), ".goreleaser.yaml")
	require.NoError(t, err)
	res, err := Import(cfg, Options{Table: platforms.Table()})
	require.NoError(t, err)
	m, ps := manifest.Parse(res.Manifest, "imported")
	require.NotNil(t, m)
	require.Empty(t, ps, "%s", res.Manifest)
	require.Len(t, m.Builds, 1)
	b := m.Builds[0]
	assert.Equal(t, "cli", b.ID)
	assert.Equal(t, "tool", b.Binary)
	assert.Equal(t, "./cmd/tool", b.Main)
	assert.True(t, b.Trimpath)
	assert.Equal(t, []string{"-mod=readonly"}, b.Flags)
	assert.Equal(t, []string{"linux/amd64/v1", "linux/arm64/v8.0", "windows/amd64/v1", "windows/arm64/v8.0"}, b.Targets)
	require.Len(t, b.Variants, 2)
	assert.Equal(t, "default", b.Variants[0].Name)
	assert.Equal(t, []string{"linux/arm64/v8.0"}, b.Variants[0].Exclude)
	assert.Equal(t, "-s -w -X main.version={{.Version}}", b.Variants[0].Ldflags)
	assert.Equal(t, []string{"netgo"}, b.Variants[0].Tags)
	assert.Equal(t, []string{"GOEXPERIMENT=loopvar"}, b.Variants[0].Env)
	assert.Equal(t, []string{"linux/arm64/v8.0"}, b.Variants[1].Targets)
	assert.Equal(t, "-s -w", b.Variants[1].Ldflags)
	assert.Equal(t, []string{"GOEXPERIMENT="}, b.Variants[1].Env)
	assert.False(t, res.Complete())
	all := ""
	for _, n := range res.Notes {
		all += n.String() + "\n"
	}
	assert.Equal(t, 1, strings.Count(all, "env TOKEN"), "each note once")
	for _, want := range []string{
		".goreleaser.yaml:3: before hooks",
		".goreleaser.yaml:9: builds[cli]: ldflags: \"main.ts={{ .CommitTimestamp }}\"",
		".goreleaser.yaml:10: builds[cli]: env TOKEN takes its value from the environment",
		".goreleaser.yaml:18: builds[cli]: hooks",
		".goreleaser.yaml:19: builds[cli]: mod_timestamp",
		".goreleaser.yaml:21: builds[rust]: builder rust: portmatrix builds Go only",
		".goreleaser.yaml:22: archives:",
	} {
		assert.Contains(t, all, want)
	}
	assert.Equal(t, []Imported{{ID: "cli", Targets: []string{"linux_amd64_v1", "linux_arm64_v8.0", "windows_amd64_v1", "windows_arm64_v8.0"}}}, res.Builds)
}

// The real configurations in testdata/real (README.md says where each
// comes from) import into valid manifests.
func TestImportRealConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/real/*.y*ml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		cfg, err := Parse(data, filepath.Base(f))
		require.NoError(t, err, f)
		res, err := Import(cfg, Options{ProjectName: "project", Table: platforms.Table()})
		require.NoError(t, err, f)
		m, ps := manifest.Parse(res.Manifest, f)
		require.NotNil(t, m, f)
		require.Empty(t, ps, "%s:\n%s", f, res.Manifest)
	}
}

func TestParseErrors(t *testing.T) {
	for yaml, want := range map[string]string{
		"- a\n":                      "not a goreleaser configuration",
		"builds: {id: x}\n":          "g.yaml:1: builds: want a list",
		"builds: [{goos: {a: b}}]\n": "g.yaml:1: builds: goos: want a value or a list",
		"version: two\n":             "g.yaml:1: version",
		"builds: [[1]]\n":            "a build must be a mapping",
		"{":                          "g.yaml",
	} {
		_, err := Parse([]byte(yaml), "g.yaml")
		require.Error(t, err, yaml)
		assert.Contains(t, err.Error(), want, yaml)
	}
	_, err := Parse(make([]byte, MaxBytes+1), "g.yaml")
	assert.ErrorContains(t, err, "larger than")
}
