package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/reportschema"
	"github.com/portmatrix/portmatrix/pkg/internal/sbomschema"
	"github.com/portmatrix/portmatrix/pkg/outcache"
	"github.com/portmatrix/portmatrix/pkg/signals"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

func TestMain(m *testing.M) {
	testscript.Main(isolatedCache{m}, map[string]func(){
		"portmatrix": func() {
			// As cmd/portmatrix runs it: the signals that end a run cancel
			// it (signal.txtar).
			ctx, stop := signals.Context(context.Background())
			code := Main(ctx, os.Args[1:], OSStdio())
			stop()
			// Scripts assert exact exit codes through this line.
			fmt.Fprintf(os.Stderr, "[exit %d]\n", code)
			os.Exit(code)
		},
	})
}

// isolatedCache runs the tests with PORTMATRIX_CACHE set to a fresh
// directory (whatever it was), removed afterwards, so no test reads or
// fills the user's output cache, and no test sees a binary another run
// left there. A script gets its own cache in its work directory
// (TestScripts' Setup).
type isolatedCache struct{ m *testing.M }

func (c isolatedCache) Run() int {
	dir, err := os.MkdirTemp("", "portmatrix-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv(outcache.EnvVar, dir)
	// The tests run the same on a GitHub runner as anywhere: no
	// annotations, outputs or job summary unless a test asks for them.
	for _, k := range []string{"GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		os.Unsetenv(k)
	}
	return c.m.Run()
}

// TestScripts runs the CLI end to end, exactly as a user types it, from the
// txtar files in testdata/script. They build with the real go toolchain.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scripts run the go toolchain")
	}
	goEnv := map[string]string{}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		goEnv[k] = strings.TrimSpace(string(out))
	}
	zigCache, err := toolchain.ZigCacheDir(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("GOFLAGS", "-buildvcs=false")
			env.Setenv("GOPROXY", "off")
			env.Setenv("GOTOOLCHAIN", "local")
			env.Setenv("NO_COLOR", "")
			env.Setenv(outcache.EnvVar, filepath.Join(env.WorkDir, ".portmatrix-cache"))
			// zig builds each C library once per machine, for minutes:
			// scripts share the user's zig cache (HOME is /no-home here).
			env.Setenv(toolchain.ZigCacheEnv, zigCache)
			// PMBIN is the directory holding the portmatrix command, so a
			// script can run it with a PATH that lacks the C compilers.
			for _, dir := range filepath.SplitList(env.Getenv("PATH")) {
				if _, err := os.Stat(filepath.Join(dir, "portmatrix")); err == nil {
					env.Setenv("PMBIN", dir)
					break
				}
			}
			return nil
		},
		Condition: have,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"validate-report": validateReport,
			"validate-sbom":   validateSBOM,
			"corrupt-cache":   corruptCache,
			"waitfile":        waitFile,
			"signal":          sendSignal,
			"gone":            gone,
			"notemp":          noTemp,
		},
	})
}

// validateReport is the script command `validate-report FILE...`: each file
// is a JSON report that configs/report.schema.json accepts.
func validateReport(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: validate-report FILE...")
	}
	for _, f := range args {
		err := reportschema.ValidateFile(ts.MkAbs(f))
		switch {
		case err != nil && !neg:
			ts.Fatalf("%v", err)
		case err == nil && neg:
			ts.Fatalf("%s is a valid report", f)
		}
	}
}

// corruptCache is the script command `corrupt-cache DIR`: it flips the
// last byte of the first binary (by path) stored in the output cache DIR
// (a file named by its 64-hex-digit input key),
// keeping its size, as a disk error or an edit would.
func corruptCache(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: corrupt-cache DIR")
	}
	var bins []string
	err := filepath.WalkDir(ts.MkAbs(args[0]), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && len(d.Name()) == 64 && !strings.Contains(d.Name(), ".") {
			bins = append(bins, p)
		}
		return err
	})
	ts.Check(err)
	if len(bins) == 0 {
		ts.Fatalf("no binary in the output cache %s", args[0])
	}
	sort.Strings(bins)
	data, err := os.ReadFile(bins[0])
	ts.Check(err)
	data[len(data)-1] ^= 0xff
	ts.Check(os.WriteFile(bins[0], data, 0o644))
}

// have answers the condition [have:TOOL]: whether TOOL is on PATH. Scripts
// skip without it locally (naming the install command in the skip
// message), but under CI=true a missing tool is an error, so CI never
// passes by skipping.
func have(cond string) (bool, error) {
	name, ok := strings.CutPrefix(cond, "have:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(name); err == nil {
		return true, nil
	}
	if os.Getenv("CI") == "true" {
		return false, fmt.Errorf("%s is not installed and CI=true: run scripts/install-deps.sh and scripts/install-toolchains.sh", name)
	}
	return false, nil
}

// validateSBOM is the script command `validate-sbom FILE...`: each file
// is an SBOM (NAME.cdx.json or NAME.spdx.json) that the official CycloneDX
// 1.6 or SPDX 2.3 schema accepts.
func validateSBOM(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: validate-sbom FILE...")
	}
	for _, f := range args {
		if err := sbomschema.ValidateFile(ts.MkAbs(f)); err != nil {
			ts.Fatalf("%v", err)
		}
	}
}

// waitFile is the script command `waitfile FILE`: it waits (up to a
// minute) until FILE exists and is not empty, for a background command to
// get somewhere.
func waitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Size() > 0 {
			return
		}
	}
	ts.Fatalf("%s did not appear within a minute", args[0])
}

// pidIn reads the process id a file holds.
func pidIn(ts *testscript.TestScript, file string) int {
	data, err := os.ReadFile(ts.MkAbs(file))
	ts.Check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	ts.Check(err)
	return pid
}

// sendSignal is the script command `signal NAME PIDFILE`: it sends SIGNAME
// (HUP, INT, QUIT, TERM) to the process whose id PIDFILE holds.
func sendSignal(ts *testscript.TestScript, neg bool, args []string) {
	sigs := map[string]syscall.Signal{"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "TERM": syscall.SIGTERM}
	sig, ok := sigs[strings.TrimPrefix(strings.ToUpper(args[0]), "SIG")]
	if neg || len(args) != 2 || !ok {
		ts.Fatalf("usage: signal HUP|INT|QUIT|TERM PIDFILE")
	}
	ts.Check(syscall.Kill(pidIn(ts, args[1]), sig))
}

// gone is the script command `gone PIDFILE...`: each process (and process
// group) whose id a file holds has ended, within ten seconds (a process
// killed a moment ago may not be reaped yet).
func gone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: gone PIDFILE...")
	}
	for _, f := range args {
		pid := pidIn(ts, f)
		deadline := time.Now().Add(10 * time.Second)
		for syscall.Kill(pid, 0) == nil || syscall.Kill(-pid, 0) == nil {
			if time.Now().After(deadline) {
				ts.Fatalf("process %d (%s) is still running", pid, f)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// noTemp is the script command `notemp DIR`: no file below DIR has the
// name of portmatrix's temporary files (atomicfile.IsTemp).
func noTemp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: notemp DIR")
	}
	err := filepath.WalkDir(ts.MkAbs(args[0]), func(p string, d fs.DirEntry, err error) error {
		if err == nil && atomicfile.IsTemp(d.Name()) {
			ts.Fatalf("temporary file left: %s", p)
		}
		return err
	})
	ts.Check(err)
}
