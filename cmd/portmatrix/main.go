// Command portmatrix builds a Go program for a matrix of platforms and
// proves what came out. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/portmatrix/portmatrix/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the first signal cancels cleanly; a second one kills as usual
	}()
	code := cli.Main(ctx, os.Args[1:], cli.OSStdio())
	stop()
	os.Exit(code)
}
