package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
)

const id = "app/linux/amd64/default"

// built writes an output into dir and returns its recorded entry.
func built(t *testing.T, dir, content string) Entry {
	t.Helper()
	out := filepath.Join(dir, "app_linux_amd64", "app")
	require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))
	require.NoError(t, os.WriteFile(out, []byte(content), 0o755))
	e, err := Observe(out)
	require.NoError(t, err)
	e.Key = "key-1"
	e.Duration = 1500 * time.Millisecond
	e.MaxRSS = 300 << 20
	return e
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".portmatrix", "state.json")
	f := New()
	e := built(t, dir, "binary")
	e.Info = &inspect.Info{Path: e.Output, Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64",
		Linkage: inspect.LinkageStatic, Size: e.Size, SHA256: e.SHA256, Go: &inspect.GoInfo{GoVersion: "go1.26.8"}}
	f.Record(id, e)
	f.Record("app/windows/amd64/default", Entry{Key: "k2", Output: "/x.exe", Duration: time.Second})
	require.NoError(t, f.Save(path))

	g, err := Load(path)
	require.NoError(t, err)
	require.Len(t, g.Jobs, 2)
	got := g.Jobs[id]
	assert.True(t, e.ModTime.Equal(got.ModTime))
	got.ModTime = e.ModTime
	assert.Equal(t, e, got)

	first, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, g.Save(path))
	second, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(first), string(second), "saving is deterministic")
	assert.Less(t, strings.Index(string(first), "app/linux"), strings.Index(string(first), "app/windows"), "jobs sorted by id")
	assert.Contains(t, string(first), `"schema_version": 2`)
}

func TestLoadBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		content *string // nil: no file
		dir     bool
		warn    string
	}{
		{name: "missing"},
		{name: "corrupt", content: ptr(`{"schema_version": 2, "jobs": {`), warn: "unexpected end of JSON input"},
		{name: "not JSON", content: ptr("garbage"), warn: "invalid character"},
		{name: "future version", content: ptr(`{"schema_version": 3, "jobs": {"a": {"key": "k"}}}`), warn: "schema version 3, this portmatrix reads 2"},
		{name: "version 1 (min_os was the header's)", content: ptr(`{"schema_version": 1, "jobs": {"a": {"key": "k"}}}`), warn: "schema version 1, this portmatrix reads 2"},
		{name: "no version", content: ptr(`{"jobs": {"a": {"key": "k"}}}`), warn: "schema version 0"},
		{name: "wrong field type", content: ptr(`{"schema_version": 2, "jobs": {"a": {"size": "big"}}}`), warn: "cannot unmarshal"},
		{name: "a directory", dir: true, warn: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if tt.content != nil {
				require.NoError(t, os.WriteFile(path, []byte(*tt.content), 0o644))
			}
			if tt.dir {
				require.NoError(t, os.Mkdir(path, 0o755))
			}
			f, err := Load(path)
			require.NotNil(t, f, "always a usable state")
			assert.Empty(t, f.Jobs)
			f.Record("x", Entry{}) // usable
			if tt.warn == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrIgnored)
			assert.Contains(t, err.Error(), tt.warn)
			assert.Contains(t, err.Error(), path, "the warning names the file")
		})
	}
}

func ptr(s string) *string { return &s }

func TestFresh(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, e Entry)
		key    string
		fresh  bool
	}{
		{name: "unchanged", key: "key-1", fresh: true},
		{name: "unchanged but touched", key: "key-1", fresh: true, change: func(t *testing.T, e Entry) {
			later := time.Now().Add(time.Hour)
			require.NoError(t, os.Chtimes(e.Output, later, later))
		}},
		{name: "different key", key: "key-2"},
		{name: "empty key", key: ""},
		{name: "output deleted", key: "key-1", change: func(t *testing.T, e Entry) { require.NoError(t, os.Remove(e.Output)) }},
		{name: "output modified, same size", key: "key-1", change: func(t *testing.T, e Entry) {
			require.NoError(t, os.WriteFile(e.Output, []byte("BINARY"), 0o755))
		}},
		{name: "output grew", key: "key-1", change: func(t *testing.T, e Entry) {
			require.NoError(t, os.WriteFile(e.Output, []byte("binary+"), 0o755))
		}},
		{name: "output replaced by a directory", key: "key-1", change: func(t *testing.T, e Entry) {
			require.NoError(t, os.Remove(e.Output))
			require.NoError(t, os.Mkdir(e.Output, 0o755))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New()
			e := built(t, t.TempDir(), "binary")
			f.Record(id, e)
			if tt.change != nil {
				tt.change(t, e)
			}
			got, ok := f.Fresh(id, tt.key)
			assert.Equal(t, tt.fresh, ok)
			if tt.fresh {
				assert.Equal(t, e, got)
			}
		})
	}
	t.Run("unknown job", func(t *testing.T) {
		_, ok := New().Fresh(id, "key-1")
		assert.False(t, ok)
	})
}

func TestSchedulingHints(t *testing.T) {
	f := New()
	f.Record("a", Entry{Duration: 2 * time.Second, MaxRSS: 1 << 30})
	f.Record("b", Entry{})
	d, ok := f.Duration("a")
	assert.True(t, ok)
	assert.Equal(t, 2*time.Second, d)
	m, ok := f.MaxRSS("a")
	assert.True(t, ok)
	assert.Equal(t, int64(1<<30), m)
	_, ok = f.Duration("b")
	assert.False(t, ok, "zero is unknown")
	_, ok = f.MaxRSS("b")
	assert.False(t, ok, "zero is unknown")
	_, ok = f.Duration("missing")
	assert.False(t, ok)
}

func TestPrune(t *testing.T) {
	f := New()
	for _, id := range []string{"a", "b", "c"} {
		f.Record(id, Entry{Key: id})
	}
	assert.Equal(t, 2, f.Prune([]string{"b", "z"}))
	assert.Equal(t, []string{"b"}, keys(f))
	assert.Equal(t, 0, f.Prune([]string{"b"}))
}

func keys(f *File) []string {
	var out []string
	for k := range f.Jobs {
		out = append(out, k)
	}
	return out
}

// TestConcurrent records, reads and checks from many goroutines (-race).
func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	f := New()
	e := built(t, dir, "binary")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			id := fmt.Sprintf("job-%d", i)
			f.Record(id, e)
			f.Duration(id)
			f.MaxRSS(id)
			_, ok := f.Fresh(id, "key-1")
			assert.True(t, ok)
		})
	}
	wg.Go(func() { assert.NoError(t, f.Save(filepath.Join(dir, "state.json"))) })
	wg.Wait()
	assert.Len(t, f.Jobs, 16)
}

// BenchmarkFresh is the cost of proving an output unchanged: one SHA-256
// over the whole binary.
func BenchmarkFresh(b *testing.B) {
	for _, size := range []int{2 << 20, 20 << 20} {
		b.Run(fmt.Sprintf("%dMB", size>>20), func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "app")
			require.NoError(b, os.WriteFile(out, []byte(strings.Repeat("\x7fELF", size/4)), 0o755))
			e, err := Observe(out)
			require.NoError(b, err)
			e.Key = "k"
			f := New()
			f.Record(id, e)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, ok := f.Fresh(id, "k"); !ok {
					b.Fatal("not fresh")
				}
			}
		})
	}
}

func TestFreshArchive(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.tar.gz")
	require.NoError(t, os.WriteFile(path, []byte("archive bytes"), 0o644))
	sum := sha256.Sum256([]byte("archive bytes"))
	f := New()
	f.Record("a", Entry{Key: "k"})
	f.SetArchive("a", Archive{Key: "ak", Path: path, SHA256: hex.EncodeToString(sum[:]), Size: 13})
	f.SetArchive("missing", Archive{Key: "x"}) // no entry: ignored
	_, ok := f.FreshArchive("missing", "x")
	assert.False(t, ok)

	got, ok := f.FreshArchive("a", "ak")
	require.True(t, ok)
	assert.Equal(t, path, got.Path)
	_, ok = f.FreshArchive("a", "other-key")
	assert.False(t, ok, "other inputs")
	require.NoError(t, os.WriteFile(path, []byte("archive BYTES"), 0o644))
	_, ok = f.FreshArchive("a", "ak")
	assert.False(t, ok, "the file was changed")
}
