package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Command is one timed process: a contender's whole build of a matrix.
type Command struct {
	Dir  string
	Args []string
	Env  []string // the complete environment
	Log  string   // file that receives stdout and stderr
}

// String is the command line as a shell would take it, for logs and
// errors.
func (c Command) String() string { return shellJoin(c.Args) }

// Measurement is what one run cost.
//
// CPU comes from two sources that should agree: the rusage wait4 returns for
// the top process (ProcessState.SysUsage), which on Linux includes the CPU
// time of every descendant that was waited for (go build waits for its
// compilers and linkers, portmatrix and goreleaser for their go builds), and
// the growth of getrusage(RUSAGE_CHILDREN) of the bench itself around the
// run. MaxRSS is ru_maxrss of that same wait4 rusage: the largest single
// process of the tree, not the sum (and never less than the bench's own RSS
// when it started the process: Linux carries the forking process's
// high-water mark through exec); PeakTree is the sum, sampled from /proc.
type Measurement struct {
	WallSeconds     float64  `json:"wall_seconds"`
	UserSeconds     float64  `json:"user_seconds"`
	SysSeconds      float64  `json:"sys_seconds"`
	CPUSeconds      float64  `json:"cpu_seconds"`
	ChildrenCPU     float64  `json:"children_rusage_cpu_seconds"`
	PeakTree        TreePeak `json:"peak_tree"`
	MaxRSSBytes     int64    `json:"maxrss_bytes"`
	ExitCode        int      `json:"exit_code"`
	TimedOut        bool     `json:"timed_out,omitempty"`
	Interrupted     bool     `json:"interrupted,omitempty"`
	SampleInterval  string   `json:"sample_interval"`
	StartedUnixNano int64    `json:"started_unix_nano"`
}

// measure runs c to completion in its own process group and measures it.
// A non-zero exit is not an error (the caller decides what a failed run
// means); an error is returned only when the process could not be started
// or measured. When ctx ends, or after timeout, the whole group is killed.
func measure(ctx context.Context, c Command, interval, timeout time.Duration) (Measurement, error) {
	m := Measurement{SampleInterval: interval.String()}
	log, err := os.Create(c.Log)
	if err != nil {
		return m, fmt.Errorf("create run log: %w", err)
	}
	defer log.Close()
	fmt.Fprintf(log, "$ cd %s && %s\n", c.Dir, c)

	runCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, c.Args[0], c.Args[1:]...)
	cmd.Dir, cmd.Env = c.Dir, c.Env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second

	var before syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before); err != nil {
		return m, fmt.Errorf("getrusage: %w", err)
	}
	start := time.Now()
	m.StartedUnixNano = start.UnixNano()
	if err := cmd.Start(); err != nil {
		return m, fmt.Errorf("start %s: %w", c.Args[0], err)
	}
	sampler := startTreeSampler(cmd.Process.Pid, interval)
	waitErr := cmd.Wait()
	m.WallSeconds = time.Since(start).Seconds()
	m.PeakTree = sampler.Stop()
	var after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after); err != nil {
		return m, fmt.Errorf("getrusage: %w", err)
	}
	m.ChildrenCPU = tvSeconds(after.Utime) + tvSeconds(after.Stime) - tvSeconds(before.Utime) - tvSeconds(before.Stime)

	if ps := cmd.ProcessState; ps != nil {
		m.ExitCode = ps.ExitCode()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			m.UserSeconds, m.SysSeconds = tvSeconds(ru.Utime), tvSeconds(ru.Stime)
			m.CPUSeconds = m.UserSeconds + m.SysSeconds
			m.MaxRSSBytes = ru.Maxrss * 1024 // kilobytes on Linux
		}
	}
	switch {
	case ctx.Err() != nil:
		m.Interrupted = true
	case runCtx.Err() != nil:
		m.TimedOut = true
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) && !m.Interrupted && !m.TimedOut {
		return m, fmt.Errorf("wait for %s: %w", c.Args[0], waitErr)
	}
	return m, nil
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// logTail returns the last n lines of a run log, for error messages.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// shellJoin quotes args for a POSIX shell where they need it.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
