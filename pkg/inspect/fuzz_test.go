package inspect

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"strings"
	"testing"
)

// FuzzRead checks that no input makes Read panic or hang, that errors
// always name the file, and that successful results are well-formed.
// Panics inside standard-library parsers are tolerated (Read turns them into
// errors by design); a panic in this package's own code fails the fuzz run.
//
//	go test -fuzz=FuzzRead -fuzztime=20s ./pkg/inspect/
func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Read(bytes.NewReader(data), int64(len(data)), "fuzz.bin")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "inspect: fuzz.bin: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			assertNotOurPanic(t, err)
			return
		}
		checkInfo(t, info, int64(len(data)))
		for i := range info.Slices {
			checkInfo(t, &info.Slices[i], info.Slices[i].Size)
		}
	})
}

// FuzzLayout checks that no input makes ReadLayout panic (outside the
// standard library's parsers) or hang, and that every region it maps lies
// inside the file.
//
//	go test -fuzz=FuzzLayout -fuzztime=20s ./pkg/inspect/
func FuzzLayout(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadLayout(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			assertNotOurPanic(t, err)
			return
		}
		checkLayout(t, l, int64(len(data)))
	})
}

// fuzzSeeds are the seeds of FuzzRead and FuzzLayout: one or more files of
// every format, and a few headers that are almost a format.
func fuzzSeeds() [][]byte {
	plan9 := make([]byte, 40)
	binary.BigEndian.PutUint32(plan9, 0x01eb) // Magic386

	seeds := [][]byte{
		buildELF(elfSpec{}),
		buildELF(elfSpec{interp: "/lib/amd64/ld.so.1", modinfo: "path\tx\nmod\tx\t(devel)\t\nbuild\tGOOS=illumos\n"}),
		buildELF(elfSpec{typ: elf.ET_DYN, interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6"}, flags1: uint64(elf.DF_1_PIE)}),
		buildELF(elfSpec{typ: elf.ET_DYN, soname: "libx.so", osabi: elf.ELFOSABI_FREEBSD, notes: []elfNote{{name: "NetBSD", typ: 1, desc: make([]byte, 4)}}}),
		buildMachO(machoSpec{dylinker: "/usr/lib/dyld", platform: 2, dylibs: map[uint32][]string{lcLoadDylib: {libSystem}, lcLoadWeakDylib: {"/w"}}}),
		buildFat(4, buildMachO(machoSpec{cpu: macho.CpuArm64}), buildMachO(machoSpec{cpu: macho.CpuAmd64})),
		wasmModule(producers("go1.26.8"), wasmFuncImports("gojs", "env"), dataWithModinfo(jsModinfo)),
		wasmModule(wasmSection(2, bytes.Join([][]byte{uleb(2), wasmName("m"), wasmName("t"), {0x01, 0x70, 0x01, 0x01, 0x10}, wasmName("m2"), wasmName("g"), {0x03, 0x7f, 0x01}}, nil))),
		plan9,
		buildXCOFF(0x0002, [3]string{"", "libc.a", "shr_64.o"}, [3]string{"/p", "libq.a", ""}),
		buildPE(peSpec{machine: 0x8664, chars: 0x22, dllChars: 0x40, imports: [][2]string{{"KERNEL32.dll", "ExitProcess"}, {"ws2_32.dll", "WSAStartup"}}}),
		[]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"),
		{0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x3d},
		{0xca, 0xfe, 0xba, 0xbf, 0x00, 0x00, 0x00, 0x01},
		{},
		// Symbol versioning, notes, and the other per-format fields.
		withSections(buildELF(dynamicSpec), glibcSections()),
		withSections(buildELF(elfSpec{typ: elf.ET_DYN, needed: []string{"libstdc++.so.6"}}), elfSections{
			needs:  []synthNeed{{"libstdc++.so.6", []synthVer{{"GLIBCXX_3.4.21", 2}, {"CXXABI_1.3", 3}}}, {"libgcc_s.so.1", []synthVer{{"GCC_3.0", 4}}}},
			syms:   []synthSym{{name: "_ZSt4cout", index: 2}, {name: "_Unwind_Resume", index: 4}, {name: "f", index: 3, defined: true}},
			symtab: true, extra: []string{".debug_info"},
		}),
		buildELF(elfSpec{notes: []elfNote{{name: "GNU", typ: ntGNUBuildID, desc: []byte{1, 2, 3, 4}}, {name: "Go", typ: ntGoBuildID, desc: []byte("a/b")}, {name: "GNU", typ: ntGNUABITag, desc: make([]byte, 16)}}}),
		buildMachO(machoSpec{platform: 1, minos: 0xc0000, sdk: 0xe0000, uuid: make([]byte, 16), minCmd: lcVersionMinMacOSX, minVer: [2]uint32{0xa0d00, 0xa0e00},
			dylibs: map[uint32][]string{lcLoadDylib: {libSystem, "@rpath/libfoo.dylib"}}}),
		buildPE(peSpec{machine: 0x8664, chars: 0x22, dllChars: 0x4160, subsystem: 2, osVersion: [2]uint16{6, 1},
			imports: [][2]string{{"msvcrt.dll", "printf"}, {"libwinpthread-1.dll", "pthread_create"}}}),
		wasmModule(wasmFuncImports("wasi_snapshot_preview1"), wasmSection(0, append(wasmName("name"), 0)),
			wasmSection(0, append(wasmName("go:buildid"), "\xff Go build ID: \"a/b\"\n \xff"...))),
	}
	return seeds
}

// FuzzVerneed drives the version-need decoder directly, with any table,
// string table and entry count: it must stop, and never return more
// entries than the table can hold.
//
//	go test -fuzz=FuzzVerneed -fuzztime=30s ./pkg/inspect/
func FuzzVerneed(f *testing.F) {
	b := withSections(buildELF(dynamicSpec), glibcSections())
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		f.Fatal(err)
	}
	vn, str := ef.SectionByType(elf.SHT_GNU_VERNEED), ef.Section(".dynstr")
	vnData, _ := vn.Data()
	strData, _ := str.Data()
	f.Add(vnData, strData, uint64(vn.Info), false)
	f.Add(vnData, strData, uint64(0), true)
	f.Add([]byte{1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0}, []byte("\x00libc.so.6\x00"), uint64(0), false)
	f.Fuzz(func(t *testing.T, table, strtabBytes []byte, count uint64, bigEndian bool) {
		var bo binary.ByteOrder = binary.LittleEndian
		if bigEndian {
			bo = binary.BigEndian
		}
		entries, err := parseVerneed(table, bo, newStrtab(strtabBytes), count, 0x1000)
		if err != nil {
			if !strings.Contains(err.Error(), "at offset 0x") {
				t.Fatalf("error without an offset: %v", err)
			}
			return
		}
		if max := len(table) / 16; len(entries) > max {
			t.Fatalf("%d entries from a %d-byte table", len(entries), len(table))
		}
		_ = versionNeeds(entries, nil)
	})
}
