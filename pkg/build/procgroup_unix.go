//go:build unix

package build

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts the build in a process group of its own, so that
// cancelling it reaches the compiler and linker processes the go command
// started, not just the go command.
func setProcessGroup(cmd *exec.Cmd, grace time.Duration) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// SIGTERM first: the go command then removes its work directory.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	cmd.WaitDelay = grace
}

// killProcessGroup kills whatever is left in the group once the go command
// has exited (children that ignored SIGTERM, or an orphaned tool).
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
