package check

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/target"
)

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
	// Grid has a row per GOOS and a column per GOARCH of the targets; its
	// entries are the rows, classed by classOf, and its text form shows the
	// worst class of each cell.
	Grid   report.Grid
	Groups []Group
}

// Summarize computes the summary of a check from its targets (in table
// order), jobs and annotated rows (indexed alike).
func Summarize(name string, cgo bool, targets []target.Target, jobs []Job, rows []report.Job, outs []Outcome) Summary {
	s := Summary{Name: name, Cgo: cgo, Targets: len(targets)}
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

	classes := make([]report.Class, len(rows))
	byTarget := map[string][]report.Class{}
	for i, r := range rows {
		classes[i] = classOf(r, jobs[i].Kind == KindBinary && outs[i].Checked.Built, outs[i])
		byTarget[r.Target] = append(byTarget[r.Target], classes[i])
	}
	// The grid has a cell for every target checked: one without rows (no
	// package there at all) shows as not built.
	gridRows := slices.Clone(rows)
	osCount := map[string]int{}
	for _, t := range targets {
		osCount[t.GOOS]++
		class := report.Worst(byTarget[t.String()]...)
		if class == "" {
			class = report.ClassNotBuilt
			gridRows = append(gridRows, report.Job{Target: t.String(), GOOS: t.GOOS, GOARCH: t.GOARCH, Level: t.Level})
			classes = append(classes, class)
		}
		switch class {
		case report.ClassStatic:
			s.Static++
		case report.ClassDynamicSystem, report.ClassDynamicThirdParty:
			s.Dynamic++
		}
		switch class {
		case report.ClassStatic, report.ClassDynamicSystem, report.ClassDynamicThirdParty, report.ClassUnknown, report.ClassCompiles:
			s.Building++
		case report.ClassFailed, report.ClassExcluded:
			s.Failing++
		}
	}
	s.Grid = report.NewGridOf(gridRows, func(i int) report.Class { return classes[i] })
	s.Groups = groups(targets, rows, outs, osCount)
	return s
}

// classOf is the class of one row of a check. check asks whether a target
// builds, not whether a binary meets a policy: a binary that was built is
// classed by its linkage even when verify objected, a compile check or a
// type-checked program that built compiles, and a failure is told apart
// when the build constraints exclude every file there.
func classOf(r report.Job, binary bool, o Outcome) report.Class {
	switch r.Status {
	case report.StatusOK, report.StatusViolated:
		if !binary {
			return report.ClassCompiles
		}
		return report.BinaryClass(r)
	case report.StatusFailed, report.StatusTimeout:
		if o.Excluded {
			return report.ClassExcluded
		}
		return report.ClassFailed
	}
	return report.ClassNotBuilt
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
	b.WriteString(s.Grid.Text())
	fmt.Fprintf(&b, "%s\n", s.Grid.TextLegend())
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
