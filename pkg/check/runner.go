package check

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/internal/procgroup"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// Runner runs the jobs of a check in the worker pool (build.Run): binaries
// through Binary (build.GoRunner, which writes them atomically), compile
// checks itself, since they have no output for GoRunner to rename, and
// skipped jobs not at all.
type Runner struct {
	// Binary builds the KindBinary jobs.
	Binary build.Runner
	// Env is the environment jobs inherit (os.Environ() when nil).
	Env []string
	// Skip maps a job ID to why it is not run (Job.Skip).
	Skip map[string]error
	// KillGrace is how long a cancelled compile check gets after SIGTERM
	// (default 3s).
	KillGrace time.Duration
}

var _ build.Runner = (*Runner)(nil)

// NewRunner is a Runner for jobs, with binaries built by binary.
func NewRunner(jobs []Job, binary build.Runner) *Runner {
	r := &Runner{Binary: binary, Skip: map[string]error{}}
	for _, j := range jobs {
		if j.Skip != nil {
			r.Skip[j.ID] = j.Skip
		}
	}
	return r
}

// Run runs one job.
func (r *Runner) Run(ctx context.Context, job plan.Job) error {
	if err, ok := r.Skip[job.ID]; ok {
		return err
	}
	if len(job.Argv) > plan.OutputArg && job.Argv[plan.OutputArg-1] == "-o" {
		return r.Binary.Run(ctx, job)
	}
	return r.compile(ctx, job)
}

// compile runs a job that writes nothing (go build PKG…), with its output
// in the job's log, in the same log format as build.GoRunner.
func (r *Runner) compile(ctx context.Context, job plan.Job) error {
	var logw io.Writer = io.Discard
	if job.Log != "" {
		if err := os.MkdirAll(filepath.Dir(job.Log), 0o755); err != nil {
			return fmt.Errorf("build %s: log directory: %w", job.ID, err)
		}
		f, err := os.Create(job.Log)
		if err != nil {
			return fmt.Errorf("build %s: log: %w", job.ID, err)
		}
		defer f.Close()
		fmt.Fprintf(f, "# job: %s\n# dir: %s\n# %s\n\n", job.ID, job.Dir, job.ShellLine())
		logw = f
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, job.Argv[0], job.Argv[1:]...)
	cmd.Dir = job.Dir
	env := r.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(append([]string(nil), env...), job.Env...)
	w := io.MultiWriter(logw, &out) // one writer: one pipe, output in order
	cmd.Stdout, cmd.Stderr = w, w
	grace := r.KillGrace
	if grace == 0 {
		grace = 3 * time.Second
	}
	procgroup.Set(cmd, grace)
	start := time.Now()
	err := cmd.Run()
	if err != nil {
		procgroup.Kill(cmd)
	}
	status := "ok"
	if err != nil {
		status = err.Error()
	}
	fmt.Fprintf(logw, "\n# exit: %s after %s\n", status, time.Since(start).Round(time.Millisecond))
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	return &build.BuildError{Job: job, Args: job.Argv, Tail: lines[max(len(lines)-build.TailLines, 0):], Log: job.Log, Err: err}
}
