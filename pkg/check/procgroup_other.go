//go:build !unix

package check

import (
	"os/exec"
	"time"
)

// setProcessGroup relies on exec.CommandContext killing the go command.
func setProcessGroup(cmd *exec.Cmd, grace time.Duration) { cmd.WaitDelay = grace }

// killProcessGroup has nothing more to sweep here.
func killProcessGroup(*exec.Cmd) {}
