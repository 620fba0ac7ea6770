// Package smoke runs each built binary once to show that it starts: natively
// for the host's own platform, under qemu-user for foreign Linux
// architectures, under wine for x86 Windows, and under node or a WASI
// runtime for WebAssembly. A binary that links but cannot start (a missing
// loader, an instruction the CPU lacks, a DLL the system does not have) is
// only caught by running it.
//
// Command decides how a binary would run without running it, so a plan can
// print it; Run runs it with no shell, in a process group of its own that is
// killed as a whole at the time limit.
package smoke

import (
	"fmt"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/target"
)

// DefaultTimeout is the time limit of a Spec without one: long enough for an
// emulated program to start, short enough that a hung one does not stall a
// whole matrix.
const DefaultTimeout = 10 * time.Second

// maxOutput bounds what Run keeps of a program's output, so a program that
// floods stdout cannot exhaust memory; the rest is read and dropped.
const maxOutput = 64 << 10

// maxLines is how many output lines a Result keeps: enough to show a
// greeting or the start of a panic, short enough for a report cell.
const maxLines = 5

// Spec is what to run: the arguments and a time limit, so that a program
// that waits for input or serves forever still ends the smoke run.
type Spec struct {
	Args    []string      `json:"args"`
	Timeout time.Duration `json:"timeout"` // DefaultTimeout when zero
}

// Status is the verdict of a smoke run, so that reports can tell "broken"
// apart from "could not be tried on this machine".
type Status string

// The statuses of a smoke run.
const (
	// StatusOK means the program exited 0 within the time limit.
	StatusOK Status = "ok"
	// StatusFailed means a non-zero exit, a signal, a time-out, or a program
	// that could not be started although a way to run it exists.
	StatusFailed Status = "failed"
	// StatusNotRunnable means nothing on this machine can run the binary;
	// Result.Why says why and, when a package fixes it, which.
	StatusNotRunnable Status = "not-runnable"
)

// Request is one binary to run, with what Command needs to pick an emulator
// and, for dynamic foreign binaries, the libraries they load.
type Request struct {
	Path    string        // the binary
	Target  target.Target // what it was built for
	Dynamic bool          // it has a dynamic loader (ELF PT_INTERP): qemu needs -L <sysroot>
	Sysroot string        // cross sysroot for dynamic foreign binaries ("" → none)
}

// Result is what happened to one binary, for the report and its JSON.
// ExitCode is -1 when the program did not exit by itself (signal, time-out,
// not started, not runnable).
type Result struct {
	Status   Status        `json:"status"`
	How      string        `json:"how"` // "native", "qemu-aarch64", "qemu-aarch64 -L /usr/aarch64-linux-gnu", "wine64"
	Command  []string      `json:"command,omitempty"`
	ExitCode int           `json:"exit_code"`
	Output   []string      `json:"output,omitempty"` // first lines (at most 5) of combined stdout+stderr
	Why      string        `json:"why,omitempty"`    // for not-runnable and failures: a sentence
	Duration time.Duration `json:"-"`
}

// String renders the result as a report cell, short enough for a table:
// "ok (qemu-aarch64)", "failed (exit 2: first line)",
// "not runnable here (darwin binaries need macOS; nothing here can run them)".
func (r Result) String() string {
	switch r.Status {
	case StatusOK:
		if f := strings.Fields(r.How); len(f) > 0 {
			return "ok (" + f[0] + ")"
		}
		return "ok"
	case StatusFailed:
		reason := r.Why
		if r.ExitCode > 0 || reason == "" {
			reason = fmt.Sprintf("exit %d", r.ExitCode)
		}
		if len(r.Output) > 0 {
			reason += ": " + clip(r.Output[0], 60)
		}
		return "failed (" + reason + ")"
	case StatusNotRunnable:
		return "not runnable here (" + r.Why + ")"
	}
	return "not run"
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

// notRunnable is the Result for a binary nothing here can run; how names
// the runner it would have needed, when there is one.
func notRunnable(how, why string) *Result {
	return &Result{Status: StatusNotRunnable, How: how, ExitCode: -1, Why: why}
}
