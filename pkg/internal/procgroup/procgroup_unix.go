//go:build unix

// Package procgroup runs a command in a process group of its own, so that
// cancelling it reaches every process it started (the go command's
// compilers and linker, an emulator's helpers), and sweeps what is left of
// the group after it exited.
package procgroup

import (
	"os/exec"
	"syscall"
	"time"
)

// Set makes cmd start a new process group. When cmd's context ends, the
// group gets SIGTERM (the go command then removes its work directory), and
// after grace cmd is killed (exec's WaitDelay). A zero grace sends SIGKILL
// at once.
func Set(cmd *exec.Cmd, grace time.Duration) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sig := syscall.SIGTERM
	if grace == 0 {
		sig = syscall.SIGKILL
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, sig) }
	cmd.WaitDelay = grace
}

// Kill kills whatever is left in cmd's group once cmd has exited (children
// that ignored SIGTERM, or an orphaned tool).
func Kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
