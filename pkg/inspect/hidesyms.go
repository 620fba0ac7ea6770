package inspect

import (
	"debug/macho"
	"encoding/binary"
	"io"
)

// debug/macho and debug/pe decode the whole symbol table of every file they
// open, one allocation per symbol, and inspect needs none of the symbols:
// only whether there are any (or any local ones). For an unstripped binary
// that decoding was most of the cost of reading its headers. So each parser
// is handed a view of the file in which the header fields locating the
// symbol table read as zero, and this file reads what Stripped needs from
// the real table itself. A file whose symbol table is broken (past the end
// of the file, say) is not patched: the parser reads it as it always did
// and reports the same error.

// patchedReader reads r with some byte ranges replaced by patches.
type patchedReader struct {
	r       io.ReaderAt
	patches []patch
}

// patch is bytes b shown at offset off instead of the file's.
type patch struct {
	off int64
	b   []byte
}

func (p *patchedReader) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.r.ReadAt(b, off)
	for _, pt := range p.patches {
		lo, hi := max(off, pt.off), min(off+int64(n), pt.off+int64(len(pt.b)))
		if lo < hi {
			copy(b[lo-off:hi-off], pt.b[lo-pt.off:hi-pt.off])
		}
	}
	return n, err
}

// machoSymtab is LC_SYMTAB as the file has it.
type machoSymtab struct {
	symoff, nsyms, stroff, strsize uint32
}

// machoHideSymbols returns a view of the thin Mach-O in r in which LC_SYMTAB
// and LC_DYSYMTAB describe empty tables, and the real LC_SYMTAB. hidden is
// false, and the view is r itself, when there is no LC_SYMTAB or the load
// commands are not what it can patch safely: those are left for debug/macho
// to decode or report as before.
func machoHideSymbols(r io.ReaderAt, size int64) (view io.ReaderAt, st *machoSymtab, hidden bool) {
	hdr, err := readAt(r, size, 0, 32)
	if err != nil {
		return r, nil, false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if m := binary.BigEndian.Uint32(hdr); m == macho.Magic32 || m == macho.Magic64 {
		bo = binary.BigEndian
	}
	hdrLen := int64(28)
	if bo.Uint32(hdr) == macho.Magic64 {
		hdrLen = 32
	}
	ncmds, sizeofcmds := bo.Uint32(hdr[16:]), bo.Uint32(hdr[20:])
	cmds, err := readAt(r, size, hdrLen, uint64(sizeofcmds))
	if err != nil {
		return r, nil, false
	}
	var patches []patch
	zero := func(cmdOff int, fields ...int) {
		for _, f := range fields {
			patches = append(patches, patch{off: hdrLen + int64(cmdOff+f), b: make([]byte, 4)})
		}
	}
	for i, off := uint32(0), 0; i < ncmds; i++ {
		if len(cmds)-off < 8 {
			break
		}
		cmd, n := bo.Uint32(cmds[off:]), int(bo.Uint32(cmds[off+4:]))
		if n < 8 || n > len(cmds)-off {
			break
		}
		c := cmds[off : off+n]
		switch macho.LoadCmd(cmd) {
		case macho.LoadCmdSymtab:
			if n < 24 || st != nil {
				return r, nil, false
			}
			st = &machoSymtab{symoff: bo.Uint32(c[8:]), nsyms: bo.Uint32(c[12:]), stroff: bo.Uint32(c[16:]), strsize: bo.Uint32(c[20:])}
			if !st.fits(size, hdrLen == 32) {
				return r, nil, false // debug/macho reports it
			}
			zero(off, 12, 20) // nsyms, strsize
		case macho.LoadCmdDysymtab:
			if n < 80 {
				return r, nil, false
			}
			zero(off, 8, 12, 16, 20, 24, 28, 60) // the symbol index ranges and nindirectsyms
		}
		off += n
	}
	if st == nil {
		return r, nil, false
	}
	return &patchedReader{r: r, patches: patches}, st, true
}

// fits reports whether the symbol and string tables lie inside the file,
// which debug/macho checks by reading them.
func (st *machoSymtab) fits(size int64, is64 bool) bool {
	total := uint64(st.nsyms) * machoNlistSize(is64)
	return uint64(st.symoff) <= uint64(size) && total <= uint64(size)-uint64(st.symoff) &&
		uint64(st.stroff) <= uint64(size) && uint64(st.strsize) <= uint64(size)-uint64(st.stroff)
}

// machoNlistSize is the size of one symbol table entry.
func machoNlistSize(is64 bool) uint64 {
	if is64 {
		return 16
	}
	return 12
}

// machoStrippedAt applies the stripped rule (machoLocalSymbol) to the
// symbol table st describes, reading only the type byte of each entry
// until a local or debugging symbol turns up.
func machoStrippedAt(r io.ReaderAt, size int64, st *machoSymtab, is64 bool) (bool, error) {
	if st == nil {
		return true, nil
	}
	ent := machoNlistSize(is64)
	total := uint64(st.nsyms) * ent
	if !st.fits(size, is64) {
		return false, atOffset("Mach-O symbol table", int64(st.symoff), errTruncated)
	}
	chunk := uint64(4 << 10) // an unstripped file's first entries are local
	for done := uint64(0); done < total; {
		n := min(chunk/ent*ent, total-done)
		b, err := readAt(r, size, int64(st.symoff)+int64(done), n)
		if err != nil {
			return false, atOffset("Mach-O symbol table", int64(st.symoff)+int64(done), err)
		}
		for e := b; len(e) >= int(ent); e = e[ent:] {
			if machoLocalSymbol(e[4]) {
				return false, nil
			}
		}
		done += n
		chunk = 256 << 10
	}
	return true, nil
}

// peHideSymbols returns a view of the PE file in r in which the COFF file
// header has no symbol table, and the number of symbols the real header
// gives. Section names longer than eight bytes live in the COFF string
// table ("/123"); they are blanked in the view and returned in long, by
// section index, for describe to put back. hidden is false, and the view
// is r itself, when there is no symbol table or anything about it is
// broken (a table past the end of the file, a long name outside the string
// table): debug/pe then reads the file as it always did, and reports those.
func peHideSymbols(r io.ReaderAt, size int64) (view io.ReaderAt, nsyms uint32, long map[int]string, hidden bool) {
	dos, err := readAt(r, size, 0, 0x40)
	if err != nil {
		return r, 0, nil, false
	}
	fh := int64(binary.LittleEndian.Uint32(dos[0x3c:])) + 4
	h, err := readAt(r, size, fh-4, 24)
	if err != nil || string(h[:4]) != "PE\x00\x00" {
		return r, 0, nil, false
	}
	h = h[4:]
	nsec, ptr, opt := binary.LittleEndian.Uint16(h[2:]), binary.LittleEndian.Uint32(h[8:]), binary.LittleEndian.Uint16(h[16:])
	nsyms = binary.LittleEndian.Uint32(h[12:])
	if ptr == 0 {
		return r, 0, nil, false // no table: nothing to decode
	}
	strtab := uint64(ptr) + 18*uint64(nsyms)
	if strtab > uint64(size) || uint64(size)-strtab < 4 {
		return r, 0, nil, false
	}
	lb, err := readAt(r, size, int64(strtab), 4)
	if err != nil {
		return r, 0, nil, false
	}
	strLen := uint64(binary.LittleEndian.Uint32(lb))
	if strLen > uint64(size)-strtab {
		return r, 0, nil, false
	}
	patches := []patch{{off: fh + 8, b: make([]byte, 8)}} // PointerToSymbolTable, NumberOfSymbols
	shoff := fh + 20 + int64(opt)
	secs, err := readAt(r, size, shoff, uint64(nsec)*40)
	if err != nil {
		return r, 0, nil, false
	}
	long = map[int]string{}
	for i := range int(nsec) {
		name := secs[i*40 : i*40+8]
		if name[0] != '/' {
			continue
		}
		var off uint64
		for _, c := range cstring(name[1:]) {
			if c < '0' || c > '9' || off > strLen {
				return r, 0, nil, false
			}
			off = off*10 + uint64(c-'0')
		}
		if off < 4 || off > strLen {
			return r, 0, nil, false
		}
		b, err := readAt(r, size, int64(strtab+off), min(strLen-off, 1<<10))
		if err != nil {
			return r, 0, nil, false
		}
		long[i] = cstring(b)
		patches = append(patches, patch{off: shoff + int64(i*40), b: make([]byte, 8)})
	}
	return &patchedReader{r: r, patches: patches}, nsyms, long, true
}
