// Package cli is portmatrix's command tree: flags become options, options
// are wired to the domain packages, results become exit codes. It holds no
// domain logic of its own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes, part of the documented interface (README.md: Exit codes).
const (
	ExitOK       = 0 // every job built and every expectation holds
	ExitFailed   = 1 // a build failed, an expectation was violated, or the run was cancelled
	ExitUsage    = 2 // bad flags, a bad manifest, or no usable Go toolchain
	ExitInternal = 3 // a bug in portmatrix
)

// Version is portmatrix's own version, set with -ldflags "-X ...cli.Version=".
var Version = "dev"

// Stdio is where a command reads and writes; tests pass buffers.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
}

// OSStdio is the process's own standard streams.
func OSStdio() Stdio { return Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv} }

func (s Stdio) getenv(k string) string {
	if s.Getenv == nil {
		return os.Getenv(k)
	}
	return s.Getenv(k)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of w when it is a terminal, else 0.
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if wd, _, err := term.GetSize(int(f.Fd())); err == nil {
			return wd
		}
	}
	return 0
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

// Error is the message, or the bare exit code when it was already printed.
func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// Unwrap gives the cause.
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// silent is an exit code whose message was already printed.
func silent(code int) error { return &exitError{code: code} }

// Main runs portmatrix with args (without the program name) and returns the
// exit code.
func Main(ctx context.Context, args []string, stdio Stdio) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stdio.Err, "portmatrix: internal error: %v\nplease report this with the command you ran\n", p)
			code = ExitInternal
		}
	}()
	root := newRoot(stdio)
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stdio.Err, "portmatrix: %v\n", ee.err)
		}
		return ee.code
	}
	// Anything else comes from cobra's own flag and argument parsing.
	fmt.Fprintf(stdio.Err, "portmatrix: %v\nRun 'portmatrix --help' for usage.\n", err)
	return ExitUsage
}

func newRoot(stdio Stdio) *cobra.Command {
	root := &cobra.Command{
		Use:   "portmatrix",
		Short: "Build a Go program for a matrix of platforms and prove what came out",
		Long: `portmatrix reads a manifest (portmatrix.yaml) of builds, targets and link
variants, runs go build for every job in parallel, opens every output binary
(ELF, Mach-O, PE, Plan 9, WebAssembly) and reports whether it is static or
dynamic and what it needs, failing when a binary is not what the manifest
expects.`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newBuildCmd(stdio),
		newPlanCmd(stdio),
		newTargetsCmd(stdio),
		newInspectCmd(stdio),
		newDoctorCmd(stdio),
		newInitCmd(stdio),
		newMergeCmd(stdio),
		newCheckCmd(stdio),
		newSBOMCmd(stdio),
		newImportCmd(stdio),
		newVerifyGoreleaserCmd(stdio),
		newVerifyReleaseCmd(stdio),
	)
	return root
}
