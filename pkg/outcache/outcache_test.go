package outcache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func key(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// binary writes content to a file in dir and returns its path and Meta.
func binary(t *testing.T, dir, name, content string) (string, Meta) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o755))
	sum := sha256.Sum256([]byte(content))
	return p, Meta{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)), Job: "b/linux/amd64/default", Duration: 3 * time.Second, MaxRSS: 1 << 20}
}

// dirFiles lists the names in dir (to find leftover temporary files).
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestStoreRestore(t *testing.T) {
	c := Open(t.TempDir())
	work := t.TempDir()
	src, m := binary(t, work, "built", "\x7fELF a binary")
	require.NoError(t, c.Store(key("a"), src, m))

	dst := filepath.Join(work, "out", "restored")
	got, err := c.Restore(key("a"), dst, nil)
	require.NoError(t, err)
	assert.Equal(t, m, got, "the meta of the build, duration and memory included")
	data, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, "\x7fELF a binary", string(data))
	st, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), st.Mode().Perm(), "the mode is kept: binaries stay executable")
	assert.Equal(t, []string{"restored"}, dirFiles(t, filepath.Dir(dst)), "no temporary file left")

	_, err = c.Restore(key("b"), dst, nil)
	assert.ErrorIs(t, err, ErrMiss)
	_, err = c.Restore("not-a-key", dst, nil)
	assert.ErrorIs(t, err, ErrMiss)
	assert.Error(t, c.Store("../../etc/passwd", src, m), "a key is never a path")
}

func TestDisabled(t *testing.T) {
	work := t.TempDir()
	src, m := binary(t, work, "built", "x")
	for _, c := range []*Cache{nil, Open("")} {
		assert.False(t, c.Enabled())
		assert.NoError(t, c.Store(key("a"), src, m))
		_, err := c.Restore(key("a"), filepath.Join(work, "dst"), nil)
		assert.ErrorIs(t, err, ErrMiss)
	}
	assert.NoFileExists(t, filepath.Join(work, "dst"))
}

// A corrupt entry is never restored: the destination keeps what it had,
// the entry is removed, and the error says why.
func TestRestoreCorrupt(t *testing.T) {
	for name, corrupt := range map[string]func(bin, meta string) error{
		"flipped byte": func(bin, _ string) error {
			b, err := os.ReadFile(bin)
			if err != nil {
				return err
			}
			b[0] ^= 1
			return os.WriteFile(bin, b, 0o755)
		},
		"truncated":      func(bin, _ string) error { return os.Truncate(bin, 3) },
		"binary missing": func(bin, _ string) error { return os.Remove(bin) },
		"bad record":     func(_, meta string) error { return os.WriteFile(meta, []byte("{"), 0o644) },
		"empty record":   func(_, meta string) error { return os.WriteFile(meta, []byte("{}"), 0o644) },
	} {
		t.Run(name, func(t *testing.T) {
			c := Open(t.TempDir())
			work := t.TempDir()
			src, m := binary(t, work, "built", "the good binary")
			k := key("a")
			require.NoError(t, c.Store(k, src, m))
			require.NoError(t, corrupt(c.binPath(k), c.metaPath(k)))

			dst := filepath.Join(work, "dst")
			require.NoError(t, os.WriteFile(dst, []byte("previous good"), 0o755))
			_, err := c.Restore(k, dst, nil)
			require.ErrorIs(t, err, ErrMiss)
			assert.NotEqual(t, ErrMiss, err, "the error says what was wrong")
			data, err := os.ReadFile(dst)
			require.NoError(t, err)
			assert.Equal(t, "previous good", string(data), "a failed restore never clobbers the destination")
			assert.ElementsMatch(t, []string{"built", "dst"}, dirFiles(t, work), "no temporary file left")
			assert.NoFileExists(t, c.metaPath(k), "the corrupt entry is removed")
			_, err = c.Restore(k, dst, nil)
			assert.Equal(t, ErrMiss, err, "and is a plain miss afterwards")
		})
	}
}

// Store copies what it was told it copies, or nothing; an output that
// changed after its inspection without changing size is stored, and the
// entry is caught by Restore's check.
func TestStoreChangedSource(t *testing.T) {
	c := Open(t.TempDir())
	work := t.TempDir()
	src, m := binary(t, work, "built", "one binary")
	require.NoError(t, os.WriteFile(src, []byte("another one"), 0o755))
	err := c.Store(key("a"), src, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "changed since it was inspected")
	_, err = c.Restore(key("a"), filepath.Join(work, "dst"), nil)
	assert.Equal(t, ErrMiss, err)
	assert.Empty(t, dirFiles(t, filepath.Dir(c.binPath(key("a")))), "no temporary or partial file left in the cache")

	require.NoError(t, os.WriteFile(src, []byte("one BINARY"), 0o755))
	require.NoError(t, c.Store(key("a"), src, m))
	_, err = c.Restore(key("a"), filepath.Join(work, "dst"), nil)
	require.ErrorIs(t, err, ErrMiss)
	assert.Contains(t, err.Error(), "SHA-256")
	assert.NoFileExists(t, filepath.Join(work, "dst"))
}

// Each output keeps only its latest entry; other outputs are untouched.
func TestSlotKeepsLatest(t *testing.T) {
	c := Open(t.TempDir())
	work := t.TempDir()
	app, m1 := binary(t, work, "app", "version 1")
	other, mo := binary(t, work, "app.exe", "another target")
	require.NoError(t, c.Store(key("1"), app, m1))
	require.NoError(t, c.Store(key("o"), other, mo))
	_, m2 := binary(t, work, "app", "version 2")
	require.NoError(t, c.Store(key("2"), app, m2))

	_, err := c.Restore(key("1"), filepath.Join(work, "dst"), nil)
	assert.Equal(t, ErrMiss, err, "the slot's previous entry is gone")
	for _, k := range []string{key("2"), key("o")} {
		_, err := c.Restore(k, filepath.Join(work, "dst"), nil)
		assert.NoError(t, err)
	}
	require.NoError(t, c.Store(key("2"), app, m2), "storing the same key again keeps it")
	_, err = c.Restore(key("2"), filepath.Join(work, "dst"), nil)
	assert.NoError(t, err)
}

func TestTrim(t *testing.T) {
	dir := t.TempDir()
	c := Open(dir)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	work := t.TempDir()
	out := map[string]string{}
	var m Meta
	for _, name := range []string{"old", "used", "new", "new2"} {
		out[name], m = binary(t, work, name, "bin")
	}
	require.NoError(t, c.Store(key("old"), out["old"], m))
	require.NoError(t, c.Store(key("used"), out["used"], m))
	old := now.Add(-MaxAge - time.Hour)
	for _, k := range []string{key("old"), key("used")} {
		require.NoError(t, os.Chtimes(c.metaPath(k), old, old))
	}
	_, err := c.Restore(key("used"), filepath.Join(work, "dst"), nil)
	require.NoError(t, err, "a restore marks the entry used")

	// Store trims at most once a day: a day later, the old entry goes.
	require.NoError(t, c.Store(key("new"), out["new"], m))
	_, err = c.Restore(key("old"), filepath.Join(work, "dst"), nil)
	assert.NoError(t, err, "the store just before trimmed already; not again the same day")
	require.NoError(t, os.Chtimes(c.metaPath(key("old")), old, old))
	now = now.Add(25 * time.Hour)
	require.NoError(t, c.Store(key("new2"), out["new2"], m))
	_, err = c.Restore(key("old"), filepath.Join(work, "dst"), nil)
	assert.Equal(t, ErrMiss, err, "unused for MaxAge: trimmed")
	assert.NoFileExists(t, c.binPath(key("old")))
	assert.NoFileExists(t, c.slotPath(out["old"]), "its slot goes with it")
	for _, k := range []string{key("used"), key("new"), key("new2")} {
		_, err := c.Restore(k, filepath.Join(work, "dst"), nil)
		assert.NoError(t, err)
	}
}

func TestDefaultDir(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	d, err := DefaultDir(env(EnvVar, "off", "HOME", "/home/u"))
	require.NoError(t, err)
	assert.Equal(t, "", d)
	d, err = DefaultDir(env(EnvVar, "/c", "HOME", "/home/u"))
	require.NoError(t, err)
	assert.Equal(t, "/c", d)
	d, err = DefaultDir(env(EnvVar, "rel"))
	require.NoError(t, err)
	assert.True(t, filepath.IsAbs(d) && strings.HasSuffix(d, "rel"), d)
	d, err = DefaultDir(env("XDG_CACHE_HOME", "/x", "HOME", "/home/u"))
	require.NoError(t, err)
	assert.Equal(t, "/x/portmatrix/outputs", d)
	d, err = DefaultDir(env("HOME", "/home/u"))
	require.NoError(t, err)
	assert.Equal(t, "/home/u/.cache/portmatrix/outputs", d)
}

// Restore to a place that cannot be written (here: under a regular file,
// which fails even for root) is an error that is not a miss: the caller
// warns, and the build that follows fails the same way.
func TestRestoreUnwritable(t *testing.T) {
	c := Open(t.TempDir())
	work := t.TempDir()
	src, m := binary(t, work, "b", "bin")
	require.NoError(t, c.Store(key("a"), src, m))
	_, err := c.Restore(key("a"), filepath.Join(src, "dst"), nil)
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrMiss))
	_, err = c.Restore(key("a"), filepath.Join(work, "dst"), nil)
	assert.NoError(t, err, "the entry is kept: it was not at fault")
}

// A restored binary is executable even when the cache lost the executable
// bits (an artifact upload, a CI cache that keeps no modes): its mode is
// what go build gives a binary, 0777 less the umask.
func TestRestoreMode(t *testing.T) {
	c := Open(t.TempDir())
	work := t.TempDir()
	src, m := binary(t, work, "built", "bin")
	require.NoError(t, c.Store(key("a"), src, m))
	require.NoError(t, os.Chmod(c.binPath(key("a")), 0o644))
	dst := filepath.Join(work, "dst")
	_, err := c.Restore(key("a"), dst, nil)
	require.NoError(t, err)
	st, err := os.Stat(dst)
	require.NoError(t, err)
	probe := filepath.Join(work, "probe")
	f, err := os.OpenFile(probe, os.O_CREATE|os.O_WRONLY, 0o777)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	want, err := os.Stat(probe)
	require.NoError(t, err)
	assert.Equal(t, want.Mode().Perm(), st.Mode().Perm())
	assert.NotZero(t, st.Mode().Perm()&0o100, "executable")
}

// Trim removes what a crashed Store left: temporary files, once old.
func TestTrimTemporaries(t *testing.T) {
	c := Open(t.TempDir())
	work := t.TempDir()
	src, m := binary(t, work, "built", "bin")
	k := key("a")
	require.NoError(t, c.Store(k, src, m))
	// atomicfile's name, and the one it used before IsTemp.
	for _, name := range []string{"." + k + ".portmatrix-123", "." + k + ".tmp-123"} {
		tmp := filepath.Join(filepath.Dir(c.binPath(k)), name)
		require.NoError(t, os.WriteFile(tmp, []byte("half"), 0o644))
		c.Trim(time.Now().Add(-time.Hour))
		assert.FileExists(t, tmp, "a recent temporary file may belong to a Store in progress")
		old := time.Now().Add(-2 * MaxAge)
		require.NoError(t, os.Chtimes(tmp, old, old))
		c.Trim(time.Now().Add(-MaxAge))
		assert.NoFileExists(t, tmp)
	}
	_, err := c.Restore(k, filepath.Join(work, "dst"), nil)
	assert.NoError(t, err, "the entry itself was used recently")
}
