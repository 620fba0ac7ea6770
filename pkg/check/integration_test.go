package check

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/typecheck"
)

// These tests run the real go toolchain (and, for published modules, the
// module proxy the machine's go command is configured with); -short skips
// them. Targets are few, so that the standard library compiles for at most
// a handful of platforms.

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go toolchain")
	}
}

// run is what the CLI does with --compile, without the CLI: list, plan,
// build, inspect, annotate, summarize.
func run(t *testing.T, ws *Workspace, targets []string) (Summary, []report.Job) {
	t.Helper()
	return runMode(t, ws, targets, false, false)
}

// runMode is run in the type-check mode (typeCheck) or with go build, with
// or without --link.
func runMode(t *testing.T, ws *Workspace, targets []string, typeCheck, link bool) (Summary, []report.Job) {
	t.Helper()
	ctx := context.Background()
	table, err := target.LoadTable(ctx, "go")
	require.NoError(t, err)
	var ts []target.Target
	for _, s := range targets {
		ts = append(ts, tg(s))
	}
	ps := Platforms(ts, PlatformOptions{Table: table, WorkspaceEnv: ws.Env, TypeCheck: typeCheck})
	listing, err := List(ctx, ws, ps, ListOptions{Jobs: 2, Deps: typeCheck})
	require.NoError(t, err)
	jobs := Jobs(ps, listing.Packages, JobOptions{
		Dir: ws.Dir, OutDir: filepath.Join(ws.Temp, "out"), LogDir: filepath.Join(ws.Temp, "logs"),
		Pattern: ws.Pattern, Graphs: listing.Graphs, Link: link,
	})
	tc := NewTypeChecker(jobs, typecheck.NewSession(""), &build.GoRunner{}, nil)
	results := build.Run(ctx, NewRunner(jobs, tc), PlanJobs(jobs), build.Options{Jobs: 2, Timeout: 10 * time.Minute})
	outcomes, outs := Conclude(jobs, results, tc.Checked(), ws.ModCache)
	rows := report.Collect(report.Stages{Results: results, Outcomes: outcomes, Check: Rows(jobs, outs), Temporary: true})
	return Summarize(ws.Name, false, ts, jobs, rows, outs), rows
}

// writeFixture writes a module whose term package needs a function that
// only exists outside plan9, and a windows-only package.
func writeFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":              "module example.com/fx\n\ngo 1.21\n",
		"term/term.go":        "package term\n\n// Size is the terminal width.\nfunc Size() int { return winsize() }\n",
		"term/size_other.go":  "//go:build !plan9\n\npackage term\n\nfunc winsize() int { return 80 }\n",
		"winonly/w.go":        "//go:build windows\n\n// Package winonly exists on windows only.\npackage winonly\n",
		"testonly/x_test.go":  "package testonly\n",
		"cmd/tool/main.go":    "package main\n\nimport \"example.com/fx/term\"\n\nfunc main() { println(term.Size()) }\n",
		"wasmonly/go.mod":     "module example.com/wasmonly\n\ngo 1.21\n",
		"wasmonly/w_wasm.go":  "package wasmonly\n",
		"wasmonly/README.txt": "a module with files for wasm only\n",
	}
	writeFiles(t, dir, files)
	return dir
}

// writeFiles writes files (slash-separated name -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func TestIntegrationLocalFixture(t *testing.T) {
	skipShort(t)
	dir := writeFixture(t)
	src, err := ParseSource("", dir)
	require.NoError(t, err)
	ws, err := Open(context.Background(), src, OpenOptions{})
	require.NoError(t, err)
	defer ws.Close()

	s, rows := run(t, ws, []string{"linux/amd64", "plan9/386", "plan9/amd64", "windows/amd64"})
	assert.Equal(t, map[string]string{"linux/amd64": "S", "plan9/386": "✗", "plan9/amd64": "✗", "windows/amd64": "D"}, s.Grid.Marks())
	require.Len(t, s.Groups, 1)
	assert.Equal(t, "plan9/*: undefined: winsize in example.com/fx/term (term/term.go:4:26)", s.Groups[0].String())
	assert.Equal(t, "./... builds on 2 of 4 platforms; 1 static, 1 dynamic", s.Line())

	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID+" "+string(r.Status)+" "+r.Package)
	}
	assert.Equal(t, []string{
		"tool/linux/amd64/default ok example.com/fx/cmd/tool",
		"lib/linux/amd64/default ok example.com/fx/...",
		"tool/plan9/386/default failed example.com/fx/cmd/tool",
		"lib/plan9/386/default failed example.com/fx/...",
		"tool/plan9/amd64/default failed example.com/fx/cmd/tool",
		"lib/plan9/amd64/default failed example.com/fx/...",
		"tool/windows/amd64/default ok example.com/fx/cmd/tool",
		"lib/windows/amd64/default ok example.com/fx/...",
	}, ids)
	assert.Equal(t, "example.com/fx/term: term/term.go:4:26: undefined: winsize", rows[2].Error)
	assert.Equal(t, "static", rows[0].Linkage)
	assert.Empty(t, rows[1].Linkage, "a compile check has no binary")

	t.Run("a module the constraints exclude on most targets", func(t *testing.T) {
		src, err := ParseSource(filepath.Join(dir, "wasmonly"), dir)
		require.NoError(t, err)
		ws, err := Open(context.Background(), src, OpenOptions{})
		require.NoError(t, err)
		defer ws.Close()
		s, rows := run(t, ws, []string{"js/wasm", "linux/amd64", "wasip1/wasm"})
		assert.Equal(t, map[string]string{"js/wasm": "✓", "linux/amd64": "∅", "wasip1/wasm": "✓"}, s.Grid.Marks())
		assert.Equal(t, "linux/amd64: build constraints exclude all Go files in every package", s.Groups[0].String())
		assert.Less(t, rows[1].DurationSec, 0.5, "nothing was compiled: go list said so")
	})
}

func TestIntegrationPublishedModules(t *testing.T) {
	skipShort(t)
	t.Run("a library: golang.org/x/term", func(t *testing.T) {
		ws := openPublished(t, "golang.org/x/term@v0.48.0")
		assert.Equal(t, "golang.org/x/term@v0.48.0", ws.Name)
		assert.Equal(t, filepath.Join(ws.Temp, "src"), ws.Dir)
		s, rows := run(t, ws, []string{"linux/amd64", "plan9/amd64", "windows/arm64"})
		assert.Equal(t, map[string]string{"linux/amd64": "✓", "plan9/amd64": "✓", "windows/arm64": "✓"}, s.Grid.Marks())
		assert.Empty(t, s.Groups)
		assert.Equal(t, "golang.org/x/term", rows[0].Package)
		assert.Equal(t, "golang.org/x/term@v0.48.0 builds on 3 of 3 platforms", s.Line())
	})

	t.Run("a program: github.com/cespare/reflex", func(t *testing.T) {
		ws := openPublished(t, "github.com/cespare/reflex@v0.3.1")
		s, rows := run(t, ws, []string{"linux/amd64", "plan9/amd64", "windows/386", "windows/amd64"})
		assert.Equal(t, map[string]string{"linux/amd64": "S", "plan9/amd64": "✗", "windows/386": "✗", "windows/amd64": "✗"}, s.Grid.Marks())
		// windows/* is every windows target checked here.
		var groups []string
		for _, g := range s.Groups {
			groups = append(groups, g.String())
		}
		assert.Equal(t, []string{
			"windows/*: undefined: syscall.Kill in github.com/cespare/reflex (reflex.go:235:22)",
			"plan9/amd64: github.com/cespare/reflex imports github.com/fsnotify/fsnotify: build constraints exclude all Go files in github.com/fsnotify/fsnotify@v1.4.7",
		}, groups)
		assert.Equal(t, "github.com/cespare/reflex", rows[0].Package)
		assert.Equal(t, "github.com/cespare/reflex: reflex.go:235:22: undefined: syscall.Kill", rows[3].Error)
	})
}

// openPublished fetches a module and checks that the module cache is left
// as it was: read-only, no go.sum written into it.
func openPublished(t *testing.T, arg string) *Workspace {
	t.Helper()
	src, err := ParseSource(arg, t.TempDir())
	require.NoError(t, err)
	ws, err := Open(context.Background(), src, OpenOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	cached := filepath.Join(ws.ModCache, escapeModule(src.Module)+"@"+src.Version)
	fi, err := os.Stat(filepath.Join(cached, "go.mod"))
	require.NoError(t, err)
	assert.Zero(t, fi.Mode().Perm()&0o222, "the module cache stays read-only")
	fi, err = os.Stat(filepath.Join(ws.Dir, "go.mod"))
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode().Perm()&0o200, "the copy is writable")
	assert.Contains(t, ws.Env, "GOFLAGS=-mod=mod -buildvcs=false")
	return ws
}

// escapeModule is the module cache's case encoding (github.com/BurntSushi
// is github.com/!burnt!sushi).
func escapeModule(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteString("!" + string(r+'a'-'A'))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestIntegrationBadModules(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	open := func(t *testing.T, arg string, env []string, timeout time.Duration) error {
		t.Helper()
		src, err := ParseSource(arg, t.TempDir())
		require.NoError(t, err)
		base := []string{}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GOFLAGS=") {
				base = append(base, kv)
			}
		}
		start := time.Now()
		ws, err := Open(ctx, src, OpenOptions{Env: append(base, env...), Timeout: timeout})
		if ws != nil {
			ws.Close()
		}
		assert.Less(t, time.Since(start), timeout+10*time.Second, "bounded")
		return err
	}

	t.Run("GOPROXY=off", func(t *testing.T) {
		err := open(t, "example.com/portmatrix-no-such-module@v1.0.0", []string{"GOPROXY=off"}, time.Minute)
		assert.EqualError(t, err, "fetching example.com/portmatrix-no-such-module@v1.0.0: module lookup disabled by GOPROXY=off")
	})
	t.Run("a proxy that refuses connections", func(t *testing.T) {
		err := open(t, "example.com/portmatrix-no-such-module@v1.0.0", []string{"GOPROXY=http://127.0.0.1:9"}, time.Minute)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "fetching example.com/portmatrix-no-such-module@v1.0.0: ")
		assert.Contains(t, err.Error(), "127.0.0.1:9")
	})
	t.Run("a proxy that never answers", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close() // hold the connection open, say nothing
			}
		}()
		err = open(t, "example.com/portmatrix-no-such-module@v1.0.0", []string{"GOPROXY=http://" + ln.Addr().String()}, 2*time.Second)
		assert.EqualError(t, err, "fetching example.com/portmatrix-no-such-module@v1.0.0: no answer within 2s (is the module proxy reachable? GOPROXY=http://"+ln.Addr().String()+")")
	})
	t.Run("a module that does not exist", func(t *testing.T) {
		err := open(t, "example.com/portmatrix-no-such-module@v1.0.0", nil, time.Minute)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "fetching example.com/portmatrix-no-such-module@v1.0.0: ")
	})
	t.Run("a version that does not exist", func(t *testing.T) {
		err := open(t, "golang.org/x/term@v0.999.0", nil, time.Minute)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "fetching golang.org/x/term@v0.999.0: ")
	})
}

// verdictsOf is, per target, whether every row of it built, and the
// failure groups: what must be the same whichever way a target is checked.
func verdictsOf(s Summary, rows []report.Job) (map[string]bool, []string) {
	ok := map[string]bool{}
	for _, r := range rows {
		prev, seen := ok[r.Target]
		ok[r.Target] = r.OK() && (!seen || prev)
	}
	var groups []string
	for _, g := range s.Groups {
		groups = append(groups, g.String())
	}
	return ok, groups
}

// TestTypeCheckFallsBackToCompile: a program whose dependency leaves a
// function to assembly that does not define it is compiled (only the
// linker can tell), and fails as go build does; one whose assembly defines
// everything stays type-checked.
func TestTypeCheckFallsBackToCompile(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":              "module example.com/asm\n\ngo 1.22\n",
		"asmok/add_amd64.go":  "package asmok\n\n// Add adds.\nfunc Add(a, b int) int\n",
		"asmok/add_amd64.s":   "#include \"textflag.h\"\n\nTEXT ·Add(SB),NOSPLIT,$0-24\n\tMOVQ a+0(FP), AX\n\tADDQ b+8(FP), AX\n\tMOVQ AX, ret+16(FP)\n\tRET\n",
		"asmok/add_other.go":  "//go:build !amd64\n\npackage asmok\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n",
		"asmbad/add_amd64.go": "package asmbad\n\n// Add adds.\nfunc Add(a, b int) int\n\n// Sub subtracts.\nfunc Sub(a, b int) int\n",
		"asmbad/add_amd64.s":  "#include \"textflag.h\"\n\nTEXT ·Add(SB),NOSPLIT,$0-24\n\tMOVQ a+0(FP), AX\n\tADDQ b+8(FP), AX\n\tMOVQ AX, ret+16(FP)\n\tRET\n",
		"asmbad/add_other.go": "//go:build !amd64\n\npackage asmbad\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n\n// Sub subtracts.\nfunc Sub(a, b int) int { return a - b }\n",
		"cmd/good/main.go":    "package main\n\nimport \"example.com/asm/asmok\"\n\nfunc main() { println(asmok.Add(1, 2)) }\n",
		"cmd/bad/main.go":     "package main\n\nimport \"example.com/asm/asmbad\"\n\nfunc main() { println(asmbad.Add(1, 2), asmbad.Sub(2, 1)) }\n",
	}
	writeFiles(t, dir, files)
	src, err := ParseSource("", dir)
	require.NoError(t, err)
	ws, err := Open(context.Background(), src, OpenOptions{})
	require.NoError(t, err)
	defer ws.Close()

	targets := []string{"linux/amd64", "linux/arm64"}
	sc, compiled := run(t, ws, targets)
	st, typed := runMode(t, ws, targets, true, false)
	wantOK, _ := verdictsOf(sc, compiled)
	gotOK, _ := verdictsOf(st, typed)
	assert.Equal(t, map[string]bool{"linux/amd64": false, "linux/arm64": true}, wantOK)
	assert.Equal(t, wantOK, gotOK)

	byID := map[string]report.Job{}
	for _, r := range typed {
		byID[r.ID] = r
	}
	bad := byID["bad/linux/amd64/default"]
	assert.False(t, bad.OK())
	assert.Equal(t, "example.com/asm/asmbad: functions without a body for the linker to find in assembly: Sub", bad.CheckFallback)
	assert.Equal(t, "build", bad.Argv[1], "the row says the go build that ran")
	good := byID["good/linux/amd64/default"]
	assert.True(t, good.OK())
	assert.Empty(t, good.CheckFallback, "its assembly defines Add: type-checked")
	assert.Equal(t, "typecheck", good.CheckMode)
	assert.Equal(t, "list", good.Argv[1])
	assert.Empty(t, byID["bad/linux/arm64/default"].CheckFallback, "no assembly there")
}

// TestTypeCheckAgreesWithCompileOnAPublishedModule checks a real program,
// with its dependencies, on every platform of the live go tool dist list in
// both modes: the same verdict on each, and the same failure groups.
func TestTypeCheckAgreesWithCompileOnAPublishedModule(t *testing.T) {
	skipShort(t)
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	require.NoError(t, err)
	targets := strings.Fields(string(out))
	ws := openPublished(t, "github.com/cespare/reflex@v0.3.1")
	sc, compiled := run(t, ws, targets)
	st, typed := runMode(t, ws, targets, true, false)
	wantOK, wantGroups := verdictsOf(sc, compiled)
	gotOK, gotGroups := verdictsOf(st, typed)
	assert.Equal(t, wantOK, gotOK)
	assert.Equal(t, wantGroups, gotGroups)
	n := 0
	for _, ok := range wantOK {
		if ok {
			n++
		}
	}
	assert.True(t, n > 0 && n < len(targets), "builds on %d of %d: a test of both verdicts", n, len(targets))
	for _, r := range typed {
		assert.Equal(t, "typecheck", r.CheckMode, r.ID)
		assert.Empty(t, r.CheckFallback, r.ID)
	}
}
