package report

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/repro"
)

// TableOptions controls terminal rendering; the CLI derives it from whether
// stdout is a terminal, NO_COLOR and the terminal size.
type TableOptions struct {
	// Color enables ANSI SGR colours, so that problems stand out on a terminal
	// while redirected output stays plain.
	Color bool
	// Width is the terminal width in columns; when positive the LIBRARIES
	// cells are truncated with "…" so rows fit. 0 means unlimited.
	Width int
}

// errNilReport is returned by every writer given a nil report, because there
// is nothing meaningful to render.
var errNilReport = errors.New("report: nil report")

// Plain ANSI SGR codes; kept minimal so any terminal renders them.
const (
	sgrReset  = "\x1b[0m"
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
	sgrDim    = "\x1b[2m"
)

// maxLogTail is how many compiler output lines are shown per failed job.
const maxLogTail = 10

// colSep separates table columns.
const colSep = "  "

// column describes one table column.
type column struct {
	header string
	right  bool // right-aligned (numbers)
}

// WriteTable renders r as an aligned table for a terminal, followed by one
// line per problem and the summary line, so a human sees at a glance which
// targets fail and why. Alignment is computed on the text without colour
// codes, so Color never breaks it.
func WriteTable(w io.Writer, r *Report, opt TableOptions) error {
	if r == nil {
		return errNilReport
	}
	var b bytes.Buffer
	l := layoutOf(r.Jobs)
	cols := tableColumns(l)
	if len(r.Jobs) > 0 {
		writeGrid(&b, r.Jobs, cols, l, opt)
	}

	probs := problems(r.Jobs)
	if len(probs) > 0 {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		mark := "✗"
		if opt.Color {
			mark = sgrRed + mark + sgrReset
		}
		for _, p := range probs {
			for _, msg := range p.messages {
				lines := splitLines(msg)
				fmt.Fprintf(&b, "  %s %s: %s\n", mark, p.id, lines[0])
				for _, l := range lines[1:] {
					fmt.Fprintf(&b, "    %s\n", l)
				}
			}
			for _, d := range p.details {
				fmt.Fprintf(&b, "    %s\n", d)
			}
			for _, l := range p.tail {
				fmt.Fprintf(&b, "    %s\n", l)
			}
			if p.logFile != "" {
				fmt.Fprintf(&b, "    (full log: %s)\n", p.logFile)
			}
		}
	}

	if b.Len() > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(summaryLine(r))
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// writeGrid writes the header and one row per job, padding on the plain text
// and wrapping only the text (not the padding) in colour codes.
func writeGrid(b *bytes.Buffer, jobs []Job, cols []column, l layout, opt TableOptions) {
	rows := make([][]string, len(jobs))
	for i, j := range jobs {
		rows[i] = jobCells(j, l)
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = textWidth(c.header)
	}
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], textWidth(cell))
		}
	}

	libCol := libraryColumn(l)
	if opt.Width > 0 {
		total := len(colSep) * (len(cols) - 1)
		for _, w := range widths {
			total += w
		}
		if over := total - opt.Width; over > 0 {
			// Never narrower than the header, so the table stays readable
			// even when the terminal is too narrow for it anyway.
			widths[libCol] = max(widths[libCol]-over, textWidth(cols[libCol].header))
			for _, row := range rows {
				row[libCol] = truncate(row[libCol], widths[libCol])
			}
		}
	}

	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.header
	}
	writeRow(b, header, nil, cols, widths)
	for i, row := range rows {
		var colours []string
		if opt.Color {
			colours = rowColours(jobs[i], row, l)
		}
		writeRow(b, row, colours, cols, widths)
	}
}

// writeRow writes one padded row; colours[i], when non-empty, is the SGR code
// for cell i.
func writeRow(b *bytes.Buffer, cells, colours []string, cols []column, widths []int) {
	var line strings.Builder
	for i, cell := range cells {
		if i > 0 {
			line.WriteString(colSep)
		}
		pad := strings.Repeat(" ", max(widths[i]-textWidth(cell), 0))
		text := cell
		if i < len(colours) && colours[i] != "" {
			text = colours[i] + cell + sgrReset
		}
		if cols[i].right {
			line.WriteString(pad + text)
		} else {
			line.WriteString(text + pad)
		}
	}
	b.WriteString(strings.TrimRight(line.String(), " "))
	b.WriteByte('\n')
}

// rowColours returns the SGR code per cell of a job row: STATUS, LINKAGE
// and REPRO are coloured, everything else stays plain.
func rowColours(j Job, row []string, l layout) []string {
	c := make([]string, len(row))
	off := 0
	if l.multi {
		off = 1
	}
	if l.repro {
		switch j.Reproducible {
		case repro.VerdictYes:
			c[len(row)-1] = sgrGreen
		case repro.VerdictNo:
			c[len(row)-1] = sgrRed
		case repro.VerdictError:
			c[len(row)-1] = sgrYellow
		}
	}
	switch j.Status {
	case StatusOK:
		c[off+2] = sgrGreen
	case StatusViolated, StatusFailed:
		c[off+2] = sgrRed
	case StatusCancelled, StatusTimeout:
		c[off+2] = sgrYellow
	case StatusSkipped:
		c[off+2] = sgrDim
	}
	if built(j.Status) {
		switch j.Linkage {
		case linkStatic, linkStaticPIE:
			c[off+3] = sgrGreen
		case linkDynamic:
			c[off+3] = sgrYellow
		}
	}
	return c
}

// tableColumns returns the columns of the table and of the Markdown table;
// BUILD comes first only when the report has several builds, RUNS and REPRO
// come last only when some job was smoke-run or checked for reproducibility.
func tableColumns(l layout) []column {
	cols := []column{
		{header: "TARGET"},
		{header: "VARIANT"},
		{header: "STATUS"},
		{header: "LINKAGE"},
		{header: "LIBRARIES"},
		{header: "FLOOR"},
		{header: "SIZE", right: true},
		{header: "TIME", right: true},
	}
	if l.runs {
		cols = append(cols, column{header: "RUNS"})
	}
	if l.repro {
		cols = append(cols, column{header: "REPRO"})
	}
	if l.multi {
		cols = append([]column{{header: "BUILD"}}, cols...)
	}
	return cols
}

// libraryColumn is the index of LIBRARIES in tableColumns(l).
func libraryColumn(l layout) int {
	if l.multi {
		return 5
	}
	return 4
}

// jobCells returns the plain text cells of a job, in tableColumns order.
func jobCells(j Job, l layout) []string {
	linkage, libs, size := "-", "-", "-"
	if built(j.Status) {
		if j.Linkage != "" {
			linkage = j.Linkage
		}
		libs = librariesCell(j.Needed, j.ThirdParty)
	}
	if j.Size > 0 {
		size = humanSize(j.Size)
	}
	cells := []string{j.Target, j.Variant, statusLabel(j.Status), linkage, libs, floorCell(j), size, jobTime(j)}
	if l.runs {
		runs := "-"
		if j.Runs != nil {
			runs = j.Runs.String()
		}
		cells = append(cells, runs)
	}
	if l.repro {
		cells = append(cells, cmp.Or(j.Reproducible, "-"))
	}
	if l.multi {
		cells = append([]string{j.Build}, cells...)
	}
	return cells
}

// layout says which optional columns a report needs: BUILD when it has
// several builds, RUNS when binaries were smoke-run, REPRO when some job was
// checked with --reproducible.
type layout struct{ multi, runs, repro bool }

func layoutOf(jobs []Job) layout {
	l := layout{multi: multiBuild(jobs)}
	for _, j := range jobs {
		if j.Runs != nil {
			l.runs = true
		}
		if j.Reproducible != "" {
			l.repro = true
		}
	}
	return l
}

// multiBuild reports whether jobs come from more than one build, which is
// when the BUILD column is needed to tell rows apart.
func multiBuild(jobs []Job) bool {
	for _, j := range jobs {
		if j.Build != jobs[0].Build {
			return true
		}
	}
	return false
}

// statusLabel is the STATUS cell: problems that need action are upper-case.
func statusLabel(s Status) string {
	switch s {
	case StatusViolated:
		return "VIOLATED"
	case StatusFailed:
		return "FAILED"
	case "":
		return "-"
	}
	return string(s)
}

// librariesCell joins the needed libraries, shortening paths (Mach-O load
// commands such as /usr/lib/libSystem.B.dylib) to their base name, and
// marking with "*" those that do not ship with the OS.
func librariesCell(needed, thirdParty []string) string {
	if len(needed) == 0 {
		return "-"
	}
	names := make([]string, len(needed))
	for i, n := range needed {
		mark := ""
		if slices.Contains(thirdParty, n) {
			mark = "*"
		}
		if strings.Contains(n, "/") {
			n = path.Base(n)
		}
		names[i] = n + mark
	}
	return strings.Join(names, ", ")
}

// floorCell is the oldest system the binary runs on, where its bytes say:
// the glibc version it needs, or the minimum macOS / Windows version; with
// the floor asked of zig beside it ("glibc 2.3.2 (asked 2.17)").
func floorCell(j Job) string {
	if f := inspect.Floor(j.GOOS, j.MaxGlibc, j.MinOS); f != "" && built(j.Status) {
		if a := askedGlibc(j); a != "" {
			f += " (asked " + a + ")"
		}
		return f
	}
	return "-"
}

// askedGlibc is the glibc floor the job asked of zig, "" when none.
func askedGlibc(j Job) string {
	if j.CToolchain == nil {
		return ""
	}
	return j.CToolchain.Glibc
}

// humanSize formats a byte count with binary units, e.g. "2.1 MiB".
func humanSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	v := float64(n) / 1024
	i := 0
	// 1023.95 would print as "1024.0", so move to the next unit already.
	for v >= 1023.95 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// seconds formats a duration in seconds with one decimal, e.g. "1.2s".
func seconds(s float64) string {
	return fmt.Sprintf("%.1fs", s)
}

// jobTime is the TIME cell; a job that never ran has no time.
func jobTime(j Job) string {
	if j.Cached {
		return "cached"
	}
	if j.Restored {
		return "restored"
	}
	if j.Status == StatusSkipped || (j.DurationSec <= 0 && j.Status == StatusCancelled) {
		return "-"
	}
	return seconds(j.DurationSec)
}

// summaryLine is the one-line summary shared by the table and Markdown, e.g.
// "12 jobs: 10 ok, 1 violated, 1 failed · 8 static, 1 static-pie, 2 dynamic ·
// 14.2s · go1.26.8 on linux/amd64". Zero counts other than ok are omitted.
func summaryLine(r *Report) string {
	s := r.summary()
	noun := "jobs"
	if s.Total == 1 {
		noun = "job"
	}
	counts := fmt.Sprintf("%d %s: %d ok", s.Total, noun, s.OK)
	for _, c := range []struct {
		n    int
		name string
	}{
		{s.Violated, "violated"}, {s.Failed, "failed"}, {s.Cancelled, "cancelled"},
		{s.Timeout, "timeout"}, {s.Skipped, "skipped"},
	} {
		if c.n > 0 {
			counts += fmt.Sprintf(", %d %s", c.n, c.name)
		}
	}
	switch {
	case s.Cached > 0 && s.Restored > 0:
		counts += fmt.Sprintf(" (%d unchanged, not rebuilt; %d restored from the output cache)", s.Cached, s.Restored)
	case s.Cached > 0:
		counts += fmt.Sprintf(" (%d unchanged, not rebuilt)", s.Cached)
	case s.Restored > 0:
		counts += fmt.Sprintf(" (%d restored from the output cache)", s.Restored)
	}
	segs := []string{counts}

	var links []string
	for _, c := range []struct {
		n    int
		name string
	}{{s.Static, linkStatic}, {s.StaticPIE, linkStaticPIE}, {s.Dynamic, linkDynamic}} {
		if c.n > 0 {
			links = append(links, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(links) > 0 {
		segs = append(segs, strings.Join(links, ", "))
	}
	segs = append(segs, seconds(r.DurationSec))

	switch {
	case r.GoVersion != "" && r.Host != "":
		segs = append(segs, r.GoVersion+" on "+r.Host)
	case r.GoVersion != "":
		segs = append(segs, r.GoVersion)
	case r.Host != "":
		segs = append(segs, "on "+r.Host)
	}
	return strings.Join(segs, " · ")
}

// splitLines splits a message into lines, dropping a trailing newline; it
// always returns at least one line.
func splitLines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\r\n"), "\n")
}

// textWidth is the display width of plain text, counted in runes.
func textWidth(s string) int {
	return utf8.RuneCountInString(s)
}

// truncate shortens s to at most w runes, marking the cut with "…".
func truncate(s string, w int) string {
	if textWidth(s) <= w {
		return s
	}
	if w <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:w-1]) + "…"
}
