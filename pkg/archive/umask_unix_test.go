//go:build unix

package archive

import (
	"syscall"
	"testing"
)

// withUmask runs fn with the process umask set to mask. The umask is
// process-wide, so callers must not run in parallel.
func withUmask(t *testing.T, mask int, fn func()) {
	t.Helper()
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}
