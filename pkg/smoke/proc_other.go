//go:build !unix

package smoke

import (
	"os"
	"os/exec"
)

// setProcessGroup on systems without POSIX process groups leaves it to
// exec.CommandContext to kill the program at the time limit.
func setProcessGroup(*exec.Cmd) {}

// killProcessGroup has no group to sweep here.
func killProcessGroup(*exec.Cmd) {}

// signalName has no signals to name here.
func signalName(*os.ProcessState) string { return "" }

// isExecFormat cannot tell an unrunnable file apart here.
func isExecFormat(error) bool { return false }
