package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	for name, write := range map[string]func(string, os.FileMode, func(*os.File) error) error{"Write": Write, "WriteNoSync": WriteNoSync} {
		t.Run(name, func(t *testing.T) { testWrite(t, write) })
	}
}

func testWrite(t *testing.T, Write func(string, os.FileMode, func(*os.File) error) error) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "report.json")
	require.NoError(t, Write(path, 0o644, func(f *os.File) error { _, err := f.WriteString("good"); return err }))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "good", string(data))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	// A failing writer leaves the previous file and no temporary file.
	boom := errors.New("boom")
	err = Write(path, 0o644, func(f *os.File) error { f.WriteString("half"); return boom })
	assert.ErrorIs(t, err, boom)
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "good", string(data))
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestCreateCommit(t *testing.T) {
	for name, commit := range map[string]func(*File) error{"Commit": (*File).Commit, "CommitNoSync": (*File).CommitNoSync} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bin", "app")
			f, err := Create(path, 0o777)
			require.NoError(t, err)
			defer f.Abort()
			assert.Equal(t, path, f.Path())
			assert.Equal(t, filepath.Dir(path), filepath.Dir(f.Name()), "the temporary file is beside the destination")
			assert.True(t, IsTemp(filepath.Base(f.Name())), f.Name())
			_, err = f.WriteString("new")
			require.NoError(t, err)
			_, err = os.Stat(path)
			assert.ErrorIs(t, err, os.ErrNotExist, "nothing at the destination before Commit")
			require.NoError(t, commit(f))
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, "new", string(data))
			assert.NoError(t, f.Abort(), "Abort after Commit does nothing")
			assert.FileExists(t, path)
			assert.Error(t, commit(f), "a second Commit")
			entries, err := os.ReadDir(filepath.Dir(path))
			require.NoError(t, err)
			assert.Len(t, entries, 1, "no temporary file left behind")
		})
	}
}

// TestCreateModeFollowsUmask: a file created 0o777 gets the mode go build
// gives a binary (0o777 less the umask), unlike Write's exact perm.
func TestCreateModeFollowsUmask(t *testing.T) {
	f, err := Create(filepath.Join(t.TempDir(), "app"), 0o777)
	require.NoError(t, err)
	defer f.Abort()
	fi, err := f.Stat()
	require.NoError(t, err)
	probe, err := os.OpenFile(filepath.Join(t.TempDir(), "probe"), os.O_CREATE|os.O_WRONLY, 0o777)
	require.NoError(t, err)
	defer probe.Close()
	want, err := probe.Stat()
	require.NoError(t, err)
	assert.Equal(t, want.Mode().Perm(), fi.Mode().Perm())
}

// TestCommitClosed: a writer that fills the file by name (go build -o)
// closes the handle first; Commit still syncs and renames it.
func TestCommitClosed(t *testing.T) {
	path := previous(t)
	f, err := Create(path, 0o600)
	require.NoError(t, err)
	defer f.Abort()
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(f.Name(), []byte("by name"), 0o644))
	require.NoError(t, f.Commit())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "by name", string(data))
}

// previous is the path of a file "app" holding "previous", alone in a new
// directory.
func previous(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.WriteFile(path, []byte("previous"), 0o644))
	return path
}

func TestAbort(t *testing.T) {
	path := previous(t)
	f, err := Create(path, 0o600)
	require.NoError(t, err)
	_, err = f.WriteString("half")
	require.NoError(t, err)
	require.NoError(t, f.Abort())
	assert.Error(t, f.Commit(), "no Commit after Abort")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "previous", string(data))
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".app.portmatrix-1234567", true},
		{".app.exe.portmatrix-0", true},
		{".report.json.portmatrix-42", true},
		{".x.portmatrix-y.portmatrix-9", true},
		{"app.portmatrix-1234", false},      // not hidden
		{"..portmatrix-1234", false},        // no name
		{".app.portmatrix-", false},         // no digits
		{".app.portmatrix-12a", false},      // not only digits
		{".portmatrix-cache", false},        // a directory of the tests
		{"cache.portmatrix-outputs", false}, // the benchmark's output cache
		{".app.tmp-123", false},             // another tool's temporary file
		{"app", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsTemp(tt.name))
		})
	}
}
