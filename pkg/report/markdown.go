package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown renders r as GitHub-flavoured Markdown, for a CI job summary
// or a pull-request comment: a heading, the summary line, the OS ×
// architecture grid (see NewGrid) with its legend, a table with the same
// columns as WriteTable (never truncated, never coloured) and, when there
// are any, a "Problems" section with violations, failures and
// reproducibility problems.
func WriteMarkdown(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	var b bytes.Buffer
	b.WriteString("## portmatrix report\n\n")
	b.WriteString(mdEscape(summaryLine(r)))
	b.WriteString("\n")

	if len(r.Jobs) > 0 {
		writeMDGrid(&b, NewGrid(r.Jobs))
		l := layoutOf(r.Jobs)
		cols := tableColumns(l)
		var head, align []string
		for _, c := range cols {
			head = append(head, c.header)
			if c.right {
				align = append(align, "---:")
			} else {
				align = append(align, "---")
			}
		}
		b.WriteString("\n")
		writeMDRow(&b, head)
		writeMDRow(&b, align)
		for _, j := range r.Jobs {
			cells := jobCells(j, l)
			for i, c := range cells {
				cells[i] = mdEscape(c)
			}
			writeMDRow(&b, cells)
		}
	}

	if probs := problems(r.Jobs); len(probs) > 0 {
		b.WriteString("\n### Problems\n\n")
		for _, p := range probs {
			for _, msg := range p.messages {
				lines := splitLines(msg)
				fmt.Fprintf(&b, "- %s (%s): %s\n", codeSpan(p.id), p.status, mdEscape(lines[0]))
				for _, l := range lines[1:] {
					fmt.Fprintf(&b, "  %s\n", mdEscape(l))
				}
			}
			for _, d := range p.details {
				fmt.Fprintf(&b, "  - %s\n", mdEscape(d))
			}
			if len(p.tail) > 0 {
				fence := codeFence(p.tail)
				fmt.Fprintf(&b, "\n  %s\n", fence)
				for _, l := range p.tail {
					if l == "" {
						b.WriteString("\n")
						continue
					}
					fmt.Fprintf(&b, "  %s\n", l)
				}
				fmt.Fprintf(&b, "  %s\n", fence)
			}
			if p.logFile != "" {
				if len(p.tail) > 0 {
					b.WriteString("\n")
				}
				fmt.Fprintf(&b, "  (full log: %s)\n", codeSpan(p.logFile))
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeMDGrid writes the grid as a table, one row per OS, one column per
// architecture, each job of a cell on its own line, followed by the legend.
func writeMDGrid(b *bytes.Buffer, g Grid) {
	head := []string{""}
	align := []string{"---"}
	for _, a := range g.Arches {
		head = append(head, mdEscape(a))
		align = append(align, ":---:")
	}
	b.WriteString("\n")
	writeMDRow(b, head)
	writeMDRow(b, align)
	for r, goos := range g.OSes {
		row := []string{"**" + mdEscape(goos) + "**"}
		for _, cell := range g.Cells[r] {
			var entries []string
			for _, e := range cell.Entries {
				text := e.Class.Symbol()
				if e.Label != "" {
					text += " " + mdEscape(e.Label)
				}
				entries = append(entries, text)
			}
			row = append(row, strings.Join(entries, "<br>"))
		}
		writeMDRow(b, row)
	}
	var legend []string
	for _, c := range g.Legend() {
		legend = append(legend, c.Symbol()+" "+mdEscape(c.Description()))
	}
	b.WriteString("\n")
	b.WriteString(strings.Join(legend, " · "))
	b.WriteString("\n")
}

// writeMDRow writes one table row; cells must already be escaped.
func writeMDRow(b *bytes.Buffer, cells []string) {
	b.WriteString("| ")
	b.WriteString(strings.Join(cells, " | "))
	b.WriteString(" |\n")
}

// mdEscaper backslash-escapes the characters that Markdown would otherwise
// interpret inline (a "|" would also end a table cell) and flattens newlines,
// which would end a table row.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, "\r\n", " ", "\n", " ", "\r", " ",
)

// mdEscape makes s literal text in Markdown, including inside a table cell.
func mdEscape(s string) string {
	return mdEscaper.Replace(s)
}

// codeSpan wraps s in a code span whose backtick delimiter is longer than any
// backtick run inside s, so the span cannot end early.
func codeSpan(s string) string {
	tick := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return tick + " " + s + " " + tick
	}
	return tick + s + tick
}

// codeFence returns a backtick fence longer than any backtick run in lines
// (at least three), so compiler output cannot close the block early.
func codeFence(lines []string) string {
	n := 3
	for _, l := range lines {
		n = max(n, longestRun(l, '`')+1)
	}
	return strings.Repeat("`", n)
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}
