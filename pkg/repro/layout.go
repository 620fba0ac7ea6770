package repro

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// region is a named byte range of a file: a section, a header, a table.
type region struct {
	name    string
	off     int64
	size    int64
	section bool // a named section whose contents are compared
	buildID bool // bytes derived from the build ID alone
}

func (r region) contains(off int64) bool { return off >= r.off && off < r.off+r.size }

// layout is where things are in one binary, so that a differing offset can
// be named and sections can be compared by name.
type layout struct {
	format  string
	regions []region
}

// sections are the layout's section regions in file order.
func (l *layout) sections() []region {
	var out []region
	for _, r := range l.regions {
		if r.section {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].off < out[j].off })
	return out
}

// at names the most specific region holding off, or "" when none does.
func (l *layout) at(off int64) (region, bool) {
	var best region
	found := false
	for _, r := range l.regions {
		if r.contains(off) && (!found || r.size < best.size) {
			best, found = r, true
		}
	}
	return best, found
}

// inBuildID says whether off lies in bytes that only the build ID decides.
func (l *layout) inBuildID(off int64) bool {
	for _, r := range l.regions {
		if r.buildID && r.contains(off) {
			return true
		}
	}
	return false
}

// Formats of the files Compare understands beyond plain bytes.
const (
	formatELF   = "elf"
	formatMachO = "macho"
	formatPE    = "pe"
	formatZip   = "zip"
	formatGzip  = "gzip"
	formatOther = ""
)

// sniff picks the format by magic bytes, like debug/buildinfo does.
func sniff(ident []byte) string {
	switch {
	case bytes.HasPrefix(ident, []byte("\x7fELF")):
		return formatELF
	case bytes.HasPrefix(ident, []byte("\xfe\xed\xfa")) || len(ident) >= 4 && bytes.HasPrefix(ident[1:], []byte("\xfa\xed\xfe")):
		return formatMachO
	case bytes.HasPrefix(ident, []byte("MZ")):
		return formatPE
	case bytes.HasPrefix(ident, []byte("PK\x03\x04")):
		return formatZip
	case bytes.HasPrefix(ident, []byte("\x1f\x8b")):
		return formatGzip
	}
	return formatOther
}

// readLayout parses the headers of the file in r. A file whose magic names
// a format but whose headers do not parse is an error; the caller names the
// file. Panics in the standard library's parsers become errors.
func readLayout(r io.ReaderAt, size int64) (l *layout, err error) {
	defer func() {
		if v := recover(); v != nil {
			l, err = nil, fmt.Errorf("malformed headers: %v", v)
		}
	}()
	ident := make([]byte, min(size, 16))
	if _, err := r.ReadAt(ident, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	l = &layout{format: sniff(ident)}
	switch l.format {
	case formatELF:
		err = l.readELF(r, size)
	case formatMachO:
		err = l.readMachO(r, size)
	case formatPE:
		err = l.readPE(r, size)
	}
	if err != nil {
		return nil, err
	}
	for _, s := range l.regions {
		if s.off < 0 || s.size < 0 || s.off+s.size > size {
			return nil, fmt.Errorf("malformed %s: %s at offset %#x (%d bytes) runs past the end of the file (%d bytes)", l.format, s.name, s.off, s.size, size)
		}
	}
	dedupe(l.regions)
	return l, nil
}

// dedupe gives repeated section names an occurrence suffix ("#2") so
// sections can be matched by name between two files.
func dedupe(rs []region) {
	seen := map[string]int{}
	for i := range rs {
		if !rs[i].section {
			continue
		}
		seen[rs[i].name]++
		if n := seen[rs[i].name]; n > 1 {
			rs[i].name = fmt.Sprintf("%s#%d", rs[i].name, n)
		}
	}
}

func (l *layout) add(r region) { l.regions = append(l.regions, r) }

func (l *layout) readELF(r io.ReaderAt, size int64) error {
	f, err := elf.NewFile(r)
	if err != nil {
		return fmt.Errorf("malformed ELF: %w", truncated(err))
	}
	// debug/elf keeps no header offsets; read them from the ELF header.
	hdr := make([]byte, 64)
	if n, _ := r.ReadAt(hdr, 0); n < 52 {
		return errors.New("malformed ELF: truncated header")
	}
	bo := f.ByteOrder
	var phoff, shoff uint64
	var ehsize, phentsize, phnum, shentsize, shnum uint16
	if f.Class == elf.ELFCLASS64 {
		phoff, shoff = bo.Uint64(hdr[0x20:]), bo.Uint64(hdr[0x28:])
		ehsize, phentsize, phnum = bo.Uint16(hdr[0x34:]), bo.Uint16(hdr[0x36:]), bo.Uint16(hdr[0x38:])
		shentsize, shnum = bo.Uint16(hdr[0x3a:]), bo.Uint16(hdr[0x3c:])
	} else {
		phoff, shoff = uint64(bo.Uint32(hdr[0x1c:])), uint64(bo.Uint32(hdr[0x20:]))
		ehsize, phentsize, phnum = bo.Uint16(hdr[0x28:]), bo.Uint16(hdr[0x2a:]), bo.Uint16(hdr[0x2c:])
		shentsize, shnum = bo.Uint16(hdr[0x2e:]), bo.Uint16(hdr[0x30:])
	}
	l.add(region{name: "the ELF header", off: 0, size: int64(ehsize)})
	if phnum > 0 {
		l.add(region{name: "the ELF program headers", off: clamp(phoff), size: int64(phentsize) * int64(phnum)})
	}
	if shnum > 0 {
		l.add(region{name: "the ELF section headers", off: clamp(shoff), size: int64(shentsize) * int64(len(f.Sections))})
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NULL || s.Type == elf.SHT_NOBITS {
			continue
		}
		buildID := s.Name == ".note.go.buildid" || s.Name == ".note.gnu.build-id"
		l.add(region{name: s.Name, off: clamp(s.Offset), size: clamp(s.FileSize), section: true, buildID: buildID})
	}
	return nil
}

// Mach-O load commands worth naming when a difference falls in one.
const (
	lcUUID          = 0x1b
	lcCodeSignature = 0x1d
)

var loadCommandNames = map[uint32]string{
	0x1: "LC_SEGMENT", 0x2: "LC_SYMTAB", 0x5: "LC_UNIXTHREAD", 0xb: "LC_DYSYMTAB",
	0xc: "LC_LOAD_DYLIB", 0xe: "LC_LOAD_DYLINKER", 0x19: "LC_SEGMENT_64",
	lcUUID: "LC_UUID", lcCodeSignature: "LC_CODE_SIGNATURE", 0x24: "LC_VERSION_MIN_MACOSX",
	0x26: "LC_FUNCTION_STARTS", 0x29: "LC_DATA_IN_CODE", 0x2a: "LC_SOURCE_VERSION",
	0x32: "LC_BUILD_VERSION", 0x80000022: "LC_DYLD_INFO_ONLY", 0x80000028: "LC_MAIN",
}

func (l *layout) readMachO(r io.ReaderAt, size int64) error {
	f, err := macho.NewFile(r)
	if err != nil {
		return fmt.Errorf("malformed Mach-O: %w", truncated(err))
	}
	hdrSize := int64(28)
	if f.Magic == macho.Magic64 {
		hdrSize = 32
	}
	l.add(region{name: "the Mach-O header", off: 0, size: hdrSize})
	off := hdrSize
	for _, ld := range f.Loads {
		raw := ld.Raw()
		if len(raw) < 8 {
			continue
		}
		cmd := f.ByteOrder.Uint32(raw)
		name, ok := loadCommandNames[cmd]
		if !ok {
			name = fmt.Sprintf("load command %#x", cmd)
		}
		l.add(region{name: "the " + name + " load command", off: off, size: int64(len(raw)), buildID: cmd == lcUUID})
		if cmd == lcCodeSignature && len(raw) >= 16 {
			// The ad hoc signature hashes every page, so it follows any change.
			dataOff, dataSize := f.ByteOrder.Uint32(raw[8:]), f.ByteOrder.Uint32(raw[12:])
			l.add(region{name: "the code signature", off: int64(dataOff), size: int64(dataSize), buildID: true})
		}
		if seg, ok := ld.(*macho.Segment); ok && seg.Filesz > 0 {
			l.add(region{name: "the " + seg.Name + " segment", off: clamp(seg.Offset), size: clamp(seg.Filesz)})
		}
		off += int64(len(raw))
	}
	for _, s := range f.Sections {
		typ := s.Flags & 0xff
		if s.Offset == 0 || typ == 0x1 || typ == 0xc || typ == 0x12 { // zerofill sections have no bytes
			continue
		}
		l.add(region{name: s.Seg + "," + s.Name, off: int64(s.Offset), size: clamp(s.Size), section: true})
		if s.Seg == "__TEXT" && s.Name == "__text" {
			l.goBuildID(r, int64(s.Offset), clamp(s.Size))
		}
	}
	return nil
}

func (l *layout) readPE(r io.ReaderAt, size int64) error {
	f, err := pe.NewFile(r)
	if err != nil {
		return fmt.Errorf("malformed PE: %w", truncated(err))
	}
	var lfanew [4]byte
	if _, err := r.ReadAt(lfanew[:], 0x3c); err != nil {
		return fmt.Errorf("malformed PE: %w", truncated(err))
	}
	peOff := int64(binary.LittleEndian.Uint32(lfanew[:]))
	optSize := int64(f.FileHeader.SizeOfOptionalHeader)
	l.add(region{name: "the DOS header and stub", off: 0, size: peOff})
	l.add(region{name: "the PE signature and COFF header", off: peOff, size: 4 + 20})
	l.add(region{name: "the PE optional header", off: peOff + 24, size: optSize})
	l.add(region{name: "the PE section table", off: peOff + 24 + optSize, size: 40 * int64(len(f.Sections))})
	for _, s := range f.Sections {
		if s.Offset == 0 || s.Size == 0 { // uninitialised data (.bss) has no bytes
			continue
		}
		l.add(region{name: s.Name, off: int64(s.Offset), size: int64(s.Size), section: true})
		if s.Name == ".text" {
			l.goBuildID(r, int64(s.Offset), int64(s.Size))
		}
	}
	if sym := int64(f.FileHeader.PointerToSymbolTable); sym > 0 {
		n := int64(f.FileHeader.NumberOfSymbols) * 18
		l.add(region{name: "the COFF symbol table", off: sym, size: n})
		var strLen [4]byte
		if _, err := r.ReadAt(strLen[:], sym+n); err == nil {
			l.add(region{name: "the COFF string table", off: sym + n, size: int64(binary.LittleEndian.Uint32(strLen[:]))})
		}
	}
	return nil
}

// goBuildID adds the region of the Go build ID string, which the Go linker
// puts at the start of the text section of Mach-O and PE files
// ("\xff Go build ID: \"...\"\n \xff").
func (l *layout) goBuildID(r io.ReaderAt, off, size int64) {
	buf := make([]byte, min(size, 4096))
	n, _ := r.ReadAt(buf, off)
	buf = buf[:n]
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(buf, []byte(prefix))
	if i < 0 {
		return
	}
	j := bytes.Index(buf[i+len(prefix):], []byte(suffix))
	if j < 0 {
		return
	}
	l.add(region{name: "the Go build ID", off: off + int64(i), size: int64(len(prefix) + j + len(suffix)), buildID: true})
}

// clamp converts a header field to an offset, saturating instead of going
// negative, so the bounds check in readLayout catches absurd values.
func clamp(u uint64) int64 {
	if u > 1<<62 {
		return 1 << 62
	}
	return int64(u)
}

// truncated says what an early end of file means here.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated file: %w", err)
	}
	return err
}
