package report

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Class is what a job means for whoever ships its binary, the one question
// the OS × architecture grid answers per target: does it build, and can the
// file be copied to a machine and run there as it is? The Markdown and HTML
// writers give each class one symbol and one colour, listed in docs/reports.md;
// the text grid of `portmatrix check` one letter or mark.
type Class string

const (
	// ClassStatic is a built binary without a dynamic loader (linkage static
	// or static-pie): it runs on any machine with the right kernel.
	ClassStatic Class = "static"
	// ClassDynamicSystem is a built dynamic binary that needs only libraries
	// the OS ships (Job.ThirdParty empty), e.g. libc.so.6 or kernel32.dll.
	ClassDynamicSystem Class = "dynamic-system"
	// ClassDynamicThirdParty is a built dynamic binary that needs at least one
	// library the OS does not ship, which must be installed alongside it.
	ClassDynamicThirdParty Class = "dynamic-third-party"
	// ClassFailed is a job that did not give a releasable binary: the build
	// failed or timed out, or the binary violates the release's policy.
	ClassFailed Class = "failed"
	// ClassExcluded is a job of `portmatrix check` on a target where the
	// build constraints exclude every file of every package: there was
	// nothing to build. ClassOf never gives it (a report row does not say
	// why it failed); check's classifier does.
	ClassExcluded Class = "excluded"
	// ClassNotBuilt is a job that never finished on its own account
	// (cancelled or skipped), so there is nothing to judge.
	ClassNotBuilt Class = "not-built"
	// ClassCompiles is a compile-only row of `portmatrix check` for library
	// packages: the code compiles for the target, and there is no binary
	// whose linkage could be judged.
	ClassCompiles Class = "compiles"
	// ClassUnknown is a job the report cannot place: an ok job whose linkage
	// the inspector could not decide ("unknown" or empty), or a status this
	// version does not know.
	ClassUnknown Class = "unknown"
)

// classStyle is how the writers show a class; one table so Markdown, HTML,
// the text grid, the legends and docs/reports.md cannot drift apart. ⚪
// carries VS16 (U+FE0F) because U+26AA alone defaults to a small text glyph.
type classStyle struct {
	symbol   string
	color    string // CSS background colour of a grid cell, #rrggbb
	text     string // legend text
	mark     string // the text grid's mark, one character wide
	markText string // the text legend's words for mark
}

var classStyles = map[Class]classStyle{
	ClassStatic:            {"🟢", "#b7e4c7", "static", "S", "static"},
	ClassDynamicSystem:     {"🔵", "#b6d4fe", "dynamic, system libraries only", "D", "dynamic"},
	ClassDynamicThirdParty: {"🟠", "#ffd8a8", "dynamic, third-party libraries", "D", "dynamic"},
	ClassFailed:            {"🔴", "#ffb3b3", "failed or violated", "✗", "fails"},
	ClassExcluded:          {"🚫", "#fff3bf", "excluded by build constraints", "∅", "build constraints exclude every file"},
	ClassNotBuilt:          {"⚪\uFE0F", "#e1e4e8", "not built (cancelled or skipped)", "-", "not built"},
	ClassCompiles:          {"✅", "#d3f9d8", "compiles (library: no binary)", "✓", "compiles (no binary)"},
	ClassUnknown:           {"🟣", "#dccbf5", "unknown linkage or status", "?", "unknown linkage or status"},
}

// legendOrder is every class in legend order, from best to worst for a
// release.
var legendOrder = []Class{ClassStatic, ClassDynamicSystem, ClassDynamicThirdParty, ClassCompiles, ClassFailed, ClassExcluded, ClassNotBuilt, ClassUnknown}

// severity orders the classes from worst to best for the text grid, which
// shows one mark per cell: the worst of its jobs (a failure hides a
// success, a binary a compile-only row).
var severity = []Class{ClassFailed, ClassExcluded, ClassNotBuilt, ClassUnknown, ClassDynamicThirdParty, ClassDynamicSystem, ClassStatic, ClassCompiles}

// Classes returns every class ClassOf gives, in legend order, from best to
// worst for a release, so that writers and tests can iterate them without a
// map. ClassExcluded, which only check's classifier gives, is not among
// them.
func Classes() []Class {
	return slices.DeleteFunc(slices.Clone(legendOrder), func(c Class) bool { return c == ClassExcluded })
}

// Worst returns the worst of classes in the text grid's order (failed,
// excluded, not built, unknown, dynamic, static, compiles), "" for none.
func Worst(classes ...Class) Class {
	best := len(severity)
	for _, c := range classes {
		if i := slices.Index(severity, c); i >= 0 && i < best {
			best = i
		}
	}
	if best == len(severity) {
		return ""
	}
	return severity[best]
}

// Symbol is the emoji that stands for c in Markdown and HTML, so that the
// grid reads the same without colour (a CI summary, a screen reader).
func (c Class) Symbol() string { return classStyles[c].symbol }

// Mark is the one-character mark of c in the text grid (S, D, ✓, ✗, ∅, -,
// ?), which a terminal shows in any font.
func (c Class) Mark() string { return classStyles[c].mark }

// Color is the CSS background colour (#rrggbb) of a cell of class c in the
// HTML grid; every class has a distinct one, all light enough for dark text.
func (c Class) Color() string { return classStyles[c].color }

// Description is the legend text of c.
func (c Class) Description() string { return classStyles[c].text }

// ClassOf classifies one job for the grid. Violated jobs are failed whatever
// their linkage: the binary does not meet the release's policy. A shared
// library (-buildmode=c-shared) is loaded by a dynamic loader and needs its
// libraries like a dynamic program, so it is classed by its libraries too.
func ClassOf(j Job) Class {
	switch j.Status {
	case StatusFailed, StatusTimeout, StatusViolated:
		return ClassFailed
	case StatusCancelled, StatusSkipped:
		return ClassNotBuilt
	case StatusOK:
	default:
		return ClassUnknown
	}
	if j.Linkage == "" && j.Format == "" && j.Package != "" {
		return ClassCompiles
	}
	return BinaryClass(j)
}

// BinaryClass classifies the binary of a job that built, by its linkage and
// libraries alone, whatever the job's status: static, dynamic (system or
// third-party libraries), or unknown when the inspector could not decide.
// ClassOf uses it for ok jobs; `portmatrix check`, which asks whether a
// target builds rather than whether a binary meets a policy, for every
// binary that was built.
func BinaryClass(j Job) Class {
	switch j.Linkage {
	case linkStatic, linkStaticPIE:
		return ClassStatic
	case linkDynamic, "shared-library":
		if len(j.ThirdParty) > 0 {
			return ClassDynamicThirdParty
		}
		return ClassDynamicSystem
	}
	return ClassUnknown
}

// Grid is the OS × architecture overview of a report: one row per GOOS, one
// column per GOARCH that occurs, so a reader sees at a glance which
// platforms a release covers and how each deploys.
type Grid struct {
	OSes   []string     // row headers, sorted
	Arches []string     // column headers, sorted; only architectures some job has
	Cells  [][]GridCell // Cells[row][col], one per OSes × Arches
}

// GridCell holds every job of one goos/goarch, whatever its level, variant
// or build, in report order; Entries is empty when no job targets it.
type GridCell struct {
	Target  string // "goos/goarch"
	Entries []GridEntry
}

// GridEntry is one job inside a cell.
type GridEntry struct {
	Index int    // position of the job in the slice given to NewGrid
	ID    string // Job.ID
	Class Class
	// Label tells the entry apart from the others in its cell: the build,
	// level and variant that differ among them, joined by spaces; "" when
	// the entry is alone in its cell. An absent level is shown as the bare
	// architecture ("amd64" next to "v3").
	Label string
}

// NewGrid computes the grid of jobs, each of class ClassOf. It is a pure
// function of its input; a job without GOOS or GOARCH takes them from its
// Target.
func NewGrid(jobs []Job) Grid {
	return NewGridOf(jobs, func(i int) Class { return ClassOf(jobs[i]) })
}

// NewGridOf is NewGrid with the class of jobs[i] given by class(i), for a
// caller that knows more about its rows than a report.Job says (check
// knows which failures are exclusions by build constraints).
func NewGridOf(jobs []Job, class func(i int) Class) Grid {
	type key struct{ goos, goarch string }
	byKey := map[key][]int{}
	var oses, arches []string
	for i, j := range jobs {
		p := platformOf(j)
		k := key{p.goos, p.goarch}
		if _, ok := byKey[k]; !ok {
			oses = append(oses, p.goos)
			arches = append(arches, p.goarch)
		}
		byKey[k] = append(byKey[k], i)
	}
	slices.Sort(oses)
	slices.Sort(arches)
	g := Grid{OSes: slices.Compact(oses), Arches: slices.Compact(arches)}
	g.Cells = make([][]GridCell, len(g.OSes))
	for r, goos := range g.OSes {
		g.Cells[r] = make([]GridCell, len(g.Arches))
		for c, goarch := range g.Arches {
			cell := GridCell{Target: goos + "/" + goarch}
			idx := byKey[key{goos, goarch}]
			labels := cellLabels(jobs, idx)
			for n, i := range idx {
				cell.Entries = append(cell.Entries, GridEntry{
					Index: i, ID: jobs[i].ID, Class: class(i), Label: labels[n],
				})
			}
			g.Cells[r][c] = cell
		}
	}
	return g
}

// Legend returns the classes a legend for g lists, in legend order: every
// class, except ClassUnknown, ClassCompiles and ClassExcluded when no entry
// has them, so that legends are the same from run to run and only grow when
// something is wrong.
func (g Grid) Legend() []Class {
	var out []Class
	for _, c := range legendOrder {
		if (c != ClassUnknown && c != ClassCompiles && c != ClassExcluded) || g.has(c) {
			out = append(out, c)
		}
	}
	return out
}

// Worst is the class the text grid shows for the cell: the worst of its
// entries' (Worst), "" when the cell is empty.
func (c GridCell) Worst() Class {
	classes := make([]Class, len(c.Entries))
	for i, e := range c.Entries {
		classes[i] = e.Class
	}
	return Worst(classes...)
}

// Marks maps the target ("goos/goarch") of every non-empty cell to the mark
// the text grid shows there.
func (g Grid) Marks() map[string]string {
	out := map[string]string{}
	for _, row := range g.Cells {
		for _, cell := range row {
			if w := cell.Worst(); w != "" {
				out[cell.Target] = w.Mark()
			}
		}
	}
	return out
}

// Text renders g for a terminal: a header line of architectures, then a line
// per OS with each cell's mark (Worst) under its architecture, columns two
// spaces apart, no trailing blanks.
func (g Grid) Text() string {
	var b strings.Builder
	first := 0
	for _, o := range g.OSes {
		first = max(first, len(o))
	}
	line := func(head string, cells []string) {
		l := head + strings.Repeat(" ", first-len(head))
		for i, c := range cells {
			l += "  " + c + strings.Repeat(" ", max(0, len(g.Arches[i])-utf8.RuneCountInString(c)))
		}
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	line("", g.Arches)
	for r, goos := range g.OSes {
		marks := make([]string, len(g.Arches))
		for c, cell := range g.Cells[r] {
			marks[c] = cell.Worst().Mark()
		}
		line(goos, marks)
	}
	return b.String()
}

// TextLegend explains the marks of the text grid in legend order, one entry
// per mark ("S static · D dynamic · …"): every mark, except that of
// ClassUnknown when no entry has it.
func (g Grid) TextLegend() string {
	var parts []string
	seen := map[string]bool{}
	for _, c := range legendOrder {
		st := classStyles[c]
		if seen[st.mark] || c == ClassUnknown && !g.has(c) {
			continue
		}
		seen[st.mark] = true
		parts = append(parts, st.mark+" "+st.markText)
	}
	return strings.Join(parts, " · ")
}

// has reports whether any entry of g has class c.
func (g Grid) has(c Class) bool {
	for _, row := range g.Cells {
		for _, cell := range row {
			for _, e := range cell.Entries {
				if e.Class == c {
					return true
				}
			}
		}
	}
	return false
}

// platform is where a job's binary runs: goos, goarch and the level part
// shown in labels (the level, or the bare architecture when it has none).
type platform struct{ goos, goarch, level string }

func platformOf(j Job) platform {
	parts := strings.SplitN(j.Target, "/", 3)
	p := platform{goos: j.GOOS, goarch: j.GOARCH, level: j.Level}
	if p.goos == "" {
		p.goos = cmp.Or(parts[0], "?")
	}
	if p.goarch == "" {
		if len(parts) > 1 {
			p.goarch = parts[1]
		}
		p.goarch = cmp.Or(p.goarch, "?")
	}
	if p.level == "" && len(parts) > 2 {
		p.level = parts[2]
	}
	p.level = cmp.Or(p.level, p.goarch)
	return p
}

// cellLabels returns the labels of the jobs idx that share a cell: the
// parts (build, level, variant) whose values differ among them. When the
// parts cannot tell them apart (which unique job ids rule out), the job ids
// are used instead.
func cellLabels(jobs []Job, idx []int) []string {
	labels := make([]string, len(idx))
	if len(idx) < 2 {
		return labels
	}
	parts := func(j Job) [3]string {
		return [3]string{j.Build, platformOf(j).level, j.Variant}
	}
	var differs [3]bool
	first := parts(jobs[idx[0]])
	for _, i := range idx[1:] {
		p := parts(jobs[i])
		for d := range p {
			differs[d] = differs[d] || p[d] != first[d]
		}
	}
	seen := map[string]bool{}
	unique := true
	for n, i := range idx {
		p := parts(jobs[i])
		var words []string
		for d := range p {
			if differs[d] {
				words = append(words, p[d])
			}
		}
		labels[n] = strings.Join(words, " ")
		unique = unique && !seen[labels[n]]
		seen[labels[n]] = true
	}
	if !unique {
		for n, i := range idx {
			labels[n] = jobs[i].ID
		}
	}
	return labels
}
