//go:build !unix

// Package procgroup runs a command in a process group of its own where the
// system has POSIX process groups; elsewhere it relies on
// exec.CommandContext killing the command, which ends its children.
package procgroup

import (
	"os/exec"
	"time"
)

// Set gives cmd its grace period after cancellation.
func Set(cmd *exec.Cmd, grace time.Duration) { cmd.WaitDelay = grace }

// Kill has nothing more to sweep here.
func Kill(*exec.Cmd) {}

// Run runs cmd.
func Run(cmd *exec.Cmd) error { return cmd.Run() }

// KillAll has no groups to kill here.
func KillAll() {}
