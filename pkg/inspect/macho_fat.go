package inspect

import (
	"debug/macho"
	"encoding/binary"
	"fmt"
	"io"
)

// Fat (universal) Mach-O headers are always big-endian.
const (
	fatMagic32  = 0xcafebabe
	fatMagic64  = 0xcafebabf
	maxFatArchs = 20 // Java class files share 0xcafebabe; their "count" is >= 45
)

// fatFile inspects a universal binary: a table of thin Mach-O slices.
type fatFile struct {
	r      io.ReaderAt
	size   int64
	is64   bool
	narchs uint32
	hash   bool // hash each slice (Options.Hash)
}

func newFatFile(r io.ReaderAt, size int64, ident []byte, opt Options) (binaryFile, error) {
	if len(ident) < 8 {
		return nil, fmt.Errorf("fat Mach-O header: %w", errTruncated)
	}
	magic, n := binary.BigEndian.Uint32(ident), binary.BigEndian.Uint32(ident[4:])
	if n == 0 || n >= maxFatArchs {
		// A Java class file has minor and major version here; major >= 45.
		return nil, fmt.Errorf("%w (magic % x): %#x with %d architectures is not a fat Mach-O (Java class files share this magic)",
			ErrUnknownFormat, ident[:8], magic, n)
	}
	return &fatFile{r: r, size: size, is64: magic == fatMagic64, narchs: n, hash: opt.Hash}, nil
}

func (x *fatFile) format() Format { return FormatMachOFat }

func (x *fatFile) describe(info *Info) error {
	entSize := uint64(20)
	if x.is64 {
		entSize = 32
	}
	table, err := readAt(x.r, x.size, 8, uint64(x.narchs)*entSize)
	if err != nil {
		return atOffset("fat Mach-O architecture table", 8, err)
	}
	for i := range uint64(x.narchs) {
		e := table[i*entSize:]
		cpu := macho.Cpu(binary.BigEndian.Uint32(e))
		var off, size uint64
		if x.is64 {
			off, size = binary.BigEndian.Uint64(e[8:]), binary.BigEndian.Uint64(e[16:])
		} else {
			off, size = uint64(binary.BigEndian.Uint32(e[8:])), uint64(binary.BigEndian.Uint32(e[12:]))
		}
		where := fmt.Sprintf("fat Mach-O slice %d (%v)", i, cpu)
		if off > uint64(x.size) || size > uint64(x.size)-off || size == 0 {
			return atOffset(where, clampOff(off), fmt.Sprintf("%d bytes do not fit in the %d-byte file", size, x.size))
		}
		sr := io.NewSectionReader(x.r, int64(off), int64(size))
		slice := Info{Path: info.Path, Format: FormatMachO, Size: int64(size), Linkage: LinkageUnknown}
		magic := make([]byte, 4)
		if _, err := sr.ReadAt(magic, 0); err != nil {
			return atOffset(where, int64(off), truncated(err))
		}
		if m := binary.LittleEndian.Uint32(magic); m != macho.Magic32 && m != macho.Magic64 &&
			binary.BigEndian.Uint32(magic) != macho.Magic32 && binary.BigEndian.Uint32(magic) != macho.Magic64 {
			return atOffset(where, int64(off), fmt.Sprintf("not a thin Mach-O (magic % x)", magic))
		}
		if err := (&machoFile{r: sr, size: int64(size)}).describe(&slice); err != nil {
			return atOffset(where, int64(off), err)
		}
		finish(&slice)
		if x.hash {
			if slice.SHA256, err = fileSHA256(sr, int64(size)); err != nil {
				return atOffset(where, int64(off), err)
			}
		}
		info.Slices = append(info.Slices, slice)
	}
	mergeSlices(info)
	return nil
}

// linkageRank orders verdicts from best to worst for a fat file's summary.
var linkageRank = map[Linkage]int{
	LinkageStatic: 0, LinkageStaticPIE: 1, LinkageDynamic: 2, LinkageShared: 3, LinkageUnknown: 4,
}

// mergeSlices summarises the slices at the top level: common GOOS, GOARCH
// and build ID only for a single slice, the worst linkage, the union of
// Needed, PIE and Stripped only if every slice is, DWARF if any slice has
// it, and the other fields (and Go build info) all slices agree on.
func mergeSlices(info *Info) {
	if len(info.Slices) == 0 {
		return
	}
	first := info.Slices[0]
	info.GOOS, info.Interpreter, info.PIE, info.Stripped = first.GOOS, first.Interpreter, true, true
	info.GoBuildID, info.Libc, info.MinOS, info.SDK = first.GoBuildID, first.Libc, first.MinOS, first.SDK
	info.MinOSHeader, info.MinOSSource, info.MinOSReason = first.MinOSHeader, first.MinOSSource, first.MinOSReason
	common := func(field *string, v string) {
		if *field != v {
			*field = ""
		}
	}
	worst := first
	for _, s := range info.Slices {
		common(&info.GOOS, s.GOOS)
		common(&info.Interpreter, s.Interpreter)
		common(&info.GoBuildID, s.GoBuildID)
		common(&info.Libc, s.Libc)
		common(&info.MinOS, s.MinOS)
		common(&info.MinOSHeader, s.MinOSHeader)
		common(&info.MinOSSource, s.MinOSSource)
		common(&info.MinOSReason, s.MinOSReason)
		common(&info.SDK, s.SDK)
		info.PIE = info.PIE && s.PIE
		info.Stripped = info.Stripped && s.Stripped
		info.DWARF = info.DWARF || s.DWARF
		info.Needed = append(info.Needed, s.Needed...)
		if linkageRank[s.Linkage] > linkageRank[worst.Linkage] {
			worst = s
		}
	}
	if len(info.Slices) == 1 {
		info.GOARCH, info.BuildID = first.GOARCH, first.BuildID
	}
	if info.MinOS == "" || info.MinOSSource == "" {
		// No common floor, or one reached two ways: the slices say.
		info.MinOSSource, info.MinOSReason = "", ""
	}
	info.Linkage = worst.Linkage
	info.LinkageRule = fmt.Sprintf("worst of %d slices: %s (%s)", len(info.Slices), worst.LinkageRule, orUnknown(worst.GOARCH))
	info.Go = commonGoInfo(info.Slices)
}

// commonGoInfo keeps the build info the slices agree on; settings that
// differ per slice (GOARCH, GOAMD64, ...) are dropped. nil if any slice has
// none or the slices disagree on the program itself.
func commonGoInfo(slices []Info) *GoInfo {
	first := slices[0].Go
	if first == nil {
		return nil
	}
	out := &GoInfo{GoVersion: first.GoVersion, Path: first.Path, Main: first.Main, MainVersion: first.MainVersion,
		Deps: first.Deps, Settings: map[string]string{}}
	for k, v := range first.Settings {
		out.Settings[k] = v
	}
	for _, s := range slices[1:] {
		g := s.Go
		if g == nil || g.GoVersion != out.GoVersion || g.Path != out.Path || g.Main != out.Main ||
			g.MainVersion != out.MainVersion || g.Deps != out.Deps {
			return nil
		}
		for k, v := range out.Settings {
			if g.Settings[k] != v {
				delete(out.Settings, k)
			}
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown arch"
	}
	return s
}
