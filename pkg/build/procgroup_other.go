//go:build !unix

package build

import (
	"os/exec"
	"time"
)

// setProcessGroup on systems without POSIX process groups relies on
// exec.CommandContext killing the go command, which ends its children.
func setProcessGroup(cmd *exec.Cmd, grace time.Duration) { cmd.WaitDelay = grace }

// killProcessGroup has nothing more to sweep here.
func killProcessGroup(*exec.Cmd) {}
