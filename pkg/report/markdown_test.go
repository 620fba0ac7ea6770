package report

import (
	"bytes"
	"strings"
	"testing"

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteMarkdown(&b, tt.report))
			golden(t, tt.golden, b.Bytes())

			out := b.String()
			assert.True(t, strings.HasPrefix(out, "## portmatrix report\n\n"))
			assert.NotContains(t, out, "\x1b[")
			assert.Equal(t, tt.report.Failed(), strings.Contains(out, "\n### Problems\n"),
				"Problems section only when some job failed")

			// Every table row has the same number of unescaped cell
			// separators as the header.
			var rows []string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "| ") {
					rows = append(rows, l)
				}
			}
			if len(tt.report.Jobs) == 0 {
				assert.Empty(t, rows)
				return
			}
			require.Len(t, rows, len(tt.report.Jobs)+2)
			want := cellSeparators(rows[0])
			for _, row := range rows {
				assert.Equal(t, want, cellSeparators(row), "row %q", row)
			}
		})
	}
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
