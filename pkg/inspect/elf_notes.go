package inspect

import (
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// elfNote is one entry of a PT_NOTE segment or SHT_NOTE section.
type elfNote struct {
	name string
	typ  uint32
	desc []byte
	bo   binary.ByteOrder
}

// notes reads the note segments, then any note sections outside them (a
// file without program headers has only those; .note.go.buildid may be
// unallocated). Unreadable notes are skipped: they only inform GOOS and
// the build IDs. Headers may all point at the same bytes, so the total
// read is capped.
func (x *elfFile) notes(f *elf.File) []elfNote {
	type region struct{ off, size, align uint64 }
	var regions []region
	for _, p := range f.Progs {
		if p.Type == elf.PT_NOTE {
			regions = append(regions, region{p.Off, p.Filesz, p.Align})
		}
	}
	segments := len(regions)
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		covered := false
		for _, r := range regions[:segments] {
			covered = covered || (s.Offset >= r.off && s.Offset-r.off < r.size)
		}
		if !covered {
			regions = append(regions, region{s.Offset, s.FileSize, s.Addralign})
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

// The note types noteIDs reads (elf.h; Go's cmd/link for the Go note).
const (
	ntGNUABITag  = 1
	ntGNUBuildID = 3
	ntGoBuildID  = 4
)

// elfIDs is what the notes say about the build.
type elfIDs struct {
	gnuBuildID  string // NT_GNU_BUILD_ID, hex
	goBuildID   string // the Go toolchain's build ID
	gnuABILinux bool   // NT_GNU_ABI_TAG for Linux: glibc's crt1.o was linked in
}

func noteIDs(notes []elfNote) elfIDs {
	var ids elfIDs
	for _, n := range notes {
		switch {
		case n.name == "GNU" && n.typ == ntGNUBuildID && ids.gnuBuildID == "" && len(n.desc) > 0:
			ids.gnuBuildID = hex.EncodeToString(n.desc)
		case n.name == "Go" && n.typ == ntGoBuildID && ids.goBuildID == "":
			ids.goBuildID = strings.TrimRight(string(n.desc), "\x00")
		case n.name == "GNU" && n.typ == ntGNUABITag && len(n.desc) >= 4 && n.bo.Uint32(n.desc) == 0:
			ids.gnuABILinux = true
		}
	}
	return ids
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
func elfGOOS(abi elf.OSABI, m elf.Machine, notes []elfNote, interp string, needed []string) string {
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
	if goos := interpGOOS(interp, m); goos != "" {
		return goos
	}
	// A shared library has no loader to go by; glibc's and musl's sonames
	// exist only on Linux.
	for _, n := range needed {
		if n == "libc.so.6" || strings.HasPrefix(n, "libc.musl-") {
			return "linux"
		}
	}
	return ""
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
