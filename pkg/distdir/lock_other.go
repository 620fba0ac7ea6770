//go:build !unix

package distdir

import "os"

// lock does nothing where there is no flock: two runs into one dist
// directory are not stopped there.
func lock(*os.File) error { return nil }
