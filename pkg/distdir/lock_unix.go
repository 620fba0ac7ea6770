//go:build unix

package distdir

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive flock on f without waiting.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrBusy
	}
	return err
}
