//go:build unix

package check

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts a compile check in a process group of its own, so
// that cancelling it reaches the compilers the go command started (as
// pkg/build does for binaries).
func setProcessGroup(cmd *exec.Cmd, grace time.Duration) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = grace
}

// killProcessGroup kills what is left of the group after the go command
// exited.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
