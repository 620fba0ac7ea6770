package inspect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
)

// XCOFF constants (AIX <xcoff.h>; Go's internal/xcoff mirrors them).
const (
	xcoffMagic32 = 0x01df
	xcoffMagic64 = 0x01f7

	xcoffFileHeader64    = 24
	xcoffSectionHeader64 = 72
	xcoffLoaderHeader64  = 56
	xcoffFlagShrObj      = 0x2000 // F_SHROBJ
	xcoffTypeLoader      = 0x1000 // STYP_LOADER
	xcoffTypeDWARF       = 0x0010 // STYP_DWARF
	maxXCOFFSections     = 1 << 10
	maxXCOFFImportTable  = 1 << 20
)

// xcoffFile inspects AIX XCOFF executables. Only the 64-bit form is parsed;
// Go has no 32-bit AIX port.
type xcoffFile struct {
	r    io.ReaderAt
	size int64
}

func (x *xcoffFile) format() Format { return FormatXCOFF }

func (x *xcoffFile) describe(info *Info) error {
	info.GOOS = "aix"
	hdr, err := readAt(x.r, x.size, 0, xcoffFileHeader64)
	if err != nil {
		return atOffset("XCOFF file header", 0, err)
	}
	be := binary.BigEndian
	if be.Uint16(hdr) == xcoffMagic32 {
		info.LinkageRule = "32-bit XCOFF is recognised but not parsed"
		info.Go = goInfo(x.r)
		return nil
	}
	info.GOARCH = "ppc64"
	info.GoBuildID = scanGoBuildID(x.r, x.size, 0, maxBuildIDScan)

	nscns, opthdr, flags := be.Uint16(hdr[2:]), be.Uint16(hdr[16:]), be.Uint16(hdr[18:])
	info.Stripped = be.Uint32(hdr[20:]) == 0 // f_nsyms
	if nscns > maxXCOFFSections {
		return atOffset("XCOFF file header", 2, fmt.Sprintf("%d sections is implausible", nscns))
	}
	shoff := int64(xcoffFileHeader64) + int64(opthdr)
	secs, err := readAt(x.r, x.size, shoff, uint64(nscns)*xcoffSectionHeader64)
	if err != nil {
		return atOffset("XCOFF section headers", shoff, err)
	}
	info.Go = goInfoFrom(xcoffGoLayout(secs, x.r, x.size))
	var imports []string
	loader := false
	for s := secs; len(s) >= xcoffSectionHeader64; s = s[xcoffSectionHeader64:] {
		if be.Uint32(s[64:])&0xffff == xcoffTypeDWARF && cstring(s[:8]) == ".dwinfo" {
			info.DWARF = true
		}
	}
	for s := secs; len(s) >= xcoffSectionHeader64; s = s[xcoffSectionHeader64:] {
		if be.Uint32(s[64:])&0xffff != xcoffTypeLoader {
			continue
		}
		loader = true
		if imports, err = x.loaderImports(be.Uint64(s[32:]), be.Uint64(s[24:])); err != nil {
			return err
		}
		break
	}
	info.Needed = imports
	info.Libc = xcoffLibc(imports)
	switch {
	case flags&xcoffFlagShrObj != 0:
		info.Linkage, info.LinkageRule = LinkageShared, "XCOFF F_SHROBJ flag set"
	case !loader:
		info.Linkage, info.LinkageRule = LinkageUnknown, "XCOFF without a loader section (not a loadable module)"
	case len(imports) > 0:
		info.Linkage, info.LinkageRule = LinkageDynamic, "XCOFF loader section imports "+plural.Count(len(imports), "file")
	default:
		info.Linkage, info.LinkageRule = LinkageStatic, "XCOFF loader section imports no files"
	}
	return nil
}

// loaderImports reads the loader section's import file IDs. Each ID is
// three NUL-terminated strings (path, base, member); the first ID is the
// default LIBPATH, not an import. Imports are named as AIX tools print
// them: "base(member)", prefixed by "path/" when a path is given.
func (x *xcoffFile) loaderImports(off, size uint64) ([]string, error) {
	if size < xcoffLoaderHeader64 {
		return nil, atOffset("XCOFF loader section", clampOff(off), fmt.Sprintf("%d bytes is too small for its header", size))
	}
	lh, err := readAt(x.r, x.size, clampOff(off), xcoffLoaderHeader64)
	if err != nil {
		return nil, atOffset("XCOFF loader section", clampOff(off), err)
	}
	be := binary.BigEndian
	istlen, nimpid, impoff := uint64(be.Uint32(lh[12:])), be.Uint32(lh[16:]), be.Uint64(lh[24:])
	if nimpid <= 1 {
		return nil, nil
	}
	if impoff > size || istlen > size-impoff || istlen > maxXCOFFImportTable {
		return nil, atOffset("XCOFF loader import table", clampOff(off+impoff), fmt.Sprintf("%d bytes do not fit in the %d-byte loader section", istlen, size))
	}
	table, err := readAt(x.r, x.size, clampOff(off+impoff), istlen)
	if err != nil {
		return nil, atOffset("XCOFF loader import table", clampOff(off+impoff), err)
	}
	next := func() (string, bool) {
		i := bytes.IndexByte(table, 0)
		if i < 0 {
			return "", false
		}
		s := string(table[:i])
		table = table[i+1:]
		return s, true
	}
	var out []string
	for id := uint32(0); id < nimpid; id++ {
		path, ok1 := next()
		base, ok2 := next()
		member, ok3 := next()
		if !ok1 || !ok2 || !ok3 {
			return nil, atOffset("XCOFF loader import table", clampOff(off+impoff), fmt.Sprintf("import ID %d of %d: %v", id, nimpid, errTruncated))
		}
		if id == 0 {
			continue // default LIBPATH
		}
		name := base
		if member != "" {
			name += "(" + member + ")"
		}
		if path != "" {
			name = path + "/" + name
		}
		out = append(out, name)
	}
	return out, nil
}
