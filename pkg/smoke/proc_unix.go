//go:build unix

package smoke

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup puts the program in a process group of its own and makes
// the end of its context kill that whole group, so that children it started
// (or an emulator's helpers) do not outlive the time limit.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// killProcessGroup kills whatever is left in the group once the program
// has exited.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// signalName names the signal that ended the process, or "".
func signalName(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal().String()
	}
	return ""
}

// isExecFormat says whether the kernel refused to execute the file.
func isExecFormat(err error) bool { return errors.Is(err, syscall.ENOEXEC) }
