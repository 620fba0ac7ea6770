package inspect

// Builders for small synthetic binaries, so each rule can be tested on a
// file that has exactly the headers the rule talks about.

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
)

// elfSpec describes a minimal ELF64 file: one PT_LOAD covering the file,
// optional PT_INTERP, PT_DYNAMIC and PT_NOTE, and no section headers.
type elfSpec struct {
	typ     elf.Type
	machine elf.Machine
	bo      binary.ByteOrder // default little-endian
	osabi   elf.OSABI
	interp  string // "" means no PT_INTERP
	dynamic bool   // emit PT_DYNAMIC (implied by needed/soname/flags1)
	needed  []string
	soname  string
	flags1  uint64
	notes   []elfNote
	modinfo string // when set, embed Go build info (go1.26.8) in a writable PT_LOAD
}

// goBuildInfoBlob is the linker's go:buildinfo symbol in the inline format
// (Go 1.18+): 32-byte header, then varint-prefixed version and modinfo.
func goBuildInfoBlob(version, modinfo string) []byte {
	b := make([]byte, 32)
	copy(b, "\xff Go buildinf:")
	b[14] = 8    // pointer size
	b[15] = 0x02 // inline strings, little-endian
	framed := string(modinfoStart) + modinfo + string(modinfoEnd)
	b = binary.AppendUvarint(b, uint64(len(version)))
	b = append(b, version...)
	b = binary.AppendUvarint(b, uint64(len(framed)))
	return append(b, framed...)
}

const synthBase = 0x400000

func buildELF(s elfSpec) []byte {
	bo := s.bo
	if bo == nil {
		bo = binary.LittleEndian
	}
	if s.machine == 0 {
		s.machine = elf.EM_X86_64
	}
	if s.typ == 0 {
		s.typ = elf.ET_EXEC
	}
	dynamic := s.dynamic || len(s.needed) > 0 || s.soname != "" || s.flags1 != 0

	// Payload area after the header and program headers.
	type phdr struct {
		typ            elf.ProgType
		off, size, aln uint64
		flags          elf.ProgFlag
	}
	var progs []phdr
	nph := 1
	if s.interp != "" {
		nph++
	}
	if dynamic {
		nph++
	}
	if len(s.notes) > 0 {
		nph++
	}
	if s.modinfo != "" {
		nph++
	}
	var data bytes.Buffer
	dataStart := uint64(64 + 56*nph)
	add := func(b []byte, align uint64) uint64 {
		for (dataStart+uint64(data.Len()))%align != 0 {
			data.WriteByte(0)
		}
		off := dataStart + uint64(data.Len())
		data.Write(b)
		return off
	}
	if s.interp != "" {
		off := add(append([]byte(s.interp), 0), 1)
		progs = append(progs, phdr{elf.PT_INTERP, off, uint64(len(s.interp) + 1), 1, elf.PF_R})
	}
	if len(s.notes) > 0 {
		var nb bytes.Buffer
		for _, n := range s.notes {
			w32 := func(v uint32) { _ = binary.Write(&nb, bo, v) }
			name := []byte(n.name + "\x00")
			w32(uint32(len(name)))
			w32(uint32(len(n.desc)))
			w32(n.typ)
			nb.Write(name)
			for nb.Len()%4 != 0 {
				nb.WriteByte(0)
			}
			nb.Write(n.desc)
			for nb.Len()%4 != 0 {
				nb.WriteByte(0)
			}
		}
		off := add(nb.Bytes(), 4)
		progs = append(progs, phdr{elf.PT_NOTE, off, uint64(nb.Len()), 4, elf.PF_R})
	}
	if dynamic {
		strtab := []byte{0}
		str := func(v string) uint64 {
			o := uint64(len(strtab))
			strtab = append(strtab, v...)
			strtab = append(strtab, 0)
			return o
		}
		type dyn struct{ tag, val uint64 }
		var dyns []dyn
		for _, n := range s.needed {
			dyns = append(dyns, dyn{uint64(elf.DT_NEEDED), str(n)})
		}
		if s.soname != "" {
			dyns = append(dyns, dyn{uint64(elf.DT_SONAME), str(s.soname)})
		}
		if s.flags1 != 0 {
			dyns = append(dyns, dyn{uint64(elf.DT_FLAGS_1), s.flags1})
		}
		stroff := add(strtab, 1)
		dyns = append(dyns, dyn{uint64(elf.DT_STRTAB), synthBase + stroff}, dyn{uint64(elf.DT_STRSZ), uint64(len(strtab))}, dyn{})
		var db bytes.Buffer
		for _, d := range dyns {
			_ = binary.Write(&db, bo, d.tag)
			_ = binary.Write(&db, bo, d.val)
		}
		off := add(db.Bytes(), 8)
		progs = append(progs, phdr{elf.PT_DYNAMIC, off, uint64(db.Len()), 8, elf.PF_R | elf.PF_W})
	}
	if s.modinfo != "" {
		blob := goBuildInfoBlob("go1.26.8", s.modinfo)
		off := add(blob, 16)
		progs = append(progs, phdr{elf.PT_LOAD, off, uint64(len(blob)), 16, elf.PF_R | elf.PF_W})
	}
	total := dataStart + uint64(data.Len())
	progs = append([]phdr{{elf.PT_LOAD, 0, total, 0x1000, elf.PF_R | elf.PF_X}}, progs...)

	var out bytes.Buffer
	ident := [16]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT), byte(s.osabi)}
	if bo == binary.BigEndian {
		ident[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
	}
	out.Write(ident[:])
	w := func(v any) { _ = binary.Write(&out, bo, v) }
	w(uint16(s.typ))
	w(uint16(s.machine))
	w(uint32(elf.EV_CURRENT))
	w(uint64(synthBase + 0x1000)) // entry
	w(uint64(64))                 // phoff
	w(uint64(0))                  // shoff
	w(uint32(0))                  // flags
	w(uint16(64))                 // ehsize
	w(uint16(56))                 // phentsize
	w(uint16(len(progs)))         // phnum
	w(uint16(64))                 // shentsize
	w(uint16(0))                  // shnum
	w(uint16(0))                  // shstrndx
	for _, p := range progs {
		w(uint32(p.typ))
		w(uint32(p.flags))
		w(p.off)
		w(synthBase + p.off) // vaddr
		w(synthBase + p.off) // paddr
		w(p.size)            // filesz
		w(p.size)            // memsz
		w(p.aln)
	}
	out.Write(data.Bytes())
	return out.Bytes()
}

// Helpers for WebAssembly's binary encoding.
func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func wasmName(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func wasmSection(id byte, payload []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(payload)))...), payload...)
}

// wasmFuncImports builds an import section importing one function from each
// module.
func wasmFuncImports(modules ...string) []byte {
	p := uleb(uint64(len(modules)))
	for _, m := range modules {
		p = append(p, wasmName(m)...)
		p = append(p, wasmName("f")...)
		p = append(p, 0x00, 0x00) // func, type 0
	}
	return wasmSection(2, p)
}

func wasmModule(sections ...[]byte) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

// machoSpec describes a minimal little-endian 64-bit Mach-O.
type machoSpec struct {
	cpu      macho.Cpu
	typ      macho.Type
	flags    uint32
	platform uint32 // LC_BUILD_VERSION platform; 0 means no such command
	minos    uint32 // LC_BUILD_VERSION minos and sdk, packed xxxx.yy.zz
	sdk      uint32
	minCmd   uint32    // an LC_VERSION_MIN_* command; 0 means none
	minVer   [2]uint32 // its version and sdk
	uuid     []byte    // LC_UUID; nil means none
	dylinker string
	dylibs   map[uint32][]string // load command -> dylib names
}

func buildMachO(s machoSpec) []byte {
	bo := binary.LittleEndian
	var cmds bytes.Buffer
	ncmds := 0
	pad8 := func(b []byte) []byte {
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		return b
	}
	if s.platform != 0 {
		c := make([]byte, 24)
		bo.PutUint32(c, lcBuildVersion)
		bo.PutUint32(c[4:], 24)
		bo.PutUint32(c[8:], s.platform)
		bo.PutUint32(c[12:], s.minos)
		bo.PutUint32(c[16:], s.sdk)
		cmds.Write(c)
		ncmds++
	}
	if s.minCmd != 0 {
		c := make([]byte, 16)
		bo.PutUint32(c, s.minCmd)
		bo.PutUint32(c[4:], 16)
		bo.PutUint32(c[8:], s.minVer[0])
		bo.PutUint32(c[12:], s.minVer[1])
		cmds.Write(c)
		ncmds++
	}
	if s.uuid != nil {
		c := make([]byte, 24)
		bo.PutUint32(c, lcUUID)
		bo.PutUint32(c[4:], 24)
		copy(c[8:], s.uuid)
		cmds.Write(c)
		ncmds++
	}
	if s.dylinker != "" {
		c := pad8(append(make([]byte, 12), s.dylinker+"\x00"...))
		bo.PutUint32(c, lcLoadDylinker)
		bo.PutUint32(c[4:], uint32(len(c)))
		bo.PutUint32(c[8:], 12)
		cmds.Write(c)
		ncmds++
	}
	for _, cmd := range []uint32{lcLoadDylib, lcLoadWeakDylib, lcReexportDylib, lcLazyLoadDylib, lcLoadUpwardDylib} {
		for _, name := range s.dylibs[cmd] {
			c := pad8(append(make([]byte, 24), name+"\x00"...))
			bo.PutUint32(c, cmd)
			bo.PutUint32(c[4:], uint32(len(c)))
			bo.PutUint32(c[8:], 24)
			cmds.Write(c)
			ncmds++
		}
	}
	if s.typ == 0 {
		s.typ = macho.TypeExec
	}
	if s.cpu == 0 {
		s.cpu = macho.CpuArm64
	}
	h := make([]byte, 32)
	bo.PutUint32(h, macho.Magic64)
	bo.PutUint32(h[4:], uint32(s.cpu))
	bo.PutUint32(h[12:], uint32(s.typ))
	bo.PutUint32(h[16:], uint32(ncmds))
	bo.PutUint32(h[20:], uint32(cmds.Len()))
	bo.PutUint32(h[24:], s.flags)
	return append(h, cmds.Bytes()...)
}

// buildFat joins thin Mach-O images into a 32-bit fat file, each slice
// aligned to 1<<alignLog2 as lipo does.
func buildFat(alignLog2 uint32, thins ...[]byte) []byte {
	align := uint64(1) << alignLog2
	out := make([]byte, 8+20*len(thins))
	binary.BigEndian.PutUint32(out, fatMagic32)
	binary.BigEndian.PutUint32(out[4:], uint32(len(thins)))
	for i, t := range thins {
		for uint64(len(out))%align != 0 {
			out = append(out, 0)
		}
		e := out[8+20*i:]
		binary.BigEndian.PutUint32(e, binary.LittleEndian.Uint32(t[4:]))     // cputype
		binary.BigEndian.PutUint32(e[4:], binary.LittleEndian.Uint32(t[8:])) // cpusubtype
		binary.BigEndian.PutUint32(e[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(e[12:], uint32(len(t)))
		binary.BigEndian.PutUint32(e[16:], alignLog2)
		out = append(out, t...)
	}
	return out
}

// buildXCOFF builds a 64-bit XCOFF with one loader section whose import
// table holds the default LIBPATH followed by the given (path, base, member)
// import IDs.
func buildXCOFF(flags uint16, imports ...[3]string) []byte {
	table := []byte("/usr/lib:/lib\x00\x00\x00")
	for _, id := range imports {
		table = append(table, id[0]+"\x00"+id[1]+"\x00"+id[2]+"\x00"...)
	}
	const shoff, ldoff = 24, 24 + 72
	b := make([]byte, ldoff+56+len(table))
	be := binary.BigEndian
	be.PutUint16(b, xcoffMagic64)
	be.PutUint16(b[2:], 1) // one section
	be.PutUint16(b[18:], flags)
	copy(b[shoff:], ".loader")
	be.PutUint64(b[shoff+24:], uint64(56+len(table))) // s_size
	be.PutUint64(b[shoff+32:], ldoff)                 // s_scnptr
	be.PutUint32(b[shoff+64:], xcoffTypeLoader)
	be.PutUint32(b[ldoff+12:], uint32(len(table)))     // l_istlen
	be.PutUint32(b[ldoff+16:], uint32(len(imports)+1)) // l_nimpid
	be.PutUint64(b[ldoff+24:], 56)                     // l_impoff
	copy(b[ldoff+56:], table)
	return b
}

// peSpec describes a minimal PE32+ image with one .idata section.
type peSpec struct {
	machine   uint16
	chars     uint16 // file characteristics
	dllChars  uint16
	subsystem uint16
	osVersion [2]uint16   // MajorOperatingSystemVersion, Minor; also used as the subsystem version
	imports   [][2]string // (dll, symbol) pairs, grouped by dll in order
	// rawDescriptors, when set, replaces the import section contents.
	rawDescriptors []byte
}

func buildPE(s peSpec) []byte {
	const secVA, secOff = 0x1000, 0x200
	le := binary.LittleEndian
	var sec []byte
	if s.rawDescriptors != nil {
		sec = s.rawDescriptors
	} else {
		var dlls []string
		syms := map[string][]string{}
		for _, imp := range s.imports {
			if _, ok := syms[imp[0]]; !ok {
				dlls = append(dlls, imp[0])
			}
			syms[imp[0]] = append(syms[imp[0]], imp[1])
		}
		sec = make([]byte, 20*(len(dlls)+1))
		for i, dll := range dlls {
			ilt := uint32(len(sec))
			sec = append(sec, make([]byte, 8*(len(syms[dll])+1))...)
			for j, sym := range syms[dll] {
				le.PutUint64(sec[ilt+uint32(8*j):], uint64(secVA+len(sec)))
				sec = append(sec, 0, 0) // hint
				sec = append(sec, sym+"\x00"...)
			}
			name := uint32(len(sec))
			sec = append(sec, dll+"\x00"...)
			d := sec[20*i:]
			le.PutUint32(d, secVA+ilt)       // OriginalFirstThunk
			le.PutUint32(d[12:], secVA+name) // Name
			le.PutUint32(d[16:], secVA+ilt)  // FirstThunk
		}
	}
	for len(sec)%0x200 != 0 {
		sec = append(sec, 0)
	}
	b := make([]byte, secOff)
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	fh := b[0x44:]
	le.PutUint16(fh, s.machine)
	le.PutUint16(fh[2:], 1)    // sections
	le.PutUint16(fh[16:], 240) // SizeOfOptionalHeader
	le.PutUint16(fh[18:], s.chars)
	oh := fh[20:]
	le.PutUint16(oh, 0x20b)
	le.PutUint16(oh[40:], s.osVersion[0])
	le.PutUint16(oh[42:], s.osVersion[1])
	le.PutUint16(oh[48:], s.osVersion[0])
	le.PutUint16(oh[50:], s.osVersion[1])
	le.PutUint16(oh[68:], s.subsystem)
	le.PutUint16(oh[70:], s.dllChars)
	le.PutUint32(oh[108:], 16) // NumberOfRvaAndSizes
	if len(s.imports) > 0 || s.rawDescriptors != nil {
		le.PutUint32(oh[112+8:], secVA) // import directory
		le.PutUint32(oh[112+12:], uint32(len(sec)))
	}
	sh := oh[240:]
	copy(sh, ".idata")
	le.PutUint32(sh[8:], uint32(len(sec)))  // VirtualSize
	le.PutUint32(sh[12:], secVA)            // VirtualAddress
	le.PutUint32(sh[16:], uint32(len(sec))) // SizeOfRawData
	le.PutUint32(sh[20:], secOff)           // PointerToRawData
	return append(b, sec...)
}
