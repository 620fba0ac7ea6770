// Command portmatrix builds a Go program for a matrix of platforms and
// proves what came out. See README.md.
package main

import (
	"context"
	"os"

	"github.com/portmatrix/portmatrix/pkg/cli"
	"github.com/portmatrix/portmatrix/pkg/signals"
)

func main() {
	ctx, stop := signals.Context(context.Background())
	code := cli.Main(ctx, os.Args[1:], cli.OSStdio())
	stop()
	os.Exit(code)
}
