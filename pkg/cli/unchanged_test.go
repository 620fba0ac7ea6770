package cli

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/outcache"
)

// TestUnchangedJobsAreNotRebuilt runs build repeatedly on one module: a
// second run builds nothing, a source change rebuilds everything, a deleted
// or modified binary is restored from the output cache (or rebuilt with
// --cache off, or when the cache entry is corrupt), --force rebuilds all,
// and an unchanged job's archive is not packed again. (pkg/fingerprint proves every other
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
	cache := t.TempDir()
	env[outcache.EnvVar] = cache
	// build runs portmatrix and says, per job, whether it was "built",
	// "cached" (skipped) or "restored" from the output cache.
	build := func(extra ...string) map[string]string {
		t.Helper()
		jsonFile := filepath.Join(dir, "report.json")
		code, out, errs := run(t, env, append([]string{"build", "-f", m, "--json", jsonFile, "--progress", "none"}, extra...)...)
		require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
		how := map[string]string{}
		for _, j := range readReport(t, jsonFile).Jobs {
			switch {
			case j.Cached && j.Restored:
				t.Fatalf("%s is both cached and restored", j.ID)
			case j.Cached:
				how[j.ID] = "cached"
			case j.Restored:
				how[j.ID] = "restored"
			default:
				how[j.ID] = "built"
			}
			require.NotEmpty(t, j.SHA256, j.ID)
			require.NotNil(t, j.Archive, j.ID)
			data, err := os.ReadFile(j.Output)
			require.NoError(t, err)
			require.Equal(t, j.SHA256, fmt.Sprintf("%x", sha256.Sum256(data)), "%s: the report's SHA-256 is the file's", j.ID)
		}
		return how
	}
	all := func(v string) map[string]string {
		return map[string]string{"hello/linux/amd64/default": v, "hello/linux/arm64/default": v, "hello/windows/amd64/default": v}
	}
	with := func(id, v string) map[string]string {
		w := all("cached")
		w[id] = v
		return w
	}

	assert.Equal(t, all("built"), build(), "first run builds everything")
	archive := filepath.Join(dir, "dist", "hello_dev_linux_amd64.tar.gz")
	before, err := os.Stat(archive)
	require.NoError(t, err)

	assert.Equal(t, all("cached"), build(), "nothing changed: nothing built")
	after, err := os.Stat(archive)
	require.NoError(t, err)
	assert.Equal(t, before.ModTime(), after.ModTime(), "the archive of an unchanged job is not packed again")

	main := filepath.Join(dir, "main.go")
	src, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, append(src, []byte("\n// changed\n")...), 0o644))
	assert.Equal(t, all("built"), build(), "a changed source file rebuilds every job")
	assert.Equal(t, all("cached"), build())

	arm64 := filepath.Join(dir, "dist", "hello", "linux_arm64", "default", "hello")
	require.NoError(t, os.Remove(arm64))
	assert.Equal(t, with("hello/linux/arm64/default", "restored"), build(), "a deleted binary is restored from the output cache")

	bin := filepath.Join(dir, "dist", "hello", "windows_amd64", "default", "hello.exe")
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	data[len(data)-1] ^= 0xff
	require.NoError(t, os.WriteFile(bin, data, 0o755))
	assert.Equal(t, with("hello/windows/amd64/default", "restored"), build(), "a binary modified in place is restored")

	require.NoError(t, os.Remove(arm64))
	assert.Equal(t, with("hello/linux/arm64/default", "built"), build("--cache", "off"), "--cache off: a deleted binary is rebuilt")

	// Corrupt every entry of the cache: a restore checks the bytes it
	// copies, so the job is built, never restored from a bad entry.
	entries, err := filepath.Glob(filepath.Join(cache, "??", "*"))
	require.NoError(t, err)
	corrupted := 0
	for _, e := range entries {
		if filepath.Ext(e) == "" {
			b, err := os.ReadFile(e)
			require.NoError(t, err)
			b[len(b)/2] ^= 0xff
			require.NoError(t, os.WriteFile(e, b, 0o755))
			corrupted++
		}
	}
	require.Equal(t, 3, corrupted, "the cache holds the latest binary of each job, no more: %v", entries)
	require.NoError(t, os.Remove(arm64))
	assert.Equal(t, with("hello/linux/arm64/default", "built"), build(), "a corrupt cache entry is not restored")

	require.NoError(t, os.RemoveAll(filepath.Join(dir, "dist")))
	assert.Equal(t, map[string]string{"hello/linux/amd64/default": "built", "hello/linux/arm64/default": "restored", "hello/windows/amd64/default": "built"},
		build(), "a clean dist directory: the job rebuilt last is restored, the corrupt entries are built again")
	assert.Equal(t, all("restored"), func() map[string]string {
		require.NoError(t, os.RemoveAll(filepath.Join(dir, "dist")))
		return build()
	}(), "the rebuilt entries are good again")

	assert.Equal(t, all("built"), build("--force"), "--force rebuilds everything")
}
