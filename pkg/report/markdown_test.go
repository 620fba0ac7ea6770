package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteMarkdown(t *testing.T) {
	escaping := newReport([]Job{{
		ID: "app|x/linux/amd64/a|b", Build: "app|x", Target: "linux/amd64", Variant: "a|b",
		Status: StatusViolated, Linkage: "dynamic", Needed: []string{"lib_a|b.so"},
		Violations: []string{"needs <lib_a|b.so> *not* allowed\nsecond line"},
		Size:       4096, DurationSec: 1,
	}, {
		ID: "app|x/linux/arm64/b", Build: "app|x", Target: "linux/arm64", Variant: "b",
		Status: StatusFailed, Error: "exit status 2",
		LogTail: []string{"```go", "", "x := `y`"}, LogFile: "logs/a`b.log",
	}, {
		ID: "app|x/linux/amd64/<c*d>", Build: "app|x", Target: "linux/amd64", Variant: "<c*d>",
		Status: StatusOK, Linkage: "static", Reproducible: repro.VerdictNo,
		ReproDetails: []string{"section <.text> differs | at *0x10*"},
	}})

	tests := []struct {
		name   string
		report *Report
		golden string
	}{
		{name: "mixed", report: newReport(mixedJobs()), golden: "markdown_mixed.golden"},
		{name: "multi build", report: newReport(multiJobs()), golden: "markdown_multi.golden"},
		{name: "empty", report: newReport(nil), golden: "markdown_empty.golden"},
		{name: "escaping", report: escaping, golden: "markdown_escaping.golden"},
		{name: "showcase", report: newReport(showcaseJobs()), golden: "markdown_showcase.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteMarkdown(&b, tt.report))
			golden(t, tt.golden, b.Bytes())

			out := b.String()
			assert.True(t, strings.HasPrefix(out, "## portmatrix report\n\n"))
			assert.NotContains(t, out, "\x1b[")
			assert.Equal(t, len(problems(tt.report.Jobs)) > 0, strings.Contains(out, "\n### Problems\n"),
				"Problems section only when some job failed or is not reproducible")

			tables := mdTables(out)
			if len(tt.report.Jobs) == 0 {
				assert.Empty(t, tables)
				return
			}
			// The grid (a header, an alignment row and a row per OS),
			// then the details (a row per job).
			require.Len(t, tables, 2)
			g := NewGrid(tt.report.Jobs)
			assert.Len(t, tables[0], len(g.OSes)+2)
			assert.Equal(t, len(g.Arches)+2, cellSeparators(tables[0][0]), "a column per arch")
			assert.Len(t, tables[1], len(tt.report.Jobs)+2)
			// Every row of a table has the same number of unescaped cell
			// separators as its header.
			for _, rows := range tables {
				want := cellSeparators(rows[0])
				for _, row := range rows {
					assert.Equal(t, want, cellSeparators(row), "row %q", row)
				}
			}
			// The legend names every class used in the grid.
			for _, c := range g.Legend() {
				assert.Contains(t, out, c.Symbol()+" "+mdEscape(c.Description()))
			}
		})
	}
}

// mdTables returns the tables of a Markdown document, each as its rows.
func mdTables(doc string) [][]string {
	var tables [][]string
	var cur []string
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "|") {
			cur = append(cur, l)
			continue
		}
		if cur != nil {
			tables = append(tables, cur)
			cur = nil
		}
	}
	return tables
}

func TestMarkdownGridAndRepro(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, newReport(showcaseJobs())))
	out := b.String()
	for _, want := range []string{
		// Variants and levels inside one cell, labelled only there.
		"| **linux** |  | 🟢 amd64 default<br>🟠 amd64 cgo<br>🟢 v3 default | 🔴 | 🟢 |  |  |",
		"| **aix** |  |  |  |  | 🟣 |  |",
		"\n🟢 static · 🔵 dynamic, system libraries only · 🟠 dynamic, third-party libraries · 🔴 failed or violated · ⚪\uFE0F not built (cancelled or skipped) · 🟣 unknown linkage or status\n",
		"| TARGET | VARIANT | STATUS | LINKAGE | LIBRARIES | FLOOR | SIZE | TIME | REPRO |",
		"- `app/linux/amd64/cgo` (ok): " + MsgNotReproducible + "\n  - build setting -ldflags differs\n  - section .note.go.buildid differs at offset 0x1000\n",
		"- `app/windows/amd64/default` (ok): " + MsgReproError + "\n  - second build: exit status 1\n",
	} {
		assert.Contains(t, out, want)
	}
	// The grid comes before the details table.
	assert.Less(t, strings.Index(out, "🟢 v3 default"), strings.Index(out, "| TARGET |"))
	// No REPRO column when no job was checked.
	b.Reset()
	require.NoError(t, WriteMarkdown(&b, newReport(mixedJobs())))
	assert.NotContains(t, b.String(), "REPRO")
}

// cellSeparators counts "|" not escaped by a backslash.
func cellSeparators(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		if row[i] == '\\' {
			i++
			continue
		}
		if row[i] == '|' {
			n++
		}
	}
	return n
}

func TestMarkdownHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"escape pipe", mdEscape("a|b"), `a\|b`},
		{"escape newline", mdEscape("a\nb\r\nc"), "a b c"},
		{"escape inline", mdEscape("*x* _y_ <z> [w] `v` \\"), "\\*x\\* \\_y\\_ \\<z\\> \\[w\\] \\`v\\` \\\\"},
		{"code span plain", codeSpan("a/b"), "`a/b`"},
		{"code span with backtick", codeSpan("a`b"), "``a`b``"},
		{"code span edge backtick", codeSpan("`a"), "`` `a ``"},
		{"fence default", codeFence([]string{"plain"}), "```"},
		{"fence longer than content", codeFence([]string{"````x"}), "`````"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
}
