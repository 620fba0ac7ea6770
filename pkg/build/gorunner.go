package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/procgroup"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// TailLines is how many lines of compiler output a BuildError keeps.
const TailLines = 20

// BuildError is a failed build: the job, the exact command, the last lines
// of its output and where the full log is.
type BuildError struct {
	Job  plan.Job
	Args []string
	Tail []string
	Log  string
	Err  error
}

// Error names the job and the first useful line of the failure.
func (e *BuildError) Error() string {
	msg := fmt.Sprintf("build %s: %v", e.Job.ID, e.Err)
	if line := lastUseful(e.Tail); line != "" {
		msg += ": " + line
	}
	if h := floorHint(e.Job, e.Tail); h != "" {
		msg += "; " + h
	}
	return msg
}

// floorHint explains a link that failed on a symbol the glibc floor of a
// zig job does not have: zig links against the stubs of exactly that
// glibc, so a C function added later ("getrandom", 2.25) is undefined.
func floorHint(j plan.Job, tail []string) string {
	tc := j.Toolchain
	if tc == nil || tc.Glibc == "" {
		return ""
	}
	for _, l := range tail {
		if _, sym, ok := strings.Cut(l, "undefined symbol: "); ok {
			return fmt.Sprintf("if %s is a glibc function, it is newer than glibc %s, the floor this job asks of zig: raise glibc: to a version that has it, or do without it", strings.TrimSpace(sym), tc.Glibc)
		}
	}
	return ""
}

// Unwrap gives the underlying exec error.
func (e *BuildError) Unwrap() error { return e.Err }

// lastUseful picks the line a human wants first: the compiler's first error
// line, or else the last line.
func lastUseful(tail []string) string {
	for _, l := range tail {
		if strings.Contains(l, ": ") && !strings.HasPrefix(l, "#") {
			return strings.TrimSpace(l)
		}
	}
	for i := len(tail) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(tail[i]); s != "" {
			return s
		}
	}
	return ""
}

// GoRunner runs a job's argv with no shell, in its own process group, with
// its output written to a temporary file beside the final one and renamed
// into place only on success, so a failed or cancelled build never destroys
// a previous good binary.
//
// A job with no Output and no -o in its argv (a compile check, `go build
// PKG…`, which writes nothing) is run the same way, logged in the same
// format and failing with the same BuildError, with nothing to rename.
type GoRunner struct {
	// Env is the environment jobs inherit (os.Environ() when nil); each
	// job's own Env is applied on top.
	Env []string
	// KillGrace is how long a cancelled build gets to exit after SIGTERM
	// before its process group is killed (default 3s).
	KillGrace time.Duration
	// Root, when set, confines what the runner writes: every job's output
	// and log must be below Root's directory, and the temporary output, the
	// directories, the log and the rename go through Root, so a symbolic
	// link in the dist directory that leads out of it is an error, never a
	// way to write elsewhere. (go build itself writes the temporary file by
	// name: a link swapped in while it runs is outside what Root guards.)
	Root *os.Root
}

var _ StatsRunner = (*GoRunner)(nil)

// Run builds one job.
func (g *GoRunner) Run(ctx context.Context, job plan.Job) error {
	_, err := g.RunStats(ctx, job)
	return err
}

// RunStats builds one job and reports the peak memory of its process tree.
func (g *GoRunner) RunStats(ctx context.Context, job plan.Job) (Stats, error) {
	hasO := len(job.Argv) > plan.OutputArg && job.Argv[plan.OutputArg-1] == "-o"
	switch {
	case len(job.Argv) == 0:
		return Stats{}, fmt.Errorf("build %s: empty argv", job.ID)
	case job.Output == "" && hasO:
		return Stats{}, fmt.Errorf("build %s: argv writes -o %s but the job has no Output", job.ID, job.Argv[plan.OutputArg])
	case job.Output == "":
		return g.run(ctx, job, job.Argv)
	case !hasO:
		return Stats{}, fmt.Errorf("build %s: argv has no -o at index %d", job.ID, plan.OutputArg-1)
	}
	tmp, err := atomicfile.CreateIn(g.Root, job.Output, 0o600)
	if err != nil {
		return Stats{}, fmt.Errorf("build %s: %w", job.ID, err)
	}
	defer tmp.Abort()
	tmp.Close() // go build writes (replaces) it by name
	argv := slices.Clone(job.Argv)
	argv[plan.OutputArg] = tmp.TempPath()
	st, err := g.run(ctx, job, argv)
	if err != nil {
		return st, err
	}
	// Not synced, like go build's own -o: a binary a crash left torn fails
	// the state file's size and SHA-256 check and is built again.
	if err := tmp.CommitNoSync(); err != nil {
		return st, fmt.Errorf("build %s: putting the binary in place: %w", job.ID, err)
	}
	return st, nil
}

// run runs argv (job.Argv, or it writing to a temporary output) with the
// job's directory and environment, its output in the job's log and in the
// tail a BuildError keeps.
func (g *GoRunner) run(ctx context.Context, job plan.Job, argv []string) (st Stats, err error) {
	logf, err := CreateLog(job, g.Root)
	if err != nil {
		return st, err
	}
	defer logf.Close()
	tail := &tailWriter{max: TailLines}
	out := io.MultiWriter(logf, tail) // one writer: one pipe, output in order

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = job.Dir
	env := g.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(append([]string(nil), env...), job.Env...)
	cmd.Stdout, cmd.Stderr = out, out
	grace := g.KillGrace
	if grace == 0 {
		grace = 3 * time.Second
	}
	procgroup.Set(cmd, grace)

	start := time.Now()
	runErr := procgroup.Run(cmd)
	st.MaxRSS = maxRSS(cmd.ProcessState)
	if runErr != nil {
		procgroup.Kill(cmd) // sweep children that outlived the go command
	}
	fmt.Fprintf(logf, "\n# exit: %v after %s\n", exitText(runErr), time.Since(start).Round(time.Millisecond))
	if runErr != nil {
		if ctx.Err() != nil {
			runErr = fmt.Errorf("%w (%v)", ctx.Err(), runErr)
		}
		return st, &BuildError{Job: job, Args: job.Argv, Tail: tail.lines(), Log: job.Log, Err: runErr}
	}
	return st, nil
}

// CreateLog creates a job's log (os.DevNull when the job has none) and
// writes its header: the job, the directory and the command. With root set
// the log is created through it, so it cannot be written outside root's
// directory. Whatever answers a job (go build here, the type checker for
// portmatrix check) writes its output and a final "# exit:" line after it.
func CreateLog(job plan.Job, root *os.Root) (*os.File, error) {
	if job.Log == "" {
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	}
	var f *os.File
	var err error
	if root != nil {
		var rel string
		if rel, err = atomicfile.Rel(root, job.Log); err == nil {
			if err = root.MkdirAll(filepath.Dir(rel), 0o755); err == nil {
				f, err = root.Create(rel)
			}
		}
	} else if err = os.MkdirAll(filepath.Dir(job.Log), 0o755); err == nil {
		f, err = os.Create(job.Log)
	}
	if err != nil {
		return nil, fmt.Errorf("build %s: log: %w", job.ID, err)
	}
	fmt.Fprintf(f, "# job: %s\n# dir: %s\n# %s\n\n", job.ID, job.Dir, job.ShellLine())
	return f, nil
}

func exitText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// tailWriter keeps the last max lines written to it.
type tailWriter struct {
	max     int
	buf     []string
	partial bytes.Buffer
}

// Write splits p into lines, keeping a partial last line for the next call.
func (t *tailWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial.Write(p)
			break
		}
		t.partial.Write(p[:i])
		t.push(t.partial.String())
		t.partial.Reset()
		p = p[i+1:]
	}
	return n, nil
}

func (t *tailWriter) push(line string) {
	t.buf = append(t.buf, line)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
}

func (t *tailWriter) lines() []string {
	out := append([]string(nil), t.buf...)
	if t.partial.Len() > 0 {
		out = append(out, t.partial.String())
		if len(out) > t.max {
			out = out[len(out)-t.max:]
		}
	}
	return out
}
