package smoke

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// programs are the tiny programs the integration tests build, one module.
var programs = map[string]string{
	"go.mod": "module smoketest\n\ngo 1.24\n",
	"hello/main.go": `package main

import (
	"os"
	"strings"
)

func main() {
	os.Stdout.WriteString("hello\n")
	if len(os.Args) > 1 {
		os.Stdout.WriteString("args: " + strings.Join(os.Args[1:], " ") + "\n")
	}
}
`,
	"bad/main.go": `package main

import "os"

func main() {
	os.Stderr.WriteString("bad\n")
	os.Exit(3)
}
`,
	// sleeper starts a child that holds the output pipe too, so the test
	// sees that the whole group dies, not just the program.
	"sleeper/main.go": `package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		time.Sleep(60 * time.Second)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	c := exec.Command(exe, "child")
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	if err := c.Start(); err != nil {
		panic(err)
	}
	fmt.Printf("pid %d child %d\n", os.Getpid(), c.Process.Pid)
	time.Sleep(60 * time.Second)
}
`,
	"cghello/main.go": `package main

// #include <stdio.h>
// static void hello(void) { puts("hello"); fflush(stdout); }
import "C"

func main() { C.hello() }
`,
	"chello.c": `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "bad") == 0) { puts("bad"); return 3; }
	puts("hello");
	return 0;
}
`,
}

// needTool finds a command the integration tests need. Locally a missing
// one skips with the fix; under CI=true it fails, so CI never passes by
// skipping.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " is not installed: apt-get install " + install + " (scripts/install-toolchains.sh installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " [CI=true: not skipping]")
	}
	t.Skip(msg)
	return ""
}

// goBuild builds ./pkg of the module for a target; env holds GOOS, GOARCH,
// CGO_ENABLED and CC.
func goBuild(t *testing.T, mod, pkg, out string, env ...string) string {
	t.Helper()
	out = filepath.Join(mod, "bin", out)
	cmd := exec.Command("go", "build", "-o", out, "./"+pkg)
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), append([]string{"GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0"}, env...)...)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s %v:\n%s", pkg, env, b)
	return out
}

// alive lists the processes of a process group that still run (zombies
// waiting for a reaper do not count: they run nothing).
func alive(t *testing.T, pgid int) []string {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []string
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // state ppid pgrp ...
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
			out = append(out, s)
		}
	}
	return out
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs; skipped under -short")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the integration tests assume a linux/amd64 host, like CI")
	}
	mod := t.TempDir()
	for name, src := range programs {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(mod, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(mod, name), []byte(src), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(mod, "bin"), 0o755))
	ctx := context.Background()
	r := &Runner{}

	t.Run("native hello", func(t *testing.T) {
		bin := goBuild(t, mod, "hello", "hello")
		res := r.Run(ctx, Request{Path: bin, Target: tgt("linux/amd64")}, Spec{Args: []string{"a", "b c"}})
		assert.Equal(t, StatusOK, res.Status, "%+v", res)
		assert.Equal(t, "native", res.How)
		assert.Equal(t, []string{bin, "a", "b c"}, res.Command)
		assert.Equal(t, 0, res.ExitCode)
		assert.Equal(t, []string{"hello", "args: a b c"}, res.Output)
		assert.Equal(t, "ok (native)", res.String())
	})

	t.Run("exit 3", func(t *testing.T) {
		bin := goBuild(t, mod, "bad", "bad")
		res := r.Run(ctx, Request{Path: bin, Target: tgt("linux/amd64")}, Spec{})
		assert.Equal(t, StatusFailed, res.Status)
		assert.Equal(t, 3, res.ExitCode)
		assert.Equal(t, []string{"bad"}, res.Output, "stderr is captured")
		assert.Equal(t, "failed (exit 3: bad)", res.String())
	})

	sleeper := ""
	t.Run("timeout kills the process group", func(t *testing.T) {
		sleeper = goBuild(t, mod, "sleeper", "sleeper")
		res := r.Run(ctx, Request{Path: sleeper, Target: tgt("linux/amd64")}, Spec{Timeout: time.Second})
		assert.Equal(t, StatusFailed, res.Status)
		assert.Equal(t, -1, res.ExitCode)
		assert.Contains(t, res.Why, "timed out after 1s")
		assert.Less(t, res.Duration, 5*time.Second, "the child holding the pipe must not delay the result")
		require.NotEmpty(t, res.Output, "the sleeper prints its pids first")
		var pid, child int
		_, err := fmt.Sscanf(res.Output[0], "pid %d child %d", &pid, &child)
		require.NoError(t, err, res.Output[0])
		assert.Eventually(t, func() bool { return len(alive(t, pid)) == 0 }, 3*time.Second, 50*time.Millisecond,
			"process group %d still has processes: %q", pid, alive(t, pid))
	})

	t.Run("cancelled context kills the process group", func(t *testing.T) {
		if sleeper == "" {
			t.Skip("no sleeper built")
		}
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		res := r.Run(cctx, Request{Path: sleeper, Target: tgt("linux/amd64")}, Spec{Timeout: time.Minute})
		assert.Equal(t, StatusFailed, res.Status)
		assert.Contains(t, res.Why, "cancelled")
		assert.Less(t, res.Duration, 5*time.Second)
	})

	t.Run("386 on the amd64 host", func(t *testing.T) {
		bin := goBuild(t, mod, "hello", "hello-386", "GOARCH=386")
		res := r.Run(ctx, Request{Path: bin, Target: tgt("linux/386")}, Spec{})
		// Native where the kernel runs 32-bit x86; qemu-i386 where it does not.
		t.Logf("ran as %s: %q", res.How, res.Command)
		assert.Equal(t, StatusOK, res.Status, "%+v", res)
		assert.Contains(t, []string{"native", "qemu-i386"}, res.How)
		assert.Equal(t, []string{"hello"}, res.Output)
	})

	for _, arch := range []string{"arm64", "riscv64", "s390x", "386"} {
		t.Run("qemu "+arch, func(t *testing.T) {
			name := "qemu-" + map[string]string{"arm64": "aarch64", "386": "i386"}[arch]
			if name == "qemu-" {
				name += arch
			}
			needTool(t, name, "qemu-user")
			bin := goBuild(t, mod, "hello", "hello-"+arch, "GOARCH="+arch)
			// On a pretend arm64 host even linux/386 goes to qemu.
			qr := &Runner{Host: tgt("linux/arm64")}
			if arch == "arm64" {
				qr = r
			}
			res := qr.Run(ctx, Request{Path: bin, Target: tgt("linux/" + arch)}, Spec{Args: []string{"x"}, Timeout: 30 * time.Second})
			assert.Equal(t, StatusOK, res.Status, "%+v", res)
			assert.Equal(t, name, res.How)
			assert.Equal(t, name, filepath.Base(res.Command[0]))
			assert.Equal(t, []string{"hello", "args: x"}, res.Output)
		})
	}

	t.Run("cgo arm64 dynamic", func(t *testing.T) {
		needTool(t, "qemu-aarch64", "qemu-user")
		cc := needTool(t, "aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu libc6-dev-arm64-cross")
		const sysroot = "/usr/aarch64-linux-gnu"
		bin := goBuild(t, mod, "cghello", "cghello-arm64", "GOARCH=arm64", "CGO_ENABLED=1", "CC="+cc)
		f, err := elf.Open(bin)
		require.NoError(t, err)
		dynamic := false
		for _, p := range f.Progs {
			dynamic = dynamic || p.Type == elf.PT_INTERP
		}
		f.Close()
		require.True(t, dynamic, "a cgo build links libc dynamically: it must have PT_INTERP")

		res := r.Run(ctx, Request{Path: bin, Target: tgt("linux/arm64"), Dynamic: true, Sysroot: sysroot}, Spec{Timeout: 30 * time.Second})
		assert.Equal(t, StatusOK, res.Status, "%+v", res)
		assert.Equal(t, "qemu-aarch64 -L "+sysroot, res.How)
		assert.Equal(t, []string{"-L", sysroot, bin}, res.Command[1:])
		assert.Equal(t, []string{"hello"}, res.Output)

		res = r.Run(ctx, Request{Path: bin, Target: tgt("linux/arm64"), Dynamic: true}, Spec{})
		assert.Equal(t, StatusNotRunnable, res.Status)
		assert.Contains(t, res.Why, "needs its sysroot for qemu")
		assert.Contains(t, res.Why, "apt-get install libc6-dev-arm64-cross")
		assert.Empty(t, res.Command, "nothing was run")

		// Without -L qemu looks for the loader on the host: the flag matters.
		res = r.Run(ctx, Request{Path: bin, Target: tgt("linux/arm64")}, Spec{Timeout: 30 * time.Second})
		assert.Equal(t, StatusFailed, res.Status, "%+v", res)
	})

	t.Run("wine C program", func(t *testing.T) {
		needTool(t, "wine", "wine wine64")
		cc := needTool(t, "x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64")
		bin := filepath.Join(mod, "bin", "chello.exe")
		b, err := exec.Command(cc, "-o", bin, filepath.Join(mod, "chello.c")).CombinedOutput()
		require.NoError(t, err, "%s", b)
		// The first run may create the wine prefix (about 10 s).
		res := r.Run(ctx, Request{Path: bin, Target: tgt("windows/amd64")}, Spec{Timeout: time.Minute})
		assert.Equal(t, StatusOK, res.Status, "%+v", res)
		assert.Contains(t, []string{"wine", "wine64"}, res.How)
		assert.Contains(t, res.Output, "hello")

		res = r.Run(ctx, Request{Path: bin, Target: tgt("windows/amd64")}, Spec{Args: []string{"bad"}, Timeout: time.Minute})
		assert.Equal(t, StatusFailed, res.Status, "%+v", res)
		assert.Equal(t, 3, res.ExitCode)
		assert.Contains(t, res.Output, "bad")
	})

	t.Run("wine Go program", func(t *testing.T) {
		needTool(t, "wine", "wine wine64")
		bin := goBuild(t, mod, "hello", "hello.exe", "GOOS=windows", "GOARCH=amd64")
		res := r.Run(ctx, Request{Path: bin, Target: tgt("windows/amd64")}, Spec{Timeout: time.Minute})
		switch res.Status {
		case StatusOK:
			assert.Contains(t, res.Output, "hello")
		case StatusNotRunnable:
			// Wine before 8.13 (Debian 12 has 8.0) cannot start any Go 1.22+
			// Windows binary; Run must say so instead of calling it broken.
			assert.Contains(t, res.Why, "bcryptprimitives.dll")
			t.Logf("this wine cannot run Go binaries, as Run reports: %s", res.Why)
		default:
			t.Fatalf("want ok (or not-runnable on an old wine), got %+v", res)
		}
	})

	t.Run("js wasm under node", func(t *testing.T) {
		needTool(t, "node", "nodejs")
		bin := goBuild(t, mod, "hello", "hello.wasm", "GOOS=js", "GOARCH=wasm")
		res := r.Run(ctx, Request{Path: bin, Target: tgt("js/wasm")}, Spec{Args: []string{"x"}, Timeout: 30 * time.Second})
		assert.Equal(t, StatusOK, res.Status, "%+v", res)
		assert.Equal(t, "node", res.How)
		assert.Equal(t, []string{"hello", "args: x"}, res.Output)
	})

	t.Run("darwin is not runnable", func(t *testing.T) {
		res := r.Run(ctx, Request{Path: filepath.Join(mod, "bin", "never-built"), Target: tgt("darwin/arm64")}, Spec{})
		assert.Equal(t, StatusNotRunnable, res.Status)
		assert.Equal(t, "not runnable here (darwin binaries need macOS; nothing here can run them)", res.String())
	})
}
