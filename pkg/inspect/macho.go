package inspect

import (
	"debug/macho"
	"encoding/binary"
	"fmt"
	"io"
)

// Mach-O load commands debug/macho does not name (mach-o/loader.h).
const (
	lcReqDyld          = 0x80000000
	lcLoadDylib        = 0xc
	lcLoadDylinker     = 0xe
	lcLoadWeakDylib    = 0x18 | lcReqDyld
	lcReexportDylib    = 0x1f | lcReqDyld
	lcLazyLoadDylib    = 0x20
	lcLoadUpwardDylib  = 0x23 | lcReqDyld
	lcVersionMinMacOSX = 0x24
	lcVersionMinIOS    = 0x25
	lcBuildVersion     = 0x32

	platformIOS          = 2
	platformIOSSimulator = 7
)

// machoArch maps Mach-O CPU types to GOARCH.
var machoArch = map[macho.Cpu]string{
	macho.CpuAmd64: "amd64",
	macho.CpuArm64: "arm64",
	macho.Cpu386:   "386",
	macho.CpuArm:   "arm",
}

// machoFile inspects a thin (single-architecture) Mach-O: darwin and ios.
type machoFile struct {
	r    io.ReaderAt
	size int64
}

func (x *machoFile) format() Format { return FormatMachO }

func (x *machoFile) describe(info *Info) error {
	f, err := macho.NewFile(x.r)
	if err != nil {
		return malformed("Mach-O", err)
	}
	info.GOARCH = machoArch[f.Cpu]
	info.GOOS = "darwin"
	info.PIE = f.Flags&macho.FlagPIE != 0

	var dylinker bool
	for i, l := range f.Loads {
		raw := l.Raw()
		if len(raw) < 8 {
			continue
		}
		switch cmd := f.ByteOrder.Uint32(raw); cmd {
		case lcLoadDylib, lcLoadWeakDylib, lcReexportDylib, lcLazyLoadDylib, lcLoadUpwardDylib:
			// Name is at the offset stored in the first field after cmd/cmdsize.
			name, ok := lcString(raw, f.ByteOrder)
			if !ok {
				return fmt.Errorf("Mach-O load command %d (%#x): bad dylib name offset", i, cmd)
			}
			info.Needed = append(info.Needed, name)
		case lcLoadDylinker:
			name, ok := lcString(raw, f.ByteOrder)
			if !ok {
				return fmt.Errorf("Mach-O load command %d (LC_LOAD_DYLINKER): bad name offset", i)
			}
			dylinker = true
			info.Interpreter = name
		case lcBuildVersion:
			if len(raw) >= 12 {
				if p := f.ByteOrder.Uint32(raw[8:]); p == platformIOS || p == platformIOSSimulator {
					info.GOOS = "ios"
				}
			}
		case lcVersionMinIOS:
			info.GOOS = "ios"
		}
	}
	info.Linkage, info.LinkageRule = machoLinkage(f.Type, dylinker, len(info.Needed))

	info.Go = goInfo(x.r)
	if g := info.Go.setting("GOOS"); g == "darwin" || g == "ios" {
		info.GOOS = g
	}
	if info.GOARCH == "" {
		info.GOARCH = info.Go.setting("GOARCH")
	}
	return nil
}

// lcString reads the lc_str at the offset stored at raw[8:12], as used by
// dylib_command and dylinker_command.
func lcString(raw []byte, bo binary.ByteOrder) (string, bool) {
	if len(raw) < 12 {
		return "", false
	}
	off := bo.Uint32(raw[8:])
	if off < 12 || uint64(off) >= uint64(len(raw)) {
		return "", false
	}
	return cstring(raw[off:]), true
}

// machoLinkage: every darwin program Go makes links libSystem through dyld,
// so an MH_EXECUTE with either is dynamic; dylibs and bundles are shared.
func machoLinkage(t macho.Type, dylinker bool, ndylibs int) (Linkage, string) {
	switch t {
	case macho.TypeExec:
		switch {
		case dylinker:
			return LinkageDynamic, "MH_EXECUTE with LC_LOAD_DYLINKER"
		case ndylibs > 0:
			return LinkageDynamic, "MH_EXECUTE loading dylibs"
		}
		return LinkageStatic, "MH_EXECUTE without LC_LOAD_DYLINKER or dylibs"
	case macho.TypeDylib:
		return LinkageShared, "MH_DYLIB"
	case macho.TypeBundle:
		return LinkageShared, "MH_BUNDLE"
	case macho.TypeObj:
		return LinkageUnknown, "MH_OBJECT is a relocatable object, not a linked program"
	}
	return LinkageUnknown, fmt.Sprintf("Mach-O file type %#x is not an executable or library", uint32(t))
}

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
}

func newFatFile(r io.ReaderAt, size int64, ident []byte) (binaryFile, error) {
	if len(ident) < 8 {
		return nil, fmt.Errorf("fat Mach-O header: %w", errTruncated)
	}
	magic, n := binary.BigEndian.Uint32(ident), binary.BigEndian.Uint32(ident[4:])
	if n == 0 || n >= maxFatArchs {
		// A Java class file has minor and major version here; major >= 45.
		return nil, fmt.Errorf("unrecognised binary format (magic % x): %#x with %d architectures is not a fat Mach-O (Java class files share this magic)",
			ident[:8], magic, n)
	}
	return &fatFile{r: r, size: size, is64: magic == fatMagic64, narchs: n}, nil
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
		slice.Needed = sortedUnique(slice.Needed)
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
// only for a single slice, the worst linkage, the union of Needed, PIE only
// if every slice is, and the Go build info fields all slices agree on.
func mergeSlices(info *Info) {
	if len(info.Slices) == 0 {
		return
	}
	first := info.Slices[0]
	info.GOOS, info.Interpreter, info.PIE = first.GOOS, first.Interpreter, true
	worst := first
	for _, s := range info.Slices {
		if s.GOOS != info.GOOS {
			info.GOOS = ""
		}
		if s.Interpreter != info.Interpreter {
			info.Interpreter = ""
		}
		info.PIE = info.PIE && s.PIE
		info.Needed = append(info.Needed, s.Needed...)
		if linkageRank[s.Linkage] > linkageRank[worst.Linkage] {
			worst = s
		}
	}
	if len(info.Slices) == 1 {
		info.GOARCH = first.GOARCH
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
	out := &GoInfo{GoVersion: first.GoVersion, Path: first.Path, Main: first.Main, Settings: map[string]string{}}
	for k, v := range first.Settings {
		out.Settings[k] = v
	}
	for _, s := range slices[1:] {
		g := s.Go
		if g == nil || g.GoVersion != out.GoVersion || g.Path != out.Path || g.Main != out.Main {
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
