package inspect

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
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

	info.Go = goInfo(x.r)
	info.GOOS = elfGOOS(f.OSABI, f.Machine, x.notes(f), info.Interpreter)
	if g := info.Go.setting("GOOS"); g != "" {
		// The toolchain's own record beats anything inferred from headers;
		// it is also the only way to tell illumos from solaris.
		info.GOOS = g
	}
	if info.GOARCH == "" {
		info.GOARCH = info.Go.setting("GOARCH")
	}
	return nil
}

// elfDynamic is what the dynamic table says about linkage.
type elfDynamic struct {
	needed []string
	soname string
	flags1 uint64 // DT_FLAGS_1
}

// elfLinkage applies the loader's view of an ELF file. The kernel only runs
// a dynamic loader when PT_INTERP is present, so an ET_EXEC without it is
// static whatever else (PT_DYNAMIC, DT_NEEDED) it carries. An ET_DYN without
// PT_INTERP is a static PIE only if the linker marked it DF_1_PIE and it has
// no DT_SONAME: a shared object is never static-pie.
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
	case elf.ET_REL:
		return LinkageUnknown, "ET_REL is a relocatable object, not a linked program", false
	case elf.ET_CORE:
		return LinkageUnknown, "ET_CORE is a core dump, not a program", false
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
		}
	}
	if len(needed) == 0 && !hasSoname {
		return d, nil
	}
	str, err := x.dynStrtab(f, strtab, strsz, hasStrtab)
	if err != nil {
		return d, err
	}
	if str == nil {
		// DT_STRTAB is not file-backed by any PT_LOAD (unusual); fall back
		// to the section headers, which the standard library reads.
		return elfDynamicFromSections(f, d.flags1)
	}
	for _, off := range needed {
		if off < uint64(len(str)) {
			d.needed = append(d.needed, cstring(str[off:]))
		}
	}
	if hasSoname && soname < uint64(len(str)) {
		d.soname = cstring(str[soname:])
	}
	if hasSoname && d.soname == "" {
		d.soname = "?" // present but unreadable: still a shared object
	}
	return d, nil
}

// dynStrtab returns the dynamic string table, or nil when DT_STRTAB does not
// map to file bytes through a PT_LOAD segment.
func (x *elfFile) dynStrtab(f *elf.File, addr, size uint64, ok bool) ([]byte, error) {
	if !ok {
		return nil, nil
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr-p.Vaddr >= p.Filesz {
			continue
		}
		off := p.Off + (addr - p.Vaddr)
		if off < p.Off {
			continue // offset overflows: not a real mapping
		}
		n := min(p.Filesz-(addr-p.Vaddr), maxStrtabLen)
		if size > 0 {
			n = min(n, size)
		}
		if off > uint64(x.size) {
			return nil, atOffset("ELF DT_STRTAB", clampOff(off), errTruncated)
		}
		n = min(n, uint64(x.size)-off)
		b, err := readAt(x.r, x.size, clampOff(off), n)
		if err != nil {
			return nil, atOffset("ELF DT_STRTAB", clampOff(off), err)
		}
		return b, nil
	}
	return nil, nil
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

// elfNote is one entry of a PT_NOTE segment or SHT_NOTE section.
type elfNote struct {
	name string
	typ  uint32
	desc []byte
	bo   binary.ByteOrder
}

// notes reads the note segments (or, for files without program headers,
// note sections). Unreadable notes are skipped: they only inform GOOS.
// Headers may all point at the same bytes, so the total read is capped.
func (x *elfFile) notes(f *elf.File) []elfNote {
	type region struct{ off, size, align uint64 }
	var regions []region
	for _, p := range f.Progs {
		if p.Type == elf.PT_NOTE {
			regions = append(regions, region{p.Off, p.Filesz, p.Align})
		}
	}
	if len(f.Progs) == 0 {
		for _, s := range f.Sections {
			if s.Type == elf.SHT_NOTE {
				regions = append(regions, region{s.Offset, s.Size, s.Addralign})
			}
		}
	}
	var all []elfNote
	budget := uint64(maxNotesLen)
	for _, r := range regions {
		if budget == 0 {
			break
		}
		n := min(r.size, budget)
		if b, err := readAt(x.r, x.size, clampOff(r.off), n); err == nil {
			budget -= n
			all = append(all, parseNotes(b, f.ByteOrder, r.align)...)
		}
	}
	return all
}

// parseNotes decodes ELF notes: namesz, descsz, type, then name and desc,
// each padded to the segment alignment (4, or 8 for some 64-bit notes).
func parseNotes(b []byte, bo binary.ByteOrder, align uint64) []elfNote {
	if align != 8 {
		align = 4
	}
	pad := func(n uint64) uint64 { return (n + align - 1) &^ (align - 1) }
	var out []elfNote
	for uint64(len(b)) >= 12 {
		namesz, descsz := uint64(bo.Uint32(b)), uint64(bo.Uint32(b[4:]))
		typ := bo.Uint32(b[8:])
		rest := b[12:]
		if pad(namesz) > uint64(len(rest)) || pad(descsz) > uint64(len(rest))-pad(namesz) {
			break
		}
		name := cstring(rest[:namesz])
		desc := rest[pad(namesz) : pad(namesz)+descsz]
		out = append(out, elfNote{name: name, typ: typ, desc: desc, bo: bo})
		b = rest[pad(namesz)+pad(descsz):]
	}
	return out
}

// elfGOOS infers the operating system from the ELF bytes, strongest evidence
// first. It returns "" rather than guess: a static linux binary and a static
// dragonfly one can be byte-for-byte indistinguishable in their headers.
func elfGOOS(abi elf.OSABI, m elf.Machine, notes []elfNote, interp string) string {
	if strings.HasPrefix(interp, "/system/bin/linker") {
		return "android" // Android is Linux underneath, so check it first.
	}
	for _, n := range notes {
		if goos := noteGOOS(n); goos != "" {
			return goos
		}
	}
	switch abi {
	case elf.ELFOSABI_FREEBSD:
		return "freebsd"
	case elf.ELFOSABI_OPENBSD:
		return "openbsd"
	case elf.ELFOSABI_NETBSD:
		return "netbsd"
	case elf.ELFOSABI_SOLARIS:
		return "solaris"
	case elf.ELFOSABI_LINUX:
		return "linux"
	}
	return interpGOOS(interp, m)
}

// noteGOOS recognises the OS identification notes. Go's ".note.go.buildid"
// (owner "Go") and GNU build IDs say nothing about the OS.
func noteGOOS(n elfNote) string {
	switch n.name {
	case "NetBSD":
		if n.typ == 1 { // NT_NETBSD_IDENT; NetBSD also has PaX and other notes
			return "netbsd"
		}
	case "OpenBSD":
		return "openbsd"
	case "FreeBSD":
		return "freebsd"
	case "DragonFly":
		return "dragonfly"
	case "Android":
		return "android"
	case "GNU":
		if n.typ == 1 && len(n.desc) >= 4 { // NT_GNU_ABI_TAG: desc[0] is the OS
			switch n.bo.Uint32(n.desc) {
			case 0:
				return "linux"
			case 2:
				return "solaris"
			case 3:
				return "freebsd"
			case 4:
				return "netbsd"
			}
		}
	}
	return ""
}

// interpGOOS maps well-known dynamic loader paths to an OS. Solaris and
// illumos share loaders, so this says "solaris"; build info can correct it.
func interpGOOS(interp string, m elf.Machine) string {
	switch {
	case interp == "":
		return ""
	case interp == "/usr/libexec/ld.so":
		return "openbsd"
	case interp == "/libexec/ld-elf.so.1" || interp == "/usr/libexec/ld-elf.so.1":
		return "freebsd"
	case interp == "/usr/libexec/ld-elf.so.2":
		return "dragonfly"
	case interp == "/usr/libexec/ld.elf_so" || interp == "/libexec/ld.elf_so":
		return "netbsd"
	case strings.HasPrefix(interp, "/lib/ld-linux"), strings.HasPrefix(interp, "/lib64/ld-linux"),
		strings.HasPrefix(interp, "/lib/ld-musl-"), strings.HasPrefix(interp, "/lib64/ld64.so."):
		return "linux"
	case interp == "/usr/lib/ld.so.1", interp == "/usr/lib/amd64/ld.so.1", interp == "/lib/amd64/ld.so.1",
		interp == "/usr/lib/64/ld.so.1", interp == "/lib/64/ld.so.1", interp == "/usr/lib/sparcv9/ld.so.1":
		return "solaris"
	case interp == "/lib/ld.so.1":
		// glibc's loader on MIPS, PowerPC and RISC-V, but Solaris's on x86
		// and SPARC: the machine decides.
		switch m {
		case elf.EM_MIPS, elf.EM_PPC, elf.EM_PPC64, elf.EM_RISCV:
			return "linux"
		case elf.EM_386, elf.EM_SPARC, elf.EM_SPARCV9, elf.EM_X86_64:
			return "solaris"
		}
	}
	return ""
}
