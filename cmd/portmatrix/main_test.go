package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInterrupt runs the real binary, interrupts it while two builds are
// running, and checks that it kills every build process (even ones that
// ignore SIGTERM), keeps the previous good binary, still prints the report
// of what finished, and exits 1.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portmatrix")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "portmatrix")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	pids := filepath.Join(dir, "pids")
	require.NoError(t, os.Mkdir(pids, 0o755))
	// A stand-in go command: `go build` starts a grandchild that ignores
	// SIGTERM and waits; everything else goes to the real go command.
	slow := "#!/bin/sh\nif [ \"$1\" = build ]; then\n  trap '' TERM\n  sleep 120 &\n  echo $! > " + pids + "/$$\n  wait\n  exit 0\nfi\nexec go \"$@\"\n"
	goBin := filepath.Join(dir, "slowgo")
	require.NoError(t, os.WriteFile(goBin, []byte(slow), 0o755))
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("go.mod", "module example.com/app\n\ngo 1.21\n")
	write("main.go", "package main\n\nfunc main() {}\n")
	write("portmatrix.yaml", "version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64, linux/arm64, linux/386]\n")
	good := filepath.Join(dir, "dist", "app", "linux_amd64", "default", "app")
	require.NoError(t, os.MkdirAll(filepath.Dir(good), 0o755))
	require.NoError(t, os.WriteFile(good, []byte("previous good binary"), 0o755))

	cmd := exec.Command(bin, "build", "--go", goBin, "-j", "2", "--progress", "lines")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		entries, _ := os.ReadDir(pids)
		return len(entries) == 2
	}, 30*time.Second, 20*time.Millisecond, "two builds should be running")
	require.NoError(t, cmd.Process.Signal(os.Interrupt))

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("portmatrix did not exit after SIGINT")
	}
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "want an exit status, got %v", err)
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, stderr.String(), "interrupted; the report shows what finished")
	assert.Contains(t, stdout.String(), "3 jobs: 0 ok, 2 cancelled, 1 skipped")

	entries, err := os.ReadDir(pids)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(pids, e.Name()))
		require.NoError(t, err)
		for _, p := range []string{e.Name(), strings.TrimSpace(string(data))} {
			pid, err := strconv.Atoi(p)
			require.NoError(t, err)
			assert.True(t, gone(pid), "process %d survived the interrupt", pid)
		}
	}
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	assert.Equal(t, "previous good binary", string(data))
}

// gone reports whether pid no longer runs (a zombie awaiting its reaper counts as gone).
func gone(pid int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			return true
		}
		if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if f := strings.Fields(string(st)); len(f) > 2 && f[2] == "Z" {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
