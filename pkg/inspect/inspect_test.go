package inspect

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadUnrecognised(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "inspect: out.bin: empty file"},
		{"text", []byte("#!/bin/sh\necho hi\n"), "inspect: out.bin: unrecognised binary format (magic 23 21 2f 62 69 6e 2f 73)"},
		{"short garbage", []byte{0x12, 0x34}, "inspect: out.bin: unrecognised binary format (magic 12 34)"},
		{"zip", []byte("PK\x03\x04rest-of-zip"), "inspect: out.bin: unrecognised binary format (magic 50 4b 03 04 72 65 73 74)"},
		{"bare ELF magic", []byte("\x7fELF"), "inspect: out.bin: malformed ELF"},
		{"MZ without PE header", []byte("MZ\x90\x00\x03\x00\x00\x00"), "inspect: out.bin: malformed PE"},
		{"Mach-O magic only", []byte("\xcf\xfa\xed\xfe"), "inspect: out.bin: malformed Mach-O"},
		{"fat with zero archs", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x00"), "is not a fat Mach-O"},
		{"fat header cut short", []byte("\xca\xfe\xba\xbe\x00\x00"), "inspect: out.bin: fat Mach-O header: truncated"},
		{"plan9 magic only", []byte{0x00, 0x00, 0x8a, 0x97}, "inspect: out.bin: malformed Plan 9 a.out"},
		{"xcoff magic only", []byte{0x01, 0xf7, 0x00, 0x01}, "inspect: out.bin: XCOFF file header at offset 0x0: truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Read(bytes.NewReader(tt.b), int64(len(tt.b)), "out.bin")
			require.Error(t, err)
			assert.Nil(t, info)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, 1, strings.Count(err.Error(), "out.bin"), "name appears exactly once: %v", err)
		})
	}
}

func TestReadSizeLargerThanData(t *testing.T) {
	b := buildELF(elfSpec{interp: "/lib64/ld-linux-x86-64.so.2"})
	_, err := Read(bytes.NewReader(b[:10]), int64(len(b)), "short.bin")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "inspect: short.bin: reading magic: truncated")
}

// Every prefix of a valid file is either inspected or refused with an
// error that names the file; none may panic.
func TestReadTruncatedPrefixes(t *testing.T) {
	samples := map[string][]byte{
		"elf":   buildELF(elfSpec{typ: elf.ET_DYN, interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6"}, flags1: uint64(elf.DF_1_PIE), notes: []elfNote{{name: "GNU", typ: 1, desc: make([]byte, 16)}}}),
		"macho": buildMachO(machoSpec{dylinker: "/usr/lib/dyld", platform: 1, dylibs: map[uint32][]string{lcLoadDylib: {libSystem}}}),
		"fat":   buildFat(4, buildMachO(machoSpec{cpu: macho.CpuArm64}), buildMachO(machoSpec{cpu: macho.CpuAmd64})),
		"wasm":  wasmModule(producers("go1.26.8"), wasmFuncImports("gojs", "env"), dataWithModinfo(jsModinfo)),
	}
	for name, full := range samples {
		t.Run(name, func(t *testing.T) {
			for n := 1; n < len(full); n++ {
				info, err := Read(bytes.NewReader(full[:n]), int64(n), "cut.bin")
				if err != nil {
					require.True(t, strings.HasPrefix(err.Error(), "inspect: cut.bin: "), "n=%d: %v", n, err)
					assertNotOurPanic(t, err)
					continue
				}
				require.NotNil(t, info, "n=%d", n)
			}
		})
	}
}

// panicReader serves a valid ELF header and panics on any later read.
type panicReader struct{ hdr []byte }

func (r panicReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) <= int64(len(r.hdr)) {
		return copy(p, r.hdr[off:]), nil
	}
	panic("boom")
}

func TestReadRecoversPanics(t *testing.T) {
	info, err := Read(panicReader{hdr: buildELF(elfSpec{})[:64]}, 4096, "panicky.bin")
	require.Error(t, err)
	assert.Nil(t, info)
	assert.Contains(t, err.Error(), "inspect: panicky.bin: malformed file: parser panicked in ")
	assert.Contains(t, err.Error(), "boom")
	var pe *panicError
	require.True(t, errors.As(err, &pe))
	assert.False(t, pe.inParser, "the panic came from this package's test reader: %s", pe.frame)
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("missing file names the path once", func(t *testing.T) {
		p := filepath.Join(dir, "nope")
		_, err := File(p)
		require.Error(t, err)
		assert.True(t, errors.Is(err, os.ErrNotExist))
		assert.Equal(t, 1, strings.Count(err.Error(), p), err.Error())
		assert.True(t, strings.HasPrefix(err.Error(), "inspect: "))
	})
	t.Run("directory", func(t *testing.T) {
		_, err := File(dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "inspect: "+dir+": not a regular file")
	})
	t.Run("garbage file", func(t *testing.T) {
		p := filepath.Join(dir, "garbage")
		require.NoError(t, os.WriteFile(p, []byte("\x00\x01\x02\x03\x04"), 0o644))
		_, err := File(p)
		require.Error(t, err)
		assert.Equal(t, "inspect: "+p+": unrecognised binary format (magic 00 01 02 03 04)", err.Error())
	})
	t.Run("synthetic ELF from disk", func(t *testing.T) {
		p := filepath.Join(dir, "prog")
		b := buildELF(elfSpec{interp: "/usr/libexec/ld.so", needed: []string{"libc.so.97.0"}})
		require.NoError(t, os.WriteFile(p, b, 0o755))
		info, err := File(p)
		require.NoError(t, err)
		assert.Equal(t, p, info.Path)
		assert.Equal(t, int64(len(b)), info.Size)
		assert.Equal(t, "openbsd", info.GOOS)
	})
}

func TestInfoJSON(t *testing.T) {
	info := readBytes(t, buildELF(elfSpec{}), "static.elf")
	b, err := json.Marshal(info)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"path", "format", "linkage", "linkage_rule", "pie", "size"} {
		assert.Contains(t, m, k)
	}
	for _, k := range []string{"goos", "needed", "interpreter", "go", "slices"} {
		assert.NotContains(t, m, k, "empty %s is omitted", k)
	}
}

func TestPlan9AndXCOFFSynthetic(t *testing.T) {
	t.Run("plan9 header", func(t *testing.T) {
		b := make([]byte, 64)
		binary.BigEndian.PutUint32(b, 0x8a97) // MagicAMD64
		binary.BigEndian.PutUint32(b[4:], 8)  // text size
		info := readBytes(t, b, "p9")
		assert.Equal(t, FormatPlan9, info.Format)
		assert.Equal(t, "plan9", info.GOOS)
		assert.Equal(t, "amd64", info.GOARCH)
		assert.Equal(t, LinkageStatic, info.Linkage)
		assert.Equal(t, "Plan 9 a.out has no dynamic linking", info.LinkageRule)
	})
	t.Run("xcoff without loader section", func(t *testing.T) {
		b := make([]byte, 24)
		binary.BigEndian.PutUint16(b, 0x01f7)
		info := readBytes(t, b, "a.out")
		assert.Equal(t, FormatXCOFF, info.Format)
		assert.Equal(t, "aix", info.GOOS)
		assert.Equal(t, "ppc64", info.GOARCH)
		assert.Equal(t, LinkageUnknown, info.Linkage)
		assert.Equal(t, "XCOFF without a loader section (not a loadable module)", info.LinkageRule)
	})
	t.Run("xcoff loader imports", func(t *testing.T) {
		info := readBytes(t, buildXCOFF(0x0002, [3]string{"", "libc.a", "shr_64.o"}, [3]string{"/opt/lib", "libfoo.a", ""}, [3]string{"", "libc.a", "shr_64.o"}), "a.out")
		assert.Equal(t, LinkageDynamic, info.Linkage)
		assert.Equal(t, "XCOFF loader section imports 3 files", info.LinkageRule)
		assert.Equal(t, []string{"/opt/lib/libfoo.a", "libc.a(shr_64.o)"}, info.Needed)
	})
	t.Run("xcoff loader without imports is static", func(t *testing.T) {
		info := readBytes(t, buildXCOFF(0x0002), "a.out")
		assert.Equal(t, LinkageStatic, info.Linkage)
		assert.Empty(t, info.Needed)
	})
	t.Run("xcoff shared object", func(t *testing.T) {
		info := readBytes(t, buildXCOFF(0x2002, [3]string{"", "libc.a", "shr_64.o"}), "libx.so")
		assert.Equal(t, LinkageShared, info.Linkage)
		assert.Equal(t, "XCOFF F_SHROBJ flag set", info.LinkageRule)
	})
	t.Run("xcoff import table cut short", func(t *testing.T) {
		b := buildXCOFF(0x0002, [3]string{"", "libc.a", "shr_64.o"})
		binary.BigEndian.PutUint32(b[24+72+16:], 5) // claim 5 import IDs
		_, err := Read(bytes.NewReader(b), int64(len(b)), "a.out")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "inspect: a.out: XCOFF loader import table at offset 0x98: import ID 2 of 5: truncated")
	})
	t.Run("32-bit xcoff is recognised, not parsed", func(t *testing.T) {
		b := make([]byte, 24)
		binary.BigEndian.PutUint16(b, 0x01df)
		info := readBytes(t, b, "a.out")
		assert.Equal(t, FormatXCOFF, info.Format)
		assert.Empty(t, info.GOARCH)
		assert.Equal(t, LinkageUnknown, info.Linkage)
	})
	t.Run("xcoff with absurd section count", func(t *testing.T) {
		b := make([]byte, 24)
		binary.BigEndian.PutUint16(b, 0x01f7)
		binary.BigEndian.PutUint16(b[2:], 0xffff)
		_, err := Read(bytes.NewReader(b), int64(len(b)), "a.out")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "inspect: a.out: XCOFF file header at offset 0x2: 65535 sections is implausible")
	})
}

func TestPELinkageRule(t *testing.T) {
	tests := []struct {
		name  string
		chars uint16
		ndlls int
		want  Linkage
		rule  string
	}{
		{"exe importing DLLs", 0x0022, 1, LinkageDynamic, "PE imports 1 DLL"},
		{"exe importing several", 0x0022, 3, LinkageDynamic, "PE imports 3 DLLs"},
		{"DLL", 0x2022, 1, LinkageShared, "IMAGE_FILE_DLL characteristic set"},
		{"no imports", 0x0022, 0, LinkageStatic, "PE imports no DLLs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, rule := peLinkage(tt.chars, tt.ndlls)
			assert.Equal(t, tt.want, l)
			assert.Equal(t, tt.rule, rule)
		})
	}
}

func TestPESynthetic(t *testing.T) {
	const amd64, i386, dynBase = 0x8664, 0x14c, 0x40
	tests := []struct {
		name    string
		spec    peSpec
		goarch  string
		linkage Linkage
		needed  []string
		pie     bool
	}{
		{"exe importing two DLLs", peSpec{machine: amd64, chars: 0x22, dllChars: dynBase,
			imports: [][2]string{{"KERNEL32.dll", "ExitProcess"}, {"KERNEL32.dll", "CreateFileW"}, {"WS2_32.dll", "WSAStartup"}}},
			"amd64", LinkageDynamic, []string{"kernel32.dll", "ws2_32.dll"}, true},
		{"DLL", peSpec{machine: i386, chars: 0x2102, imports: [][2]string{{"kernel32.dll", "LoadLibraryA"}}},
			"386", LinkageShared, []string{"kernel32.dll"}, false},
		{"no imports", peSpec{machine: amd64, chars: 0x22}, "amd64", LinkageStatic, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, buildPE(tt.spec), "prog.exe")
			assert.Equal(t, FormatPE, info.Format)
			assert.Equal(t, "windows", info.GOOS)
			assert.Equal(t, tt.goarch, info.GOARCH)
			assert.Equal(t, tt.linkage, info.Linkage)
			assert.Equal(t, tt.needed, info.Needed)
			assert.Equal(t, tt.pie, info.PIE)
		})
	}
	t.Run("import descriptor bomb is refused, not decoded quadratically", func(t *testing.T) {
		const n = 50000 // 1 MB of descriptors; debug/pe would copy the section n times
		raw := make([]byte, 20*n+8)
		for i := range n {
			binary.LittleEndian.PutUint32(raw[20*i:], 0x1000+20*n) // OriginalFirstThunk -> zero thunk
		}
		b := buildPE(peSpec{machine: amd64, chars: 0x22, rawDescriptors: raw})
		cr := &countingReader{r: bytes.NewReader(b), limit: 256 << 20}
		_, err := Read(cr, int64(len(b)), "bomb.exe")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "inspect: bomb.exe: PE import directory at offset 0x200: 50000 descriptors")
		assert.Less(t, cr.n.Load(), int64(64<<20))
	})
}

func TestPEDLLNames(t *testing.T) {
	got := dllNames([]string{
		"CreateFileW:KERNEL32.dll", "WSAStartup:ws2_32.dll", "ExitProcess:kernel32.dll",
		"no-colon", "trailing:", "a:b:Advapi32.DLL",
	})
	assert.Equal(t, []string{"advapi32.dll", "kernel32.dll", "ws2_32.dll"}, got)
	assert.Nil(t, dllNames(nil))
}

func TestSortedUnique(t *testing.T) {
	assert.Nil(t, sortedUnique(nil))
	in := []string{"b", "a", "b"}
	assert.Equal(t, []string{"a", "b"}, sortedUnique(in))
	assert.Equal(t, []string{"b", "a", "b"}, in, "input is not modified")
}

// assertNotOurPanic fails if err is a panic raised in this package's own
// code (a bug) rather than in a standard-library parser.
func assertNotOurPanic(t testing.TB, err error) {
	t.Helper()
	var pe *panicError
	if errors.As(err, &pe) && !pe.inParser {
		t.Fatalf("panic in inspect itself: %v", err)
	}
}

// checkInfo asserts the invariants every successful Read must hold.
func checkInfo(t testing.TB, info *Info, size int64) {
	t.Helper()
	valid := []Linkage{LinkageStatic, LinkageStaticPIE, LinkageDynamic, LinkageShared, LinkageUnknown}
	if !slices.Contains(valid, info.Linkage) {
		t.Fatalf("invalid linkage %q", info.Linkage)
	}
	if info.Format == "" || info.Size != size {
		t.Fatalf("bad format/size: %+v", info)
	}
	if !slices.IsSorted(info.Needed) || len(slices.Compact(slices.Clone(info.Needed))) != len(info.Needed) {
		t.Fatalf("Needed not sorted and unique: %q", info.Needed)
	}
	if info.Linkage != LinkageUnknown && info.LinkageRule == "" {
		t.Fatalf("linkage %q without a rule", info.Linkage)
	}
	if len(info.SHA256) != 64 || strings.Trim(info.SHA256, "0123456789abcdef") != "" {
		t.Fatalf("bad sha256 %q", info.SHA256)
	}
	if len(info.Libraries) != len(info.Needed) {
		t.Fatalf("Libraries %v do not match Needed %q", info.Libraries, info.Needed)
	}
	allSystem := true
	for i, l := range info.Libraries {
		if l.Name != info.Needed[i] || l.System != IsSystemLibrary(info.GOOS, l.Name) {
			t.Fatalf("Libraries[%d] = %+v for %q on %q", i, l, info.Needed[i], info.GOOS)
		}
		allSystem = allSystem && l.System
	}
	if info.SystemLibsOnly != allSystem {
		t.Fatalf("SystemLibsOnly %v with libraries %v", info.SystemLibsOnly, info.Libraries)
	}
	var versions []string
	for i, v := range info.VersionNeeds {
		versions = append(versions, v.Version)
		if i > 0 {
			p := info.VersionNeeds[i-1]
			if p.Library > v.Library || (p.Library == v.Library && CompareVersions(p.Version, v.Version) > 0) {
				t.Fatalf("VersionNeeds not sorted: %+v before %+v", p, v)
			}
		}
		if !slices.IsSorted(v.Symbols) {
			t.Fatalf("symbols of %s not sorted: %q", v.Version, v.Symbols)
		}
	}
	if got := versionFloor(versions, "GLIBC_"); got != info.MaxGlibc {
		t.Fatalf("MaxGlibc %q, but the highest GLIBC_ version needed is %q", info.MaxGlibc, got)
	}
	if !slices.IsSorted(info.GlibcSymbols) || (info.MaxGlibc == "" && len(info.GlibcSymbols) > 0) {
		t.Fatalf("GlibcSymbols %q with MaxGlibc %q", info.GlibcSymbols, info.MaxGlibc)
	}
}
