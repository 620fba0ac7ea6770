//go:build !unix

package inspect

import "io/fs"

// fileID has no inode to offer here; the walk's depth limit stops loops.
func fileID(fs.FileInfo) ([2]uint64, bool) { return [2]uint64{}, false }
