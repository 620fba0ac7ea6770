package inspect

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
)

// Caps on what we read for one ELF structure; real binaries are far below.
const (
	maxInterpLen  = 4 << 10
	maxDynamicLen = 1 << 20
	maxStrtabLen  = 16 << 20
	maxNotesLen   = 1 << 20 // all notes together
)

// elfFile inspects ELF executables and shared objects: Linux, the BSDs,
// Solaris/illumos and Android.
type elfFile struct {
	r    io.ReaderAt
	size int64
}

func (x *elfFile) format() Format { return FormatELF }

func (x *elfFile) describe(info *Info) error {
	f, err := elf.NewFile(x.r)
	if err != nil {
		return malformed("ELF", err)
	}
	switch f.Type {
	case elf.ET_REL:
		return notExecutable("relocatable object (ET_REL)")
	case elf.ET_CORE:
		return notExecutable("core dump (ET_CORE)")
	}
	info.GOARCH = elfGOARCH(f.Machine, f.Class, f.ByteOrder)

	var interp, dyn *elf.Prog
	for _, p := range f.Progs {
		switch {
		case p.Type == elf.PT_INTERP && interp == nil:
			interp = p
		case p.Type == elf.PT_DYNAMIC && dyn == nil:
			dyn = p
		}
	}
	if interp != nil {
		b, err := readAt(x.r, x.size, clampOff(interp.Off), min(interp.Filesz, maxInterpLen))
		if err != nil {
			return atOffset("ELF PT_INTERP", clampOff(interp.Off), err)
		}
		info.Interpreter = cstring(b)
	}
	d, err := x.dynamic(f, dyn)
	if err != nil {
		return err
	}
	info.Needed = d.needed
	info.Linkage, info.LinkageRule, info.PIE = elfLinkage(f.Type, interp != nil, d)

	info.Go = goInfoFrom(elfGoLayout(f, x.r, x.size))
	notes := x.notes(f)
	info.GOOS = elfGOOS(f.OSABI, f.Machine, notes, info.Interpreter, info.Needed)
	if g := info.Go.setting("GOOS"); g != "" {
		// The toolchain's own record beats anything inferred from headers;
		// it is also the only way to tell illumos from solaris.
		info.GOOS = g
	}
	if info.GOARCH == "" {
		info.GOARCH = info.Go.setting("GOARCH")
	}

	info.Stripped = f.SectionByType(elf.SHT_SYMTAB) == nil
	for _, s := range f.Sections {
		info.DWARF = info.DWARF || s.Name == ".debug_info" || s.Name == ".zdebug_info"
	}
	ids := noteIDs(notes)
	info.BuildID, info.GoBuildID = ids.gnuBuildID, ids.goBuildID
	if err := x.versions(f, d, info); err != nil {
		return err
	}
	info.Libc = elfLibc(info.GOOS, info.Interpreter, info.Needed, ids.gnuABILinux)
	return nil
}

// elfDynamic is what the dynamic table says about linkage and versions.
type elfDynamic struct {
	needed []string
	soname string
	flags1 uint64 // DT_FLAGS_1
	str    []byte // the DT_STRTAB bytes, when file-backed

	verneed, verneedNum uint64 // DT_VERNEED address and DT_VERNEEDNUM
	hasVerneed          bool
}

// elfLinkage applies the loader's view of an ELF file. The kernel only runs
// a dynamic loader when PT_INTERP is present, so an ET_EXEC without it is
// static whatever else (PT_DYNAMIC, DT_NEEDED) it carries. An ET_DYN without
// PT_INTERP is a static PIE only if the linker marked it DF_1_PIE and it has
// no DT_SONAME: a shared object is never static-pie. (ET_REL and ET_CORE
// files never get here: describe says what they are instead.)
func elfLinkage(t elf.Type, hasInterp bool, d elfDynamic) (Linkage, string, bool) {
	switch t {
	case elf.ET_EXEC:
		if hasInterp {
			return LinkageDynamic, "ET_EXEC with PT_INTERP", false
		}
		return LinkageStatic, "ET_EXEC without PT_INTERP", false
	case elf.ET_DYN:
		switch {
		case hasInterp:
			return LinkageDynamic, "ET_DYN with PT_INTERP", true
		case d.soname != "":
			return LinkageShared, "ET_DYN without PT_INTERP, with DT_SONAME", false
		case d.flags1&uint64(elf.DF_1_PIE) != 0:
			return LinkageStaticPIE, "ET_DYN without PT_INTERP, with DF_1_PIE in DT_FLAGS_1", true
		default:
			return LinkageShared, "ET_DYN without PT_INTERP or DF_1_PIE", false
		}
	}
	return LinkageUnknown, fmt.Sprintf("ELF type %#x is neither ET_EXEC nor ET_DYN", uint16(t)), false
}

// dynamic decodes the PT_DYNAMIC segment: the table the dynamic loader
// itself reads, which survives even when section headers are stripped.
func (x *elfFile) dynamic(f *elf.File, p *elf.Prog) (elfDynamic, error) {
	var d elfDynamic
	if p == nil {
		return d, nil
	}
	b, err := readAt(x.r, x.size, clampOff(p.Off), min(p.Filesz, maxDynamicLen))
	if err != nil {
		return d, atOffset("ELF PT_DYNAMIC", clampOff(p.Off), err)
	}
	entSize := 8
	if f.Class == elf.ELFCLASS64 {
		entSize = 16
	}
	var needed []uint64
	var soname, strtab, strsz uint64
	hasSoname, hasStrtab := false, false
scan:
	for ; len(b) >= entSize; b = b[entSize:] {
		var tag, val uint64
		if entSize == 16 {
			tag, val = f.ByteOrder.Uint64(b), f.ByteOrder.Uint64(b[8:])
		} else {
			tag, val = uint64(f.ByteOrder.Uint32(b)), uint64(f.ByteOrder.Uint32(b[4:]))
		}
		switch elf.DynTag(tag) {
		case elf.DT_NULL:
			break scan
		case elf.DT_NEEDED:
			needed = append(needed, val)
		case elf.DT_SONAME:
			soname, hasSoname = val, true
		case elf.DT_STRTAB:
			strtab, hasStrtab = val, true
		case elf.DT_STRSZ:
			strsz = val
		case elf.DT_FLAGS_1:
			d.flags1 = val
		case elf.DT_VERNEED:
			d.verneed, d.hasVerneed = val, true
		case elf.DT_VERNEEDNUM:
			d.verneedNum = val
		}
	}
	if len(needed) == 0 && !hasSoname && !d.hasVerneed {
		return d, nil
	}
	if hasStrtab {
		str, _, err := x.mapVaddr(f, strtab, strsz, maxStrtabLen, "ELF DT_STRTAB")
		if err != nil {
			return d, err
		}
		d.str = str
	}
	if d.str == nil {
		// DT_STRTAB is not file-backed by any PT_LOAD (unusual); fall back
		// to the section headers, which the standard library reads.
		dd, err := elfDynamicFromSections(f, d.flags1)
		dd.verneed, dd.verneedNum, dd.hasVerneed = d.verneed, d.verneedNum, d.hasVerneed
		return dd, err
	}
	for _, off := range needed {
		if off < uint64(len(d.str)) {
			d.needed = append(d.needed, cstring(d.str[off:]))
		}
	}
	if hasSoname && soname < uint64(len(d.str)) {
		d.soname = cstring(d.str[soname:])
	}
	if hasSoname && d.soname == "" {
		d.soname = "?" // present but unreadable: still a shared object
	}
	return d, nil
}

// mapVaddr reads the file bytes behind virtual address addr through the
// PT_LOAD that maps it: n bytes, or when n is 0 as much as the segment
// holds, up to limit. An n over limit is an error rather than an
// allocation. It returns nil when no PT_LOAD maps addr, and the file offset
// it read from.
func (x *elfFile) mapVaddr(f *elf.File, addr, n, limit uint64, what string) ([]byte, int64, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr-p.Vaddr >= p.Filesz {
			continue
		}
		off := p.Off + (addr - p.Vaddr)
		if off < p.Off {
			continue // offset overflows: not a real mapping
		}
		if off > uint64(x.size) {
			return nil, 0, atOffset(what, clampOff(off), errTruncated)
		}
		if n > limit {
			return nil, 0, atOffset(what, clampOff(off), capError(n, limit))
		}
		rest := min(p.Filesz-(addr-p.Vaddr), uint64(x.size)-off)
		if n == 0 {
			n = min(rest, limit)
		}
		b, err := readAt(x.r, x.size, clampOff(off), min(n, rest))
		if err != nil {
			return nil, 0, atOffset(what, clampOff(off), err)
		}
		return b, clampOff(off), nil
	}
	return nil, 0, nil
}

// capError says a structure is larger than this package will read.
func capError(n, limit uint64) error {
	return fmt.Errorf("%d bytes exceeds the %d-byte limit", n, limit)
}

// elfDynamicFromSections reads DT_NEEDED and DT_SONAME through the section
// headers with the standard library.
func elfDynamicFromSections(f *elf.File, flags1 uint64) (elfDynamic, error) {
	d := elfDynamic{flags1: flags1}
	var err error
	if d.needed, err = f.DynString(elf.DT_NEEDED); err != nil {
		return d, fmt.Errorf("ELF dynamic section: %w", err)
	}
	sonames, err := f.DynString(elf.DT_SONAME)
	if err != nil {
		return d, fmt.Errorf("ELF dynamic section: %w", err)
	}
	if len(sonames) > 0 {
		d.soname = sonames[0]
		if d.soname == "" {
			d.soname = "?"
		}
	}
	return d, nil
}

// elfGOARCH maps machine, class and byte order to a Go GOARCH, or "" for
// combinations Go has no port for.
func elfGOARCH(m elf.Machine, c elf.Class, bo binary.ByteOrder) string {
	is64 := c == elf.ELFCLASS64
	little := bo == binary.LittleEndian
	pick := func(cond bool, a, b string) string {
		if cond {
			return a
		}
		return b
	}
	switch m {
	case elf.EM_386:
		return pick(!is64, "386", "")
	case elf.EM_X86_64:
		return pick(is64, "amd64", "")
	case elf.EM_ARM:
		return pick(!is64, "arm", "")
	case elf.EM_AARCH64:
		return pick(is64, "arm64", "")
	case elf.EM_LOONGARCH:
		return pick(is64, "loong64", "")
	case elf.EM_MIPS:
		if is64 {
			return pick(little, "mips64le", "mips64")
		}
		return pick(little, "mipsle", "mips")
	case elf.EM_PPC64:
		return pick(little, "ppc64le", "ppc64")
	case elf.EM_RISCV:
		return pick(is64, "riscv64", "")
	case elf.EM_S390:
		return pick(is64, "s390x", "")
	}
	return ""
}
