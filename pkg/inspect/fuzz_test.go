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
	}
	for _, s := range seeds {
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
