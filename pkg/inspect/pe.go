package inspect

import (
	"debug/pe"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
)

// peArch maps PE machine types to GOARCH.
var peArch = map[uint16]string{
	pe.IMAGE_FILE_MACHINE_I386:  "386",
	pe.IMAGE_FILE_MACHINE_AMD64: "amd64",
	pe.IMAGE_FILE_MACHINE_ARM64: "arm64",
	pe.IMAGE_FILE_MACHINE_ARMNT: "arm",
}

// maxImportCost bounds the bytes debug/pe may copy while decoding imports:
// pe.File.ImportedSymbols re-reads the whole import section once per
// imported DLL, which a crafted file can turn into a quadratic hang.
const maxImportCost = 1 << 30

// peFile inspects Windows PE executables and DLLs.
type peFile struct {
	r    io.ReaderAt
	size int64
}

func (x *peFile) format() Format { return FormatPE }

// open parses the file's headers with debug/pe through the view that hides
// the symbol table (peHideSymbols), puts the long section names back, and
// returns the number of symbols the real header gives.
func (x *peFile) open() (f *pe.File, nsyms uint32, err error) {
	view, nsyms, long, hidden := peHideSymbols(x.r, x.size)
	f, err = pe.NewFile(view)
	if err != nil {
		return nil, 0, malformed("PE", err)
	}
	if !hidden {
		nsyms = f.NumberOfSymbols
	}
	for i, name := range long {
		if i < len(f.Sections) {
			f.Sections[i].Name = name
		}
	}
	return f, nsyms, nil
}

func (x *peFile) describe(info *Info) error {
	f, nsyms, err := x.open()
	if err != nil {
		return err
	}
	info.GOOS = "windows"
	info.GOARCH = peArch[f.Machine]
	var dllChars, subsystem uint16
	var osVer, subVer [2]uint16
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		dllChars, subsystem = oh.DllCharacteristics, oh.Subsystem
		osVer = [2]uint16{oh.MajorOperatingSystemVersion, oh.MinorOperatingSystemVersion}
		subVer = [2]uint16{oh.MajorSubsystemVersion, oh.MinorSubsystemVersion}
	case *pe.OptionalHeader64:
		dllChars, subsystem = oh.DllCharacteristics, oh.Subsystem
		osVer = [2]uint16{oh.MajorOperatingSystemVersion, oh.MinorOperatingSystemVersion}
		subVer = [2]uint16{oh.MajorSubsystemVersion, oh.MinorSubsystemVersion}
	}
	info.PIE = dllChars&pe.IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE != 0
	if f.OptionalHeader != nil {
		info.MinOS = fmt.Sprintf("%d.%d", osVer[0], osVer[1])
		info.Subsystem = peSubsystems[subsystem]
		if info.Subsystem == "" && subsystem != pe.IMAGE_SUBSYSTEM_UNKNOWN {
			info.Subsystem = fmt.Sprintf("unknown-%d", subsystem)
		}
		info.SubsystemVersion = fmt.Sprintf("%d.%d", subVer[0], subVer[1])
		info.Hardening = &Hardening{
			ASLR:          dllChars&pe.IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE != 0,
			HighEntropyVA: dllChars&pe.IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA != 0,
			NX:            dllChars&pe.IMAGE_DLLCHARACTERISTICS_NX_COMPAT != 0,
			CFG:           dllChars&pe.IMAGE_DLLCHARACTERISTICS_GUARD_CF != 0,
		}
	}
	info.Stripped = nsyms == 0
	for _, s := range f.Sections {
		info.DWARF = info.DWARF || s.Name == ".debug_info" || s.Name == ".zdebug_info"
		if s.Name == ".text" && info.GoBuildID == "" {
			info.GoBuildID = scanGoBuildID(x.r, x.size, int64(s.Offset), uint64(s.Size))
		}
	}

	if err := x.checkImportCost(f); err != nil {
		return err
	}
	// pe.File.ImportedLibraries is a stub that returns nothing; the DLL
	// names come from ImportedSymbols' "symbol:dll" strings instead.
	syms, err := f.ImportedSymbols()
	if err != nil {
		return fmt.Errorf("PE import directory: %w", err)
	}
	info.Needed = dllNames(syms)
	info.Linkage, info.LinkageRule = peLinkage(f.Characteristics, len(info.Needed))
	info.Libc = peLibc(info.Needed)
	info.Go = goInfoFrom(peGoLayout(f, x.r, x.size))
	return nil
}

// peSubsystems names the IMAGE_SUBSYSTEM_* values of the optional header.
var peSubsystems = map[uint16]string{
	pe.IMAGE_SUBSYSTEM_NATIVE:                   "native",
	pe.IMAGE_SUBSYSTEM_WINDOWS_GUI:              "windows",
	pe.IMAGE_SUBSYSTEM_WINDOWS_CUI:              "console",
	pe.IMAGE_SUBSYSTEM_OS2_CUI:                  "os2-console",
	pe.IMAGE_SUBSYSTEM_POSIX_CUI:                "posix-console",
	pe.IMAGE_SUBSYSTEM_NATIVE_WINDOWS:           "native-windows",
	pe.IMAGE_SUBSYSTEM_WINDOWS_CE_GUI:           "windows-ce",
	pe.IMAGE_SUBSYSTEM_EFI_APPLICATION:          "efi-application",
	pe.IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER:  "efi-boot-service-driver",
	pe.IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER:       "efi-runtime-driver",
	pe.IMAGE_SUBSYSTEM_EFI_ROM:                  "efi-rom",
	pe.IMAGE_SUBSYSTEM_XBOX:                     "xbox",
	pe.IMAGE_SUBSYSTEM_WINDOWS_BOOT_APPLICATION: "windows-boot-application",
}

// dllNames turns ImportedSymbols' "symbol:dll" strings into DLL names:
// lowercased (Windows file names are case-insensitive), sorted, unique.
func dllNames(syms []string) []string {
	var dlls []string
	for _, s := range syms {
		if i := strings.LastIndexByte(s, ':'); i >= 0 && i+1 < len(s) {
			dlls = append(dlls, strings.ToLower(s[i+1:]))
		}
	}
	return sortedUnique(dlls)
}

// peLinkage: a DLL is a shared library; an image importing any DLL is
// dynamic (every Go windows program imports kernel32.dll); none is static.
func peLinkage(characteristics uint16, ndlls int) (Linkage, string) {
	switch {
	case characteristics&pe.IMAGE_FILE_DLL != 0:
		return LinkageShared, "IMAGE_FILE_DLL characteristic set"
	case ndlls > 0:
		return LinkageDynamic, "PE imports " + plural.Count(ndlls, "DLL")
	}
	return LinkageStatic, "PE imports no DLLs"
}

// checkImportCost counts the import descriptors the way debug/pe will and
// refuses files whose decoding would cost more than maxImportCost.
func (x *peFile) checkImportCost(f *pe.File) error {
	var dirs []pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), len(oh.DataDirectory))]
	case *pe.OptionalHeader64:
		dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), len(oh.DataDirectory))]
	}
	if len(dirs) <= pe.IMAGE_DIRECTORY_ENTRY_IMPORT {
		return nil
	}
	va := dirs[pe.IMAGE_DIRECTORY_ENTRY_IMPORT].VirtualAddress
	for _, s := range f.Sections {
		if s.Offset == 0 || s.VirtualAddress > va || va-s.VirtualAddress >= s.VirtualSize {
			continue
		}
		// The same section debug/pe picks; walk its descriptors directly.
		start := uint64(s.Offset) + uint64(va-s.VirtualAddress)
		end := min(uint64(s.Offset)+uint64(s.Size), uint64(x.size))
		var n uint64
		buf := make([]byte, 20*256)
		for off := start; off+20 <= end; {
			chunk := buf[:min(uint64(len(buf)), (end-off)/20*20)]
			if got, _ := x.r.ReadAt(chunk, int64(off)); got < len(chunk) {
				break // debug/pe will report the short read
			}
			for d := chunk; len(d) >= 20; d = d[20:] {
				if binary.LittleEndian.Uint32(d) == 0 {
					off = end
					break
				}
				n++
			}
			off += uint64(len(chunk))
		}
		// Section.Data stops at end of file, so that bounds each re-read.
		if secLen := end - min(end, uint64(s.Offset)); n*secLen > maxImportCost {
			return atOffset("PE import directory", clampOff(start),
				fmt.Sprintf("%d descriptors in a %d-byte section: too costly to decode", n, secLen))
		}
		return nil
	}
	return nil
}
