package release

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// fixture makes a dist directory with two "binaries" and a README, and the
// jobs and rows of a run in which the first built and the second failed.
func fixture(t *testing.T) (string, []plan.Job, []report.Job) {
	t.Helper()
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	bin := filepath.Join(dist, "app", "linux_amd64", "app")
	stale := filepath.Join(dist, "app", "linux_arm64", "app")
	for _, p := range []string{bin, stale} {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("binary "+filepath.Base(filepath.Dir(p))), 0o755))
	}
	readme := filepath.Join(dir, "README.md")
	require.NoError(t, os.WriteFile(readme, []byte("read me"), 0o644))
	sum, _, err := checksum.File(bin)
	require.NoError(t, err)
	arch := func(name string) *plan.Archive {
		return &plan.Archive{Format: "tar.gz", Path: filepath.Join(dist, name+".tar.gz"), Root: name,
			Files: []plan.ArchiveFile{{Src: readme, Name: "README.md"}}}
	}
	jobs := []plan.Job{
		{ID: "app/linux/amd64/default", Output: bin, Archive: arch("app_linux_amd64")},
		{ID: "app/linux/arm64/default", Output: stale, Archive: arch("app_linux_arm64")},
	}
	rows := []report.Job{
		{ID: jobs[0].ID, Status: report.StatusOK, SHA256: sum},
		{ID: jobs[1].ID, Status: report.StatusFailed},
	}
	return dist, jobs, rows
}

func TestPackAndChecksums(t *testing.T) {
	dist, jobs, rows := fixture(t)
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	require.NoError(t, Pack(context.Background(), jobs, rows, Options{DistDir: dist, ModTime: mtime}))

	assert.Equal(t, "app/linux_amd64/app", rows[0].File)
	require.NotNil(t, rows[0].Archive)
	assert.Equal(t, "app_linux_amd64.tar.gz", rows[0].Archive.File)
	sum, size, err := checksum.File(filepath.Join(dist, "app_linux_amd64.tar.gz"))
	require.NoError(t, err)
	assert.Equal(t, sum, rows[0].Archive.SHA256)
	assert.Equal(t, size, rows[0].Archive.Size)

	// A failed job gets no archive and no checksum, even though a binary
	// from an earlier run is still in the dist directory.
	assert.Empty(t, rows[1].File)
	assert.Nil(t, rows[1].Archive)
	_, err = os.Stat(filepath.Join(dist, "app_linux_arm64.tar.gz"))
	assert.True(t, os.IsNotExist(err))

	// The archive holds the binary (executable) and the README under its root.
	f, err := os.Open(filepath.Join(dist, "app_linux_amd64.tar.gz"))
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	got := map[string]int64{}
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		got[h.Name] = h.Mode
		assert.True(t, h.ModTime.Equal(mtime), h.Name)
	}
	assert.Equal(t, map[string]int64{"app_linux_amd64/": 0o755, "app_linux_amd64/README.md": 0o644, "app_linux_amd64/app": 0o755}, got)

	sums := filepath.Join(dist, ChecksumsFile)
	written, err := WriteChecksums(sums, rows)
	require.NoError(t, err)
	assert.True(t, written)
	entries, err := checksum.ReadFile(sums)
	require.NoError(t, err)
	assert.Equal(t, []checksum.Entry{
		{Name: "app/linux_amd64/app", SHA256: rows[0].SHA256},
		{Name: "app_linux_amd64.tar.gz", SHA256: rows[0].Archive.SHA256},
	}, entries)
}

func TestPackIsDeterministic(t *testing.T) {
	var sums []string
	for range 2 {
		dist, jobs, rows := fixture(t)
		require.NoError(t, Pack(context.Background(), jobs, rows, Options{DistDir: dist}))
		sums = append(sums, rows[0].Archive.SHA256)
	}
	assert.Equal(t, sums[0], sums[1])
}

func TestWriteChecksumsNothingBuilt(t *testing.T) {
	path := filepath.Join(t.TempDir(), ChecksumsFile)
	written, err := WriteChecksums(path, []report.Job{{ID: "a", Status: report.StatusFailed}})
	require.NoError(t, err)
	assert.False(t, written)
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err), "no empty SHA256SUMS")
}

func TestPackErrors(t *testing.T) {
	dist, jobs, rows := fixture(t)
	jobs[0].Archive.Files[0].Src = filepath.Join(dist, "gone.md")
	err := Pack(context.Background(), jobs, rows, Options{DistDir: dist})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "app/linux/amd64/default: archive:")
	assert.Contains(t, err.Error(), "gone.md")

	dist, jobs, rows = fixture(t)
	jobs[0].Output = "/elsewhere/app"
	err = Pack(context.Background(), jobs, rows, Options{DistDir: dist})
	assert.ErrorContains(t, err, "/elsewhere/app is outside the dist directory")
}

func TestPackReusesAnUnchangedArchive(t *testing.T) {
	dist, jobs, rows := fixture(t)
	type rec struct{ key, path, sum string }
	var packed []rec
	opt := Options{DistDir: dist, Packed: func(id, key, path, sum string, size int64) { packed = append(packed, rec{key, path, sum}) }}
	require.NoError(t, Pack(context.Background(), jobs, rows, opt))
	require.Len(t, packed, 1)
	first := packed[0]
	fi, err := os.Stat(first.path)
	require.NoError(t, err)

	// Same inputs: reused, not rewritten (same mtime on disk).
	opt.Reuse = func(id, key string) (string, string, int64, bool) {
		return first.path, first.sum, fi.Size(), key == first.key
	}
	packed = nil
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, Pack(context.Background(), jobs, rows, opt))
	require.Len(t, packed, 1)
	assert.Equal(t, first, packed[0])
	fi2, err := os.Stat(first.path)
	require.NoError(t, err)
	assert.Equal(t, fi.ModTime(), fi2.ModTime(), "not packed again")

	// A changed extra file changes the key: packed again.
	require.NoError(t, os.WriteFile(jobs[0].Archive.Files[0].Src, []byte("read me, v2"), 0o644))
	packed = nil
	require.NoError(t, Pack(context.Background(), jobs, rows, opt))
	require.Len(t, packed, 1)
	assert.NotEqual(t, first.key, packed[0].key)
	assert.NotEqual(t, first.sum, packed[0].sum)
}
