//go:build unix

package inspect

import (
	"io/fs"
	"syscall"
)

// fileID identifies a directory by device and inode, for loop detection.
func fileID(st fs.FileInfo) ([2]uint64, bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return [2]uint64{uint64(s.Dev), uint64(s.Ino)}, true
	}
	return [2]uint64{}, false
}
