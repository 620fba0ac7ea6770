//go:build unix

// Package procgroup runs a command in a process group of its own, so that
// cancelling it reaches every process it started (the go command's
// compilers and linker, an emulator's helpers), and sweeps what is left of
// the group after it exited. It also knows every group it started that
// has not ended, so that a second Ctrl-C can kill them all at once
// (KillAll).
package procgroup

import (
	"os/exec"
	"sync"
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

// live are the groups Run started that have not been swept.
var live = struct {
	sync.Mutex
	groups map[int]bool
}{groups: map[int]bool{}}

// Run is cmd.Run (after Set) with cmd's group known to KillAll while it
// runs. What the group leaves behind is the caller's to sweep (Kill): a
// wine run leaves its server on purpose.
func Run(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	pgid := cmd.Process.Pid
	live.Lock()
	live.groups[pgid] = true
	live.Unlock()
	err := cmd.Wait()
	live.Lock()
	delete(live.groups, pgid)
	live.Unlock()
	return err
}

// KillAll sends SIGKILL to every group Run started that has not been
// swept: what a second interrupt does before the process exits.
func KillAll() {
	live.Lock()
	defer live.Unlock()
	for pgid := range live.groups {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}
