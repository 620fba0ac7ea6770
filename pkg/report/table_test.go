package report

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }

func TestWriteTable(t *testing.T) {
	unsetSummary := newReport(mixedJobs())
	unsetSummary.Summary = Summary{}

	tests := []struct {
		name   string
		report *Report
		opt    TableOptions
		golden string
	}{
		{name: "mixed", report: newReport(mixedJobs()), golden: "table_mixed.golden"},
		{name: "mixed colour", report: newReport(mixedJobs()), opt: TableOptions{Color: true}, golden: "table_mixed_color.golden"},
		{name: "multi build", report: newReport(multiJobs()), golden: "table_multi.golden"},
		{name: "multi build colour", report: newReport(multiJobs()), opt: TableOptions{Color: true}, golden: "table_multi_color.golden"},
		{name: "width 80", report: newReport(mixedJobs()), opt: TableOptions{Width: 80}, golden: "table_width80.golden"},
		{name: "width 80 colour", report: newReport(mixedJobs()), opt: TableOptions{Width: 80, Color: true}, golden: "table_width80_color.golden"},
		{name: "empty", report: newReport(nil), golden: "table_empty.golden"},
		{name: "reproducibility", report: newReport(showcaseJobs()), golden: "table_repro.golden"},
		{name: "reproducibility colour", report: newReport(showcaseJobs()), opt: TableOptions{Color: true}, golden: "table_repro_color.golden"},
		{name: "unset summary is computed", report: unsetSummary, golden: "table_mixed.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteTable(&b, tt.report, tt.opt))
			golden(t, tt.golden, b.Bytes())

			if !tt.opt.Color {
				assert.NotContains(t, b.String(), "\x1b[", "colour codes without Color")
				return
			}
			// Colour must not change anything but the codes: alignment
			// is computed on the plain text.
			assert.Contains(t, b.String(), "\x1b[")
			var plain bytes.Buffer
			opt := tt.opt
			opt.Color = false
			require.NoError(t, WriteTable(&plain, tt.report, opt))
			assert.Equal(t, plain.String(), stripANSI(b.String()))
		})
	}
}

func TestWriteTableColours(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, newReport(mixedJobs()), TableOptions{Color: true}))
	out := b.String()
	for _, want := range []string{
		sgrGreen + "ok" + sgrReset,
		sgrGreen + "static" + sgrReset,
		sgrGreen + "static-pie" + sgrReset,
		sgrYellow + "dynamic" + sgrReset,
		sgrRed + "VIOLATED" + sgrReset,
		sgrRed + "FAILED" + sgrReset,
		sgrYellow + "timeout" + sgrReset,
		sgrYellow + "cancelled" + sgrReset,
		sgrDim + "skipped" + sgrReset,
		sgrRed + "✗" + sgrReset,
	} {
		assert.Contains(t, out, want)
	}
	// Padding stays outside the colour codes.
	assert.NotRegexp(t, regexp.MustCompile(" \x1b\\[0m"), out)
}

func TestWriteTableWidth(t *testing.T) {
	r := newReport(mixedJobs())
	render := func(width int) []string {
		t.Helper()
		var b bytes.Buffer
		require.NoError(t, WriteTable(&b, r, TableOptions{Width: width}))
		return strings.Split(b.String(), "\n")
	}
	gridWidth := func(lines []string) int {
		w := 0
		for _, l := range lines[:len(r.Jobs)+1] {
			w = max(w, textWidth(l))
		}
		return w
	}
	unlimited := render(0)
	natural := gridWidth(unlimited)
	minimal := gridWidth(render(1)) // LIBRARIES shrunk to its header
	require.Less(t, minimal, natural, "fixture must have a LIBRARIES column wider than its header")

	tests := []struct {
		name  string
		width int
	}{
		{"unlimited", 0},
		{"exactly fits", natural},
		{"wide terminal", natural + 40},
		{"one column too narrow", natural - 1},
		{"80 columns", 80},
		{"narrowest that fits", minimal},
		{"too narrow for any table", minimal - 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(tt.width)
			switch {
			case tt.width == 0 || tt.width >= natural:
				assert.Equal(t, unlimited, got, "must not truncate when the table fits")
			case tt.width >= minimal:
				assert.Equal(t, tt.width, gridWidth(got), "LIBRARIES should shrink exactly as needed")
				assert.Contains(t, strings.Join(got, "\n"), "…")
			default:
				assert.Equal(t, minimal, gridWidth(got), "LIBRARIES never narrower than its header")
			}
			// Only the LIBRARIES column changes: the problems and
			// summary below the grid are never truncated.
			assert.Equal(t, unlimited[len(r.Jobs)+1:], got[len(r.Jobs)+1:])
		})
	}
}

func TestWriteTableProblems(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, newReport(mixedJobs()), TableOptions{}))
	out := b.String()
	assert.Contains(t, out, "\n  ✗ app/darwin/arm64/default: expected static, got dynamic\n")
	assert.Contains(t, out, "\n  ✗ app/darwin/arm64/default: needs libSystem.B.dylib, not in allow-list\n")
	assert.Contains(t, out, "\n  ✗ app/linux/arm/v7/cgo: go build: exit status 1\n")
	assert.Contains(t, out, "\n    (full log: dist/logs/app_linux_arm_v7_cgo.log)\n")
	assert.Contains(t, out, "\n  ✗ app/windows/amd64/default: killed after 5m0s\n")
	// Only the last 10 log lines.
	assert.NotContains(t, out, "# line a")
	assert.NotContains(t, out, "# line b")
	assert.Contains(t, out, "\n    # line c\n")
	// Cancelled and skipped jobs are not problems of their own.
	assert.NotContains(t, out, "✗ app/freebsd")
	assert.NotContains(t, out, "✗ app/plan9")
	assert.True(t, strings.HasSuffix(out,
		"\n8 jobs: 3 ok, 1 violated, 1 failed, 1 cancelled, 1 timeout, 1 skipped · 1 static, 1 static-pie, 2 dynamic · 14.2s · go1.26.8 on linux/amd64\n"),
		"summary line:\n%s", out)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReturnWriteErrors(t *testing.T) {
	r := newReport(mixedJobs())
	assert.EqualError(t, WriteTable(failingWriter{}, r, TableOptions{}), "disk full")
	assert.EqualError(t, WriteJSON(failingWriter{}, r), "disk full")
	assert.EqualError(t, WriteMarkdown(failingWriter{}, r), "disk full")
	assert.EqualError(t, WriteHTML(failingWriter{}, r), "disk full")
	assert.EqualError(t, WriteJUnit(failingWriter{}, r), "disk full")
}

func TestNewWritersRejectNilReport(t *testing.T) {
	var b bytes.Buffer
	assert.ErrorIs(t, WriteHTML(&b, nil), errNilReport)
	assert.ErrorIs(t, WriteJUnit(&b, nil), errNilReport)
	assert.Zero(t, b.Len())
}

func TestWriteTableRepro(t *testing.T) {
	render := func(jobs []Job, opt TableOptions) string {
		t.Helper()
		var b bytes.Buffer
		require.NoError(t, WriteTable(&b, newReport(jobs), opt))
		return b.String()
	}
	ok := Job{ID: "app/linux/amd64/default", Build: "app", Target: "linux/amd64", Variant: "default", Status: StatusOK, Linkage: "static"}
	with := func(verdict string, details ...string) []Job {
		j := ok
		j.Reproducible, j.ReproDetails = verdict, details
		return []Job{j}
	}
	tests := []struct {
		name     string
		jobs     []Job
		column   bool
		problems []string // lines under the table
	}{
		{name: "not checked", jobs: []Job{ok}, column: false},
		{name: "yes", jobs: with(repro.VerdictYes), column: true},
		{
			name: "no with details", jobs: with(repro.VerdictNo, "build setting -ldflags differs", "section .text differs at 0x40"), column: true,
			problems: []string{"  ✗ app/linux/amd64/default: " + MsgNotReproducible, "    build setting -ldflags differs", "    section .text differs at 0x40"},
		},
		{
			name: "error", jobs: with(repro.VerdictError, "second build: exit status 1"), column: true,
			problems: []string{"  ✗ app/linux/amd64/default: " + MsgReproError, "    second build: exit status 1"},
		},
		{name: "no without details", jobs: with(repro.VerdictNo), column: true, problems: []string{"  ✗ app/linux/amd64/default: " + MsgNotReproducible}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(tt.jobs, TableOptions{})
			lines := strings.Split(out, "\n")
			assert.Equal(t, tt.column, strings.HasSuffix(lines[0], "  REPRO"), "header %q", lines[0])
			if tt.column {
				assert.True(t, strings.HasSuffix(lines[1], "  "+tt.jobs[0].Reproducible), "row %q", lines[1])
			}
			if tt.problems == nil {
				assert.NotContains(t, out, "✗")
				return
			}
			assert.Contains(t, out, "\n\n"+strings.Join(tt.problems, "\n")+"\n\n")
		})
	}

	// Colour: yes green, no red, error yellow; alignment unchanged.
	out := render(showcaseJobs(), TableOptions{Color: true})
	for _, want := range []string{sgrGreen + "yes" + sgrReset, sgrRed + "no" + sgrReset, sgrYellow + "error" + sgrReset} {
		assert.Contains(t, out, want)
	}
	assert.Equal(t, render(showcaseJobs(), TableOptions{}), stripANSI(out))
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		name string
		r    *Report
		want string
	}{
		{
			name: "spec example",
			r: &Report{
				GoVersion: "go1.26.8", Host: "linux/amd64", DurationSec: 14.24,
				Summary: Summary{Total: 12, OK: 10, Violated: 1, Failed: 1, Static: 8, StaticPIE: 1, Dynamic: 2},
			},
			want: "12 jobs: 10 ok, 1 violated, 1 failed · 8 static, 1 static-pie, 2 dynamic · 14.2s · go1.26.8 on linux/amd64",
		},
		{
			name: "single job",
			r:    &Report{GoVersion: "go1.26.8", Host: "linux/amd64", DurationSec: 1, Summary: Summary{Total: 1, OK: 1, Static: 1}},
			want: "1 job: 1 ok · 1 static · 1.0s · go1.26.8 on linux/amd64",
		},
		{
			name: "no linkage, no host",
			r:    &Report{GoVersion: "go1.26.8", DurationSec: 0.5, Summary: Summary{Total: 2, Failed: 2}},
			want: "2 jobs: 0 ok, 2 failed · 0.5s · go1.26.8",
		},
		{
			name: "empty",
			r:    &Report{Host: "darwin/arm64"},
			want: "0 jobs: 0 ok · 0.0s · on darwin/arm64",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, summaryLine(tt.r))
		})
	}
}

func TestHumanSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{1048575, "1.0 MiB"},
		{2_202_009, "2.1 MiB"},
		{3 << 30, "3.0 GiB"},
		{5 << 40, "5.0 TiB"},
		{5 << 50, "5120.0 TiB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, humanSize(tt.in))
		})
	}
}

func TestCells(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"no libraries", librariesCell(nil, nil), "-"},
		{"elf sonames kept", librariesCell([]string{"libc.so.6", "libm.so.6"}, nil), "libc.so.6, libm.so.6"},
		{"macho paths shortened", librariesCell([]string{"/usr/lib/libSystem.B.dylib", "@rpath/libfoo.dylib"}, []string{"@rpath/libfoo.dylib"}), "libSystem.B.dylib, libfoo.dylib*"},
		{"third-party marked", librariesCell([]string{"kernel32.dll", "libwinpthread-1.dll"}, []string{"libwinpthread-1.dll"}), "kernel32.dll, libwinpthread-1.dll*"},
		{"floor glibc", floorCell(Job{Status: StatusOK, MaxGlibc: "2.34", GOOS: "linux"}), "glibc 2.34"},
		{"floor macos", floorCell(Job{Status: StatusOK, MinOS: "11.0", GOOS: "darwin"}), "macOS 11.0"},
		{"floor windows", floorCell(Job{Status: StatusOK, MinOS: "6.1", GOOS: "windows"}), "Windows 6.1"},
		{"floor none", floorCell(Job{Status: StatusOK, GOOS: "linux"}), "-"},
		{"floor failed", floorCell(Job{Status: StatusFailed, MaxGlibc: "2.34"}), "-"},
		{"truncate fits", truncate("abc", 3), "abc"},
		{"truncate cut", truncate("abcdef", 4), "abc…"},
		{"truncate tiny", truncate("abcdef", 1), "…"},
		{"status ok", statusLabel(StatusOK), "ok"},
		{"status violated", statusLabel(StatusViolated), "VIOLATED"},
		{"status failed", statusLabel(StatusFailed), "FAILED"},
		{"status cancelled", statusLabel(StatusCancelled), "cancelled"},
		{"status timeout", statusLabel(StatusTimeout), "timeout"},
		{"status skipped", statusLabel(StatusSkipped), "skipped"},
		{"time skipped", jobTime(Job{Status: StatusSkipped, DurationSec: 1}), "-"},
		{"time cancelled before start", jobTime(Job{Status: StatusCancelled}), "-"},
		{"time failed", jobTime(Job{Status: StatusFailed, DurationSec: 0.26}), "0.3s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
}

// TestReproViolationListedOnce: a failed check that the CLI made a
// violation (with MsgNotReproducible) is listed once, with its details.
func TestReproViolationListedOnce(t *testing.T) {
	j := Job{ID: "app/linux/amd64/default", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Variant: "default",
		Status: StatusViolated, Linkage: "static", Reproducible: repro.VerdictNo, ReproDetails: []string{"add -trimpath"},
		Violations: []string{MsgNotReproducible}}
	ps := problems([]Job{j})
	require.Len(t, ps, 1)
	assert.Equal(t, []string{MsgNotReproducible}, ps[0].messages)
	assert.Equal(t, []string{"add -trimpath"}, ps[0].details)

	j.Violations = append(j.Violations, "needs libfoo.so")
	ps = problems([]Job{j})
	require.Len(t, ps, 2, "another violation is still listed")
	assert.Equal(t, []string{"needs libfoo.so"}, ps[0].messages)
}

func TestCachedJobs(t *testing.T) {
	jobs := []Job{
		{ID: "a/linux/amd64/default", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Variant: "default", Status: StatusOK, Linkage: "static", Cached: true, DurationSec: 0},
		{ID: "a/linux/arm64/default", Target: "linux/arm64", GOOS: "linux", GOARCH: "arm64", Variant: "default", Status: StatusOK, Linkage: "static", DurationSec: 1.5},
	}
	r := &Report{Jobs: jobs, DurationSec: 1.6}
	r.Summary = Summarize(jobs)
	assert.Equal(t, 1, r.Summary.Cached)
	var b strings.Builder
	require.NoError(t, WriteTable(&b, r, TableOptions{}))
	assert.Contains(t, b.String(), "cached")
	assert.Contains(t, b.String(), "2 jobs: 2 ok (1 unchanged, not rebuilt)")
}

func TestRestoredJobs(t *testing.T) {
	jobs := []Job{
		{ID: "a/linux/amd64/default", Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64", Variant: "default", Status: StatusOK, Linkage: "static", Cached: true},
		{ID: "a/linux/arm64/default", Target: "linux/arm64", GOOS: "linux", GOARCH: "arm64", Variant: "default", Status: StatusOK, Linkage: "static", Restored: true, DurationSec: 0.01},
		{ID: "a/linux/386/default", Target: "linux/386", GOOS: "linux", GOARCH: "386", Variant: "default", Status: StatusOK, Linkage: "static", DurationSec: 1.5},
	}
	r := &Report{Jobs: jobs, DurationSec: 1.6}
	r.Summary = Summarize(jobs)
	assert.Equal(t, 1, r.Summary.Cached)
	assert.Equal(t, 1, r.Summary.Restored)
	var b strings.Builder
	require.NoError(t, WriteTable(&b, r, TableOptions{}))
	assert.Contains(t, b.String(), "restored")
	assert.Contains(t, b.String(), "3 jobs: 3 ok (1 unchanged, not rebuilt; 1 restored from the output cache)")

	r.Jobs, r.Summary = jobs[1:], Summarize(jobs[1:])
	b.Reset()
	require.NoError(t, WriteTable(&b, r, TableOptions{}))
	assert.Contains(t, b.String(), "2 jobs: 2 ok (1 restored from the output cache)")
}

func TestFloorCellShowsTheFloorAsked(t *testing.T) {
	j := Job{GOOS: "linux", Status: StatusOK, MaxGlibc: "2.3.2", CToolchain: &CToolchain{Name: "zig", Glibc: "2.17"}}
	assert.Equal(t, "glibc 2.3.2 (asked 2.17)", floorCell(j))
	j.CToolchain = &CToolchain{Name: "native"}
	assert.Equal(t, "glibc 2.3.2", floorCell(j))
}
