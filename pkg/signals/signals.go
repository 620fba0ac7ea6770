// Package signals turns the signals that end a run into a cancelled
// context, so that a run stopped by Ctrl-C, kill, a closed terminal or
// Ctrl-\ ends the same clean way: every build's process group is
// stopped, the run waits for them, and the report of what finished is
// written. A second signal is the user insisting: every process group
// still running is killed at once and the process exits.
package signals

import (
	"context"
	"os"
	"os/signal"

	"github.com/portmatrix/portmatrix/pkg/internal/procgroup"
)

// Caught are the signals that cancel a run: SIGINT (Ctrl-C), SIGTERM
// (kill, a CI runner's timeout), SIGHUP (the terminal closed) and SIGQUIT
// (Ctrl-\), where the system has them.
var Caught = caught

// ExitCode is the status the process exits with on a second signal: that
// of a run that was cancelled (README: Exit codes).
const ExitCode = 1

// Context returns ctx cancelled by the first of Caught, and a function
// that stops listening. On a second signal, every process group started
// through package procgroup is killed and the process exits with
// ExitCode, without a report.
func Context(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, Caught...)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
			return
		}
		select {
		case <-ch:
			procgroup.KillAll()
			os.Exit(ExitCode)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}
