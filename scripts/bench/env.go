package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// goTool runs the go command for the bench's own untimed steps.
type goTool struct {
	path string
	env  []string
}

// output runs go with args in dir (the current directory when empty), the
// bench's environment plus extra, and returns its stdout; a failure carries
// the tail of stderr.
func (g *goTool) output(ctx context.Context, dir string, extra []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.path, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), g.env...), extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(stderr.String(), 20))
	}
	return out, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Machine describes where the bench ran, for the header of the results.
type Machine struct {
	NumCPU        int    `json:"nproc"`
	CoresForFloor int    `json:"cores_for_floor"`
	MemTotal      string `json:"mem_total"`
	CPUModel      string `json:"cpu_model"`
	Kernel        string `json:"kernel"`
	LoadAvgStart  string `json:"loadavg_start"`
	LoadAvgEnd    string `json:"loadavg_end,omitempty"`
	GCC           string `json:"gcc,omitempty"` // empty: no gcc, no cgo scenario
}

// readMachine reads /proc; a file it cannot read leaves its field empty.
func readMachine(cores int) Machine {
	m := Machine{NumCPU: runtime.NumCPU(), CoresForFloor: cores}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				var kb int64
				fmt.Sscan(strings.TrimSpace(v), &kb)
				m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.LoadAvgStart = loadAvg()
	return m
}

// loadAvg is the first three fields of /proc/loadavg: a busy machine at the
// start or end of a run is the first thing to suspect in odd figures.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// gccVersion returns the first line of `gcc --version`, or "" without gcc.
func gccVersion(ctx context.Context) string {
	if _, err := exec.LookPath("gcc"); err != nil {
		return ""
	}
	out, err := exec.CommandContext(ctx, "gcc", "--version").Output()
	if err != nil {
		return ""
	}
	return firstLine(strings.TrimSpace(string(out)))
}

// repoCommit is the commit of the portmatrix checkout, with "+dirty" when
// the work tree has changes, or "unknown" outside git.
func repoCommit(ctx context.Context, dir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += "+dirty"
	}
	return c
}

// Goreleaser says whether goreleaser takes part, which one, and how it came.
type Goreleaser struct {
	Status         string  `json:"status"` // "on PATH", "installed", "cached", "not installed"
	Path           string  `json:"path,omitempty"`
	Version        string  `json:"version,omitempty"`
	InstallSeconds float64 `json:"install_seconds,omitempty"`
	Error          string  `json:"error,omitempty"`
}

// findGoreleaser uses goreleaser from PATH; else, when install is set, the
// one a previous run installed into the bench's cache directory, else it
// runs `go install github.com/goreleaser/goreleaser/v2@VERSION` there once.
// It never fails: a goreleaser that cannot be had is "not installed", and
// its rows say so.
func findGoreleaser(ctx context.Context, g *goTool, install bool, version string, stderr io.Writer) Goreleaser {
	if p, err := exec.LookPath("goreleaser"); err == nil {
		return Goreleaser{Status: "on PATH", Path: p, Version: binaryVersion(ctx, p)}
	}
	if !install {
		return Goreleaser{Status: "not installed", Error: "not on PATH (pass --install-goreleaser to install it)"}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return Goreleaser{Status: "not installed", Error: err.Error()}
	}
	gobin := filepath.Join(cache, "portmatrix-bench", "bin")
	bin := filepath.Join(gobin, "goreleaser")
	if v := binaryVersion(ctx, bin); v == version {
		return Goreleaser{Status: "cached", Path: bin, Version: v}
	}
	fmt.Fprintf(stderr, "bench: installing goreleaser %s into %s (once; this compiles a large program)\n", version, gobin)
	start := time.Now()
	_, err = g.output(ctx, "", []string{"GOBIN=" + gobin, "GOFLAGS=-mod=mod"}, "install", "github.com/goreleaser/goreleaser/v2@"+version)
	secs := sinceSeconds(start)
	if err != nil {
		fmt.Fprintf(stderr, "bench: goreleaser could not be installed (%.0fs); its rows will say \"not installed\":\n%s\n", secs, err)
		return Goreleaser{Status: "not installed", InstallSeconds: secs, Error: err.Error()}
	}
	return Goreleaser{Status: "installed", Path: bin, Version: binaryVersion(ctx, bin), InstallSeconds: secs}
}

// binaryVersion is the main module version recorded in a Go binary's build
// info (what `go version -m` prints); for a binary built without it, the
// first line of its --version output. "" when the file is not there.
func binaryVersion(ctx context.Context, path string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	if bi, err := buildinfo.ReadFile(path); err == nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "GitVersion:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return firstLine(strings.TrimSpace(string(out)))
}
