package inspect

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"debug/plan9obj"
	"encoding/binary"
	"errors"
	"io"
	"runtime/debug"
)

// Go build information, read the way debug/buildinfo reads it but from the
// headers each format has already parsed. buildinfo.Read parses the whole
// file again with debug/elf, debug/pe, debug/macho or debug/xcoff, and the
// last three decode every symbol of the symbol table while doing so: for an
// unstripped binary that was most of what inspecting it cost. Its search
// also reads the data in 1 MB chunks although the blob sits at the start.
//
// The logic below follows go1.26's src/debug/buildinfo/buildinfo.go step by
// step (the same data range, the same address lookup, the same framing
// checks), so the result is the same, with two gains: stripped XCOFF files,
// which debug/xcoff refuses to open, and Plan 9 files whose data section
// starts at an offset that is not a multiple of 16 (see plan9GoLayout) have
// their build info read. TestCorpusGoInfo compares the two on every binary
// of the benchmark corpus.

// buildInfoMagic starts the blob the linker writes (cmd/link's buildinfo).
var buildInfoMagic = []byte("\xff Go buildinf:")

const (
	buildInfoAlign      = 16
	buildInfoHeaderSize = 32
	buildInfoChunk      = 1 << 20 // debug/buildinfo's search chunk
	buildInfoStep       = 4 << 10 // what is actually read at a time within one
)

// errNoBuildInfo means the file has no Go build information we can read.
var errNoBuildInfo = errors.New("no Go build info")

// vregion maps part of the address space onto the file, as one ELF program
// header, Mach-O segment, or PE, XCOFF or Plan 9 section does. last and end
// are computed in the width of the format's fields, wrap-around included,
// exactly as debug/buildinfo computes them.
type vregion struct {
	addr, last, end uint64 // first and last address covered; end-addr is what remains from addr
	off, filesz     uint64 // where the bytes are in the file
	skip            bool   // never matches (__PAGEZERO)
	zero            bool   // reads as zeros (XCOFF .bss, which has no file offset)
}

// goLayout is what debug/buildinfo's exe interface says about a file: the
// range to search for the blob (DataStart) and the regions in header order
// (DataReader).
type goLayout struct {
	r           io.ReaderAt
	fileSize    int64
	start, size uint64
	bias        uint64 // subtracted from an address before the lookup (PE's image base)
	alignBase   uint64 // the blob is 16-byte aligned relative to this address
	regions     []vregion
}

// reader is DataReader: the bytes from addr to the end of the first region
// that covers it.
func (l *goLayout) reader(addr uint64) (*io.SectionReader, error) {
	addr -= l.bias
	for _, g := range l.regions {
		if g.skip || g.addr > addr || addr > g.last {
			continue
		}
		var r io.ReaderAt = l.r
		if g.zero {
			r = zeroes{}
		}
		sec := io.NewSectionReader(r, clampOff(g.off), clampOff(g.filesz))
		return io.NewSectionReader(sec, clampOff(addr-g.addr), clampOff(g.end-addr)), nil
	}
	return nil, errNoBuildInfo
}

// zeroes reads as an endless run of zero bytes.
type zeroes struct{}

func (zeroes) ReadAt(p []byte, _ int64) (int, error) {
	clear(p)
	return len(p), nil
}

// readData is debug/buildinfo's readData: exactly n bytes at addr, or an
// error.
func (l *goLayout) readData(addr, n uint64) ([]byte, error) {
	rd, err := l.reader(addr)
	if err != nil {
		return nil, err
	}
	if n > uint64(rd.Size()) || n > uint64(l.fileSize) {
		// What debug/buildinfo gets for a short read, found before
		// allocating for a length no file this size can hold.
		return nil, io.EOF
	}
	b := make([]byte, n)
	if _, err := rd.ReadAt(b, 0); err != nil && !(err == io.EOF && n == 0) {
		return nil, err
	}
	return b, nil
}

// goInfoFrom reads the Go build information through l. A file without
// it, or with a blob that does not decode, yields nil, as goInfo does.
func goInfoFrom(l *goLayout) (gi *GoInfo) {
	defer func() {
		if recover() != nil {
			gi = nil
		}
	}()
	if l == nil || l.size == 0 {
		return nil
	}
	vers, mod, err := l.rawBuildInfo()
	if err != nil {
		return nil
	}
	bi, err := debug.ParseBuildInfo(mod)
	if err != nil {
		return nil
	}
	bi.GoVersion = vers
	return newGoInfo(bi)
}

// rawBuildInfo is debug/buildinfo's readRawBuildInfo after the format is
// parsed.
func (l *goLayout) rawBuildInfo() (vers, mod string, err error) {
	addr, err := l.searchMagic()
	if err != nil {
		return "", "", err
	}
	header, err := l.readData(addr, buildInfoHeaderSize)
	if err != nil {
		return "", "", err
	}
	const (
		ptrSizeOffset    = 14
		flagsOffset      = 15
		versPtrOffset    = 16
		flagsEndianBig   = 0x1
		flagsVersionMask = 0x2
		flagsVersionInl  = 0x2
	)
	flags := header[flagsOffset]
	if flags&flagsVersionMask == flagsVersionInl {
		if vers, addr, err = l.decodeString(addr + buildInfoHeaderSize); err != nil {
			return "", "", err
		}
		if mod, _, err = l.decodeString(addr); err != nil {
			return "", "", err
		}
	} else {
		var bo binary.ByteOrder = binary.LittleEndian
		if flags&flagsEndianBig != 0 {
			bo = binary.BigEndian
		}
		ptrSize := int(header[ptrSizeOffset])
		var readPtr func([]byte) uint64
		switch ptrSize {
		case 4:
			readPtr = func(b []byte) uint64 { return uint64(bo.Uint32(b)) }
		case 8:
			readPtr = bo.Uint64
		default:
			return "", "", errNoBuildInfo
		}
		vers = l.readString(ptrSize, readPtr, readPtr(header[versPtrOffset:]))
		mod = l.readString(ptrSize, readPtr, readPtr(header[versPtrOffset+ptrSize:]))
	}
	if vers == "" {
		return "", "", errNoBuildInfo
	}
	if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
		mod = mod[16 : len(mod)-16] // cmd/go's sentinels around the module info
	} else {
		mod = ""
	}
	return vers, mod, nil
}

// decodeString reads a varint length and that many bytes at addr.
func (l *goLayout) decodeString(addr uint64) (string, uint64, error) {
	b, err := l.readData(addr, binary.MaxVarintLen64)
	if err != nil {
		return "", 0, err
	}
	length, n := binary.Uvarint(b)
	if n <= 0 {
		return "", 0, errNoBuildInfo
	}
	addr += uint64(n)
	b, err = l.readData(addr, length)
	if err != nil {
		return "", 0, err
	}
	return string(b), addr + length, nil
}

// readString reads a Go string header (pointer, length) at addr and the
// bytes it points to: the format before go1.18.
func (l *goLayout) readString(ptrSize int, readPtr func([]byte) uint64, addr uint64) string {
	hdr, err := l.readData(addr, uint64(2*ptrSize))
	if err != nil {
		return ""
	}
	data, err := l.readData(readPtr(hdr), readPtr(hdr[ptrSize:]))
	if err != nil {
		return ""
	}
	return string(data)
}

// searchMagic returns the address of the first 16-byte aligned blob magic
// in [start, start+size). Like debug/buildinfo it walks the range in 1 MB
// chunks, each read from the region that holds its first byte; unlike it,
// it reads each chunk buildInfoStep bytes at a time and stops at the match.
func (l *goLayout) searchMagic() (uint64, error) {
	start, end := l.start, l.start+l.size
	if end < start {
		return 0, errNoBuildInfo
	}
	start = l.alignBase + (start-l.alignBase+buildInfoAlign-1)&^(buildInfoAlign-1)
	if start >= end || start < l.start {
		return 0, errNoBuildInfo
	}
	buf := make([]byte, buildInfoStep)
	for start < end {
		remaining := end - start
		chunk := min(uint64(buildInfoChunk), remaining)
		rd, err := l.reader(start)
		if err != nil {
			return 0, err
		}
		for sub := uint64(0); sub < chunk; sub += buildInfoStep {
			want := min(buildInfoStep, chunk-sub)
			n, err := rd.ReadAt(buf[:want], int64(sub))
			if n == 0 && sub == 0 {
				if err == nil || err == io.EOF {
					return 0, errNoBuildInfo
				}
				return 0, err
			}
			data, base := buf[:n], sub
			for len(data) > 0 {
				i := bytes.Index(data, buildInfoMagic)
				if i < 0 {
					break
				}
				at := base + uint64(i)
				if remaining-at < buildInfoHeaderSize {
					return 0, errNoBuildInfo
				}
				if (start+at-l.alignBase)%buildInfoAlign != 0 {
					next := (i + buildInfoAlign - 1) &^ (buildInfoAlign - 1)
					if next > len(data) {
						return 0, errNoBuildInfo
					}
					data, base = data[next:], base+uint64(next)
					continue
				}
				return start + at, nil
			}
			if uint64(n) < want {
				break // the rest of this chunk is not in the file
			}
		}
		start += chunk
	}
	return 0, errNoBuildInfo
}

// goInfo reads the embedded Go build information with debug/buildinfo,
// which parses the file itself. Formats that know their layout use
// goInfoFrom instead. A file without it (not a Go program, or built
// without it) is not an error: it yields nil.
func goInfo(r io.ReaderAt) (gi *GoInfo) {
	defer func() {
		// debug/buildinfo walks the same untrusted headers; a panic there
		// only means there is no build info we can trust.
		if recover() != nil {
			gi = nil
		}
	}()
	bi, err := buildinfo.Read(r)
	if err != nil {
		return nil
	}
	return newGoInfo(bi)
}

// newGoInfo copies what reports use out of a parsed build info.
func newGoInfo(bi *debug.BuildInfo) *GoInfo {
	gi := &GoInfo{GoVersion: bi.GoVersion, Path: bi.Path, Main: bi.Main.Path, MainVersion: bi.Main.Version,
		Deps: len(bi.Deps), Settings: map[string]string{}, Build: bi}
	for _, s := range bi.Settings {
		gi.Settings[s.Key] = s.Value
	}
	return gi
}

// setting returns a build setting, or "" when there is no build info.
func (g *GoInfo) setting(key string) string {
	if g == nil {
		return ""
	}
	return g.Settings[key]
}

// elfGoLayout is debug/buildinfo's view of an ELF file: the .go.buildinfo
// section, else the first writable, non-executable PT_LOAD; addresses
// looked up through every program header.
func elfGoLayout(f *elf.File, r io.ReaderAt, size int64) *goLayout {
	l := &goLayout{r: r, fileSize: size}
	if s := f.Section(".go.buildinfo"); s != nil {
		l.start, l.size = s.Addr, s.Size
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && p.Flags&(elf.PF_X|elf.PF_W) == elf.PF_W {
				l.start, l.size = p.Vaddr, p.Memsz
				break
			}
		}
	}
	for _, p := range f.Progs {
		l.regions = append(l.regions, vregion{addr: p.Vaddr, last: p.Vaddr + p.Filesz - 1, end: p.Vaddr + p.Filesz, off: p.Off, filesz: p.Filesz})
	}
	return l
}

// machoGoLayout: the __go_buildinfo section, else the first non-empty
// read-write segment; addresses looked up through the segments, never
// __PAGEZERO.
func machoGoLayout(f *macho.File, r io.ReaderAt, size int64) *goLayout {
	l := &goLayout{r: r, fileSize: size}
	if s := f.Section("__go_buildinfo"); s != nil {
		l.start, l.size = s.Addr, s.Size
	} else {
		const rw = 3
		for _, load := range f.Loads {
			if seg, ok := load.(*macho.Segment); ok && seg.Addr != 0 && seg.Filesz != 0 && seg.Prot == rw && seg.Maxprot == rw {
				l.start, l.size = seg.Addr, seg.Memsz
				break
			}
		}
	}
	for _, load := range f.Loads {
		if seg, ok := load.(*macho.Segment); ok {
			l.regions = append(l.regions, vregion{addr: seg.Addr, last: seg.Addr + seg.Filesz - 1, end: seg.Addr + seg.Filesz,
				off: seg.Offset, filesz: seg.Filesz, skip: seg.Name == "__PAGEZERO"})
		}
	}
	return l
}

// peGoLayout: the first initialised read-write data section; addresses are
// virtual addresses less the image base, section bounds computed in 32 bits.
func peGoLayout(f *pe.File, r io.ReaderAt, size int64) *goLayout {
	l := &goLayout{r: r, fileSize: size}
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		l.bias = uint64(oh.ImageBase)
	case *pe.OptionalHeader64:
		l.bias = oh.ImageBase
	}
	const (
		initData = pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ | pe.IMAGE_SCN_MEM_WRITE
		align32  = 0x600000 // IMAGE_SCN_ALIGN_32BYTES
	)
	for _, s := range f.Sections {
		if s.VirtualAddress != 0 && s.Size != 0 && s.Characteristics&^align32 == initData {
			l.start, l.size = uint64(s.VirtualAddress)+l.bias, uint64(s.VirtualSize)
			break
		}
	}
	for _, s := range f.Sections {
		l.regions = append(l.regions, vregion{addr: uint64(s.VirtualAddress), last: uint64(s.VirtualAddress + s.Size - 1),
			end: uint64(s.VirtualAddress + s.Size), off: uint64(s.Offset), filesz: uint64(s.Size)})
	}
	return l
}

// plan9GoLayout: the data section; Plan 9 addresses are file offsets here,
// section bounds computed in 32 bits. The linker aligns the blob in memory,
// where the data section starts on a page; debug/buildinfo aligns the file
// offset instead and so misses the blob whenever the data section's offset
// is not a multiple of 16 (go version -m: "not a Go executable"). Aligning
// relative to the section's start finds it in every Plan 9 Go binary.
func plan9GoLayout(f *plan9obj.File, r io.ReaderAt, size int64) *goLayout {
	l := &goLayout{r: r, fileSize: size}
	if s := f.Section("data"); s != nil {
		l.start, l.size, l.alignBase = uint64(s.Offset), uint64(s.Size), uint64(s.Offset)
	}
	for _, s := range f.Sections {
		l.regions = append(l.regions, vregion{addr: uint64(s.Offset), last: uint64(s.Offset + s.Size - 1),
			end: uint64(s.Offset + s.Size), off: uint64(s.Offset), filesz: uint64(s.Size)})
	}
	return l
}

// xcoffGoLayout: the first STYP_DATA section of 64-bit XCOFF section
// headers (72 bytes each); a section without a file offset (.bss) reads as
// zeros.
func xcoffGoLayout(secs []byte, r io.ReaderAt, size int64) *goLayout {
	const stypData = 0x0040
	be := binary.BigEndian
	l := &goLayout{r: r, fileSize: size}
	found := false
	for s := secs; len(s) >= xcoffSectionHeader64; s = s[xcoffSectionHeader64:] {
		vaddr, n, scnptr, flags := be.Uint64(s[16:]), be.Uint64(s[24:]), be.Uint64(s[32:]), be.Uint32(s[64:])
		if flags == stypData && !found {
			l.start, l.size, found = vaddr, n, true
		}
		l.regions = append(l.regions, vregion{addr: vaddr, last: vaddr + n - 1, end: vaddr + n, off: scnptr, filesz: n, zero: scnptr == 0})
	}
	return l
}
