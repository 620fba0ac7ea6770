package repro

import (
	"bytes"
	"debug/elf"
	"io"
	"slices"
)

// debugStringSections are the DWARF string tables of ELF files. Go's own
// DWARF does not use them; C compilers put directory and file names there,
// so for cgo builds they say which paths the C side recorded.
var debugStringSections = []string{".debug_line_str", ".debug_str"}

// maxDebugStrings bounds how big a string table diffDebugStrings reads.
const maxDebugStrings = 64 << 20

// diffDebugStrings returns the strings of the DWARF string tables that
// only the first or only the second ELF file has, when such a table is
// among the differing sections. Any trouble reading them means "no
// evidence": the section comparison has already said they differ.
func diffDebugStrings(ra, rb io.ReaderAt, diffs []SectionDiff) (onlyA, onlyB []string) {
	defer func() {
		if recover() != nil {
			onlyA, onlyB = nil, nil
		}
	}()
	var names []string
	for _, d := range diffs {
		if slices.Contains(debugStringSections, d.Name) && d.SizeA >= 0 && d.SizeB >= 0 {
			names = append(names, d.Name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	fa, err := elf.NewFile(ra)
	if err != nil {
		return nil, nil
	}
	fb, err := elf.NewFile(rb)
	if err != nil {
		return nil, nil
	}
	for _, name := range names {
		sa, sb := stringTable(fa, name), stringTable(fb, name)
		if sa == nil || sb == nil {
			continue
		}
		onlyA = appendMissing(onlyA, sa, sb)
		onlyB = appendMissing(onlyB, sb, sa)
	}
	return onlyA, onlyB
}

// stringTable is the set of NUL-terminated strings of a section, in order.
func stringTable(f *elf.File, name string) []string {
	s := f.Section(name)
	if s == nil || s.Size > maxDebugStrings {
		return nil
	}
	data, err := s.Data() // decompresses SHF_COMPRESSED sections
	if err != nil {
		return nil
	}
	var out []string
	for _, b := range bytes.Split(data, []byte{0}) {
		if len(b) > 0 {
			out = append(out, oneLine(string(b)))
		}
	}
	return out
}

// appendMissing appends the strings of from that are not in other (nor
// already in dst), keeping from's order.
func appendMissing(dst, from, other []string) []string {
	skip := make(map[string]bool, len(other)+len(dst))
	for _, s := range other {
		skip[s] = true
	}
	for _, s := range dst {
		skip[s] = true
	}
	for _, s := range from {
		if !skip[s] {
			skip[s] = true
			dst = append(dst, s)
		}
	}
	return dst
}
