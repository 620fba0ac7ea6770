package build

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// module writes a one-file main module and returns its directory.
func module(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.21\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	return dir
}

func goJob(dir, out string) plan.Job {
	return plan.Job{
		ID: "m/linux/amd64/default", Dir: dir,
		Argv:   []string{"go", "build", "-o", out, "."},
		Env:    []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS="},
		Output: out,
		Log:    filepath.Join(filepath.Dir(out), "logs", "m.log"),
	}
}

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".portmatrix-") {
			found = append(found, e.Name())
		}
	}
	return found
}

func TestGoRunnerRealBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go toolchain")
	}
	dir := module(t, "package main\nfunc main() {}\n")
	out := filepath.Join(t.TempDir(), "bin", "m")
	st, err := (&GoRunner{}).RunStats(context.Background(), goJob(dir, out))
	require.NoError(t, err)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "\x7fELF", string(data[:4]))
	// The largest process of a go build (go, compile or link) uses more
	// than a megabyte and less than the machine.
	assert.Greater(t, st.MaxRSS, int64(1<<20), "peak RSS recorded")
	assert.Less(t, st.MaxRSS, int64(64<<30))
	assert.Empty(t, leftovers(t, filepath.Dir(out)))
	log, err := os.ReadFile(filepath.Join(filepath.Dir(out), "logs", "m.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), "# job: m/linux/amd64/default")
	assert.Contains(t, string(log), "GOFLAGS='' go build -o "+out)
	assert.Contains(t, string(log), "# exit: ok")
}

func TestGoRunnerFailureKeepsPreviousBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go toolchain")
	}
	dir := module(t, "package main\nfunc main() { undefinedThing() }\n")
	outDir := t.TempDir()
	out := filepath.Join(outDir, "m")
	require.NoError(t, os.WriteFile(out, []byte("previous good binary"), 0o755))
	err := (&GoRunner{}).Run(context.Background(), goJob(dir, out))
	var be *BuildError
	require.ErrorAs(t, err, &be)
	assert.Contains(t, err.Error(), "undefined: undefinedThing")
	assert.Contains(t, strings.Join(be.Tail, "\n"), "main.go:2:")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous good binary", string(data))
	assert.Empty(t, leftovers(t, outDir))
}

// fakeGo is a stand-in for the go command that starts a grandchild and
// waits, to prove cancellation reaches the whole process group.
func fakeGo(t *testing.T, pidFile string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("process groups are POSIX")
	}
	path := filepath.Join(t.TempDir(), "go")
	script := "#!/bin/sh\ntrap '' TERM\nsleep 60 &\necho $! > " + pidFile + "\nwait\n"
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	return path
}

func TestGoRunnerCancelKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	goBin := fakeGo(t, pidFile)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "m")
	require.NoError(t, os.WriteFile(out, []byte("previous good binary"), 0o755))
	job := plan.Job{ID: "x", Dir: t.TempDir(), Argv: []string{goBin, "build", "-o", out, "."}, Output: out}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&GoRunner{KillGrace: 200 * time.Millisecond}).Run(ctx, job) }()
	var pid int
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.True(t, errors.Is(err, context.Canceled), "error %v should say it was cancelled", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	// The grandchild ignored SIGTERM; it must have been killed anyway.
	require.Eventually(t, func() bool {
		return syscall.Kill(pid, 0) == syscall.ESRCH || isZombie(pid)
	}, 5*time.Second, 10*time.Millisecond, "grandchild %d still running", pid)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous good binary", string(data))
	assert.Empty(t, leftovers(t, outDir))
}

func isZombie(pid int) bool {
	out, err := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(out)), "Z")
}

func TestGoRunnerBadArgv(t *testing.T) {
	tests := []struct {
		name string
		job  plan.Job
		want string
	}{
		{"an output but no -o", plan.Job{ID: "x", Argv: []string{"go", "build"}, Output: "/o/x"}, "argv has no -o at index 2"},
		{"-o but no output", plan.Job{ID: "x", Argv: []string{"go", "build", "-o", "/o/x", "."}}, "argv writes -o /o/x but the job has no Output"},
		{"no argv", plan.Job{ID: "x"}, "empty argv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, (&GoRunner{}).Run(context.Background(), tt.job), tt.want)
		})
	}
}

// TestGoRunnerNoOutput: a job with no Output and no -o (a compile check)
// runs in the same log format and fails with the same BuildError, and
// nothing is written beside anything.
func TestGoRunnerNoOutput(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("runs sh")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "logs", "lib.log")
	job := plan.Job{ID: "lib/linux/amd64/default", Dir: dir, Log: log, Env: []string{"WHO=check"},
		Argv: []string{"sh", "-c", "echo \"# $WHO\"; for i in $(seq 30); do echo line $i >&2; done; echo 'term/t.go:1:2: undefined: x' >&2; exit 1"}}
	err := (&GoRunner{}).Run(context.Background(), job)
	var be *BuildError
	require.ErrorAs(t, err, &be)
	assert.Len(t, be.Tail, TailLines)
	assert.Equal(t, "term/t.go:1:2: undefined: x", be.Tail[TailLines-1])
	assert.Equal(t, log, be.Log)
	assert.Equal(t, job.Argv, be.Args)
	assert.Contains(t, err.Error(), "undefined: x")
	data, rerr := os.ReadFile(log)
	require.NoError(t, rerr)
	assert.True(t, strings.HasPrefix(string(data), "# job: lib/linux/amd64/default\n# dir: "+dir+"\n# cd "+dir+" && WHO=check sh -c "), "%s", data)
	assert.Contains(t, string(data), "\n# check\nline 1\n")
	assert.Contains(t, string(data), "\n# exit: exit status 1 after ")
	entries, rerr := os.ReadDir(dir)
	require.NoError(t, rerr)
	assert.Len(t, entries, 1, "only the log directory: nothing written, nothing renamed")

	ok := plan.Job{ID: "ok", Dir: dir, Argv: []string{"sh", "-c", "echo fine"}}
	require.NoError(t, (&GoRunner{}).Run(context.Background(), ok), "no log: output discarded")

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	err = (&GoRunner{}).Run(cancelled, plan.Job{ID: "x", Dir: dir, Argv: []string{"sleep", "5"}})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestTailWriter(t *testing.T) {
	tw := &tailWriter{max: 3}
	_, _ = tw.Write([]byte("a\nb\nc"))
	_, _ = tw.Write([]byte("d\ne\nf"))
	assert.Equal(t, []string{"cd", "e", "f"}, tw.lines())
}

func TestFloorHint(t *testing.T) {
	tail := []string{"# gr", "/usr/local/go/pkg/tool/linux_amd64/link: running zig failed: exit status 1", "ld.lld: error: undefined symbol: getrandom", ">>> referenced by main.go:5"}
	zigJob := plan.Job{ID: "gr/linux/amd64/old", Toolchain: &toolchain.Toolchain{Name: "zig", Glibc: "2.17"}}
	e := &BuildError{Job: zigJob, Tail: tail, Err: errors.New("exit status 1")}
	assert.Equal(t, "build gr/linux/amd64/old: exit status 1: /usr/local/go/pkg/tool/linux_amd64/link: running zig failed: exit status 1; if getrandom is a glibc function, it is newer than glibc 2.17, the floor this job asks of zig: raise glibc: to a version that has it, or do without it", e.Error())
	e.Job.Toolchain = &toolchain.Toolchain{Name: "native"}
	assert.NotContains(t, e.Error(), "if getrandom is a glibc function")
}
