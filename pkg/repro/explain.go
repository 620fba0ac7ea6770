package repro

import (
	"debug/buildinfo"
	"fmt"
	"runtime/debug"
	"strings"
)

// diffBuildInfo compares the Go build info of the files at a and b and
// returns the first one's -trimpath and CGO_ENABLED settings. Files without
// build info (or whose build info does not parse) compare as having none.
func diffBuildInfo(a, b string) (changes []Change, trimpath, cgo bool) {
	ia, ib := readBuildInfo(a), readBuildInfo(b)
	switch {
	case ia == nil && ib == nil:
		return nil, false, false
	case ia == nil || ib == nil:
		present := func(bi *debug.BuildInfo) string {
			if bi == nil {
				return ""
			}
			return "present"
		}
		changes = append(changes, Change{Key: "Go build info", A: present(ia), B: present(ib)})
	default:
		changes = compareInfo(ia, ib)
	}
	if ia != nil {
		trimpath, cgo = setting(ia, "-trimpath") == "true", setting(ia, "CGO_ENABLED") == "1"
	}
	return changes, trimpath, cgo
}

// readBuildInfo reads path's build info, or nil; debug/buildinfo walks
// untrusted headers, so a panic there means "none" too.
func readBuildInfo(path string) (bi *debug.BuildInfo) {
	defer func() {
		if recover() != nil {
			bi = nil
		}
	}()
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil
	}
	return bi
}

func setting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

func compareInfo(a, b *debug.BuildInfo) []Change {
	var out []Change
	add := func(key, x, y string) {
		if x != y {
			out = append(out, Change{Key: key, A: x, B: y})
		}
	}
	add("go", a.GoVersion, b.GoVersion)
	add("path", a.Path, b.Path)
	add("main", module(&a.Main), module(&b.Main))
	depsA, depsB := map[string]string{}, map[string]string{}
	for _, m := range a.Deps {
		depsA[m.Path] = module(m)
	}
	for _, m := range b.Deps {
		depsB[m.Path] = module(m)
	}
	for _, m := range a.Deps {
		add("dep "+m.Path, depsA[m.Path], depsB[m.Path])
	}
	for _, m := range b.Deps {
		if _, ok := depsA[m.Path]; !ok {
			add("dep "+m.Path, "", depsB[m.Path])
		}
	}
	inA := map[string]bool{}
	for _, s := range a.Settings {
		inA[s.Key] = true
		add(s.Key, s.Value, setting(b, s.Key))
	}
	for _, s := range b.Settings {
		if !inA[s.Key] {
			add(s.Key, "", s.Value)
		}
	}
	return out
}

// module renders a module as "path@version h1:sum => replacement".
func module(m *debug.Module) string {
	if m == nil || m.Path == "" {
		return ""
	}
	s := m.Path
	if m.Version != "" {
		s += "@" + m.Version
	}
	if m.Sum != "" {
		s += " " + m.Sum
	}
	if m.Replace != nil {
		s += " => " + module(m.Replace)
	}
	return s
}

// maxSections bounds the section list of Lines so a report row stays
// readable; the Sections field keeps them all.
const maxSections = 16

// Lines explains the difference in one-line sentences for a report row:
// what differs (build info, sections, the first offset), then the flags
// that would make the build reproducible.
func (d *Difference) Lines() []string {
	if d == nil {
		return nil
	}
	var out []string
	size := fmt.Sprintf("same size (%d bytes)", d.A.Size)
	if d.A.Size != d.B.Size {
		size = fmt.Sprintf("size %d → %d bytes", d.A.Size, d.B.Size)
	}
	out = append(out, fmt.Sprintf("the second build differs: sha256 %s → %s, %s", short(d.A.SHA256), short(d.B.SHA256), size))
	if d.A.Format != d.B.Format {
		out = append(out, fmt.Sprintf("format: %s → %s", formatName(d.A.Format), formatName(d.B.Format)))
	}
	for _, c := range d.BuildInfo {
		out = append(out, "build info "+c.String())
	}
	var differ, onlyA, onlyB []string
	for _, s := range d.Sections {
		switch {
		case s.SizeB < 0:
			onlyA = append(onlyA, s.Name)
		case s.SizeA < 0:
			onlyB = append(onlyB, s.Name)
		case s.SizeA != s.SizeB:
			differ = append(differ, fmt.Sprintf("%s (%d → %d bytes)", s.Name, s.SizeA, s.SizeB))
		default:
			differ = append(differ, s.Name)
		}
	}
	if len(differ) > 0 {
		out = append(out, "sections that differ: "+list(differ))
	}
	if len(onlyA) > 0 {
		out = append(out, "sections only in the first build: "+list(onlyA))
	}
	if len(onlyB) > 0 {
		out = append(out, "sections only in the second build: "+list(onlyB))
	}
	if len(d.DebugStringsA) > 0 {
		out = append(out, "DWARF strings only in the first build: "+list(d.DebugStringsA))
	}
	if len(d.DebugStringsB) > 0 {
		out = append(out, "DWARF strings only in the second build: "+list(d.DebugStringsB))
	}
	out = append(out, d.where())
	if d.EmbeddedDir != "" {
		out = append(out, fmt.Sprintf("the second binary contains the path it was built from (%s, a temporary link to the source)", d.EmbeddedDir))
	}
	return append(out, d.Suggestions()...)
}

// where says where the first difference is.
func (d *Difference) where() string {
	at := fmt.Sprintf("first difference at offset %#x", d.Offset)
	switch {
	case d.Offset >= min(d.A.Size, d.B.Size):
		longer := "second"
		if d.A.Size > d.B.Size {
			longer = "first"
		}
		return fmt.Sprintf("%s: the %s build's file is longer", at, longer)
	case d.Region == "":
		if d.A.Format == formatOther {
			return at
		}
		return at + " (outside any section or header)"
	}
	return fmt.Sprintf("%s in %s (+%#x)", at, d.Region, d.RegionOffset)
}

// Suggestions are the documented flags that would remove this difference,
// each chosen from the evidence and explained in one sentence.
func (d *Difference) Suggestions() []string {
	var out []string
	var pathSections []string
	pclntab, text := false, false
	for _, s := range d.Sections {
		if isPathSection(s.Name) {
			pathSections = append(pathSections, s.Name)
		}
		pclntab = pclntab || strings.Contains(s.Name, "gopclntab")
		text = text || s.Name == ".text" || s.Name == "__TEXT,__text"
	}
	// DWARF also changes when addresses move, so alone it proves nothing.
	// The pclntab holds code-relative offsets and source file names: when it
	// differs and the code does not, the file names do. The surest evidence
	// is Check finding the second build's directory in its binary.
	if !d.TrimPath && (pclntab && !text || d.EmbeddedDir != "") {
		why := "the binary records the directory it was built in"
		if len(pathSections) > 0 {
			why += " (" + list(pathSections) + " differ)"
		}
		s := "add -trimpath: " + why + " and its build info has no -trimpath=true"
		if d.Cgo {
			s += "; for this cgo build it also maps the C compiler's file paths (-ffile-prefix-map)"
		}
		out = append(out, s)
	}
	var vcs []string
	for _, c := range d.BuildInfo {
		if strings.HasPrefix(c.Key, "vcs") {
			vcs = append(vcs, c.Key)
		}
	}
	if len(vcs) > 0 {
		out = append(out, "add -buildvcs=false, or build from an unchanging checkout: the version control stamp differs ("+strings.Join(vcs, ", ")+")")
	}
	if d.TrimPath && len(d.DebugStringsA)+len(d.DebugStringsB) > 0 {
		out = append(out, "check the C toolchain: even with -trimpath the C compiler recorded other paths (another compiler, sysroot or header location; a build cache filled before the C toolchain changed does this too: go clean -cache)")
	}
	if d.BuildIDOnly {
		out = append(out, "add -buildid= to -ldflags (-ldflags=-buildid=): only bytes derived from the build ID differ")
	}
	if d.A.Format == formatZip || d.A.Format == formatGzip {
		out = append(out, "set SOURCE_DATE_EPOCH (or --date) so both archives get the same timestamps")
	}
	if len(out) == 0 {
		out = append(out, "no flag suggestion: the difference is not in paths, version control stamps or the build ID")
	}
	return out
}

// isPathSection reports sections that hold source file paths: DWARF and
// the pclntab (ELF .debug_*/.zdebug_*, Mach-O __DWARF,__debug_*, PE
// .debug_*; .gopclntab, __TEXT,__gopclntab).
func isPathSection(name string) bool {
	return strings.Contains(name, "debug_") || strings.Contains(name, "gopclntab")
}

func list(names []string) string {
	if len(names) > maxSections {
		return strings.Join(names[:maxSections], ", ") + fmt.Sprintf(" and %d more", len(names)-maxSections)
	}
	return strings.Join(names, ", ")
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

func formatName(f string) string {
	if f == formatOther {
		return "unknown"
	}
	return f
}
