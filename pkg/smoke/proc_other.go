//go:build !unix

package smoke

import (
	"os"
)

// signalName has no signals to name here.
func signalName(*os.ProcessState) string { return "" }

// isExecFormat cannot tell an unrunnable file apart here.
func isExecFormat(error) bool { return false }
