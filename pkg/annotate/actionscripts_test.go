package annotate

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/report"
)

// fakePortmatrix stands in for portmatrix to test run.sh's wiring, not
// portmatrix: `CMD --help` prints $FAKE/help; otherwise it records its
// argv in $FAKE/argv, copies $FAKE/report.json and $FAKE/report.md to
// --json and --markdown (appending the Markdown to $GITHUB_STEP_SUMMARY as
// portmatrix does), prints $FAKE/stdout, appends $FAKE/outputs to
// $GITHUB_OUTPUT when given --annotations github, and exits $FAKE/code.
const fakePortmatrix = `#!/usr/bin/env bash
if [ "${2:-}" = --help ]; then cat "$FAKE/help"; exit 0; fi
printf '%s\n' "$@" >"$FAKE/argv"
json="" md="" annotations=""
while [ $# -gt 0 ]; do
	case $1 in
	--json) json=$2; shift ;;
	--markdown) md=$2; shift ;;
	--annotations) annotations=$2; shift ;;
	esac
	shift
done
if [ -n "$json" ] && [ -f "$FAKE/report.json" ]; then cp "$FAKE/report.json" "$json"; fi
if [ -n "$md" ] && [ -f "$FAKE/report.md" ]; then
	cp "$FAKE/report.md" "$md"
	if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$FAKE/report.md" >>"$GITHUB_STEP_SUMMARY"; fi
fi
if [ -f "$FAKE/stdout" ]; then cat "$FAKE/stdout"; fi
if [ "$annotations" = github ] && [ -f "$FAKE/outputs" ]; then cat "$FAKE/outputs" >>"$GITHUB_OUTPUT"; fi
exit "$(cat "$FAKE/code")"
`

// cannedReport is what the fake portmatrix reports: one job of each kind
// of finding.
func cannedReport() *report.Report {
	return &report.Report{SchemaVersion: report.SchemaVersion, Tool: "portmatrix test", Manifest: "portmatrix.yaml", Jobs: []report.Job{
		{ID: "app/linux/amd64/static", Status: report.StatusOK, Needed: []string{}, Violations: []string{}, ThirdParty: []string{}},
		{ID: "app/linux/arm64/static", Status: report.StatusViolated, Needed: []string{"libc.so.6"}, Violations: []string{"linkage: want static, got dynamic"}, ThirdParty: []string{}},
		{ID: "app/windows/amd64/default", Status: report.StatusFailed, Error: "build app/windows/amd64/default: exit status 1", Needed: []string{}, Violations: []string{}, ThirdParty: []string{}},
	}}
}

type fake struct {
	help    string // `portmatrix CMD --help`
	code    int
	report  bool   // write the canned JSON and Markdown reports
	stdout  string // printed besides the annotations, which come with outputs
	outputs bool   // write annotations and outputs with --annotations github
}

type scriptRun struct {
	code    int
	stdout  string
	argv    []string // nil: portmatrix never ran (but for --help)
	outputs map[string]string
	summary string
	temp    string // RUNNER_TEMP
	json    string
}

func needBash(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("the action's tests run with the integration tests")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
}

// runScript runs scripts/action/run.sh in dir with the fake portmatrix
// first on PATH and the runner's files in temporary files.
func runScript(t *testing.T, dir string, f fake, env map[string]string) scriptRun {
	t.Helper()
	base := t.TempDir()
	fakeDir, binDir, temp := filepath.Join(base, "fake"), filepath.Join(base, "bin"), filepath.Join(base, "runner-temp")
	for _, d := range []string{fakeDir, binDir, temp} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(fakeDir, name), []byte(content), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(binDir, "portmatrix"), []byte(fakePortmatrix), 0o755))
	json := filepath.Join(temp, "portmatrix-report.json")
	write("help", f.help)
	write("code", strconv.Itoa(f.code))
	rep := cannedReport()
	if f.report {
		var j, md bytes.Buffer
		require.NoError(t, report.WriteJSON(&j, rep))
		require.NoError(t, report.WriteMarkdown(&md, rep))
		write("report.json", j.String())
		write("report.md", md.String())
	}
	stdout := f.stdout
	if f.outputs {
		var ann, out bytes.Buffer
		require.NoError(t, GitHub(&ann, rep, nil))
		require.NoError(t, GitHubOutputs(&out, rep, json))
		stdout += ann.String()
		write("outputs", out.String())
	}
	if stdout != "" {
		write("stdout", stdout)
	}
	outFile, summary := filepath.Join(base, "github-output"), filepath.Join(base, "step-summary")
	require.NoError(t, os.WriteFile(outFile, nil, 0o644))
	require.NoError(t, os.WriteFile(summary, nil, 0o644))

	script, err := filepath.Abs(filepath.Join(repoRoot, "scripts", "action", "run.sh"))
	require.NoError(t, err)
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"FAKE=" + fakeDir, "RUNNER_TEMP=" + temp, "GITHUB_OUTPUT=" + outFile, "GITHUB_STEP_SUMMARY=" + summary,
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err = cmd.Run()
	r := scriptRun{stdout: so.String(), temp: temp, json: json}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err, "stderr: %s", se.String())
	}
	t.Logf("run.sh stderr:\n%s", se.String())
	if argv, err := os.ReadFile(filepath.Join(fakeDir, "argv")); err == nil {
		r.argv = strings.Split(strings.TrimSuffix(string(argv), "\n"), "\n")
	}
	data, err := os.ReadFile(outFile)
	require.NoError(t, err)
	r.outputs = parseOutputs(t, string(data))
	s, err := os.ReadFile(summary)
	require.NoError(t, err)
	r.summary = string(s)
	return r
}

// parseOutputs reads a $GITHUB_OUTPUT file as the runner does
// (FileCommandManager.cs): NAME=VALUE lines and NAME<<DELIMITER heredocs;
// a name written twice fails the test, as which one wins is the runner's
// business.
func parseOutputs(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	require.Equal(t, "", lines[len(lines)-1], "the file ends with a newline")
	lines = lines[:len(lines)-1]
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		var name, value string
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			name, value = line[:eq], line[eq+1:]
		case hd >= 0:
			name = line[:hd]
			delim := line[hd+2:]
			require.NotEmpty(t, delim, line)
			var v []string
			for i++; ; i++ {
				require.Less(t, i, len(lines), "no delimiter %q", delim)
				if lines[i] == delim {
					break
				}
				v = append(v, lines[i])
			}
			value = strings.Join(v, "\n")
		default:
			t.Fatalf("invalid line %q", line)
		}
		_, dup := out[name]
		require.False(t, dup, "output %s written twice", name)
		out[name] = value
	}
	return out
}

const helpWithAnnotations = "Flags:\n      --annotations string   also write CI annotations: github\n      --json string\n"

func TestRunScript(t *testing.T) {
	needBash(t)
	var ann bytes.Buffer
	require.NoError(t, GitHub(&ann, cannedReport(), nil))
	annotations := strings.Split(strings.TrimSuffix(ann.String(), "\n"), "\n")
	require.Len(t, annotations, 2)

	t.Run("build: annotations reach stdout, outputs and exit code pass through", func(t *testing.T) {
		dir := t.TempDir()
		r := runScript(t, dir, fake{help: helpWithAnnotations, code: 1, report: true, outputs: true, stdout: "TABLE\n"},
			map[string]string{"PORTMATRIX_COMMAND": "build", "PORTMATRIX_MANIFEST": "release.yaml",
				"PORTMATRIX_ARGS": `--targets "linux/*,windows/*" --dist dist  --app-version 'v1 beta'`})
		assert.Equal(t, 1, r.code, "portmatrix's exit code")
		assert.Equal(t, []string{"build", "-f", "release.yaml", "--json", r.json, "--markdown", filepath.Join(r.temp, "portmatrix-report.md"),
			"--annotations", "github", "--targets", "linux/*,windows/*", "--dist", "dist", "--app-version", "v1 beta"}, r.argv)
		assert.Equal(t, "TABLE\n"+ann.String(), r.stdout, "the annotations on stdout, unchanged")
		assert.Equal(t, map[string]string{
			"ok": "false", "total": "3", "ok_count": "1", "violated": "1", "failed": "1", "timeout": "0", "cancelled": "0", "skipped": "0",
			"report": r.json, "exit_code": "1",
		}, r.outputs)
		assert.Contains(t, r.summary, "app/linux/arm64/static", "portmatrix's Markdown is the job summary")
		assert.FileExists(t, r.json)
	})

	t.Run("check: no manifest flag", func(t *testing.T) {
		r := runScript(t, t.TempDir(), fake{help: helpWithAnnotations, code: 0, report: true},
			map[string]string{"PORTMATRIX_COMMAND": "check", "PORTMATRIX_ARGS": "example.com/mod@v1.2.3"})
		assert.Equal(t, 0, r.code)
		assert.Equal(t, []string{"check", "--json", r.json, "--markdown", filepath.Join(r.temp, "portmatrix-report.md"),
			"--annotations", "github", "example.com/mod@v1.2.3"}, r.argv)
		assert.Equal(t, map[string]string{"ok": "true", "report": r.json, "exit_code": "0"}, r.outputs,
			"a portmatrix that wrote no outputs: ok from the exit code, the report that exists")
	})

	t.Run("merge: an unquoted glob expands, a quoted one does not", func(t *testing.T) {
		dir := t.TempDir()
		for _, f := range []string{"report-1.json", "report-2.json", "other.json"} {
			require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644))
		}
		r := runScript(t, dir, fake{help: helpWithAnnotations, code: 0, report: true, outputs: true},
			map[string]string{"PORTMATRIX_COMMAND": "merge", "PORTMATRIX_ARGS": `--dist dist report-*.json "report-*.json" none-*.json`})
		assert.Equal(t, []string{"merge", "--json", r.json, "--markdown", filepath.Join(r.temp, "portmatrix-report.md"),
			"--annotations", "github", "--dist", "dist", "report-1.json", "report-2.json", "report-*.json", "none-*.json"}, r.argv)
	})

	t.Run("plan: what it prints is the plan output", func(t *testing.T) {
		matrix := `{"include":[{"shard":"1/2","index":1,"count":2,"jobs":3,"cost":1.5}]}` + "\n"
		r := runScript(t, t.TempDir(), fake{help: helpWithAnnotations, code: 0, stdout: matrix},
			map[string]string{"PORTMATRIX_COMMAND": "plan", "PORTMATRIX_MANIFEST": "m.yaml", "PORTMATRIX_ARGS": "--format github-matrix --shards 2"})
		assert.Equal(t, 0, r.code)
		assert.Equal(t, []string{"plan", "-f", "m.yaml", "--format", "github-matrix", "--shards", "2"}, r.argv)
		assert.Equal(t, matrix, r.stdout)
		assert.Equal(t, map[string]string{"ok": "true", "exit_code": "0", "plan": strings.TrimSuffix(matrix, "\n")}, r.outputs)
	})

	t.Run("verify-release: only the args", func(t *testing.T) {
		r := runScript(t, t.TempDir(), fake{help: helpWithAnnotations, code: 1},
			map[string]string{"PORTMATRIX_COMMAND": "verify-release", "PORTMATRIX_ARGS": "--key release_key.pub dist"})
		assert.Equal(t, 1, r.code)
		assert.Equal(t, []string{"verify-release", "--key", "release_key.pub", "dist"}, r.argv)
		assert.Equal(t, map[string]string{"ok": "false", "exit_code": "1"}, r.outputs)
	})

	t.Run("a portmatrix without --annotations still runs", func(t *testing.T) {
		r := runScript(t, t.TempDir(), fake{help: "Flags:\n      --json string\n", code: 1, report: true},
			map[string]string{"PORTMATRIX_COMMAND": "build"})
		assert.Equal(t, 1, r.code)
		assert.Equal(t, []string{"build", "-f", "portmatrix.yaml", "--json", r.json, "--markdown", filepath.Join(r.temp, "portmatrix-report.md")}, r.argv)
		assert.Equal(t, map[string]string{"ok": "false", "report": r.json, "exit_code": "1"}, r.outputs)
	})

	t.Run("a usage error before any report", func(t *testing.T) {
		r := runScript(t, t.TempDir(), fake{help: helpWithAnnotations, code: 2, stdout: ""},
			map[string]string{"PORTMATRIX_COMMAND": "build"})
		assert.Equal(t, 2, r.code)
		assert.Equal(t, map[string]string{"ok": "false", "exit_code": "2"}, r.outputs, "no report output: there is none")
	})

	t.Run("an unknown command", func(t *testing.T) {
		r := runScript(t, t.TempDir(), fake{help: helpWithAnnotations}, map[string]string{"PORTMATRIX_COMMAND": "bild"})
		assert.Equal(t, 2, r.code)
		assert.Nil(t, r.argv, "portmatrix never ran")
		assert.Contains(t, r.stdout, "::error title=portmatrix action::command \"bild\"")
		assert.Equal(t, map[string]string{"ok": "false", "exit_code": "2"}, r.outputs)
	})

	t.Run("an unmatched quote", func(t *testing.T) {
		r := runScript(t, t.TempDir(), fake{help: helpWithAnnotations}, map[string]string{"PORTMATRIX_ARGS": `--targets "linux/*`})
		assert.Equal(t, 2, r.code)
		assert.Nil(t, r.argv)
		assert.Contains(t, r.stdout, "::error title=portmatrix action::the args input has an unmatched quote")
	})
}

// TestRunScriptRemovesAStaleReport: a second build in the same job must
// not report the first one's JSON when it writes none.
func TestRunScriptRemovesAStaleReport(t *testing.T) {
	needBash(t)
	// RUNNER_TEMP is made by runScript; a stale report is planted by a
	// first run, and the second run (exit 2, no report) must not name it.
	dir := t.TempDir()
	first := runScript(t, dir, fake{help: helpWithAnnotations, code: 0, report: true}, nil)
	require.FileExists(t, first.json)
	temp := first.temp
	script, err := filepath.Abs(filepath.Join(repoRoot, "scripts", "action", "run.sh"))
	require.NoError(t, err)
	fakeDir := filepath.Join(filepath.Dir(temp), "fake")
	require.NoError(t, os.Remove(filepath.Join(fakeDir, "report.json")))
	require.NoError(t, os.WriteFile(filepath.Join(fakeDir, "code"), []byte("2"), 0o644))
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + filepath.Join(filepath.Dir(temp), "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"FAKE=" + fakeDir, "RUNNER_TEMP=" + temp, "GITHUB_OUTPUT=" + out}
	err = cmd.Run()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"ok": "false", "exit_code": "2"}, parseOutputs(t, string(data)))
	assert.NoFileExists(t, first.json)
}
