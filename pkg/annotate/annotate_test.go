package annotate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/report"
)

func github(t *testing.T, rep *report.Report, ps manifest.Problems) []string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, GitHub(&b, rep, ps))
	if b.Len() == 0 {
		return nil
	}
	require.True(t, strings.HasSuffix(b.String(), "\n"), "every command ends its line")
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

func TestGitHub(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rep      *report.Report
		problems manifest.Problems
		want     []string
	}{
		{name: "nothing", want: nil},
		{
			name: "clean run",
			rep:  &report.Report{Manifest: "portmatrix.yaml", Jobs: []report.Job{{ID: "app/linux/amd64/default", Status: report.StatusOK}}},
			want: nil,
		},
		{
			name: "manifest problems, sorted by position",
			problems: manifest.Problems{
				{File: "portmatrix.yaml", Line: 12, Col: 7, Field: "builds[0].targets[1]", Msg: `unknown target "linux/amd65"`},
				{File: "portmatrix.yaml", Line: 3, Col: 1, Field: "", Msg: "unknown key \"bulids\""},
				{File: "portmatrix.yaml", Line: 0, Col: 4, Field: "version", Msg: "missing"},
			},
			want: []string{
				"::error file=portmatrix.yaml,title=portmatrix%3A version::missing",
				"::error file=portmatrix.yaml,line=3,col=1,title=portmatrix%3A manifest::unknown key \"bulids\"",
				"::error file=portmatrix.yaml,line=12,col=7,title=portmatrix%3A builds[0].targets[1]::unknown target \"linux/amd65\"",
			},
		},
		{
			name: "escaping: percent, newlines, colons and commas",
			problems: manifest.Problems{{
				File: "dir:a,b/100%.yaml", Line: 2, Col: 3, Field: "env[0]",
				Msg: "value \"50%\" has a newline\nhere, and a colon: there\r\nand %0A literally",
			}},
			rep: &report.Report{Manifest: "C:\\p,q.yaml", Jobs: []report.Job{
				{ID: "a,b/linux/amd64/x:y", Status: report.StatusFailed, Error: "100% failed: a, b"},
			}},
			want: []string{
				"::error file=dir%3Aa%2Cb/100%25.yaml,line=2,col=3,title=portmatrix%3A env[0]::" +
					"value \"50%25\" has a newline%0Ahere, and a colon: there%0D%0Aand %250A literally",
				"::error file=C%3A\\p%2Cq.yaml,title=portmatrix%3A a%2Cb/linux/amd64/x%3Ay::100%25 failed: a, b",
			},
		},
		{
			name: "every status",
			rep: &report.Report{Manifest: "portmatrix.yaml", Jobs: []report.Job{
				{ID: "app/linux/amd64/static", Status: report.StatusOK},
				{ID: "app/linux/arm64/static", Status: report.StatusViolated, Violations: []string{
					"linkage: want static, got dynamic", "needs libc.so.6, which is not allowed"}},
				{ID: "app/windows/amd64/default", Status: report.StatusFailed,
					Error:   "build app/windows/amd64/default: exit status 1: main.go:3:2: undefined: x",
					LogTail: []string{"# example.com/app", "main.go:3:2: undefined: x"}},
				{ID: "app/darwin/arm64/default", Status: report.StatusTimeout, Error: "build app/darwin/arm64/default: killed after 10m0s"},
				{ID: "app/freebsd/amd64/default", Status: report.StatusCancelled},
				{ID: "app/netbsd/amd64/default", Status: report.StatusSkipped},
				{ID: "app/plan9/amd64/default", Status: "exploded"},
				{ID: "app/linux/386/default", Status: report.StatusViolated},
				{ID: "app/linux/riscv64/default", Status: report.StatusFailed},
			}},
			want: []string{
				"::error file=portmatrix.yaml,title=portmatrix%3A app/linux/arm64/static::linkage: want static, got dynamic",
				"::error file=portmatrix.yaml,title=portmatrix%3A app/linux/arm64/static::needs libc.so.6, which is not allowed",
				"::error file=portmatrix.yaml,title=portmatrix%3A app/windows/amd64/default::" +
					"build app/windows/amd64/default: exit status 1: main.go:3:2: undefined: x%0A# example.com/app%0Amain.go:3:2: undefined: x",
				"::error file=portmatrix.yaml,title=portmatrix%3A app/darwin/arm64/default::build app/darwin/arm64/default: killed after 10m0s",
				"::warning file=portmatrix.yaml,title=portmatrix%3A app/freebsd/amd64/default::cancelled: the run was interrupted before this job finished",
				"::warning file=portmatrix.yaml,title=portmatrix%3A app/netbsd/amd64/default::skipped: the job never started (--fail-fast stopped the run)",
				"::error file=portmatrix.yaml,title=portmatrix%3A app/plan9/amd64/default::unknown status \"exploded\": portmatrix cannot say whether this job succeeded",
				"::error file=portmatrix.yaml,title=portmatrix%3A app/linux/386/default::the binary does not meet the manifest's expectations",
				"::error file=portmatrix.yaml,title=portmatrix%3A app/linux/riscv64/default::the build failed",
			},
		},
		{
			name: "reproducibility details follow their violation",
			rep: &report.Report{Manifest: "portmatrix.yaml", Jobs: []report.Job{{
				ID: "app/linux/amd64/default", Status: report.StatusViolated, Reproducible: "no",
				Violations:   []string{report.MsgNotReproducible},
				ReproDetails: []string{"build setting -trimpath: true vs false", "section .text differs at 0x1040"},
			}}},
			want: []string{
				"::error file=portmatrix.yaml,title=portmatrix%3A app/linux/amd64/default::" + report.MsgNotReproducible +
					"%0Abuild setting -trimpath: true vs false%0Asection .text differs at 0x1040",
			},
		},
		{
			name: "a check row has no file: its manifest is a module",
			rep: &report.Report{Manifest: "example.com/mod@v1.2.3", Jobs: []report.Job{
				{ID: "tool/js/wasm", Package: "example.com/mod/cmd/tool", Status: report.StatusFailed, Error: "build tool/js/wasm: exit status 1"},
			}},
			want: []string{"::error title=portmatrix%3A tool/js/wasm::build tool/js/wasm: exit status 1"},
		},
		{
			name: "no manifest path, no file",
			rep:  &report.Report{Jobs: []report.Job{{ID: "a", Status: report.StatusSkipped, Error: "fail-fast"}}},
			want: []string{"::warning title=portmatrix%3A a::skipped: fail-fast"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, github(t, tc.rep, tc.problems))
		})
	}
}

func TestGitHubCapsEachKind(t *testing.T) {
	rep := &report.Report{Manifest: "portmatrix.yaml"}
	var problems manifest.Problems
	for i := range 20 {
		problems = append(problems, manifest.Problem{File: "portmatrix.yaml", Line: i + 1, Col: 1, Msg: fmt.Sprintf("problem %d", i)})
	}
	for i := range 40 {
		rep.Jobs = append(rep.Jobs, report.Job{ID: fmt.Sprintf("app/failed/%d", i), Status: report.StatusFailed, Error: "boom"})
	}
	for i := range 51 {
		rep.Jobs = append(rep.Jobs, report.Job{ID: fmt.Sprintf("app/skipped/%d", i), Status: report.StatusSkipped})
	}
	lines := github(t, rep, problems)

	count := map[string]int{}
	for _, l := range lines {
		count[strings.SplitN(strings.TrimPrefix(l, "::"), " ", 2)[0]]++
	}
	assert.Equal(t, map[string]int{"error": MaxPerKind, "warning": MaxPerKind, "notice": 2}, count)
	require.Len(t, lines, 2*MaxPerKind+2)
	assert.Equal(t, "::error file=portmatrix.yaml,line=1,col=1,title=portmatrix%3A manifest::problem 0", lines[0],
		"problems come first")
	assert.Equal(t, "::error file=portmatrix.yaml,title=portmatrix%3A app/failed/29::boom", lines[49],
		"the 50th error is the 30th failed row")
	assert.Equal(t, "::notice title=portmatrix::10 more errors not annotated (at most 50 of each kind); the report lists every job", lines[100])
	assert.Equal(t, "::notice title=portmatrix::1 more warning not annotated (at most 50 of each kind); the report lists every job", lines[101])
}

func TestGitHubExactlyAtTheCap(t *testing.T) {
	rep := &report.Report{}
	for i := range MaxPerKind {
		rep.Jobs = append(rep.Jobs, report.Job{ID: fmt.Sprint(i), Status: report.StatusFailed})
	}
	lines := github(t, rep, nil)
	assert.Len(t, lines, MaxPerKind)
	assert.NotContains(t, strings.Join(lines, "\n"), "::notice", "nothing was left out")
}

// TestGitHubRoundTrip parses the written commands as the runner does
// (actions/runner ActionCommand.TryParseV2 and its unescaping) and
// expects every value back unchanged, whatever it holds.
func TestGitHubRoundTrip(t *testing.T) {
	nasty := []string{
		"plain", "100%", "%25", "%0A", "%3A%2C", "a\nb", "a\r\nb", "a:b", "a::b", "a,b", "a=b", "::error::x",
		"trailing\n", "é, ü: 日本", "%%%", ",,::",
	}
	for _, s := range nasty {
		var b bytes.Buffer
		require.NoError(t, GitHub(&b, nil, manifest.Problems{{File: s, Line: 1, Col: 2, Field: s, Msg: s}}))
		line := strings.TrimSuffix(b.String(), "\n")
		require.NotContains(t, line, "\n", "%q: one line", s)
		cmd, props, data := parseCommand(t, line)
		assert.Equal(t, "error", cmd)
		assert.Equal(t, s, props["file"], "%q: file", s)
		assert.Equal(t, "portmatrix: "+s, props["title"], "%q: title", s)
		assert.Equal(t, "1", props["line"])
		assert.Equal(t, "2", props["col"])
		assert.Equal(t, s, data, "%q: message", s)
	}
}

// parseCommand is the runner's parser: the command info ends at the first
// "::" after the leading one, properties split at "," and then at the
// first "=", and each is unescaped in the runner's order.
func parseCommand(t *testing.T, line string) (string, map[string]string, string) {
	t.Helper()
	require.True(t, strings.HasPrefix(line, "::"))
	end := strings.Index(line[2:], "::")
	require.GreaterOrEqual(t, end, 0)
	info, data := line[2:2+end], line[2+end+2:]
	cmd, propStr, _ := strings.Cut(info, " ")
	props := map[string]string{}
	for _, p := range strings.Split(propStr, ",") {
		if k, v, ok := strings.Cut(p, "="); ok && k != "" && v != "" {
			props[k] = unescape(v, "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
		}
	}
	return cmd, props, unescape(data, "%0D", "\r", "%0A", "\n", "%25", "%")
}

// unescape replaces each pair in turn, one after the other, as the runner
// does (not in one pass).
func unescape(s string, pairs ...string) string {
	for i := 0; i < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	return s
}

func TestGitHubWriteError(t *testing.T) {
	err := GitHub(failingWriter{}, &report.Report{Jobs: []report.Job{{ID: "a", Status: report.StatusFailed}}}, nil)
	assert.ErrorIs(t, err, errWrite)
}

var errWrite = fmt.Errorf("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }
