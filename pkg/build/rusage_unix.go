//go:build unix

package build

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSS is the peak resident set in bytes of the largest process in the
// tree the go command waited for (wait4's ru_maxrss covers the process and
// its reaped descendants: compile, link, cgo's C compiler).
func maxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes there
	}
	return int64(ru.Maxrss) * 1024 // kilobytes on Linux and the BSDs
}
