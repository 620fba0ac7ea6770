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
	lcUUID             = 0x1b
	lcVersionMinMacOSX = 0x24
	lcVersionMinIOS    = 0x25
	lcVersionMinTVOS   = 0x2f
	lcVersionMinWatch  = 0x30
	lcBuildVersion     = 0x32

	mhCore = 0x4 // MH_CORE, a core dump
	mhDSYM = 0xa // MH_DSYM, the debug symbols dsymutil writes beside a program

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

// open checks the header (checkHeader) and parses the file with
// debug/macho through the view that hides the symbol table
// (machoHideSymbols), whose real LC_SYMTAB it returns with hidden.
func (x *machoFile) open() (f *macho.File, symtab *machoSymtab, hidden bool, err error) {
	if err := x.checkHeader(); err != nil {
		return nil, nil, false, err
	}
	view, symtab, hidden := machoHideSymbols(x.r, x.size)
	f, err = macho.NewFile(view)
	if err != nil {
		return nil, nil, false, malformed("Mach-O", err)
	}
	return f, symtab, hidden, nil
}

func (x *machoFile) describe(info *Info) error {
	f, symtab, hidden, err := x.open()
	if err != nil {
		return err
	}
	switch f.Type {
	case macho.TypeObj:
		return notExecutable("relocatable object (MH_OBJECT)")
	case mhCore:
		return notExecutable("core dump (MH_CORE)")
	case mhDSYM:
		return notExecutable("debug symbols companion file (MH_DSYM)")
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
			// platform, minos, sdk, then build tool entries.
			if len(raw) >= 20 {
				if p := f.ByteOrder.Uint32(raw[8:]); p == platformIOS || p == platformIOSSimulator {
					info.GOOS = "ios"
				}
				info.MinOS, info.SDK = machoVersion(f.ByteOrder.Uint32(raw[12:])), machoVersion(f.ByteOrder.Uint32(raw[16:]))
			}
		case lcVersionMinMacOSX, lcVersionMinIOS, lcVersionMinTVOS, lcVersionMinWatch:
			if cmd == lcVersionMinIOS {
				info.GOOS = "ios"
			}
			// version, sdk. LC_BUILD_VERSION, when also present, wins.
			if len(raw) >= 16 && info.MinOS == "" {
				info.MinOS, info.SDK = machoVersion(f.ByteOrder.Uint32(raw[8:])), machoVersion(f.ByteOrder.Uint32(raw[12:]))
			}
		case lcUUID:
			if len(raw) >= 24 {
				info.BuildID = formatUUID(raw[8:24])
			}
		}
	}
	if !hidden && f.Symtab != nil {
		// Load commands machoHideSymbols would not patch (two LC_SYMTABs,
		// say) were parsed in full; judge the symbols debug/macho decoded.
		info.Stripped = true
		for _, s := range f.Symtab.Syms {
			info.Stripped = info.Stripped && !machoLocalSymbol(s.Type)
		}
	} else if info.Stripped, err = machoStrippedAt(x.r, x.size, symtab, f.Magic == macho.Magic64); err != nil {
		return err
	}
	for _, s := range f.Sections {
		info.DWARF = info.DWARF || s.Name == "__debug_info" || s.Name == "__zdebug_info"
	}
	if s := f.Section("__text"); s != nil && s.Seg == "__TEXT" {
		info.GoBuildID = scanGoBuildID(x.r, x.size, int64(s.Offset), s.Size)
	}
	info.Libc = machoLibc(info.Needed)
	info.Linkage, info.LinkageRule = machoLinkage(f.Type, dylinker, len(info.Needed))

	info.Go = goInfoFrom(machoGoLayout(f, x.r, x.size))
	if g := info.Go.setting("GOOS"); g == "darwin" || g == "ios" {
		info.GOOS = g
	}
	if info.GOARCH == "" {
		info.GOARCH = info.Go.setting("GOARCH")
	}
	return nil
}

// maxLoadCommands caps sizeofcmds; real binaries have a few KiB.
const maxLoadCommands = 4 << 20

// checkHeader refuses load command counts and areas that cannot be real
// (larger than the file, or than maxLoadCommands) before debug/macho
// allocates for them.
func (x *machoFile) checkHeader() error {
	hdr, err := readAt(x.r, x.size, 0, 28)
	if err != nil {
		return nil // debug/macho reports the short header
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(hdr) == macho.Magic32 || binary.BigEndian.Uint32(hdr) == macho.Magic64 {
		bo = binary.BigEndian
	}
	hdrLen := uint64(28)
	if bo.Uint32(hdr) == macho.Magic64 {
		hdrLen = 32
	}
	ncmds, sizeofcmds := uint64(bo.Uint32(hdr[16:])), uint64(bo.Uint32(hdr[20:]))
	switch {
	case ncmds > sizeofcmds/8: // every load command has at least cmd and cmdsize
		return atOffset("Mach-O header ncmds", 16, fmt.Sprintf("%d load commands cannot fit in %d bytes", ncmds, sizeofcmds))
	case sizeofcmds > maxLoadCommands:
		return atOffset("Mach-O header sizeofcmds", 20, capError(sizeofcmds, maxLoadCommands))
	case uint64(x.size) < hdrLen || sizeofcmds > uint64(x.size)-hdrLen:
		return atOffset("Mach-O load commands", int64(hdrLen), fmt.Sprintf("%d bytes do not fit in the %d-byte file", sizeofcmds, x.size))
	}
	return nil
}

// machoVersion renders a packed X.Y.Z version (xxxx.yy.zz nibbles, as in
// mach-o/loader.h) as "12.0" or "10.15.4".
func machoVersion(v uint32) string {
	if v&0xff != 0 {
		return fmt.Sprintf("%d.%d.%d", v>>16, v>>8&0xff, v&0xff)
	}
	return fmt.Sprintf("%d.%d", v>>16, v>>8&0xff)
}

// formatUUID renders 16 bytes the way Apple's tools print an LC_UUID.
func formatUUID(b []byte) string {
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// machoLocalSymbol is the test for "not stripped": a stripped Mach-O
// keeps only the external symbols dyld needs (undefined imports, and for
// strip(1) the exported ones); a local symbol or a debugging (stab) entry,
// told by its n_type, means it was not stripped.
func machoLocalSymbol(nType uint8) bool {
	const nStab, nExt = 0xe0, 0x01
	return nType&nStab != 0 || nType&nExt == 0
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
	}
	return LinkageUnknown, fmt.Sprintf("Mach-O file type %#x is not an executable or library", uint32(t))
}
