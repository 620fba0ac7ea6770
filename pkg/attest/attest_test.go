package attest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

func testReport() *report.Report {
	return &report.Report{
		Tool: "portmatrix v1.2.3", GoVersion: "go1.26.8", Manifest: "portmatrix.yaml",
		Started: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), DurationSec: 75.4,
		Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-11-30T00:00:00Z", DateSource: plan.DateFromGit,
		ManifestSHA256: strings.Repeat("ab", 32),
		Jobs: []report.Job{
			{ID: "app/linux/amd64/cgo", Status: report.StatusOK, File: "app/linux_amd64/cgo/app", Argv: []string{"go", "build"}, Env: []string{"CGO_ENABLED=1"},
				CToolchain: &report.CToolchain{Name: "native", CC: []string{"gcc"}, Facts: &toolchain.Facts{Compiler: "gcc", Version: "12.2.0"}}},
			{ID: "app/linux/arm64/cgo", Status: report.StatusFailed, Argv: []string{"go", "build"}},
			{ID: "app/windows/amd64/default", Status: report.StatusViolated, File: "app/windows_amd64/default/app.exe", Argv: []string{"go", "build"}},
		},
	}
}

func TestBuild(t *testing.T) {
	entries := []checksum.Entry{{Name: "app/linux_amd64/cgo/app", SHA256: strings.Repeat("11", 32)}}
	b := Build(testReport(), entries, Options{BuilderID: "https://github.com/portmatrix/portmatrix@v1.2.3"})
	require.Len(t, b.Jobs, 2, "the jobs that shipped a binary (ok or violated)")
	assert.Equal(t, "app/linux/amd64/cgo", b.Jobs[0].ID)
	assert.Equal(t, "app/windows/amd64/default", b.Jobs[1].ID)
	require.Len(t, b.Dependencies, 2)
	assert.Equal(t, "gcc", b.Dependencies[0].Name)
	assert.Equal(t, "pkg:generic/gcc@12.2.0", b.Dependencies[0].URI)
	assert.Equal(t, "pkg:golang/stdlib@1.26.8", b.Dependencies[1].URI)
	assert.Equal(t, "0123456789abcdef0123456789abcdef01234567", b.Source.Version)
	assert.Equal(t, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), b.Started)
	assert.Equal(t, time.Date(2026, 12, 1, 10, 1, 15, 0, time.UTC), b.Finished, "the run's end, to the second")

	// A given release date clamps both times (SOURCE_DATE_EPOCH, --date);
	// the commit time does not.
	rep := testReport()
	rep.DateSource = plan.DateFromEpoch
	b = Build(rep, entries, Options{})
	assert.Equal(t, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), b.Started)
	assert.Equal(t, b.Started, b.Finished)
}

func TestLoadKey(t *testing.T) {
	_, err := LoadKey(&plan.SignKey{Env: "NOPE"}, func(string) string { return "" })
	assert.EqualError(t, err, "signing key: $NOPE is empty or not set")
	_, err = LoadKey(&plan.SignKey{File: filepath.Join(t.TempDir(), "missing")}, os.Getenv)
	assert.ErrorContains(t, err, "signing key: open ")
	big := filepath.Join(t.TempDir(), "big")
	require.NoError(t, os.WriteFile(big, make([]byte, maxKeyBytes+10), 0o600))
	_, err = LoadKey(&plan.SignKey{File: big}, os.Getenv)
	assert.ErrorContains(t, err, "not a private key")
	_, err = LoadKey(&plan.SignKey{Env: "K"}, func(string) string { return "garbage" })
	assert.EqualError(t, err, "$K: not a PEM or OpenSSH private key")
	k, err := LoadKey(nil, os.Getenv)
	assert.NoError(t, err)
	assert.Nil(t, k)
}

func TestWriteNothingAsked(t *testing.T) {
	att, err := Write(context.Background(), testReport(), nil, Options{})
	assert.NoError(t, err)
	assert.Nil(t, att)
	_, err = Write(context.Background(), testReport(), nil, Options{Provenance: filepath.Join(t.TempDir(), "p.intoto.jsonl")})
	assert.ErrorContains(t, err, "no artifact")
}
