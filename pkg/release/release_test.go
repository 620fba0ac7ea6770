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
)

// fixture makes a dist directory with two "binaries" and a README, and the
// jobs and binary hashes of a run in which the first built and the second
// failed ("" hash).
func fixture(t *testing.T) (string, []plan.Job, []string) {
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
	return dist, jobs, []string{sum, ""}
}

func TestPackAndChecksums(t *testing.T) {
	dist, jobs, sums := fixture(t)
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	files, err := Pack(context.Background(), jobs, sums, Options{DistDir: dist, ModTime: mtime})
	require.NoError(t, err)

	assert.Equal(t, "app/linux_amd64/app", files[0].File)
	require.NotNil(t, files[0].Archive)
	assert.Equal(t, "app_linux_amd64.tar.gz", files[0].Archive.File)
	sum, size, err := checksum.File(filepath.Join(dist, "app_linux_amd64.tar.gz"))
	require.NoError(t, err)
	assert.Equal(t, sum, files[0].Archive.SHA256)
	assert.Equal(t, size, files[0].Archive.Size)

	// A failed job gets no archive and ships nothing, even though a binary
	// from an earlier run is still in the dist directory.
	assert.Empty(t, files[1].File)
	assert.Nil(t, files[1].Archive)
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

}

func TestPackIsDeterministic(t *testing.T) {
	var archives []string
	for range 2 {
		dist, jobs, sums := fixture(t)
		files, err := Pack(context.Background(), jobs, sums, Options{DistDir: dist})
		require.NoError(t, err)
		archives = append(archives, files[0].Archive.SHA256)
	}
	assert.Equal(t, archives[0], archives[1])
}

func TestPackErrors(t *testing.T) {
	dist, jobs, sums := fixture(t)
	jobs[0].Archive.Files[0].Src = filepath.Join(dist, "gone.md")
	_, err := Pack(context.Background(), jobs, sums, Options{DistDir: dist})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "app/linux/amd64/default: archive:")
	assert.Contains(t, err.Error(), "gone.md")

	dist, jobs, sums = fixture(t)
	jobs[0].Output = "/elsewhere/app"
	_, err = Pack(context.Background(), jobs, sums, Options{DistDir: dist})
	assert.ErrorContains(t, err, "/elsewhere/app is outside the dist directory")
}

func TestPackReusesAnUnchangedArchive(t *testing.T) {
	dist, jobs, sums := fixture(t)
	type rec struct{ key, path, sum string }
	var packed []rec
	opt := Options{DistDir: dist, Packed: func(id, key string, a Artifact) { packed = append(packed, rec{key, a.Path, a.SHA256}) }}
	_, err := Pack(context.Background(), jobs, sums, opt)
	require.NoError(t, err)
	require.Len(t, packed, 1)
	first := packed[0]
	fi, err := os.Stat(first.path)
	require.NoError(t, err)

	// Same inputs: reused, not rewritten (same mtime on disk).
	opt.Reuse = func(id, key string) (Artifact, bool) {
		return Artifact{Path: first.path, SHA256: first.sum, Size: fi.Size()}, key == first.key
	}
	packed = nil
	time.Sleep(10 * time.Millisecond)
	_, err = Pack(context.Background(), jobs, sums, opt)
	require.NoError(t, err)
	require.Len(t, packed, 1)
	assert.Equal(t, first, packed[0])
	fi2, err := os.Stat(first.path)
	require.NoError(t, err)
	assert.Equal(t, fi.ModTime(), fi2.ModTime(), "not packed again")

	// A changed extra file changes the key: packed again.
	require.NoError(t, os.WriteFile(jobs[0].Archive.Files[0].Src, []byte("read me, v2"), 0o644))
	packed = nil
	_, err = Pack(context.Background(), jobs, sums, opt)
	require.NoError(t, err)
	require.Len(t, packed, 1)
	assert.NotEqual(t, first.key, packed[0].key)
	assert.NotEqual(t, first.sum, packed[0].sum)
}
