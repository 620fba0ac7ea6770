package inspect

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
)

// Symbol versioning (the GNU extension glibc relies on): .gnu.version_r
// (SHT_GNU_VERNEED) lists, per needed library, the versions required and
// the index each is known by; .gnu.version (SHT_GNU_VERSYM) gives every
// .dynsym entry such an index. The loader refuses to run a program whose
// needed versions the system's libraries do not define, which is what makes
// the highest GLIBC_ version a program's glibc floor.
//
// debug/elf decodes these too, but without bounds on the work a crafted
// file can ask for (entries whose chains overlap, and a linear search per
// symbol), so they are decoded here with limits.

// Caps on the version structures; real binaries are far below.
const (
	maxVerneedLen   = 1 << 20
	maxDynsymLen    = 16 << 20
	maxVersymLen    = 4 << 20
	maxSymNameBytes = 16 << 20 // string table bytes scanned for names, per table use
)

// verneedEntry is one auxiliary entry of a version need: a version a
// library must provide, and the index .gnu.version uses for it.
type verneedEntry struct {
	library, version string
	index            uint16
}

// versions fills VersionNeeds and the floors. It prefers the section
// headers (which also lead to the symbols); without them it falls back to
// DT_VERNEED, which gives the versions but not the symbols.
func (x *elfFile) versions(f *elf.File, d elfDynamic, info *Info) error {
	var entries []verneedEntry
	var symbols map[uint16][]string
	if vn := f.SectionByType(elf.SHT_GNU_VERNEED); vn != nil {
		strs := map[uint32][]byte{} // string tables by section index, read once
		b, err := x.section(vn, ".gnu.version_r", maxVerneedLen)
		if err != nil {
			return err
		}
		str, err := x.linkedStrtab(f, vn, strs)
		if err != nil {
			return err
		}
		if entries, err = parseVerneed(b, f.ByteOrder, newStrtab(str), uint64(vn.Info), clampOff(vn.Offset)); err != nil {
			return err
		}
		if symbols, err = x.versionedImports(f, entries, strs); err != nil {
			return err
		}
	} else if d.hasVerneed && d.str != nil {
		b, off, err := x.mapVaddr(f, d.verneed, 0, maxVerneedLen, "ELF DT_VERNEED")
		if err != nil || b == nil {
			return err
		}
		if entries, err = parseVerneed(b, f.ByteOrder, newStrtab(d.str), d.verneedNum, off); err != nil {
			return err
		}
	}
	info.VersionNeeds = versionNeeds(entries, symbols)
	var names []string
	for _, v := range info.VersionNeeds {
		names = append(names, v.Version)
	}
	info.MaxGlibc = versionFloor(names, "GLIBC_")
	info.MaxGLIBCXX = versionFloor(names, "GLIBCXX_")
	info.MaxCXXABI = versionFloor(names, "CXXABI_")
	info.MaxGCC = versionFloor(names, "GCC_")
	if info.MaxGlibc != "" {
		for _, v := range info.VersionNeeds {
			if v.Version == "GLIBC_"+info.MaxGlibc {
				info.GlibcSymbols = append(info.GlibcSymbols, v.Symbols...)
			}
		}
		info.GlibcSymbols = sortedUnique(info.GlibcSymbols)
	}
	return nil
}

// section reads a section's bytes as stored (version tables are never
// compressed), refusing sections over limit.
func (x *elfFile) section(s *elf.Section, what string, limit uint64) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	what = "ELF " + what
	if s.FileSize > limit {
		return nil, atOffset(what, clampOff(s.Offset), capError(s.FileSize, limit))
	}
	b, err := readAt(x.r, x.size, clampOff(s.Offset), s.FileSize)
	if err != nil {
		return nil, atOffset(what, clampOff(s.Offset), err)
	}
	return b, nil
}

// linkedStrtab reads the string table s links to, caching it in strs.
func (x *elfFile) linkedStrtab(f *elf.File, s *elf.Section, strs map[uint32][]byte) ([]byte, error) {
	if b, ok := strs[s.Link]; ok {
		return b, nil
	}
	if s.Link == 0 || s.Link >= uint32(len(f.Sections)) || f.Sections[s.Link].Type != elf.SHT_STRTAB {
		return nil, atOffset("ELF "+s.Name, clampOff(s.Offset), fmt.Sprintf("sh_link %d is not a string table", s.Link))
	}
	b, err := x.section(f.Sections[s.Link], "string table "+f.Sections[s.Link].Name, maxStrtabLen)
	if err != nil {
		return nil, err
	}
	strs[s.Link] = b
	return b, nil
}

// parseVerneed decodes count Elf_Verneed entries (all of them, following
// vn_next until 0, when count is 0) with their Elf_Vernaux chains. base is
// the file offset of b, for errors. Every entry is 16 bytes, so no valid
// table has more entries than len(b)/16: more means chains that overlap or
// loop, which is refused rather than followed.
func parseVerneed(b []byte, bo binary.ByteOrder, str *strtab, count uint64, base int64) ([]verneedEntry, error) {
	const what = "ELF version need"
	limit := uint64(len(b) / 16)
	if count > limit {
		return nil, atOffset(what, base, fmt.Sprintf("%d entries cannot fit in %d bytes", count, len(b)))
	}
	untilZero := count == 0
	if untilZero {
		count = limit
	}
	var out []verneedEntry
	off, aux := uint64(0), uint64(0)
	for i := uint64(0); i < count; i++ {
		if off > uint64(len(b)) || uint64(len(b))-off < 16 {
			return nil, atOffset(what, base+clampOff(off), errTruncated)
		}
		e := b[off:]
		if v := bo.Uint16(e); v != 1 {
			return nil, atOffset(what, base+clampOff(off), fmt.Sprintf("unsupported vn_version %d", v))
		}
		cnt, file := bo.Uint16(e[2:]), bo.Uint32(e[4:])
		a, next := off+uint64(bo.Uint32(e[8:])), bo.Uint32(e[12:])
		lib, ok, err := str.at(file)
		if err != nil {
			return nil, atOffset(what, base+clampOff(off), err)
		}
		if !ok {
			return nil, atOffset(what, base+clampOff(off), fmt.Sprintf("vn_file %#x is outside the string table", file))
		}
		for range cnt {
			if aux++; aux > limit {
				return nil, atOffset(what, base+clampOff(off), "auxiliary entries overlap or loop")
			}
			if a > uint64(len(b)) || uint64(len(b))-a < 16 {
				return nil, atOffset(what+" auxiliary entry", base+clampOff(a), errTruncated)
			}
			ae := b[a:]
			name := bo.Uint32(ae[8:])
			ver, ok, err := str.at(name)
			if err != nil {
				return nil, atOffset(what+" auxiliary entry", base+clampOff(a), err)
			}
			if !ok {
				return nil, atOffset(what+" auxiliary entry", base+clampOff(a), fmt.Sprintf("vna_name %#x is outside the string table", name))
			}
			out = append(out, verneedEntry{library: lib, version: ver, index: bo.Uint16(ae[6:]) & 0x7fff})
			anext := bo.Uint32(ae[12:])
			if anext == 0 {
				break
			}
			a += uint64(anext)
		}
		if next == 0 {
			return out, nil
		}
		off += uint64(next)
	}
	if untilZero && count > 0 {
		return nil, atOffset(what, base, "vn_next chain does not end")
	}
	return out, nil
}

// strtab looks strings up in a string table. Each lookup scans for a NUL,
// so a crafted table could make many lookups scan the same long run of
// bytes; budget bounds the bytes scanned over all lookups instead.
type strtab struct {
	b      []byte
	budget int
}

func newStrtab(b []byte) *strtab { return &strtab{b: b, budget: maxSymNameBytes} }

// at returns the NUL-terminated string at off; ok is false when off is
// outside the table or the string runs off its end. The error reports a
// spent budget.
func (t *strtab) at(off uint32) (s string, ok bool, err error) {
	if uint64(off) >= uint64(len(t.b)) {
		return "", false, nil
	}
	rest := t.b[off:]
	window := rest[:min(len(rest), t.budget)]
	i := bytes.IndexByte(window, 0)
	if i < 0 {
		if len(window) < len(rest) {
			return "", false, fmt.Errorf("string lookups scanned more than %d bytes", maxSymNameBytes)
		}
		t.budget -= len(window)
		return "", false, nil
	}
	t.budget -= i + 1
	return string(window[:i]), true, nil
}

// versionedImports maps each version index that a need defines to the
// undefined dynamic symbols bound to it (.dynsym and .gnu.version read side
// by side). Files without those sections yield nil.
func (x *elfFile) versionedImports(f *elf.File, entries []verneedEntry, strs map[uint32][]byte) (map[uint16][]string, error) {
	ds, vs := f.SectionByType(elf.SHT_DYNSYM), f.SectionByType(elf.SHT_GNU_VERSYM)
	if ds == nil || vs == nil || len(entries) == 0 {
		return nil, nil
	}
	wanted := map[uint16]bool{}
	for _, e := range entries {
		wanted[e.index] = true
	}
	syms, err := x.section(ds, ".dynsym", maxDynsymLen)
	if err != nil {
		return nil, err
	}
	versym, err := x.section(vs, ".gnu.version", maxVersymLen)
	if err != nil {
		return nil, err
	}
	str, err := x.linkedStrtab(f, ds, strs)
	if err != nil {
		return nil, err
	}
	entSize, shndxAt := 16, 14 // Elf32_Sym: name, value, size, info, other, shndx
	if f.Class == elf.ELFCLASS64 {
		entSize, shndxAt = 24, 6 // Elf64_Sym: name, info, other, shndx, value, size
	}
	bo := f.ByteOrder
	n := min(len(syms)/entSize, len(versym)/2)
	out := map[uint16][]string{}
	names := newStrtab(str)
	for i := 1; i < n; i++ { // entry 0 is the undefined null symbol
		sym := syms[i*entSize:]
		if elf.SectionIndex(bo.Uint16(sym[shndxAt:])) != elf.SHN_UNDEF {
			continue
		}
		idx := bo.Uint16(versym[2*i:]) & 0x7fff
		if !wanted[idx] {
			continue
		}
		name, ok, err := names.at(bo.Uint32(sym))
		if err != nil {
			return nil, atOffset("ELF .dynsym entry", clampOff(ds.Offset)+int64(i*entSize), err)
		}
		if ok && name != "" {
			out[idx] = append(out[idx], name)
		}
	}
	return out, nil
}

// versionNeeds turns the decoded entries into Info.VersionNeeds: one per
// (library, version), sorted by library then version, symbols sorted.
func versionNeeds(entries []verneedEntry, symbols map[uint16][]string) []VersionNeed {
	type key struct{ library, version string }
	byKey := map[key]int{}
	var out []VersionNeed
	for _, e := range entries {
		k := key{e.library, e.version}
		i, ok := byKey[k]
		if !ok {
			i = len(out)
			byKey[k] = i
			out = append(out, VersionNeed{Library: e.library, Version: e.version})
		}
		out[i].Symbols = append(out[i].Symbols, symbols[e.index]...)
	}
	for i := range out {
		out[i].Symbols = sortedUnique(out[i].Symbols)
	}
	slices.SortFunc(out, func(a, b VersionNeed) int {
		return cmp.Or(cmp.Compare(a.Library, b.Library), CompareVersions(a.Version, b.Version), cmp.Compare(a.Version, b.Version))
	})
	return out
}
