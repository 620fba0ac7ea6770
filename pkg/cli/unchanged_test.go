package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnchangedJobsAreNotRebuilt runs build repeatedly on one module: a
// second run builds nothing, a source change rebuilds everything, a deleted
// binary rebuilds only its job, --force rebuilds all, and an unchanged
// job's archive is not packed again. (pkg/fingerprint proves every other
// input: flags, env, Go version, C compiler, go.sum, ...)
func TestUnchangedJobsAreNotRebuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the real toolchain")
	}
	dir := helloModule(t, `version: 1
builds:
  - id: hello
    trimpath: true
    targets: [linux/amd64, linux/arm64, windows/amd64]
    archive:
      files: [LICENSE]
`)
	m := filepath.Join(dir, "portmatrix.yaml")
	env := map[string]string{"GITHUB_STEP_SUMMARY": "", "SOURCE_DATE_EPOCH": "1700000000"}
	build := func(extra ...string) map[string]bool {
		t.Helper()
		jsonFile := filepath.Join(dir, "report.json")
		code, out, errs := run(t, env, append([]string{"build", "-f", m, "--json", jsonFile, "--progress", "none"}, extra...)...)
		require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		cached := map[string]bool{}
		for _, j := range readReport(t, jsonFile).Jobs {
			cached[j.ID] = j.Cached
			require.NotEmpty(t, j.SHA256, j.ID)
			require.NotNil(t, j.Archive, j.ID)
		}
		return cached
	}
	all := func(v bool) map[string]bool {
		return map[string]bool{"hello/linux/amd64/default": v, "hello/linux/arm64/default": v, "hello/windows/amd64/default": v}
	}

	assert.Equal(t, all(false), build(), "first run builds everything")
	archive := filepath.Join(dir, "dist", "hello_dev_linux_amd64.tar.gz")
	before, err := os.Stat(archive)
	require.NoError(t, err)

	assert.Equal(t, all(true), build(), "nothing changed: nothing built")
	after, err := os.Stat(archive)
	require.NoError(t, err)
	assert.Equal(t, before.ModTime(), after.ModTime(), "the archive of an unchanged job is not packed again")

	main := filepath.Join(dir, "main.go")
	src, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, append(src, []byte("\n// changed\n")...), 0o644))
	assert.Equal(t, all(false), build(), "a changed source file rebuilds every job")
	assert.Equal(t, all(true), build())

	require.NoError(t, os.Remove(filepath.Join(dir, "dist", "hello", "linux_arm64", "default", "hello")))
	want := all(true)
	want["hello/linux/arm64/default"] = false
	assert.Equal(t, want, build(), "a deleted binary rebuilds its job only")

	bin := filepath.Join(dir, "dist", "hello", "windows_amd64", "default", "hello.exe")
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	data[len(data)-1] ^= 0xff
	require.NoError(t, os.WriteFile(bin, data, 0o755))
	want = all(true)
	want["hello/windows/amd64/default"] = false
	assert.Equal(t, want, build(), "a modified binary is rebuilt")

	assert.Equal(t, all(false), build("--force"), "--force rebuilds everything")
}
