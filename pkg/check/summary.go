package check

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// Marks of the text grid, from worst to best; a cell with several rows
// (levels, or a binary and the library) shows the worst.
const (
	MarkFailed   = "✗" // a row failed
	MarkExcluded = "∅" // nothing to build: the build constraints exclude every file
	MarkNotBuilt = "-" // cancelled or skipped
	MarkDynamic  = "D" // built; a binary is dynamically linked
	MarkStatic   = "S" // built; every binary is static (or static-pie)
	MarkCompiles = "✓" // built; compile-checked, no binaries
)

var markOrder = []string{MarkFailed, MarkExcluded, MarkNotBuilt, MarkDynamic, MarkStatic, MarkCompiles}

// Legend explains the marks of the grid.
const Legend = "S static · D dynamic · ✓ compiles (no binary) · ✗ fails · ∅ build constraints exclude every file · - not built"

// Group is the targets that fail with the same first error.
type Group struct {
	// Targets are the failing targets in table order, each OS whose every
	// checked target is in the group written as "goos/*".
	Targets []string
	// Count is the number of targets.
	Count int
	// Diag is the shared error: the position only when every target has
	// the same one, the message as printed when every target printed the
	// same, else with the target's GOOS and GOARCH written $GOOS and $GOARCH.
	Diag Diag
}

// Summary is the portability matrix in brief: how many targets build, the
// OS × architecture grid and the failures grouped by first error.
type Summary struct {
	// Name is what was checked ("MODULE@VERSION", a directory, a pattern).
	Name string
	Cgo  bool
	// Targets is how many targets were checked; Building how many of them
	// built every row; Static and Dynamic split the ones with binaries;
	// Failing is how many have a failed row.
	Targets, Building, Static, Dynamic, Failing int
	// Mains are the main packages; Library the pattern of the others.
	Mains   []string
	Library string
	// Grid has a row per GOOS and a column per GOARCH, Marks keyed by
	// "goos/goarch".
	OSes, Arches []string
	Marks        map[string]string
	Groups       []Group
}

// Summarize computes the summary of a check from its targets (in table
// order), jobs and annotated rows (indexed alike).
func Summarize(name string, cgo bool, targets []target.Target, jobs []Job, rows []report.Job, outs []Outcome) Summary {
	s := Summary{Name: name, Cgo: cgo, Targets: len(targets), Marks: map[string]string{}}
	seen := map[string]bool{}
	for _, j := range jobs {
		switch {
		case j.Kind == KindBinary && !seen[j.Package]:
			seen[j.Package] = true
			s.Mains = append(s.Mains, j.Package)
		case j.Kind == KindCompile:
			s.Library = j.Package
		}
	}
	sort.Strings(s.Mains)

	byTarget := map[string][]int{}
	for i, r := range rows {
		byTarget[r.Target] = append(byTarget[r.Target], i)
	}
	osCount := map[string]int{}
	for _, t := range targets {
		osCount[t.GOOS]++
		if !slices.Contains(s.OSes, t.GOOS) {
			s.OSes = append(s.OSes, t.GOOS)
		}
		if !slices.Contains(s.Arches, t.GOARCH) {
			s.Arches = append(s.Arches, t.GOARCH)
		}
		mark := targetMark(byTarget[t.String()], jobs, rows, outs)
		switch mark {
		case MarkStatic:
			s.Static++
		case MarkDynamic:
			s.Dynamic++
		}
		switch mark {
		case MarkStatic, MarkDynamic, MarkCompiles:
			s.Building++
		case MarkFailed, MarkExcluded:
			s.Failing++
		}
		pair := t.Pair()
		if old, ok := s.Marks[pair]; !ok || slices.Index(markOrder, mark) < slices.Index(markOrder, old) {
			s.Marks[pair] = mark
		}
	}
	sort.Strings(s.OSes)
	sort.Strings(s.Arches)
	s.Groups = groups(targets, rows, outs, osCount)
	return s
}

// targetMark is the mark of one target from its rows.
func targetMark(idx []int, jobs []Job, rows []report.Job, outs []Outcome) string {
	if len(idx) == 0 {
		return MarkNotBuilt
	}
	mark := MarkCompiles
	worse := func(m string) {
		if slices.Index(markOrder, m) < slices.Index(markOrder, mark) {
			mark = m
		}
	}
	for _, i := range idx {
		r := rows[i]
		switch r.Status {
		case report.StatusOK, report.StatusViolated:
			if jobs[i].Kind != KindBinary {
				continue
			}
			if r.Linkage == "static" || r.Linkage == "static-pie" {
				worse(MarkStatic)
			} else {
				worse(MarkDynamic)
			}
		case report.StatusFailed, report.StatusTimeout:
			if outs[i].Excluded {
				worse(MarkExcluded)
			} else {
				worse(MarkFailed)
			}
		default:
			worse(MarkNotBuilt)
		}
	}
	return mark
}

// groups gathers failed rows by their first error, normalised: the package
// and the message with the target's GOOS and GOARCH taken out (positions
// are not part of the key: a file named for the target, or a line that
// moved, is the same failure).
func groups(targets []target.Target, rows []report.Job, outs []Outcome, osCount map[string]int) []Group {
	order := map[string]int{}
	for i, t := range targets {
		order[t.String()] = i
	}
	type member struct {
		target string
		goos   string
		diag   Diag
	}
	byKey := map[string][]member{}
	var keys []string
	for i, r := range rows {
		if r.Status != report.StatusFailed && r.Status != report.StatusTimeout {
			continue
		}
		d := outs[i].Diag
		key := d.Package + "\x00" + Normalize(d.Msg, r.GOOS, r.GOARCH)
		if _, ok := byKey[key]; !ok {
			keys = append(keys, key)
		}
		if !slices.ContainsFunc(byKey[key], func(m member) bool { return m.target == r.Target }) {
			byKey[key] = append(byKey[key], member{target: r.Target, goos: r.GOOS, diag: d})
		}
	}
	var out []Group
	for _, key := range keys {
		ms := byKey[key]
		sort.SliceStable(ms, func(a, b int) bool { return order[ms[a].target] < order[ms[b].target] })
		g := Group{Count: len(ms), Diag: ms[0].diag}
		_, norm, _ := strings.Cut(key, "\x00")
		for _, m := range ms[1:] {
			if m.diag.Pos != g.Diag.Pos {
				g.Diag.Pos = ""
			}
			if m.diag.Msg != ms[0].diag.Msg {
				g.Diag.Msg = norm
			}
		}
		inGroup := map[string]int{}
		for _, m := range ms {
			inGroup[m.goos]++
		}
		done := map[string]bool{}
		for _, m := range ms {
			switch {
			case osCount[m.goos] > 1 && inGroup[m.goos] == osCount[m.goos]:
				if !done[m.goos] {
					done[m.goos] = true
					g.Targets = append(g.Targets, m.goos+"/*")
				}
			default:
				g.Targets = append(g.Targets, m.target)
			}
		}
		out = append(out, g)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Count > out[b].Count })
	return out
}

// Normalize takes the target out of a message: every whole word (between
// characters that are not letters or digits, so zerrors_linux_arm.go counts
// but arm64 does not match arm) equal to goos or goarch becomes $GOOS or
// $GOARCH.
func Normalize(msg, goos, goarch string) string {
	return replaceWord(replaceWord(msg, goos, "$GOOS"), goarch, "$GOARCH")
}

func replaceWord(s, word, repl string) string {
	if word == "" {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, word)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(word)
		if (i == 0 || !isAlnum(s[i-1])) && (end == len(s) || !isAlnum(s[end])) {
			b.WriteString(s[:i] + repl)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Line is the sentence of the summary: "NAME builds on 41 of 47 platforms;
// 38 static, 3 dynamic".
func (s Summary) Line() string {
	line := fmt.Sprintf("%s builds on %d of %d platforms", s.Name, s.Building, s.Targets)
	var links []string
	if s.Static > 0 {
		links = append(links, fmt.Sprintf("%d static", s.Static))
	}
	if s.Dynamic > 0 {
		links = append(links, fmt.Sprintf("%d dynamic", s.Dynamic))
	}
	if len(links) > 0 {
		line += "; " + strings.Join(links, ", ")
	}
	return line
}

// String renders a group as one line: "plan9/*, windows/arm64: undefined:
// syscall.SIGWINCH in example.com/m/term (term/term.go:3:26)".
func (g Group) String() string {
	s := strings.Join(g.Targets, ", ") + ": "
	switch {
	case g.Diag.Package != "" && strings.HasPrefix(g.Diag.Msg, "imports "):
		s += g.Diag.Package + " " + g.Diag.Msg
	case g.Diag.Package != "":
		s += g.Diag.Msg + " in " + g.Diag.Package
	default:
		s += g.Diag.Msg
	}
	if g.Diag.Pos != "" {
		s += " (" + g.Diag.Pos + ")"
	}
	return s
}

// WriteText renders the summary for a terminal: what was checked, the
// OS × architecture grid with its legend, the failures grouped by first
// error, and the summary line.
func WriteText(w io.Writer, s Summary) error {
	var b bytes.Buffer
	what := []string{"no main package"}
	if len(s.Mains) > 0 {
		what[0] = plural.Count(len(s.Mains), "main package")
	}
	if s.Library != "" {
		what = append(what, "library "+s.Library)
	}
	mode := "pure Go (CGO_ENABLED=0)"
	if s.Cgo {
		mode = "cgo where supported (CGO_ENABLED=1)"
	}
	fmt.Fprintf(&b, "\ncheck %s: %s · %s · %s\n\n", s.Name, strings.Join(what, ", "), plural.Count(s.Targets, "target"), mode)
	writeGrid(&b, s)
	fmt.Fprintf(&b, "%s\n", Legend)
	if len(s.Groups) > 0 {
		fmt.Fprintf(&b, "\nfailures by first error (%s):\n", plural.Count(s.Failing, "target"))
		for _, g := range s.Groups {
			fmt.Fprintf(&b, "  %s\n", g)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", s.Line())
	_, err := w.Write(b.Bytes())
	return err
}

func writeGrid(b *bytes.Buffer, s Summary) {
	first := 0
	for _, o := range s.OSes {
		first = max(first, len(o))
	}
	cells := func(head string, row []string) {
		line := head + strings.Repeat(" ", first-len(head))
		for i, c := range row {
			line += "  " + c + strings.Repeat(" ", len(s.Arches[i])-utf8.RuneCountInString(c))
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	cells("", s.Arches)
	for _, goos := range s.OSes {
		row := make([]string, len(s.Arches))
		for i, arch := range s.Arches {
			row[i] = s.Marks[goos+"/"+arch]
		}
		cells(goos, row)
	}
}
