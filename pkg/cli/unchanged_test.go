package cli

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
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
	env := map[string]string{"GITHUB_STEP_SUMMARY": "", "SOURCE_DATE_EPOCH": "1700000000"}
	cache := t.TempDir()
	env[outcache.EnvVar] = cache
	// build runs portmatrix and says, per job, whether it was "built",
	// "cached" (skipped) or "restored" from the output cache.
	build := func(extra ...string) map[string]string {
		t.Helper()
		how, _ := buildHow(t, dir, env, extra...)
		for _, j := range readReport(t, filepath.Join(dir, "report.json")).Jobs {
			require.False(t, j.Cached && j.Restored, "%s is both cached and restored", j.ID)
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

// buildHow runs build with the manifest in dir and returns, per job, how
// its binary came: "built", "cached" or "restored"; and stderr.
func buildHow(t *testing.T, dir string, env map[string]string, extra ...string) (map[string]string, string) {
	t.Helper()
	jsonFile := filepath.Join(dir, "report.json")
	args := append([]string{"build", "-f", filepath.Join(dir, "portmatrix.yaml"), "--json", jsonFile, "--progress", "none"}, extra...)
	code, out, errs := run(t, env, args...)
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	how := map[string]string{}
	for _, j := range readReport(t, jsonFile).Jobs {
		switch {
		case j.Cached:
			how[j.ID] = "cached"
		case j.Restored:
			how[j.ID] = "restored"
		default:
			how[j.ID] = "built"
		}
	}
	return how, errs
}

// The output cache may live inside the module (a CI workspace): it is not
// hashed as a source, so storing into it changes no key.
func TestOutputCacheInsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the real toolchain")
	}
	dir := helloModule(t, "version: 1\nbuilds:\n  - id: hello\n    trimpath: true\n    targets: [linux/amd64, windows/arm64]\n")
	env := map[string]string{"GITHUB_STEP_SUMMARY": "", outcache.EnvVar: filepath.Join(dir, ".portmatrix-cache")}
	all := func(v string) map[string]string {
		return map[string]string{"hello/linux/amd64/default": v, "hello/windows/arm64/default": v}
	}
	how, _ := buildHow(t, dir, env)
	assert.Equal(t, all("built"), how)
	how, _ = buildHow(t, dir, env)
	assert.Equal(t, all("cached"), how, "the cache's new files are not module sources")
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "dist")))
	how, _ = buildHow(t, dir, env)
	assert.Equal(t, all("restored"), how)
}

// A source edited while its job builds: the binary may hold the edit, so
// it is filed under no key: not "unchanged" next time, and not in the
// output cache, where the key computed before the build would otherwise
// hand it out once the edit is undone.
func TestInputsChangedDuringBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the real toolchain")
	}
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	dir := helloModule(t, "version: 1\nbuilds:\n  - id: hello\n    trimpath: true\n    targets: [linux/amd64]\n")
	main := filepath.Join(dir, "main.go")
	original, err := os.ReadFile(main)
	require.NoError(t, err)
	marker := filepath.Join(t.TempDir(), "edit-now")
	// A go command that edits main.go as the build starts, once per marker.
	wrapper := filepath.Join(t.TempDir(), "go")
	require.NoError(t, os.WriteFile(wrapper, []byte(fmt.Sprintf(`#!/bin/sh
if [ "$1" = build ] && [ -f %[1]q ]; then
	rm -f %[1]q
	printf '\nfunc init() { version = "edited" }\n' >> %[2]q
fi
exec %[3]q "$@"
`, marker, main, goBin)), 0o755))
	env := map[string]string{"GITHUB_STEP_SUMMARY": "", outcache.EnvVar: t.TempDir()}
	id := "hello/linux/amd64/default"

	bin := filepath.Join(dir, "dist", "hello", "linux_amd64", "default", "hello")
	edited := func() bool {
		t.Helper()
		data, err := os.ReadFile(bin)
		require.NoError(t, err)
		return bytes.Contains(data, []byte("edited"))
	}

	require.NoError(t, os.WriteFile(marker, nil, 0o644))
	how, errs := buildHow(t, dir, env, "--go", wrapper)
	assert.Equal(t, "built", how[id])
	assert.Contains(t, errs, "changed while it was built ("+id+")")
	assert.NoFileExists(t, marker, "the wrapper did edit")
	assert.True(t, edited(), "the binary holds the edit made during its build")

	require.NoError(t, os.WriteFile(main, original, 0o644))
	how, _ = buildHow(t, dir, env, "--go", wrapper)
	assert.Equal(t, "built", how[id], "the source is as keyed before the last build, but the binary is not its build")
	assert.False(t, edited())
	how, _ = buildHow(t, dir, env, "--go", wrapper)
	assert.Equal(t, "cached", how[id])

	// Now the cache holds the good binary under the original key; a build
	// edited midway must not replace it.
	require.NoError(t, os.WriteFile(marker, nil, 0o644))
	how, _ = buildHow(t, dir, env, "--go", wrapper, "--force")
	assert.Equal(t, "built", how[id])
	assert.True(t, edited())
	require.NoError(t, os.WriteFile(main, original, 0o644))
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "dist")))
	how, _ = buildHow(t, dir, env, "--go", wrapper)
	assert.Equal(t, "restored", how[id])
	assert.False(t, edited(), "the cache gave back the binary of the original source, not the one of the edit")
}

// A cgo job is never restored from the output cache: its key does not cover
// the C libraries it links. It is still skipped while its binary is there.
func TestOutputCacheSkipsCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with the real toolchain")
	}
	needtool.Path(t, "apt-get install gcc libc6-dev", "gcc")
	dir := helloModule(t, `version: 1
builds:
  - id: hello
    trimpath: true
    targets: [linux/amd64]
    variants:
      - name: pure
        cgo: false
      - name: cgo
        cgo: true
`)
	env := map[string]string{"GITHUB_STEP_SUMMARY": "", outcache.EnvVar: t.TempDir()}
	how, _ := buildHow(t, dir, env)
	assert.Equal(t, map[string]string{"hello/linux/amd64/pure": "built", "hello/linux/amd64/cgo": "built"}, how)
	how, _ = buildHow(t, dir, env)
	assert.Equal(t, map[string]string{"hello/linux/amd64/pure": "cached", "hello/linux/amd64/cgo": "cached"}, how)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "dist")))
	how, _ = buildHow(t, dir, env)
	assert.Equal(t, map[string]string{"hello/linux/amd64/pure": "restored", "hello/linux/amd64/cgo": "built"}, how)
}
