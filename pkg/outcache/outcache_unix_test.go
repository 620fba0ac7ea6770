//go:build unix

package outcache

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An entry that is not a regular file is a miss, never a hang.
func TestRestoreNotRegular(t *testing.T) {
	c := Open(t.TempDir())
	work := t.TempDir()
	src, m := binary(t, work, "built", "bin")
	require.NoError(t, c.Store(key("a"), src, m))
	require.NoError(t, os.Remove(c.binPath(key("a"))))
	require.NoError(t, syscall.Mkfifo(c.binPath(key("a")), 0o644))
	_, err := c.Restore(key("a"), filepath.Join(work, "dst"), nil)
	require.ErrorIs(t, err, ErrMiss)
	assert.Contains(t, err.Error(), "not a regular file")
	assert.NoFileExists(t, filepath.Join(work, "dst"))
}
