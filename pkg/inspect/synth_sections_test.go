package inspect

// A builder that gives a synthetic ELF (from buildELF) section headers with
// GNU symbol versioning, so the version rules can be tested on files that
// hold exactly the entries a rule talks about.

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

type synthVer struct {
	name  string
	index uint16
}

type synthNeed struct {
	lib  string
	vers []synthVer
}

type synthSym struct {
	name    string
	index   uint16 // .gnu.version entry
	defined bool
}

// elfSections describes the sections added to a buildELF file.
type elfSections struct {
	needs  []synthNeed
	syms   []synthSym
	symtab bool     // add an SHT_SYMTAB (not stripped)
	extra  []string // empty SHT_PROGBITS sections, e.g. ".debug_info"

	verneedInfo *uint32 // overrides .gnu.version_r sh_info (entry count)
	dynsymSize  uint64  // overrides .dynsym sh_size
	patch       func(verneed []byte)
}

// withSections appends .dynstr, .dynsym, .gnu.version, .gnu.version_r,
// optional extras and .shstrtab to a little-endian ELF64 from buildELF, and
// points the ELF header at their section headers.
func withSections(base []byte, s elfSections) []byte {
	le := binary.LittleEndian
	out := bytes.Clone(base)
	align := func(n int) {
		for len(out)%n != 0 {
			out = append(out, 0)
		}
	}
	strtab := []byte{0}
	str := func(v string) uint32 {
		o := uint32(len(strtab))
		strtab = append(strtab, v...)
		strtab = append(strtab, 0)
		return o
	}

	// .dynsym and .gnu.version
	dynsym := make([]byte, 24) // null symbol
	versym := make([]byte, 2)
	for _, sym := range s.syms {
		e := make([]byte, 24)
		le.PutUint32(e, str(sym.name))
		e[4] = byte(elf.STB_GLOBAL)<<4 | byte(elf.STT_FUNC)
		if sym.defined {
			le.PutUint16(e[6:], 12)
		}
		dynsym = append(dynsym, e...)
		versym = le.AppendUint16(versym, sym.index)
	}
	// .gnu.version_r
	var verneed []byte
	for i, n := range s.needs {
		e := make([]byte, 16)
		le.PutUint16(e, 1)
		le.PutUint16(e[2:], uint16(len(n.vers)))
		le.PutUint32(e[4:], str(n.lib))
		le.PutUint32(e[8:], 16)
		if i < len(s.needs)-1 {
			le.PutUint32(e[12:], uint32(16+16*len(n.vers)))
		}
		verneed = append(verneed, e...)
		for j, v := range n.vers {
			a := make([]byte, 16)
			le.PutUint16(a[6:], v.index)
			le.PutUint32(a[8:], str(v.name))
			if j < len(n.vers)-1 {
				le.PutUint32(a[12:], 16)
			}
			verneed = append(verneed, a...)
		}
	}
	if s.patch != nil {
		s.patch(verneed)
	}

	type shdr struct {
		name                string
		typ                 elf.SectionType
		off, size           uint64
		link, info, entsize uint32
	}
	var shdrs []shdr
	add := func(name string, typ elf.SectionType, data []byte, link, info, entsize uint32) {
		align(8)
		shdrs = append(shdrs, shdr{name, typ, uint64(len(out)), uint64(len(data)), link, info, entsize})
		out = append(out, data...)
	}
	const dynstrIdx, dynsymIdx = 1, 2
	nInfo := uint32(len(s.needs))
	if s.verneedInfo != nil {
		nInfo = *s.verneedInfo
	}
	// Section 1 is .dynstr, but its bytes are complete only after every
	// name is added: reserve its slot now and fill it in below.
	shdrs = append(shdrs, shdr{}, shdr{})
	add(".dynsym", elf.SHT_DYNSYM, dynsym, dynstrIdx, 1, 24)
	add(".gnu.version", elf.SHT_GNU_VERSYM, versym, dynsymIdx, 0, 2)
	add(".gnu.version_r", elf.SHT_GNU_VERNEED, verneed, dynstrIdx, nInfo, 0)
	if s.symtab {
		add(".symtab", elf.SHT_SYMTAB, make([]byte, 24), dynstrIdx, 1, 24)
	}
	for _, name := range s.extra {
		add(name, elf.SHT_PROGBITS, []byte{0}, 0, 0, 0)
	}
	align(8)
	shdrs[dynstrIdx] = shdr{".dynstr", elf.SHT_STRTAB, uint64(len(out)), uint64(len(strtab)), 0, 0, 0}
	out = append(out, strtab...)
	if s.dynsymSize != 0 {
		shdrs[dynsymIdx].size = s.dynsymSize
	}

	shstr := []byte{0}
	names := make([]uint32, len(shdrs)+1)
	for i, h := range shdrs {
		if h.name != "" {
			names[i] = uint32(len(shstr))
			shstr = append(append(shstr, h.name...), 0)
		}
	}
	names[len(shdrs)] = uint32(len(shstr))
	shstr = append(shstr, ".shstrtab\x00"...)
	align(8)
	shdrs = append(shdrs, shdr{".shstrtab", elf.SHT_STRTAB, uint64(len(out)), uint64(len(shstr)), 0, 0, 0})
	out = append(out, shstr...)

	align(8)
	shoff := len(out)
	for i, h := range shdrs {
		e := make([]byte, 64)
		if i > 0 {
			le.PutUint32(e, names[i])
			le.PutUint32(e[4:], uint32(h.typ))
			le.PutUint64(e[24:], h.off)
			le.PutUint64(e[32:], h.size)
			le.PutUint32(e[40:], h.link)
			le.PutUint32(e[44:], h.info)
			le.PutUint64(e[48:], 8)
			le.PutUint64(e[56:], uint64(h.entsize))
		}
		out = append(out, e...)
	}
	le.PutUint64(out[40:], uint64(shoff))
	le.PutUint16(out[58:], 64)
	le.PutUint16(out[60:], uint16(len(shdrs)))
	le.PutUint16(out[62:], uint16(len(shdrs)-1))
	return out
}

// glibcSections is a typical C program's versioning: two libraries, glibc
// versions out of order, GLIBC_PRIVATE, and imports of each.
func glibcSections() elfSections {
	return elfSections{
		needs: []synthNeed{
			{"libm.so.6", []synthVer{{"GLIBC_2.29", 5}}},
			{"libc.so.6", []synthVer{{"GLIBC_2.2.5", 2}, {"GLIBC_2.17", 3}, {"GLIBC_2.3.4", 4}, {"GLIBC_PRIVATE", 6}}},
		},
		syms: []synthSym{
			{name: "malloc", index: 2},
			{name: "clock_gettime", index: 3},
			{name: "__fprintf_chk", index: 4},
			{name: "exp", index: 5},
			{name: "__libc_secret", index: 6},
			{name: "secure_getenv", index: 3 | 0x8000}, // the hidden bit does not change the version
			{name: "exported_fn", index: 3, defined: true},
			{name: "unversioned", index: 1},
		},
	}
}
