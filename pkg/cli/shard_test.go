package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/reportschema"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// shardManifest builds a pure-Go program for eight targets, with archives
// (and a LICENSE in them) and trimmed paths, so that the binaries of two
// runs into different dist directories are byte for byte the same.
const shardManifest = `version: 1
builds:
  - id: hello
    trimpath: true
    ldflags: "-s -w -X main.version={{.Version}}"
    targets: [linux/amd64, linux/386, linux/arm/v7, linux/arm64, linux/riscv64, windows/amd64, darwin/arm64, freebsd/amd64]
    expect: static
    expectations:
      - targets: [darwin/*, windows/*]
        expect: dynamic
    archive:
      files: [LICENSE]
`

// helloModule writes a module with a main package and the manifest.
func helloModule(t *testing.T, manifest string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":          "module example.com/hello\n\ngo 1.22\n",
		"main.go":         "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(\"hello\", version) }\n",
		"LICENSE":         "Public domain.\n",
		"portmatrix.yaml": manifest,
	}
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

// run calls the CLI and returns its exit code, stdout and stderr.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	code := Main(context.Background(), args, Stdio{Out: &out, Err: &errb, Getenv: getenv})
	return code, out.String(), errb.String()
}

func readReport(t *testing.T, path string) report.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, reportschema.Validate(data), path)
	var r report.Report
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

// TestShardsMergeEqualsOneRun is the promise of sharding: four shards built
// into one dist directory (as a CI workflow downloads them) and merged give
// the same jobs, hashes, archives, verdicts and SHA256SUMS as a single run.
func TestShardsMergeEqualsOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the real toolchain")
	}
	dir := helloModule(t, shardManifest)
	m := filepath.Join(dir, "portmatrix.yaml")
	env := map[string]string{"SOURCE_DATE_EPOCH": "1700000000", "GITHUB_STEP_SUMMARY": ""}
	stamp := []string{"--app-version", "1.0.0", "--commit", "0123456789abcdef", "--progress", "none"}

	distAll := filepath.Join(dir, "dist-all")
	code, out, errs := run(t, env, append([]string{"build", "-f", m, "--dist", distAll, "--json", filepath.Join(dir, "all.json")}, stamp...)...)
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	all := readReport(t, filepath.Join(dir, "all.json"))
	require.Len(t, all.Jobs, 8)

	distSh := filepath.Join(dir, "dist-shards")
	var frags []string
	seen := 0
	for i := 1; i <= 4; i++ {
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		code, out, errs := run(t, env, append([]string{"build", "-f", m, "--dist", distSh, "--shard", fmt.Sprintf("%d/4", i), "--json", f}, stamp...)...)
		require.Equal(t, ExitOK, code, "shard %d\nstdout:\n%s\nstderr:\n%s", i, out, errs)
		r := readReport(t, f)
		require.NotNil(t, r.Shard)
		assert.Equal(t, report.Shard{Index: i, Count: 4}, *r.Shard)
		assert.Equal(t, all.Plan, r.Plan, "every shard carries the whole plan")
		assert.Empty(t, r.Checksums, "a shard writes no SHA256SUMS; merge does")
		seen += len(r.Jobs)
		frags = append(frags, f)
	}
	assert.Equal(t, 8, seen)
	_, err := os.Stat(filepath.Join(distSh, "SHA256SUMS"))
	assert.True(t, os.IsNotExist(err))

	t.Run("three of four shards is not a release", func(t *testing.T) {
		code, _, errs := run(t, env, append([]string{"merge", "--dist", distSh}, frags[:3]...)...)
		assert.Equal(t, ExitUsage, code)
		assert.Contains(t, errs, "shard 4/4 missing: merge needs every part")
	})
	t.Run("a shard twice", func(t *testing.T) {
		code, _, errs := run(t, env, append([]string{"merge", "--dist", distSh}, append(frags, frags[0])...)...)
		assert.Equal(t, ExitUsage, code)
		assert.Contains(t, errs, "is given twice")
	})

	merged := filepath.Join(dir, "merged.json")
	code, out, errs = run(t, env, append([]string{"merge", "--dist", distSh, "--json", merged,
		"--junit", filepath.Join(dir, "merged.xml"), "--markdown", filepath.Join(dir, "merged.md"), "--html", filepath.Join(dir, "merged.html")}, frags...)...)
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	got := readReport(t, merged)
	require.Len(t, got.Jobs, len(all.Jobs))
	for i, want := range all.Jobs {
		g := got.Jobs[i]
		assert.Equal(t, want.ID, g.ID, "plan order")
		assert.Equal(t, want.Status, g.Status, g.ID)
		assert.Equal(t, want.Linkage, g.Linkage, g.ID)
		assert.Equal(t, want.SHA256, g.SHA256, "%s: the shard built the same bytes", g.ID)
		assert.Equal(t, want.File, g.File, g.ID)
		require.NotNil(t, g.Archive, g.ID)
		assert.Equal(t, *want.Archive, *g.Archive, "%s: the same archive bytes", g.ID)
	}
	assert.Equal(t, all.Summary, got.Summary)
	sumsAll, err := os.ReadFile(filepath.Join(distAll, "SHA256SUMS"))
	require.NoError(t, err)
	sumsSh, err := os.ReadFile(filepath.Join(distSh, "SHA256SUMS"))
	require.NoError(t, err)
	assert.Equal(t, string(sumsAll), string(sumsSh))
	assert.Equal(t, 16, bytes.Count(sumsAll, []byte("\n")), "8 binaries and 8 archives")
	for _, f := range []string{"merged.xml", "merged.md", "merged.html"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.NotZero(t, fi.Size(), f)
	}

	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", "--strict", "SHA256SUMS")
		cmd.Dir = distSh
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "sha256sum -c:\n%s", out)
	}

	t.Run("a tampered artifact fails the merge", func(t *testing.T) {
		bin := filepath.Join(distSh, filepath.FromSlash(got.Jobs[0].File))
		require.NoError(t, os.WriteFile(bin, []byte("not the binary"), 0o755))
		code, _, errs := run(t, env, append([]string{"merge", "--dist", distSh, "--checksums", "none"}, frags...)...)
		assert.Equal(t, ExitFailed, code)
		assert.Contains(t, errs, got.Jobs[0].File+": sha256 ")
		assert.Contains(t, errs, "its shard built "+got.Jobs[0].SHA256)
	})
}
