package check

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/platforms"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// fakeMatrix is a check of example.com/fx (a program and a library) on
// eight targets, with the results a real run could give: static and dynamic
// binaries, one error on every plan9 target, one error in files named for
// the target on windows, and js/wasm excluded.
func fakeMatrix(t *testing.T) ([]target.Target, []Job, []build.Result, []verify.Outcome) {
	t.Helper()
	logDir := t.TempDir()
	targets := []target.Target{
		tg("js/wasm"), tg("linux/386"), tg("linux/amd64"), tg("plan9/386"), tg("plan9/amd64"), tg("plan9/arm"),
		tg("windows/amd64"), tg("windows/arm64"),
	}
	ps := Platforms(targets, PlatformOptions{Table: platforms.Table(), WorkspaceEnv: localEnv})
	tool := Package{ImportPath: "example.com/fx/cmd/tool", Name: "main", Module: "example.com/fx"}
	term := Package{ImportPath: "example.com/fx/term", Name: "term", Module: "example.com/fx"}
	pkgs := make([][]Package, len(targets))
	for i := range targets[1:] {
		pkgs[i+1] = []Package{tool, term}
	}
	jobs := Jobs(ps, pkgs, JobOptions{Dir: "/w/src", OutDir: "/o", LogDir: logDir})

	logs := map[string]string{
		"plan9":         "# example.com/fx/term\nterm/term.go:3:26: undefined: winsize\n",
		"windows/amd64": "# example.com/fx/term\nterm/zsize_windows_amd64.go:7:2: undefined: consoleInfo\n",
		"windows/arm64": "# example.com/fx/term\nterm/zsize_windows_arm64.go:9:2: undefined: consoleInfo\n",
	}
	results := make([]build.Result, len(jobs))
	outcomes := make([]verify.Outcome, len(jobs))
	for i, j := range jobs {
		results[i] = build.Result{Job: j.Job, Status: build.StatusOK}
		outcomes[i] = verify.Outcome{Info: &inspect.Info{}}
		log, fails := logs[j.Target.String()]
		if !fails {
			log, fails = logs[j.Target.GOOS]
		}
		switch {
		case j.Skip != nil:
			results[i].Status, results[i].Err = build.StatusFailed, j.Skip
		case fails:
			require.NoError(t, os.WriteFile(j.Log, []byte("# job: "+j.ID+"\n\n"+log+"\n# exit: exit status 1 after 1s\n"), 0o644))
			be := &build.BuildError{Job: j.Job, Tail: []string{"tail"}, Log: j.Log, Err: errors.New("exit status 1")}
			results[i].Status, results[i].Err = build.StatusFailed, be
		case j.Kind == KindBinary && j.Target.GOARCH == "386":
			outcomes[i].Info.Linkage = inspect.LinkageDynamic
		case j.Kind == KindBinary:
			outcomes[i].Info.Linkage = inspect.LinkageStatic
		}
	}
	return targets, jobs, results, outcomes
}

// collect is what Run does with the pool's results: diagnose the
// failures and make the report's rows.
func collect(jobs []Job, results []build.Result, outcomes []verify.Outcome, temporary bool) ([]report.Job, []Outcome) {
	outs := Diagnose(jobs, results, "")
	for i := range outs {
		// As TypeChecker.Run records a compiled job.
		outs[i].Checked = Checked{Mode: ModeCompile, Built: jobs[i].Output != ""}
	}
	return report.Collect(report.Stages{Results: results, Outcomes: outcomes, Check: Rows(jobs, outs), Temporary: temporary}), outs
}

func TestDiagnose(t *testing.T) {
	_, jobs, results, outcomes := fakeMatrix(t)
	rows, outs := collect(jobs, results, outcomes, true)

	byID := map[string]int{}
	for i, r := range rows {
		byID[r.ID] = i
	}
	ok := rows[byID["tool/linux/amd64/default"]]
	assert.Equal(t, "example.com/fx/cmd/tool", ok.Package)
	assert.True(t, ok.OK())
	assert.Equal(t, "example.com/fx/term", rows[byID["lib/linux/amd64/default"]].Package)

	i := byID["lib/plan9/arm/default"]
	assert.False(t, rows[i].OK())
	assert.Equal(t, "example.com/fx/term: term/term.go:3:26: undefined: winsize", rows[i].Error, "the first compiler error, read from the log")
	assert.Nil(t, rows[i].LogTail)
	assert.Empty(t, rows[i].LogFile, "the logs are removed with the workspace")
	assert.Empty(t, ok.Output, "and so are the binaries")
	assert.Equal(t, Diag{Package: "example.com/fx/term", Pos: "term/term.go:3:26", Msg: "undefined: winsize"}, outs[i].Diag)
	assert.Equal(t, 1, outs[i].Failing)

	i = byID["tool/js/wasm/default"]
	assert.True(t, outs[i].Excluded)
	assert.Equal(t, "build constraints exclude all Go files in every package", rows[i].Error)

	t.Run("keeping logs", func(t *testing.T) {
		_, jobs, results, outcomes := fakeMatrix(t)
		rows, _ := collect(jobs, results, outcomes, false)
		assert.Equal(t, jobs[byID["lib/plan9/arm/default"]].Log, rows[byID["lib/plan9/arm/default"]].LogFile)
		assert.Equal(t, "/o/tool/linux_amd64/default/tool", rows[byID["tool/linux/amd64/default"]].Output)
		assert.Empty(t, rows[byID["tool/plan9/arm/default"]].Output, "not built")
	})

	t.Run("no log: the tail, else the pool's message", func(t *testing.T) {
		_, jobs, results, outcomes := fakeMatrix(t)
		i := byID["lib/plan9/arm/default"]
		require.NoError(t, os.Remove(jobs[i].Log))
		results[i].Err.(*build.BuildError).Tail = []string{"# example.com/fx/term", "term/term.go:3:26: undefined: winsize"}
		rows, _ := collect(jobs, results, outcomes, true)
		assert.Equal(t, "example.com/fx/term: term/term.go:3:26: undefined: winsize", rows[i].Error)

		_, jobs, results, outcomes = fakeMatrix(t)
		require.NoError(t, os.Remove(jobs[i].Log))
		results[i].Err.(*build.BuildError).Tail = nil
		want := results[i].Err.Error()
		rows, _ = collect(jobs, results, outcomes, true)
		assert.Equal(t, want, rows[i].Error)
	})
}

func TestSummarize(t *testing.T) {
	targets, jobs, results, outcomes := fakeMatrix(t)
	rows, outs := collect(jobs, results, outcomes, true)
	s := Summarize("example.com/fx@v1.0.0", false, targets, jobs, rows, outs)

	assert.Equal(t, 8, s.Targets)
	assert.Equal(t, 2, s.Building)
	assert.Equal(t, 1, s.Static)
	assert.Equal(t, 1, s.Dynamic)
	assert.Equal(t, []string{"example.com/fx/cmd/tool"}, s.Mains)
	assert.Equal(t, "example.com/fx/term", s.Library)
	assert.Equal(t, []string{"js", "linux", "plan9", "windows"}, s.Grid.OSes)
	assert.Equal(t, []string{"386", "amd64", "arm", "arm64", "wasm"}, s.Grid.Arches)
	assert.Equal(t, map[string]string{
		"js/wasm": "∅", "linux/386": "D", "linux/amd64": "S",
		"plan9/386": "✗", "plan9/amd64": "✗", "plan9/arm": "✗",
		"windows/amd64": "✗", "windows/arm64": "✗",
	}, s.Grid.Marks())

	require.Len(t, s.Groups, 3)
	assert.Equal(t, "plan9/*: undefined: winsize in example.com/fx/term (term/term.go:3:26)", s.Groups[0].String(),
		"every plan9 target, one position: kept")
	assert.Equal(t, 3, s.Groups[0].Count)
	assert.Equal(t, "windows/*: undefined: consoleInfo in example.com/fx/term", s.Groups[1].String(),
		"positions differ (files named for the target): dropped")
	assert.Equal(t, "js/wasm: build constraints exclude all Go files in every package", s.Groups[2].String())

	var b bytes.Buffer
	require.NoError(t, WriteText(&b, s))
	assert.Equal(t, `
check example.com/fx@v1.0.0: 1 main package, library example.com/fx/term · 8 targets · pure Go (CGO_ENABLED=0)

         386  amd64  arm  arm64  wasm
js                               ∅
linux    D    S
plan9    ✗    ✗      ✗
windows       ✗           ✗
S static · D dynamic · ✓ compiles (no binary) · ✗ fails · ∅ build constraints exclude every file · - not built

failures by first error (6 targets):
  plan9/*: undefined: winsize in example.com/fx/term (term/term.go:3:26)
  windows/*: undefined: consoleInfo in example.com/fx/term
  js/wasm: build constraints exclude all Go files in every package

example.com/fx@v1.0.0 builds on 2 of 8 platforms; 1 static, 1 dynamic
`, b.String())
}

func TestGroupsNormalizeTargetNames(t *testing.T) {
	targets := []target.Target{tg("linux/mips"), tg("linux/mipsle"), tg("linux/amd64")}
	rows := []report.Job{
		{Target: "linux/mips", GOOS: "linux", GOARCH: "mips", Status: report.StatusFailed},
		{Target: "linux/mipsle", GOOS: "linux", GOARCH: "mipsle", Status: report.StatusFailed},
		{Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Status: report.StatusOK},
	}
	outs := []Outcome{
		{Diag: Diag{Package: "example.com/d", Pos: "d/d.go:1:1", Msg: "undefined: sizeof_mips"}},
		{Diag: Diag{Package: "example.com/d", Pos: "d/d.go:1:1", Msg: "undefined: sizeof_mipsle"}},
		{},
	}
	gs := groups(targets, rows, outs, map[string]int{"linux": 3})
	require.Len(t, gs, 1)
	assert.Equal(t, "linux/mips, linux/mipsle: undefined: sizeof_$GOARCH in example.com/d (d/d.go:1:1)", gs[0].String(),
		"not every linux target: listed one by one; messages that differ only by the target are one group")
}

func TestSummaryLibraryOnly(t *testing.T) {
	targets := []target.Target{tg("linux/amd64"), tg("linux/arm/v6"), tg("linux/arm/v7")}
	ps := Platforms(targets, PlatformOptions{Table: platforms.Table()})
	lib := Package{ImportPath: "golang.org/x/term", Name: "term"}
	jobs := Jobs(ps, [][]Package{{lib}, {lib}, {lib}}, JobOptions{LogDir: filepath.Join(t.TempDir(), "logs")})
	rows := make([]report.Job, len(jobs))
	for i, j := range jobs {
		rows[i] = report.Job{Target: j.Target.String(), GOOS: j.Target.GOOS, GOARCH: j.Target.GOARCH, Status: report.StatusOK}
	}
	s := Summarize("./...", false, targets, jobs, rows, make([]Outcome, len(rows)))
	assert.Equal(t, "./... builds on 3 of 3 platforms", s.Line())
	assert.Equal(t, map[string]string{"linux/amd64": "✓", "linux/arm": "✓"}, s.Grid.Marks(), "levels share a cell")
	assert.Empty(t, s.Groups)
}

// TestSummaryUnknownLinkage: a built binary whose linkage the inspector
// could not decide is marked "?" and counted as building, neither static
// nor dynamic. (It used to be marked D and counted as dynamic, a claim the
// bytes did not support.)
func TestSummaryUnknownLinkage(t *testing.T) {
	targets := []target.Target{tg("aix/ppc64"), tg("linux/amd64")}
	ps := Platforms(targets, PlatformOptions{Table: platforms.Table()})
	tool := Package{ImportPath: "example.com/m/cmd/tool", Name: "main", Module: "example.com/m"}
	jobs := Jobs(ps, [][]Package{{tool}, {tool}}, JobOptions{LogDir: filepath.Join(t.TempDir(), "logs")})
	require.Len(t, jobs, 2)
	rows := []report.Job{
		{Target: "aix/ppc64", GOOS: "aix", GOARCH: "ppc64", Status: report.StatusOK, Format: "xcoff", Linkage: "unknown"},
		{Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Status: report.StatusOK, Format: "elf", Linkage: "dynamic"},
	}
	outs := []Outcome{{Checked: Checked{Mode: ModeCompile, Built: true}}, {Checked: Checked{Mode: ModeCompile, Built: true}}}
	s := Summarize("example.com/m", false, targets, jobs, rows, outs)
	assert.Equal(t, map[string]string{"aix/ppc64": "?", "linux/amd64": "D"}, s.Grid.Marks())
	assert.Equal(t, "example.com/m builds on 2 of 2 platforms; 1 dynamic", s.Line())
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, s))
	assert.Contains(t, b.String(), "\n       amd64  ppc64\naix           ?\nlinux  D\n")
	assert.Contains(t, b.String(), " · - not built · ? unknown linkage or status\n")
}

// TestSummaryTargetWithoutRows: a target no job was made for still has its
// cell, not built.
func TestSummaryTargetWithoutRows(t *testing.T) {
	targets := []target.Target{tg("linux/amd64"), tg("linux/arm64")}
	rows := []report.Job{{Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Status: report.StatusOK}}
	jobs := []Job{{Kind: KindCompile}}
	s := Summarize("./...", false, targets, jobs, rows, make([]Outcome, 1))
	assert.Equal(t, map[string]string{"linux/amd64": "✓", "linux/arm64": "-"}, s.Grid.Marks())
	assert.Equal(t, "./... builds on 1 of 2 platforms", s.Line())
}
