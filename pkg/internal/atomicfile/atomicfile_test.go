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
