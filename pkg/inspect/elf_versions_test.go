package inspect

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var dynamicSpec = elfSpec{typ: elf.ET_DYN, interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6", "libm.so.6"}, flags1: uint64(elf.DF_1_PIE)}

func TestELFVersionNeeds(t *testing.T) {
	info := readBytes(t, withSections(buildELF(dynamicSpec), glibcSections()), "prog")
	assert.Equal(t, "2.29", info.MaxGlibc, "highest GLIBC_ across libraries; GLIBC_PRIVATE is ignored")
	assert.Equal(t, []string{"exp"}, info.GlibcSymbols)
	assert.Equal(t, []VersionNeed{
		{Library: "libc.so.6", Version: "GLIBC_2.2.5", Symbols: []string{"malloc"}},
		{Library: "libc.so.6", Version: "GLIBC_2.3.4", Symbols: []string{"__fprintf_chk"}},
		{Library: "libc.so.6", Version: "GLIBC_2.17", Symbols: []string{"clock_gettime", "secure_getenv"}},
		{Library: "libc.so.6", Version: "GLIBC_PRIVATE", Symbols: []string{"__libc_secret"}},
		{Library: "libm.so.6", Version: "GLIBC_2.29", Symbols: []string{"exp"}},
	}, info.VersionNeeds, "sorted by library, then numerically by version; defined and unversioned symbols left out")
	assert.Empty(t, info.MaxGLIBCXX)
	assert.Equal(t, "glibc", info.Libc)
	assert.True(t, info.SystemLibsOnly)
	assert.True(t, info.Stripped, "no .symtab")
	assert.False(t, info.DWARF)
}

func TestELFFloors(t *testing.T) {
	s := elfSections{
		needs: []synthNeed{
			{"libstdc++.so.6", []synthVer{{"GLIBCXX_3.4", 2}, {"GLIBCXX_3.4.9", 3}, {"GLIBCXX_3.4.21", 4}, {"CXXABI_1.3", 5}, {"CXXABI_1.3.13", 6}, {"CXXABI_TM_1", 7}}},
			{"libgcc_s.so.1", []synthVer{{"GCC_3.0", 8}, {"GCC_4.2.0", 9}}},
			{"libc.so.6", []synthVer{{"GLIBC_2.14", 10}, {"GLIBC_2.2.5", 11}}},
		},
		syms: []synthSym{{name: "memcpy", index: 10}, {name: "_Unwind_Resume", index: 8}},
	}
	spec := dynamicSpec
	spec.needed = []string{"libstdc++.so.6", "libgcc_s.so.1", "libc.so.6"}
	info := readBytes(t, withSections(buildELF(spec), s), "prog")
	assert.Equal(t, "2.14", info.MaxGlibc)
	assert.Equal(t, []string{"memcpy"}, info.GlibcSymbols)
	assert.Equal(t, "3.4.21", info.MaxGLIBCXX)
	assert.Equal(t, "1.3.13", info.MaxCXXABI)
	assert.Equal(t, "4.2.0", info.MaxGCC)
	assert.False(t, info.SystemLibsOnly, "libstdc++ and libgcc_s ship with the compiler, not the OS")
}

func TestELFSectionFlags(t *testing.T) {
	notes := []elfNote{
		{name: "GNU", typ: ntGNUBuildID, desc: []byte{0xde, 0xad, 0xbe, 0xef}},
		{name: "Go", typ: ntGoBuildID, desc: []byte("abc/def")},
		{name: "GNU", typ: ntGNUABITag, desc: make([]byte, 16)},
	}
	tests := []struct {
		name      string
		spec      elfSpec
		sections  *elfSections
		stripped  bool
		dwarf     bool
		buildID   string
		goBuildID string
		libc      string
	}{
		{"no section headers", elfSpec{}, nil, true, false, "", "", ""},
		{"symtab and DWARF", elfSpec{}, &elfSections{symtab: true, extra: []string{".debug_info"}}, false, true, "", "", ""},
		{"compressed DWARF name", elfSpec{}, &elfSections{extra: []string{".zdebug_info"}}, true, true, "", "", ""},
		{"other debug sections are not .debug_info", elfSpec{}, &elfSections{extra: []string{".debug_line", ".debug_frame"}}, true, false, "", "", ""},
		{"notes: build IDs and static glibc", elfSpec{notes: notes}, nil, true, false, "deadbeef", "abc/def", "glibc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildELF(tt.spec)
			if tt.sections != nil {
				b = withSections(b, *tt.sections)
			}
			info := readBytes(t, b, "prog")
			assert.Equal(t, tt.stripped, info.Stripped, "stripped")
			assert.Equal(t, tt.dwarf, info.DWARF, "DWARF")
			assert.Equal(t, tt.buildID, info.BuildID)
			assert.Equal(t, tt.goBuildID, info.GoBuildID)
			assert.Equal(t, tt.libc, info.Libc)
		})
	}
}

// TestELFVersionErrors: malformed version tables are one error naming the
// file and the offset; caps are errors, not allocations.
func TestELFVersionErrors(t *testing.T) {
	le := binary.LittleEndian
	u32 := func(v uint32) *uint32 { return &v }
	tests := []struct {
		name  string
		s     func(elfSections) elfSections
		where string // section the offset is relative to
		rel   int64  // -1: the section's end
		want  string // %#x is the offset
	}{
		{"bad vn_version", func(s elfSections) elfSections {
			s.patch = func(b []byte) { le.PutUint16(b, 2) }
			return s
		}, ".gnu.version_r", 0, "ELF version need at offset %#x: unsupported vn_version 2"},
		{"vn_file outside the string table", func(s elfSections) elfSections {
			s.patch = func(b []byte) { le.PutUint32(b[4:], 1<<30) }
			return s
		}, ".gnu.version_r", 0, "ELF version need at offset %#x: vn_file 0x40000000 is outside the string table"},
		{"vna_name outside the string table", func(s elfSections) elfSections {
			s.patch = func(b []byte) { le.PutUint32(b[16+8:], 1<<30) }
			return s
		}, ".gnu.version_r", 16, "ELF version need auxiliary entry at offset %#x: vna_name 0x40000000 is outside the string table"},
		{"aux entry past the section", func(s elfSections) elfSections {
			s.patch = func(b []byte) { le.PutUint32(b[8:], uint32(len(b))) }
			return s
		}, ".gnu.version_r", -1, "ELF version need auxiliary entry at offset %#x: truncated"},
		{"more entries than fit", func(s elfSections) elfSections {
			s.verneedInfo = u32(1000)
			return s
		}, ".gnu.version_r", 0, "ELF version need at offset %#x: 1000 entries cannot fit in 112 bytes"},
		{"vn_next chain without an end", func(s elfSections) elfSections {
			s.verneedInfo = u32(0)
			s.patch = func(b []byte) { // every 16 bytes an entry with no aux and vn_next 16
				for o := 0; o < len(b); o += 16 {
					copy(b[o:], []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0})
				}
			}
			return s
		}, ".gnu.version_r", 0, "ELF version need at offset %#x: vn_next chain does not end"},
		{"entries whose aux chains overlap", func(s elfSections) elfSections {
			// Every 16 bytes are at once an entry {version 1, cnt 3, aux 0,
			// next 16} and an aux entry whose name is "" and next is 16, so
			// each entry walks the rest of the table again.
			s.needs = []synthNeed{{"libc.so.6", []synthVer{{"GLIBC_2.2.5", 2}, {"GLIBC_2.3", 3}, {"GLIBC_2.4", 4}}}}
			s.verneedInfo = u32(0)
			s.patch = func(b []byte) {
				for o := 0; o < len(b); o += 16 {
					copy(b[o:], []byte{1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0})
				}
				le.PutUint32(b[len(b)-4:], 0)
			}
			return s
		}, ".gnu.version_r", 16, "ELF version need at offset %#x: auxiliary entries overlap or loop"},
		{".dynsym over the cap", func(s elfSections) elfSections {
			s.dynsymSize = maxDynsymLen + 24
			return s
		}, ".dynsym", 0, "ELF .dynsym at offset %#x: 16777240 bytes exceeds the 16777216-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := withSections(buildELF(dynamicSpec), tt.s(glibcSections()))
			f, err := elf.NewFile(bytes.NewReader(b))
			require.NoError(t, err)
			sec := f.Section(tt.where)
			require.NotNil(t, sec)
			off := int64(sec.Offset) + tt.rel
			if tt.rel < 0 {
				off = int64(sec.Offset + sec.FileSize)
			}
			cr := &countingReader{r: bytes.NewReader(b), limit: 1 << 20}
			_, err = Read(cr, int64(len(b)), "bad.elf")
			require.Error(t, err)
			assert.Equal(t, "inspect: bad.elf: "+fmt.Sprintf(tt.want, off), err.Error())
			assert.Less(t, cr.n.Load(), int64(1<<20), "bytes read")
		})
	}
}

func TestStrtabBudget(t *testing.T) {
	long := append(bytes.Repeat([]byte("a"), 100), 0)
	st := &strtab{b: long, budget: 250}
	for i := range 2 {
		s, ok, err := st.at(uint32(i))
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Len(t, s, 100-i)
	}
	_, _, err := st.at(2)
	require.Error(t, err, "the third scan would pass the budget")
	assert.Contains(t, err.Error(), "string lookups scanned more than")

	st = newStrtab([]byte("abc"))
	_, ok, err := st.at(0)
	require.NoError(t, err)
	assert.False(t, ok, "unterminated")
	_, ok, err = st.at(3)
	require.NoError(t, err)
	assert.False(t, ok, "out of range")
}

// TestELFVersionsWithoutSectionHeaders: with the section headers gone (as
// sstrip leaves a file) the versions still come from DT_VERNEED, which the
// loader itself reads; only the symbols are lost.
func TestELFVersionsWithoutSectionHeaders(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(fixturePath(t, "linux-amd64-cgo-net"))
	require.NoError(t, err)
	full := readBytes(t, b, "full")
	require.NotEmpty(t, full.MaxGlibc)

	b = bytes.Clone(b)
	binary.LittleEndian.PutUint64(b[40:], 0) // e_shoff
	binary.LittleEndian.PutUint16(b[60:], 0) // e_shnum
	binary.LittleEndian.PutUint16(b[62:], 0) // e_shstrndx
	info := readBytes(t, b, "sstripped")
	assert.Equal(t, full.MaxGlibc, info.MaxGlibc)
	assert.Empty(t, info.GlibcSymbols)
	require.Len(t, info.VersionNeeds, len(full.VersionNeeds))
	for i, vn := range info.VersionNeeds {
		assert.Equal(t, full.VersionNeeds[i].Library, vn.Library)
		assert.Equal(t, full.VersionNeeds[i].Version, vn.Version)
		assert.Empty(t, vn.Symbols)
	}
	assert.True(t, info.Stripped)
	// Go's linker puts .note.go.buildid in a PT_NOTE segment, so it
	// survives; its .note.gnu.build-id is outside every PT_NOTE and is
	// found only through the section headers.
	assert.Equal(t, full.GoBuildID, info.GoBuildID)
}
