package smoke

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/procgroup"
)

// waitDelay is how long Run waits, after the program exited, for whatever it
// left behind to close the output pipe before closing it itself.
const waitDelay = time.Second

// wineSetup is added to the time limit of the run that creates the wine
// prefix (about 10 s on two cores, more on a loaded machine): the limit is
// meant for the program, not for wine's one-time setup.
const wineSetup = time.Minute

// wineInit serializes wine runs while the shared prefix does not exist yet:
// two wines creating the same prefix at once trip over each other.
var wineInit sync.Mutex

// Run runs one binary with spec and reports what happened. There is no
// shell; the program gets an empty stdin, a fresh temporary working
// directory and a process group of its own, which is killed as a whole at
// the time limit or when ctx ends. Output is captured up to 64 KiB. The wine
// run that creates the shared prefix gets a minute more.
//
// Two fallbacks happen only here, because only running shows them: a native
// linux/386 binary on a kernel without 32-bit support (exec format error)
// runs again under qemu-i386; and wine's known incapacities (no
// bcryptprimitives.dll before wine 8.13, no 32-bit wine) become
// not-runnable instead of failed.
func (r *Runner) Run(ctx context.Context, req Request, spec Spec) Result {
	argv, how, nr := r.Command(req)
	if nr != nil {
		return *nr
	}
	res := r.run(ctx, argv, how, spec)
	if how == "native" && req.Target.GOOS == "linux" && req.Target.GOARCH == "386" && res.execFormat {
		argv, how, nr = r.qemu(req, argv[0], r.host())
		if nr != nil {
			nr.Why = "this kernel cannot run 32-bit x86 binaries (exec format error), and " + nr.Why
			return *nr
		}
		res = r.run(ctx, argv, how, spec)
	}
	if strings.HasPrefix(how, "wine") {
		r.wineVerdict(req, &res.Result, res.raw)
	}
	return res.Result
}

// outcome is a Result plus what Run needs to decide on a fallback.
type outcome struct {
	Result
	execFormat bool   // the kernel refused the file (ENOEXEC)
	raw        string // all the output kept, not just the first lines
}

func (r *Runner) run(ctx context.Context, argv []string, how string, spec Spec) outcome {
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	full := append(append([]string(nil), argv...), spec.Args...)
	res := outcome{Result: Result{How: how, Command: full, ExitCode: -1}}
	fail := func(why string) outcome {
		res.Status, res.Why = StatusFailed, why
		return res
	}

	dir, err := os.MkdirTemp("", "portmatrix-smoke-")
	if err != nil {
		return fail("could not create its working directory: " + err.Error())
	}
	defer os.RemoveAll(dir)

	env := r.Env
	if env == nil {
		env = os.Environ()
	}
	wine := strings.HasPrefix(how, "wine")
	if wine {
		var first bool
		env, first = wineEnv(env)
		if first {
			wineInit.Lock()
			defer wineInit.Unlock()
			timeout += wineSetup
		}
	}

	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, full[0], full[1:]...)
	cmd.Dir, cmd.Env = dir, env
	out := &capped{max: maxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	procgroup.Set(cmd, 0) // SIGKILL to the group at the time limit
	cmd.WaitDelay = waitDelay

	start := time.Now()
	err = procgroup.Run(cmd)
	res.Duration = time.Since(start)
	if !wine {
		// Sweep what the program left running. Not for wine: its loader
		// leaves wineboot and wineserver behind on purpose, to finish the
		// prefix and serve the next run.
		procgroup.Kill(cmd)
	}
	res.raw = out.buf.String()
	res.Output = lines(out.buf.Bytes(), wine)

	ps := cmd.ProcessState
	switch {
	case ps == nil:
		res.execFormat = isExecFormat(err)
		return fail("could not start: " + err.Error())
	case ctx.Err() != nil && !ps.Success():
		return fail("cancelled before it finished (" + ctx.Err().Error() + "); its process group was killed")
	case runCtx.Err() != nil && !ps.Success():
		return fail(fmt.Sprintf("timed out after %s; its process group was killed", timeout))
	case ps.Exited():
		res.ExitCode = ps.ExitCode()
		if res.ExitCode == 0 {
			res.Status = StatusOK
			return res
		}
		return fail(fmt.Sprintf("exited with status %d", res.ExitCode))
	}
	if sig := signalName(ps); sig != "" {
		return fail("killed by signal: " + sig)
	}
	return fail("ended abnormally: " + ps.String())
}

// wineEnv adds the quiet, shared-prefix settings to env unless it has its
// own, and says whether the prefix is yet to be created (about 10 s).
func wineEnv(env []string) ([]string, bool) {
	env = append([]string(nil), env...)
	prefix := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "WINEPREFIX="); ok {
			prefix = v
		}
	}
	if !hasVar(env, "WINEDEBUG") {
		env = append(env, "WINEDEBUG=-all")
	}
	if prefix == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		prefix = filepath.Join(base, "portmatrix", "wine")
		_ = os.MkdirAll(filepath.Dir(prefix), 0o755)
		env = append(env, "WINEPREFIX="+prefix)
	}
	_, err := os.Stat(filepath.Join(prefix, "system.reg"))
	return env, err != nil
}

func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

// wineVerdict turns the failures that say "this wine cannot run any such
// program" into not-runnable, with the fix. Go 1.22+ loads ProcessPrng from
// bcryptprimitives.dll at startup, which wine only has since 8.13.
func (r *Runner) wineVerdict(req Request, res *Result, text string) {
	if res.Status != StatusFailed {
		return
	}
	switch {
	case strings.Contains(text, "bcryptprimitives.dll not found"):
		res.Status = StatusNotRunnable
		res.Why = "this wine" + r.wineVersion(res.Command[0]) + " lacks bcryptprimitives.dll, which Go 1.22+ Windows binaries load at startup; wine 8.13 or newer has it (Debian 13, or WineHQ's wine-stable)"
	case req.Target.GOARCH == "386" && (strings.Contains(text, "ShellExecuteEx failed") || strings.Contains(text, "wine32 is missing")):
		res.Status = StatusNotRunnable
		res.Why = "windows/386 binaries need 32-bit wine: dpkg --add-architecture i386 && apt-get update && apt-get install wine32:i386"
	}
}

// wineVersion is " (wine-8.0 ...)" for messages, or "" when wine does not say.
func (r *Runner) wineVersion(wine string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, wine, "--version")
	cmd.Env = r.Env
	out, err := cmd.Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return " (" + v + ")"
	}
	return ""
}

// capped keeps the first max bytes written to it and drops the rest, so
// the program never blocks on a full pipe and never fills memory.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// wineNoise are wine's own lines when it creates or updates a prefix: they
// would push the program's first lines out of the report.
var wineNoise = []string{"wine: created the configuration directory", "wine: configuration in "}

// lines picks the first non-blank lines of out, each clipped for a report.
func lines(out []byte, wine bool) []string {
	var ls []string
next:
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimRight(l, " \t\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		if wine {
			for _, n := range wineNoise {
				if strings.HasPrefix(l, n) {
					continue next
				}
			}
		}
		ls = append(ls, clip(l, 200))
		if len(ls) == maxLines {
			break
		}
	}
	return ls
}
