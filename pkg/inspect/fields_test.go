package inspect

// The new per-format fields on synthetic files: each test builds a file
// holding exactly the header the rule reads.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMachOVersionsAndUUID(t *testing.T) {
	uuid := []byte{0x1f, 0xd3, 0x1b, 0xa5, 0x75, 0xe2, 0x3b, 0xa9, 0xec, 0xf0, 0xd5, 0xc3, 0x67, 0x1b, 0x85, 0x3b}
	tests := []struct {
		name       string
		spec       machoSpec
		minOS, sdk string
		goos       string
		buildID    string
	}{
		{"build version", machoSpec{platform: 1, minos: 0x000c0000, sdk: 0x000e0200}, "12.0", "14.2", "darwin", ""},
		{"patch level shown when set", machoSpec{platform: 1, minos: 0x000a0f04, sdk: 0x000b0000}, "10.15.4", "11.0", "darwin", ""},
		{"iOS build version", machoSpec{platform: platformIOS, minos: 0x000f0000, sdk: 0x00110000}, "15.0", "17.0", "ios", ""},
		{"LC_VERSION_MIN_MACOSX", machoSpec{minCmd: lcVersionMinMacOSX, minVer: [2]uint32{0x000a0d00, 0x000a0e00}}, "10.13", "10.14", "darwin", ""},
		{"LC_VERSION_MIN_IPHONEOS", machoSpec{minCmd: lcVersionMinIOS, minVer: [2]uint32{0x000c0000, 0x000d0000}}, "12.0", "13.0", "ios", ""},
		{"LC_BUILD_VERSION wins over LC_VERSION_MIN", machoSpec{platform: 1, minos: 0x000b0000, sdk: 0x000c0000,
			minCmd: lcVersionMinMacOSX, minVer: [2]uint32{0x000a0d00, 0x000a0e00}}, "11.0", "12.0", "darwin", ""},
		{"LC_UUID", machoSpec{uuid: uuid}, "", "", "darwin", "1FD31BA5-75E2-3BA9-ECF0-D5C3671B853B"},
		{"nothing", machoSpec{}, "", "", "darwin", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, buildMachO(tt.spec), "x.macho")
			assert.Equal(t, tt.minOS, info.MinOS)
			assert.Equal(t, tt.sdk, info.SDK)
			assert.Equal(t, tt.goos, info.GOOS)
			assert.Equal(t, tt.buildID, info.BuildID)
			assert.True(t, info.Stripped, "no LC_SYMTAB")
			assert.False(t, info.DWARF)
			assert.Nil(t, info.Hardening)
		})
	}
}

func TestMachOStripped(t *testing.T) {
	const nExt, nSect, nUndf, nFun = 0x01, 0x0e, 0x00, 0x24
	tests := []struct {
		name  string
		types []uint8 // n_type of each symbol; nil: no LC_SYMTAB
		want  bool
	}{
		{"no LC_SYMTAB", nil, true},
		{"empty symbol table", []uint8{}, true},
		{"only undefined imports (go -ldflags=-s)", []uint8{nUndf | nExt}, true},
		{"exported symbols kept by strip(1)", []uint8{nSect | nExt}, true},
		{"a local symbol", []uint8{nUndf | nExt, nSect}, false},
		{"a debugging (stab) entry", []uint8{nFun}, false},
		{"a local symbol past the first chunk", append(slices.Repeat([]uint8{nUndf | nExt}, 1000), nSect), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const symoff = 64
			file := make([]byte, symoff+16*len(tt.types))
			for i, typ := range tt.types {
				file[symoff+16*i+4] = typ
			}
			var st *machoSymtab
			if tt.types != nil {
				st = &machoSymtab{symoff: symoff, nsyms: uint32(len(tt.types)), stroff: symoff}
			}
			got, err := machoStrippedAt(bytes.NewReader(file), int64(len(file)), st, true)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := machoStrippedAt(bytes.NewReader(make([]byte, 100)), 100, &machoSymtab{symoff: 64, nsyms: 3}, true)
	assert.ErrorContains(t, err, "Mach-O symbol table at offset 0x40: truncated")
}

func TestPEHeaderFields(t *testing.T) {
	const amd64, dynBase, highEntropy, nx, guardCF = 0x8664, 0x40, 0x20, 0x100, 0x4000
	tests := []struct {
		name      string
		spec      peSpec
		subsystem string
		minOS     string
		hardening Hardening
		stripped  bool
	}{
		{"console", peSpec{machine: amd64, chars: 0x22, subsystem: 3, osVersion: [2]uint16{6, 1}, dllChars: dynBase | highEntropy | nx},
			"console", "6.1", Hardening{ASLR: true, HighEntropyVA: true, NX: true}, true},
		{"GUI", peSpec{machine: amd64, chars: 0x22, subsystem: 2, osVersion: [2]uint16{10, 0}, dllChars: dynBase | nx | guardCF},
			"windows", "10.0", Hardening{ASLR: true, NX: true, CFG: true}, true},
		{"EFI application", peSpec{machine: amd64, chars: 0x22, subsystem: 10}, "efi-application", "0.0", Hardening{}, true},
		{"unknown subsystem 0", peSpec{machine: amd64, chars: 0x22}, "", "0.0", Hardening{}, true},
		{"unnamed subsystem", peSpec{machine: amd64, chars: 0x22, subsystem: 99}, "unknown-99", "0.0", Hardening{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, buildPE(tt.spec), "x.exe")
			assert.Equal(t, tt.subsystem, info.Subsystem)
			assert.Equal(t, tt.minOS, info.MinOS)
			assert.Equal(t, tt.minOS, info.SubsystemVersion)
			require.NotNil(t, info.Hardening)
			assert.Equal(t, tt.hardening, *info.Hardening)
			assert.Equal(t, tt.stripped, info.Stripped, "NumberOfSymbols == 0")
			assert.False(t, info.DWARF)
			assert.Empty(t, info.Libc)
		})
	}
}

func TestWasmNameBuildIDAndDWARF(t *testing.T) {
	custom := func(name string, payload []byte) []byte {
		return wasmSection(0, append(wasmName(name), payload...))
	}
	id := []byte("\xff Go build ID: \"abc/def/ghi/jkl\"\n \xff")
	tests := []struct {
		name      string
		module    []byte
		stripped  bool
		dwarf     bool
		goBuildID string
	}{
		{"bare module is stripped", wasmModule(wasmFuncImports("gojs")), true, false, ""},
		{"name section", wasmModule(wasmFuncImports("gojs"), custom("name", []byte{0})), false, false, ""},
		{"DWARF custom section", wasmModule(custom(".debug_info", []byte{0})), true, true, ""},
		{"go:buildid", wasmModule(custom("go:buildid", id)), true, false, "abc/def/ghi/jkl"},
		{"go:buildid without framing", wasmModule(custom("go:buildid", []byte("abc"))), true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, tt.module, "x.wasm")
			assert.Equal(t, tt.stripped, info.Stripped)
			assert.Equal(t, tt.dwarf, info.DWARF)
			assert.Equal(t, tt.goBuildID, info.GoBuildID)
			assert.Empty(t, info.Libc)
		})
	}
}

func TestScanGoBuildID(t *testing.T) {
	const id = "aaaa/bbbb/cccc/dddd"
	framed := []byte("\xff Go build ID: \"" + id + "\"\n \xff")
	pad := func(n int, b []byte) []byte { return append(bytes.Repeat([]byte{0x90}, n), b...) }
	tests := []struct {
		name string
		b    []byte
		off  int64
		want string
	}{
		{"at the start", framed, 0, id},
		{"after padding", pad(1000, framed), 0, id},
		{"from the text offset", pad(100, framed), 100, id},
		{"beyond the scan limit", pad(maxBuildIDScan, framed), 0, ""},
		{"unterminated", []byte("\xff Go build ID: \"abc"), 0, ""},
		{"bad quoting", []byte("\xff Go build ID: \"a\\qb\"\n \xff"), 0, ""},
		{"offset past the end", framed, 1 << 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, scanGoBuildID(bytes.NewReader(tt.b), int64(len(tt.b)), tt.off, 1<<30))
		})
	}
}

func TestInfoJSONFields(t *testing.T) {
	info := readBytes(t, withSections(buildELF(dynamicSpec), glibcSections()), "prog")
	b, err := json.Marshal(info)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"sha256", "stripped", "dwarf", "libc", "libraries", "system_libs_only", "max_glibc",
		"glibc_symbols", "version_needs"} {
		assert.Contains(t, m, k)
	}
	for _, k := range []string{"build_id", "go_build_id", "max_glibcxx", "max_cxxabi", "max_gcc", "min_os", "sdk",
		"subsystem", "subsystem_version", "hardening"} {
		assert.NotContains(t, m, k, "empty %s is omitted", k)
	}
	assert.Regexp(t, "^[0-9a-f]{64}$", m["sha256"])
	assert.Equal(t, map[string]any{"library": "libm.so.6", "version": "GLIBC_2.29", "symbols": []any{"exp"}},
		m["version_needs"].([]any)[4])
	assert.Equal(t, map[string]any{"name": "libc.so.6", "system": true}, m["libraries"].([]any)[0])

	pe := readBytes(t, buildPE(peSpec{machine: 0x8664, chars: 0x22, subsystem: 3, dllChars: 0x160}), "x.exe")
	b, err = json.Marshal(pe)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"hardening":{"aslr":true,"high_entropy_va":true,"nx":true,"cfg":false}`)
	assert.Contains(t, string(b), `"subsystem":"console"`)
}

func TestMachOLoadCommandLimits(t *testing.T) {
	tests := []struct {
		name       string
		sizeofcmds uint32
		want       string
	}{
		{"over the cap", 0x30303030, "inspect: x.macho: Mach-O header sizeofcmds at offset 0x14: 808464432 bytes exceeds the 4194304-byte limit"},
		{"past the end of the file", 4096, "inspect: x.macho: Mach-O load commands at offset 0x20: 4096 bytes do not fit in the 32-byte file"},
		{"more commands than bytes", 0, "inspect: x.macho: Mach-O header ncmds at offset 0x10: 1000 load commands cannot fit in 0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildMachO(machoSpec{})
			binary.LittleEndian.PutUint32(b[20:], tt.sizeofcmds)
			if tt.sizeofcmds == 0 {
				binary.LittleEndian.PutUint32(b[16:], 1000) // ncmds
			}
			cr := &countingReader{r: bytes.NewReader(b), limit: 1 << 10}
			_, err := Read(cr, int64(len(b)), "x.macho")
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
