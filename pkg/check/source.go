package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/procgroup"
)

// Source is what the user asked to check, before anything is fetched.
type Source struct {
	// Module and Version are set for a published module (MODULE@VERSION);
	// Version is any query the go command takes (v1.2.3, latest, a commit).
	Module, Version string
	// Dir is the directory the go command runs in for a local check.
	Dir string
	// Pattern is the package pattern, relative to Dir.
	Pattern string
	// Arg is the argument as given ("./..." when none), for reports.
	Arg string
}

// DefaultPattern is what check covers when given no argument or a directory:
// every package in and below it.
const DefaultPattern = "./..."

// ParseSource reads check's argument: MODULE@VERSION, a pattern with "..."
// (as the go command takes it, relative to cwd), or a directory (every
// package in and below it). An empty argument is "./..." in cwd. It checks
// only the shape and that a directory exists; nothing is fetched.
func ParseSource(arg, cwd string) (Source, error) {
	switch {
	case arg == "":
		return Source{Dir: cwd, Pattern: DefaultPattern, Arg: DefaultPattern}, nil
	case strings.Contains(arg, "@"):
		mod, ver, _ := strings.Cut(arg, "@")
		switch {
		case mod == "" || ver == "":
			return Source{}, fmt.Errorf("%q: want MODULE@VERSION, e.g. golang.org/x/term@v0.20.0 or golang.org/x/term@latest", arg)
		case strings.HasPrefix(mod, ".") || filepath.IsAbs(mod):
			return Source{}, fmt.Errorf("%q: a local directory has no version; give the directory alone", arg)
		case strings.Contains(mod, "..."):
			return Source{}, fmt.Errorf("%q: a published module is checked whole; give MODULE@VERSION without a pattern", arg)
		case strings.Contains(ver, "@"):
			return Source{}, fmt.Errorf("%q: more than one @", arg)
		}
		return Source{Module: mod, Version: ver, Arg: arg}, nil
	case strings.Contains(arg, "..."):
		return Source{Dir: cwd, Pattern: arg, Arg: arg}, nil
	}
	dir := arg
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cwd, dir)
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return Source{}, fmt.Errorf("%s is not a directory (check takes MODULE@VERSION, a directory or a pattern such as ./...)", arg)
	}
	return Source{Dir: dir, Pattern: DefaultPattern, Arg: arg}, nil
}

// Published reports whether s names a module on the module proxy.
func (s Source) Published() bool { return s.Module != "" }

// Workspace is where a check runs its go commands. For a published module it
// is a writable copy of the module's source in a temporary directory (the
// module cache is content-addressed and read-only: check downloads into it
// through the user's own proxy settings, but never builds in it or changes
// it); for a local check it is the user's directory, where check writes
// nothing. Either way Temp is check's own scratch directory.
type Workspace struct {
	// Name is how reports name what was checked: "MODULE@VERSION" (the
	// resolved version) or the directory or pattern given.
	Name string
	// Module and Version are the published module and its resolved
	// version ("" for a local check).
	Module, Version string
	// Dir is where every go command of the check runs.
	Dir string
	// Pattern is the packages to check, as go list takes them in Dir.
	Pattern string
	// Env is what every go command of the check sets on top of the
	// inherited environment, before the target's own variables.
	Env []string
	// Temp is the scratch directory (binaries, logs, the module copy),
	// removed by Close.
	Temp string
	// ModCache is GOMODCACHE, which error messages are shortened against.
	ModCache string
}

// Close removes the scratch directory.
func (w *Workspace) Close() error {
	if w == nil || w.Temp == "" {
		return nil
	}
	return os.RemoveAll(w.Temp)
}

// OpenOptions tune Open.
type OpenOptions struct {
	// GoBin is the go command ("go" when empty).
	GoBin string
	// Env is the environment go commands inherit (os.Environ() when nil).
	Env []string
	// Timeout bounds each network operation (the module download, the
	// download of its dependencies); 0 means 2 minutes.
	Timeout time.Duration
	// TempDir is where the scratch directory is made (os.TempDir() when
	// empty).
	TempDir string
}

// DefaultFetchTimeout bounds each network operation when OpenOptions.Timeout
// is zero.
const DefaultFetchTimeout = 2 * time.Minute

// localEnv is set for every go command of a local check. GOFLAGS is cleared
// as for a build, so the user's environment changes nothing behind the
// report's back; -buildvcs=false because the binaries are thrown away and
// VCS stamping fails in some checkouts. GOTOOLCHAIN=local: the report names
// the toolchain that ran, never one the go command switched to.
var localEnv = []string{"GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local"}

// publishedEnv is set for every go command in a published module's copy:
// -mod=mod lets the go command complete go.sum (checked against GOSUMDB as
// usual) when the module's own go.sum misses entries some target needs, and
// ignores a vendor directory; GOWORK=off keeps a go.work of the user's out.
var publishedEnv = []string{"GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off", "GOTOOLCHAIN=local"}

// Open prepares the workspace of src. A published module is fetched with
// `go mod download -json MODULE@VERSION` through the proxy the user's go
// command is configured with, copied out of the module cache into a
// writable temporary directory, and its dependencies downloaded there with
// `go mod download` (GOFLAGS=-mod=mod), each step bounded by opt.Timeout so
// that an unreachable proxy is an error, not a hang.
func Open(ctx context.Context, src Source, opt OpenOptions) (*Workspace, error) {
	if opt.GoBin == "" {
		opt.GoBin = "go"
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultFetchTimeout
	}
	if opt.Env == nil {
		opt.Env = os.Environ()
	}
	tmp, err := os.MkdirTemp(opt.TempDir, "portmatrix-check-")
	if err != nil {
		return nil, fmt.Errorf("scratch directory: %w", err)
	}
	ws := &Workspace{Temp: tmp}
	if out, _, err := runGo(ctx, 10*time.Second, opt.GoBin, "", opt.Env, "env", "GOMODCACHE"); err == nil {
		ws.ModCache = strings.TrimSpace(string(out))
	}
	if !src.Published() {
		ws.Name, ws.Dir, ws.Pattern, ws.Env = src.Arg, src.Dir, src.Pattern, localEnv
		return ws, nil
	}
	if err := ws.fetch(ctx, src, opt); err != nil {
		ws.Close()
		return nil, err
	}
	return ws, nil
}

// download is what `go mod download -json` prints for one module.
type download struct {
	Path, Version, Dir, Error string
}

func (ws *Workspace) fetch(ctx context.Context, src Source, opt OpenOptions) error {
	arg := src.Module + "@" + src.Version
	// An empty directory of our own, so that no go.mod above it counts.
	empty := filepath.Join(ws.Temp, "fetch")
	if err := os.Mkdir(empty, 0o755); err != nil {
		return fmt.Errorf("fetching %s: %w", arg, err)
	}
	env := append(append([]string(nil), opt.Env...), "GOFLAGS=", "GOWORK=off")
	out, stderr, err := runGo(ctx, opt.Timeout, opt.GoBin, empty, env, "mod", "download", "-json", arg)
	var d download
	if jerr := json.Unmarshal(out, &d); jerr != nil && err == nil {
		err = fmt.Errorf("reading go mod download -json: %w", jerr)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("fetching %s: no answer within %s (is the module proxy reachable? GOPROXY=%s)", arg, opt.Timeout, goproxy(ctx, opt, env))
	case d.Error != "":
		return fmt.Errorf("fetching %s: %s", arg, strings.TrimPrefix(d.Error, arg+": "))
	case err != nil:
		return fmt.Errorf("fetching %s: %s", arg, failure(err, stderr))
	case d.Dir == "":
		return fmt.Errorf("fetching %s: go mod download named no directory", arg)
	}
	ws.Module, ws.Version = d.Path, d.Version
	ws.Name = d.Path + "@" + d.Version
	ws.Dir = filepath.Join(ws.Temp, "src")
	ws.Pattern = DefaultPattern
	ws.Env = publishedEnv
	if err := copyTree(d.Dir, ws.Dir); err != nil {
		return fmt.Errorf("copying %s out of the module cache: %w", ws.Name, err)
	}
	env = append(append([]string(nil), opt.Env...), ws.Env...)
	if _, stderr, err := runGo(ctx, opt.Timeout, opt.GoBin, ws.Dir, env, "mod", "download"); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("downloading the dependencies of %s: no answer within %s (is the module proxy reachable? GOPROXY=%s)", ws.Name, opt.Timeout, goproxy(ctx, opt, env))
		}
		return fmt.Errorf("downloading the dependencies of %s: %s", ws.Name, failure(err, stderr))
	}
	return nil
}

// goproxy is the GOPROXY the go command uses, for messages.
func goproxy(ctx context.Context, opt OpenOptions, env []string) string {
	out, _, err := runGo(ctx, 10*time.Second, opt.GoBin, "", env, "env", "GOPROXY")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// runGo runs the go command with a time limit and returns its stdout and
// stderr. WaitDelay matters: with GOPROXY=direct the go command runs git,
// which could keep the pipes open after the go command is killed.
func runGo(ctx context.Context, limit time.Duration, goBin, dir string, env []string, args ...string) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = env
	procgroup.Set(cmd, 2*time.Second) // git and what else the go command starts are stopped with it
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := procgroup.Run(cmd)
	procgroup.Kill(cmd)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return stdout.Bytes(), stderr.String(), err
}

// failure says why a go command failed: what it printed on stderr (its
// last ten lines, the next ones indented), else the exec error.
func failure(err error, stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return err.Error()
	}
	lines = lines[max(len(lines)-10, 0):]
	return strings.Join(lines, "\n\t")
}

// copyTree copies the regular files and directories of src (a module in
// the read-only module cache) to dst, writable by the user: 0644, or 0755
// for directories and executables.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil // module zips hold regular files only
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		return copyFile(p, to, mode)
	})
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
