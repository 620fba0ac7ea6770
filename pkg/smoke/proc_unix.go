//go:build unix

package smoke

import (
	"errors"
	"os"
	"syscall"
)

// signalName names the signal that ended the process, or "".
func signalName(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal().String()
	}
	return ""
}

// isExecFormat says whether the kernel refused to execute the file.
func isExecFormat(err error) bool { return errors.Is(err, syscall.ENOEXEC) }
