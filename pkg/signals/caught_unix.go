//go:build unix

package signals

import (
	"os"
	"syscall"
)

var caught = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}
