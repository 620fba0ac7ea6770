package inspect

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readBytes(t *testing.T, b []byte, name string) *Info {
	t.Helper()
	info, err := Read(bytes.NewReader(b), int64(len(b)), name)
	require.NoError(t, err)
	require.NotNil(t, info)
	return info
}

func TestELFLinkageRules(t *testing.T) {
	tests := []struct {
		name     string
		spec     elfSpec
		linkage  Linkage
		rule     string
		pie      bool
		needed   []string
		interpre string
	}{
		{
			name:    "ET_EXEC without anything is static",
			spec:    elfSpec{typ: elf.ET_EXEC},
			linkage: LinkageStatic, rule: "ET_EXEC without PT_INTERP",
		},
		{
			name:    "ET_EXEC with PT_DYNAMIC but no PT_INTERP is static",
			spec:    elfSpec{typ: elf.ET_EXEC, needed: []string{"libc.so.6"}},
			linkage: LinkageStatic, rule: "ET_EXEC without PT_INTERP", needed: []string{"libc.so.6"},
		},
		{
			name:    "ET_EXEC with empty PT_DYNAMIC but no PT_INTERP is static",
			spec:    elfSpec{typ: elf.ET_EXEC, dynamic: true},
			linkage: LinkageStatic, rule: "ET_EXEC without PT_INTERP",
		},
		{
			name:    "ET_EXEC with PT_INTERP is dynamic",
			spec:    elfSpec{typ: elf.ET_EXEC, interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6", "libpthread.so.0"}},
			linkage: LinkageDynamic, rule: "ET_EXEC with PT_INTERP",
			needed: []string{"libc.so.6", "libpthread.so.0"}, interpre: "/lib64/ld-linux-x86-64.so.2",
		},
		{
			name:    "ET_DYN with PT_INTERP and no DT_NEEDED is dynamic PIE",
			spec:    elfSpec{typ: elf.ET_DYN, interp: "/lib64/ld-linux-x86-64.so.2", flags1: uint64(elf.DF_1_PIE)},
			linkage: LinkageDynamic, rule: "ET_DYN with PT_INTERP", pie: true, interpre: "/lib64/ld-linux-x86-64.so.2",
		},
		{
			name:    "ET_DYN with PT_INTERP and no dynamic table at all is dynamic PIE",
			spec:    elfSpec{typ: elf.ET_DYN, interp: "/lib/ld-musl-x86_64.so.1"},
			linkage: LinkageDynamic, rule: "ET_DYN with PT_INTERP", pie: true, interpre: "/lib/ld-musl-x86_64.so.1",
		},
		{
			name:    "ET_DYN without PT_INTERP with DF_1_PIE is static-pie",
			spec:    elfSpec{typ: elf.ET_DYN, flags1: uint64(elf.DF_1_PIE | elf.DF_1_NOW)},
			linkage: LinkageStaticPIE, rule: "ET_DYN without PT_INTERP, with DF_1_PIE in DT_FLAGS_1", pie: true,
		},
		{
			name:    "ET_DYN without PT_INTERP or DF_1_PIE is a shared library",
			spec:    elfSpec{typ: elf.ET_DYN, needed: []string{"libc.so.6"}, flags1: uint64(elf.DF_1_NODELETE)},
			linkage: LinkageShared, rule: "ET_DYN without PT_INTERP or DF_1_PIE", needed: []string{"libc.so.6"},
		},
		{
			name:    "ET_DYN with DF_1_PIE and DT_SONAME is a shared library, never static-pie",
			spec:    elfSpec{typ: elf.ET_DYN, soname: "libfoo.so.1", flags1: uint64(elf.DF_1_PIE)},
			linkage: LinkageShared, rule: "ET_DYN without PT_INTERP, with DT_SONAME",
		},
		{
			name:    "ET_DYN without any dynamic table is a shared library",
			spec:    elfSpec{typ: elf.ET_DYN},
			linkage: LinkageShared, rule: "ET_DYN without PT_INTERP or DF_1_PIE",
		},
		{
			name:    "another type is unknown (ET_REL and ET_CORE are errors: TestNotExecutable)",
			spec:    elfSpec{typ: elf.Type(0xfe00)}, // ET_LOOS
			linkage: LinkageUnknown, rule: "ELF type 0xfe00 is neither ET_EXEC nor ET_DYN",
		},
		{
			name:    "DT_NEEDED is sorted and deduplicated",
			spec:    elfSpec{typ: elf.ET_EXEC, interp: "/lib/ld-linux.so.2", needed: []string{"libz.so.1", "libc.so.6", "libz.so.1"}},
			linkage: LinkageDynamic, rule: "ET_EXEC with PT_INTERP", needed: []string{"libc.so.6", "libz.so.1"}, interpre: "/lib/ld-linux.so.2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, buildELF(tt.spec), "synthetic.elf")
			assert.Equal(t, FormatELF, info.Format)
			assert.Equal(t, tt.linkage, info.Linkage)
			assert.Equal(t, tt.rule, info.LinkageRule)
			assert.Equal(t, tt.pie, info.PIE)
			assert.Equal(t, tt.needed, info.Needed)
			assert.Equal(t, tt.interpre, info.Interpreter)
			assert.Equal(t, "amd64", info.GOARCH)
			assert.Nil(t, info.Go, "synthetic files carry no Go build info")
		})
	}
}

func TestELFGOARCH(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	c32, c64 := elf.ELFCLASS32, elf.ELFCLASS64
	tests := []struct {
		name  string
		m     elf.Machine
		class elf.Class
		bo    binary.ByteOrder
		want  string
	}{
		{"386", elf.EM_386, c32, le, "386"},
		{"amd64", elf.EM_X86_64, c64, le, "amd64"},
		{"x32 has no port", elf.EM_X86_64, c32, le, ""},
		{"arm", elf.EM_ARM, c32, le, "arm"},
		{"arm64", elf.EM_AARCH64, c64, le, "arm64"},
		{"loong64", elf.EM_LOONGARCH, c64, le, "loong64"},
		{"mips", elf.EM_MIPS, c32, be, "mips"},
		{"mipsle", elf.EM_MIPS, c32, le, "mipsle"},
		{"mips64", elf.EM_MIPS, c64, be, "mips64"},
		{"mips64le", elf.EM_MIPS, c64, le, "mips64le"},
		{"ppc64", elf.EM_PPC64, c64, be, "ppc64"},
		{"ppc64le", elf.EM_PPC64, c64, le, "ppc64le"},
		{"riscv64", elf.EM_RISCV, c64, le, "riscv64"},
		{"riscv32 has no port", elf.EM_RISCV, c32, le, ""},
		{"s390x", elf.EM_S390, c64, be, "s390x"},
		{"sparc has no port", elf.EM_SPARCV9, c64, be, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, elfGOARCH(tt.m, tt.class, tt.bo))
		})
	}
}

func TestELFGOOSFromBytes(t *testing.T) {
	note := func(name string, typ uint32, desc ...byte) []elfNote {
		return []elfNote{{name: name, typ: typ, desc: desc}}
	}
	tests := []struct {
		name string
		spec elfSpec
		want string
	}{
		{"static linux is indistinguishable", elfSpec{}, ""},
		{"Go build ID note does not tell the OS", elfSpec{notes: note("Go", 4, []byte("abc/def")...)}, ""},
		{"OSABI FreeBSD", elfSpec{osabi: elf.ELFOSABI_FREEBSD}, "freebsd"},
		{"OSABI OpenBSD", elfSpec{osabi: elf.ELFOSABI_OPENBSD}, "openbsd"},
		{"OSABI NetBSD", elfSpec{osabi: elf.ELFOSABI_NETBSD}, "netbsd"},
		{"OSABI Solaris", elfSpec{osabi: elf.ELFOSABI_SOLARIS}, "solaris"},
		{"OSABI GNU/Linux", elfSpec{osabi: elf.ELFOSABI_LINUX}, "linux"},
		{"NetBSD ident note", elfSpec{notes: note("NetBSD", 1, 0, 0, 0, 0)}, "netbsd"},
		{"OpenBSD ident note", elfSpec{notes: note("OpenBSD", 1, 0, 0, 0, 0)}, "openbsd"},
		{"FreeBSD ABI tag note", elfSpec{notes: note("FreeBSD", 1, 0x38, 0x5b, 0x12, 0)}, "freebsd"},
		{"GNU ABI tag says Linux", elfSpec{notes: note("GNU", 1, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0)}, "linux"},
		{"GNU build ID is not an ABI tag", elfSpec{notes: note("GNU", 3, 0, 0, 0, 0)}, ""},
		{"android linker", elfSpec{interp: "/system/bin/linker64", typ: elf.ET_DYN}, "android"},
		{"android linker beats GNU OSABI", elfSpec{interp: "/system/bin/linker", osabi: elf.ELFOSABI_LINUX}, "android"},
		{"openbsd ld.so", elfSpec{interp: "/usr/libexec/ld.so"}, "openbsd"},
		{"freebsd ld-elf", elfSpec{interp: "/libexec/ld-elf.so.1"}, "freebsd"},
		{"freebsd ld-elf in /usr", elfSpec{interp: "/usr/libexec/ld-elf.so.1"}, "freebsd"},
		{"netbsd ld.elf_so", elfSpec{interp: "/usr/libexec/ld.elf_so"}, "netbsd"},
		{"glibc loader", elfSpec{interp: "/lib64/ld-linux-x86-64.so.2"}, "linux"},
		{"glibc loader 32-bit", elfSpec{interp: "/lib/ld-linux.so.2"}, "linux"},
		{"musl loader", elfSpec{interp: "/lib/ld-musl-x86_64.so.1"}, "linux"},
		{"solaris loader", elfSpec{interp: "/usr/lib/amd64/ld.so.1"}, "solaris"},
		{"solaris 32-bit loader", elfSpec{interp: "/usr/lib/ld.so.1"}, "solaris"},
		{"go's solaris loader path", elfSpec{interp: "/lib/amd64/ld.so.1"}, "solaris"},
		{"/lib/ld.so.1 on riscv is glibc", elfSpec{interp: "/lib/ld.so.1", machine: elf.EM_RISCV}, "linux"},
		{"unknown loader is not guessed", elfSpec{interp: "/opt/weird/ld.so"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, buildELF(tt.spec), "synthetic.elf")
			assert.Equal(t, tt.want, info.GOOS)
		})
	}
}

func TestELFGOOSFromBuildInfo(t *testing.T) {
	modinfo := func(goos string) string {
		return "path\texample.com/x\nmod\texample.com/x\t(devel)\t\nbuild\tGOARCH=amd64\nbuild\tGOOS=" + goos + "\n"
	}
	tests := []struct {
		name string
		spec elfSpec
		want string
	}{
		{"static linux says linux only in build info", elfSpec{modinfo: modinfo("linux")}, "linux"},
		{"illumos shares solaris's loader", elfSpec{interp: "/lib/amd64/ld.so.1", modinfo: modinfo("illumos")}, "illumos"},
		{"build info beats the OSABI byte", elfSpec{osabi: elf.ELFOSABI_NONE, interp: "/usr/libexec/ld-elf.so.2", modinfo: modinfo("dragonfly")}, "dragonfly"},
		{"android static binary", elfSpec{modinfo: modinfo("android")}, "android"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, buildELF(tt.spec), "withgo.elf")
			require.NotNil(t, info.Go, "build info found")
			assert.Equal(t, "go1.26.8", info.Go.GoVersion)
			assert.Equal(t, "example.com/x", info.Go.Path)
			assert.Equal(t, "example.com/x", info.Go.Main)
			assert.Equal(t, tt.want, info.Go.Settings["GOOS"])
			assert.Equal(t, tt.want, info.GOOS)
		})
	}
}

func TestELFBigEndianDynamic(t *testing.T) {
	b := buildELF(elfSpec{typ: elf.ET_EXEC, machine: elf.EM_PPC64, bo: binary.BigEndian,
		interp: "/lib64/ld64.so.1", needed: []string{"libc.so.6"},
		notes: []elfNote{{name: "GNU", typ: 1, desc: []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0}}}})
	info := readBytes(t, b, "be.elf")
	assert.Equal(t, "ppc64", info.GOARCH)
	assert.Equal(t, "linux", info.GOOS)
	assert.Equal(t, LinkageDynamic, info.Linkage)
	assert.Equal(t, []string{"libc.so.6"}, info.Needed)
}

func TestELFMalformed(t *testing.T) {
	good := buildELF(elfSpec{typ: elf.ET_EXEC, interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6"}})
	f, err := elf.NewFile(bytes.NewReader(good))
	require.NoError(t, err)
	phoff := 64

	t.Run("PT_INTERP past end of file", func(t *testing.T) {
		b := bytes.Clone(good)
		for i, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				binary.LittleEndian.PutUint64(b[phoff+56*i+8:], uint64(len(b)+100))
			}
		}
		_, err := Read(bytes.NewReader(b), int64(len(b)), "bad.elf")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "inspect: bad.elf: ELF PT_INTERP at offset 0x")
		assert.Contains(t, err.Error(), "truncated")
	})
	t.Run("DT_STRTAB outside any PT_LOAD leaves Needed empty", func(t *testing.T) {
		b := bytes.Clone(good)
		for i, p := range f.Progs {
			if p.Type == elf.PT_LOAD {
				binary.LittleEndian.PutUint64(b[phoff+56*i+16:], 0x900000) // vaddr
			}
		}
		info := readBytes(t, b, "moved.elf")
		assert.Equal(t, LinkageDynamic, info.Linkage)
		assert.Empty(t, info.Needed)
	})
	t.Run("huge DT_NEEDED offset is skipped", func(t *testing.T) {
		b := bytes.Clone(good)
		var dyn *elf.Prog
		for _, p := range f.Progs {
			if p.Type == elf.PT_DYNAMIC {
				dyn = p
			}
		}
		require.NotNil(t, dyn)
		require.Equal(t, uint64(elf.DT_NEEDED), binary.LittleEndian.Uint64(b[dyn.Off:]))
		binary.LittleEndian.PutUint64(b[dyn.Off+8:], 1<<40)
		info := readBytes(t, b, "needed.elf")
		assert.Empty(t, info.Needed)
	})
}

func TestParseNotesBounds(t *testing.T) {
	bo := binary.LittleEndian
	b := make([]byte, 12)
	bo.PutUint32(b, 0xffffffff) // namesz far beyond the buffer
	bo.PutUint32(b[4:], 4)
	assert.Empty(t, parseNotes(b, bo, 4))
	bo.PutUint32(b, 0)
	bo.PutUint32(b[4:], 0xfffffffc)
	assert.Empty(t, parseNotes(b, bo, 8))
}

// countingReader counts the bytes read through it and panics once more
// than limit (if set) have been read, so a runaway parse fails fast.
type countingReader struct {
	r     io.ReaderAt
	n     atomic.Int64
	limit int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if total := c.n.Add(int64(n)); c.limit > 0 && total > c.limit {
		panic("read budget exceeded")
	}
	return n, err
}

// Program headers may all describe the same bytes; reading each of 20000
// overlapping PT_NOTEs in full would copy gigabytes.
func TestELFOverlappingNotesAreBounded(t *testing.T) {
	const phnum = 20000
	hdr := buildELF(elfSpec{})[:64]
	b := make([]byte, 64+56*phnum)
	copy(b, hdr)
	le := binary.LittleEndian
	le.PutUint16(b[56:], phnum) // e_phnum
	for i := range phnum {
		p := b[64+56*i:]
		le.PutUint32(p, uint32(elf.PT_NOTE))
		le.PutUint64(p[32:], uint64(len(b))) // p_filesz: the whole file
		le.PutUint64(p[48:], 4)
	}
	cr := &countingReader{r: bytes.NewReader(b), limit: 256 << 20}
	info, err := Read(cr, int64(len(b)), "notes.elf")
	require.NoError(t, err)
	assert.Equal(t, LinkageStatic, info.Linkage)
	assert.Less(t, cr.n.Load(), int64(64<<20), "bytes read for a %d-byte file", len(b))
}
