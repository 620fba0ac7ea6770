package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/repro"
)

// TestReproducible checks `build --reproducible` end to end: a pure-Go
// build with -trimpath is reproducible; the same program without it is
// not, the job is violated (exit 1) and the report says where the bytes
// differ and that -trimpath would fix it. One run, so the second builds
// share one fresh GOCACHE.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds twice with the real toolchain, once with a cold cache")
	}
	dir := helloModule(t, `version: 1
builds:
  - id: trimmed
    trimpath: true
    targets: [linux/amd64]
    output: "trimmed/hello"
  - id: untrimmed
    targets: [linux/amd64]
    output: "untrimmed/hello"
`)
	jsonFile := filepath.Join(dir, "report.json")
	mdFile := filepath.Join(dir, "report.md")
	code, out, errs := run(t, map[string]string{"GITHUB_STEP_SUMMARY": ""}, "build", "-f", filepath.Join(dir, "portmatrix.yaml"),
		"--reproducible", "--json", jsonFile, "--markdown", mdFile, "--progress", "none")
	require.Equal(t, ExitFailed, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	rep := readReport(t, jsonFile)
	require.Len(t, rep.Jobs, 2)

	ok := rep.Jobs[0]
	assert.Equal(t, "trimmed/linux/amd64/default", ok.ID)
	assert.Equal(t, report.StatusOK, ok.Status)
	assert.Equal(t, repro.VerdictYes, ok.Reproducible)

	bad := rep.Jobs[1]
	assert.Equal(t, "untrimmed/linux/amd64/default", bad.ID)
	assert.Equal(t, report.StatusViolated, bad.Status)
	assert.Equal(t, repro.VerdictNo, bad.Reproducible)
	details := strings.Join(bad.ReproDetails, "\n")
	assert.Contains(t, details, ".gopclntab", "names a section that differs")
	assert.Contains(t, details, "first difference at offset 0x", "points at the first differing byte")
	assert.Contains(t, details, "-trimpath", "suggests the flag that fixes it")
	assert.Contains(t, bad.Violations, report.MsgNotReproducible)

	assert.Contains(t, out, "REPRO")
	md, err := os.ReadFile(mdFile)
	require.NoError(t, err)
	assert.Contains(t, string(md), "-trimpath")
}
