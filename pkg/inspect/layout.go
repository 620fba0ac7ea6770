package inspect

import (
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
)

// Region is a named byte range of a binary's file: a header, a load
// command, a segment, a section. Comparing two builds of one program by
// their regions names where they differ (".gopclntab" rather than an
// offset) and tells a difference in bytes only the build ID decides from a
// real one.
type Region struct {
	// Name is what the range holds: a section's own name (".text",
	// "__TEXT,__text"; a repeated name gets "#2", "#3"… so sections can
	// be matched by name between files), or a phrase ("the ELF header",
	// "the LC_UUID load command", "the Go build ID").
	Name string
	Off  int64
	Size int64
	// Section says the region is a section with contents in the file.
	Section bool
	// BuildID says every byte of the region derives from the build ID
	// alone: the ELF build-ID notes, the Go build ID string, Mach-O's
	// LC_UUID and ad hoc code signature.
	BuildID bool
}

// Contains reports whether the file offset off lies in r.
func (r Region) Contains(off int64) bool { return off >= r.Off && off-r.Off < r.Size }

// Layout is where the parts of a binary lie in its file, so that a tool
// comparing two binaries (repro) can name the region of a differing offset
// and compare sections by name without parsing executable formats itself.
type Layout struct {
	Format Format
	// Regions are every region ReadLayout maps, overlapping (a section
	// inside a segment, the Go build ID inside a text section), in no
	// particular order; empty for the formats it does not map.
	Regions []Region
}

// Sections returns the section regions in file order.
func (l *Layout) Sections() []Region {
	var out []Region
	for _, r := range l.Regions {
		if r.Section {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Off < out[j].Off })
	return out
}

// At returns the most specific (smallest) region holding off, and false
// when none does.
func (l *Layout) At(off int64) (Region, bool) {
	var best Region
	found := false
	for _, r := range l.Regions {
		if r.Contains(off) && (!found || r.Size < best.Size) {
			best, found = r, true
		}
	}
	return best, found
}

// InBuildID reports whether off lies in bytes that only the build ID
// decides.
func (l *Layout) InBuildID(off int64) bool {
	for _, r := range l.Regions {
		if r.BuildID && r.Contains(off) {
			return true
		}
	}
	return false
}

// layoutFile is what a format whose regions ReadLayout maps implements.
type layoutFile interface {
	regions(l *Layout) error
}

// ReadLayout reads the headers of the size bytes readable from r and maps
// their regions: ELF, thin Mach-O and PE files get their headers, load
// commands, segments and sections and the Go build ID; the other formats
// Read knows get a Layout with only their Format. The format is chosen by
// the same magic bytes as Read, and a file they name no format of is an
// error wrapping ErrUnknownFormat. Headers that do not parse, or regions
// that run past the end of the file, are errors; like Read, ReadLayout
// never panics. Errors do not name the file: the caller does.
func ReadLayout(r io.ReaderAt, size int64) (l *Layout, err error) {
	defer func() {
		if v := recover(); v != nil {
			l, err = nil, newPanicError(v)
		}
	}()
	if size <= 0 {
		return nil, fmt.Errorf("%w: empty file", ErrUnknownFormat)
	}
	r = newBlockReader(r, size)
	ident := make([]byte, min(size, 16))
	if n, err := r.ReadAt(ident, 0); n < len(ident) {
		return nil, fmt.Errorf("reading magic: %w", truncated(err))
	}
	x, err := sniff(r, size, ident, Options{})
	if err != nil {
		return nil, err
	}
	l = &Layout{Format: x.format()}
	lf, ok := x.(layoutFile)
	if !ok {
		return l, nil
	}
	if err := lf.regions(l); err != nil {
		return nil, err
	}
	for _, s := range l.Regions {
		if s.Off < 0 || s.Size < 0 || s.Off > size || s.Size > size-s.Off {
			return nil, fmt.Errorf("malformed %s: %s at offset %#x (%d bytes) runs past the end of the file (%d bytes)", l.Format, s.Name, s.Off, s.Size, size)
		}
	}
	numberRepeats(l.Regions)
	return l, nil
}

// numberRepeats gives repeated section names an occurrence suffix ("#2")
// so sections can be matched by name between two files.
func numberRepeats(rs []Region) {
	seen := map[string]int{}
	for i := range rs {
		if !rs[i].Section {
			continue
		}
		seen[rs[i].Name]++
		if n := seen[rs[i].Name]; n > 1 {
			rs[i].Name = fmt.Sprintf("%s#%d", rs[i].Name, n)
		}
	}
}

func (l *Layout) add(r Region) { l.Regions = append(l.Regions, r) }

func (x *elfFile) regions(l *Layout) error {
	f, err := elf.NewFile(x.r)
	if err != nil {
		return malformed("ELF", err)
	}
	// debug/elf keeps no header offsets; read them from the ELF header.
	hdr := make([]byte, 64)
	if n, _ := x.r.ReadAt(hdr, 0); n < 52 {
		return malformed("ELF", errTruncated)
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
	l.add(Region{Name: "the ELF header", Off: 0, Size: int64(ehsize)})
	if phnum > 0 {
		l.add(Region{Name: "the ELF program headers", Off: clampOff(phoff), Size: int64(phentsize) * int64(phnum)})
	}
	if shnum > 0 {
		l.add(Region{Name: "the ELF section headers", Off: clampOff(shoff), Size: int64(shentsize) * int64(len(f.Sections))})
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NULL || s.Type == elf.SHT_NOBITS {
			continue
		}
		buildID := s.Name == ".note.go.buildid" || s.Name == ".note.gnu.build-id"
		l.add(Region{Name: s.Name, Off: clampOff(s.Offset), Size: clampOff(s.FileSize), Section: true, BuildID: buildID})
	}
	return nil
}

// Mach-O load commands named in regions besides those macho.go and
// debug/macho name (mach-o/loader.h).
const (
	lcCodeSignature = 0x1d
	lcFuncStarts    = 0x26
	lcDataInCode    = 0x29
	lcSourceVersion = 0x2a
	lcDyldInfoOnly  = 0x22 | lcReqDyld
	lcMain          = 0x28 | lcReqDyld
)

// loadCommandNames names the load commands a difference can fall in.
var loadCommandNames = map[uint32]string{
	uint32(macho.LoadCmdSegment): "LC_SEGMENT", uint32(macho.LoadCmdSymtab): "LC_SYMTAB",
	uint32(macho.LoadCmdUnixThread): "LC_UNIXTHREAD", uint32(macho.LoadCmdDysymtab): "LC_DYSYMTAB",
	lcLoadDylib: "LC_LOAD_DYLIB", lcLoadDylinker: "LC_LOAD_DYLINKER", uint32(macho.LoadCmdSegment64): "LC_SEGMENT_64",
	lcUUID: "LC_UUID", lcCodeSignature: "LC_CODE_SIGNATURE", lcVersionMinMacOSX: "LC_VERSION_MIN_MACOSX",
	lcFuncStarts: "LC_FUNCTION_STARTS", lcDataInCode: "LC_DATA_IN_CODE", lcSourceVersion: "LC_SOURCE_VERSION",
	lcBuildVersion: "LC_BUILD_VERSION", lcDyldInfoOnly: "LC_DYLD_INFO_ONLY", lcMain: "LC_MAIN",
}

func (x *machoFile) regions(l *Layout) error {
	f, _, _, err := x.open() // the symbol table is not a region: not decoded
	if err != nil {
		return err
	}
	hdrSize := int64(28)
	if f.Magic == macho.Magic64 {
		hdrSize = 32
	}
	l.add(Region{Name: "the Mach-O header", Off: 0, Size: hdrSize})
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
		l.add(Region{Name: "the " + name + " load command", Off: off, Size: int64(len(raw)), BuildID: cmd == lcUUID})
		if cmd == lcCodeSignature && len(raw) >= 16 {
			// The ad hoc signature hashes every page, so it follows any change.
			dataOff, dataSize := f.ByteOrder.Uint32(raw[8:]), f.ByteOrder.Uint32(raw[12:])
			l.add(Region{Name: "the code signature", Off: int64(dataOff), Size: int64(dataSize), BuildID: true})
		}
		if seg, ok := ld.(*macho.Segment); ok && seg.Filesz > 0 {
			l.add(Region{Name: "the " + seg.Name + " segment", Off: clampOff(seg.Offset), Size: clampOff(seg.Filesz)})
		}
		off += int64(len(raw))
	}
	for _, s := range f.Sections {
		typ := s.Flags & 0xff
		if s.Offset == 0 || typ == 0x1 || typ == 0xc || typ == 0x12 { // zerofill sections have no bytes
			continue
		}
		l.add(Region{Name: s.Seg + "," + s.Name, Off: int64(s.Offset), Size: clampOff(s.Size), Section: true})
		if s.Seg == "__TEXT" && s.Name == "__text" {
			l.addGoBuildID(x.r, x.size, int64(s.Offset), s.Size)
		}
	}
	return nil
}

func (x *peFile) regions(l *Layout) error {
	f, _, err := x.open() // the symbol table is one region: not decoded
	if err != nil {
		return err
	}
	dos, err := readAt(x.r, x.size, 0, 0x40)
	if err != nil {
		return malformed("PE", err)
	}
	peOff := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	coff, err := readAt(x.r, x.size, peOff, 4+20)
	if err != nil {
		return malformed("PE", err)
	}
	optSize := int64(f.FileHeader.SizeOfOptionalHeader)
	l.add(Region{Name: "the DOS header and stub", Off: 0, Size: peOff})
	l.add(Region{Name: "the PE signature and COFF header", Off: peOff, Size: 4 + 20})
	l.add(Region{Name: "the PE optional header", Off: peOff + 24, Size: optSize})
	l.add(Region{Name: "the PE section table", Off: peOff + 24 + optSize, Size: 40 * int64(len(f.Sections))})
	for _, s := range f.Sections {
		if s.Offset == 0 || s.Size == 0 { // uninitialised data (.bss) has no bytes
			continue
		}
		l.add(Region{Name: s.Name, Off: int64(s.Offset), Size: int64(s.Size), Section: true})
		if s.Name == ".text" {
			l.addGoBuildID(x.r, x.size, int64(s.Offset), uint64(s.Size))
		}
	}
	// The view hides the symbol table from debug/pe; the header has it.
	if sym := int64(binary.LittleEndian.Uint32(coff[4+8:])); sym > 0 {
		n := int64(binary.LittleEndian.Uint32(coff[4+12:])) * 18
		l.add(Region{Name: "the COFF symbol table", Off: sym, Size: n})
		var strLen [4]byte
		if _, err := x.r.ReadAt(strLen[:], sym+n); err == nil {
			l.add(Region{Name: "the COFF string table", Off: sym + n, Size: int64(binary.LittleEndian.Uint32(strLen[:]))})
		}
	}
	return nil
}

// addGoBuildID adds the region of the Go build ID string, framing
// included, which the Go linker puts at the start of the text section of
// Mach-O and PE files; scanGoBuildID finds it the same way for Info.
func (l *Layout) addGoBuildID(r io.ReaderAt, size, off int64, n uint64) {
	if start, length, ok := findGoBuildID(r, size, off, n); ok {
		l.add(Region{Name: "the Go build ID", Off: start, Size: length, BuildID: true})
	}
}
