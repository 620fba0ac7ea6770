//go:build !unix

package archive

import "testing"

// withUmask runs fn; there is no umask outside Unix.
func withUmask(t *testing.T, mask int, fn func()) {
	t.Helper()
	fn()
}
