package inspect

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkLayout asserts the invariants every successful ReadLayout holds.
func checkLayout(t testing.TB, l *Layout, size int64) {
	t.Helper()
	if l.Format == "" {
		t.Fatalf("layout without a format: %+v", l)
	}
	seen := map[string]bool{}
	for _, r := range l.Regions {
		if r.Off < 0 || r.Size < 0 || r.Off > size || r.Size > size-r.Off {
			t.Fatalf("region %q at %#x (%d bytes) is not inside the %d-byte file", r.Name, r.Off, r.Size, size)
		}
		if r.Section {
			if seen[r.Name] {
				t.Fatalf("section name %q twice", r.Name)
			}
			seen[r.Name] = true
		}
		if got, ok := l.At(r.Off); r.Size > 0 && (!ok || got.Size > r.Size) {
			t.Fatalf("At(%#x) = %+v, %v: not the smallest region", r.Off, got, ok)
		}
	}
}

func regionNames(l *Layout) map[string]Region {
	out := map[string]Region{}
	for _, r := range l.Regions {
		out[r.Name] = r
	}
	return out
}

func TestReadLayout(t *testing.T) {
	elfFile := withSections(buildELF(elfSpec{notes: []elfNote{{name: "GNU", typ: ntGNUBuildID, desc: []byte{1, 2, 3, 4}}}}),
		elfSections{extra: []string{".debug_info", ".debug_info"}})
	tests := []struct {
		name    string
		data    []byte
		format  Format
		regions []string // names that must be there
		buildID []string // of those, the ones only the build ID decides
	}{
		{"ELF", elfFile, FormatELF,
			[]string{"the ELF header", "the ELF program headers", "the ELF section headers", ".debug_info", ".debug_info#2"}, nil},
		{"Mach-O", buildMachO(machoSpec{uuid: make([]byte, 16), dylibs: map[uint32][]string{lcLoadDylib: {libSystem}}}), FormatMachO,
			[]string{"the Mach-O header", "the LC_UUID load command", "the LC_LOAD_DYLIB load command"}, []string{"the LC_UUID load command"}},
		{"PE", buildPE(peSpec{machine: 0x8664, imports: [][2]string{{"KERNEL32.dll", "ExitProcess"}}}), FormatPE,
			[]string{"the DOS header and stub", "the PE signature and COFF header", "the PE optional header", "the PE section table", ".idata"}, nil},
		{"fat Mach-O: format only", buildFat(4, buildMachO(machoSpec{cpu: macho.CpuArm64})), FormatMachOFat, nil, nil},
		{"wasm: format only", wasmModule(producers("go1.26.8")), FormatWasm, nil, nil},
		{"XCOFF: format only", buildXCOFF(0x0002), FormatXCOFF, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ReadLayout(bytes.NewReader(tt.data), int64(len(tt.data)))
			require.NoError(t, err)
			assert.Equal(t, tt.format, l.Format)
			checkLayout(t, l, int64(len(tt.data)))
			if tt.regions == nil {
				assert.Empty(t, l.Regions)
			}
			names := regionNames(l)
			for _, n := range tt.regions {
				require.Contains(t, names, n)
				assert.Equal(t, contains(tt.buildID, n), names[n].BuildID, n)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestReadLayoutELFBuildIDNotes: the ELF build-ID note sections are bytes
// only the build ID decides.
func TestReadLayoutELFBuildIDNotes(t *testing.T) {
	data := withSections(buildELF(elfSpec{}), elfSections{extra: []string{".note.go.buildid", ".note.gnu.build-id", ".text"}})
	l, err := ReadLayout(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	names := regionNames(l)
	for _, n := range []string{".note.go.buildid", ".note.gnu.build-id"} {
		require.Contains(t, names, n)
		assert.True(t, names[n].BuildID, n)
	}
	assert.False(t, names[".text"].BuildID)
	secs := l.Sections()
	for i := 1; i < len(secs); i++ {
		assert.LessOrEqual(t, secs[i-1].Off, secs[i].Off, "Sections are in file order")
	}
}

func TestReadLayoutErrors(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		unknown bool
		want    string
	}{
		{"empty", nil, true, "empty file"},
		{"plain bytes", []byte("just some text"), true, "unrecognised binary format"},
		{"Java class file", []byte{0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x3d}, true, "Java class files share this magic"},
		{"ELF magic then garbage", append([]byte("\x7fELF"), bytes.Repeat([]byte{0xa5}, 200)...), false, "malformed ELF"},
		{"truncated ELF", []byte("\x7fELF\x02\x01\x01"), false, "malformed ELF"},
		{"Mach-O magic then garbage", append([]byte("\xcf\xfa\xed\xfe"), bytes.Repeat([]byte{0xa5}, 10)...), false, "malformed Mach-O"},
		{"MZ then garbage", append([]byte("MZ"), bytes.Repeat([]byte{0xa5}, 100)...), false, "malformed PE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ReadLayout(bytes.NewReader(tt.data), int64(len(tt.data)))
			require.Error(t, err)
			assert.Nil(t, l)
			assert.Equal(t, tt.unknown, errors.Is(err, ErrUnknownFormat), "%v", err)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	t.Run("a section past the end of the file", func(t *testing.T) {
		data := withSections(buildELF(elfSpec{}), elfSections{extra: []string{".text"}})
		f, err := elf.NewFile(bytes.NewReader(data))
		require.NoError(t, err)
		// Make .text's size (sh_size of a 64-bit section header) huge.
		shoff := binary.LittleEndian.Uint64(data[0x28:])
		for i, s := range f.Sections {
			if s.Name == ".text" {
				binary.LittleEndian.PutUint64(data[shoff+uint64(i)*64+0x20:], 1<<40)
			}
		}
		_, err = ReadLayout(bytes.NewReader(data), int64(len(data)))
		assert.ErrorContains(t, err, "malformed elf: .text at offset")
		assert.ErrorContains(t, err, "runs past the end of the file")
	})
}

func TestLayoutAt(t *testing.T) {
	l := &Layout{Regions: []Region{
		{Name: "the __TEXT segment", Off: 0, Size: 100},
		{Name: "__TEXT,__text", Off: 40, Size: 60, Section: true},
		{Name: "the Go build ID", Off: 40, Size: 10, BuildID: true},
	}}
	tests := []struct {
		off     int64
		want    string
		buildID bool
	}{
		{0, "the __TEXT segment", false},
		{39, "the __TEXT segment", false},
		{40, "the Go build ID", true},
		{49, "the Go build ID", true},
		{50, "__TEXT,__text", false},
		{99, "__TEXT,__text", false},
		{100, "", false},
		{-1, "", false},
	}
	for _, tt := range tests {
		r, ok := l.At(tt.off)
		assert.Equal(t, tt.want != "", ok, "offset %d", tt.off)
		assert.Equal(t, tt.want, r.Name, "offset %d", tt.off)
		assert.Equal(t, tt.buildID, l.InBuildID(tt.off), "offset %d", tt.off)
	}
}

// TestFindGoBuildID: the region of the Go build ID is the framed string,
// prefix and suffix included, wherever in the first bytes of text it is.
func TestFindGoBuildID(t *testing.T) {
	framed := "\xff Go build ID: \"abc/def\"\n \xff"
	data := append(append(bytes.Repeat([]byte{0x90}, 100), framed...), bytes.Repeat([]byte{0xcc}, 3000)...)
	start, length, ok := findGoBuildID(bytes.NewReader(data), int64(len(data)), 0, uint64(len(data)))
	require.True(t, ok)
	assert.Equal(t, int64(100), start)
	assert.Equal(t, int64(len(framed)), length)
	assert.Equal(t, "abc/def", scanGoBuildID(bytes.NewReader(data), int64(len(data)), 0, uint64(len(data))))

	_, _, ok = findGoBuildID(bytes.NewReader(data), int64(len(data)), 200, uint64(len(data)))
	assert.False(t, ok, "not in the bytes scanned")
}
