package inspect

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRealBinaries inspects programs built by the real toolchain for many
// targets and checks each verdict.
func TestRealBinaries(t *testing.T) {
	tests := []struct {
		fixture     string
		format      Format
		linkage     Linkage
		rule        string
		pie         bool
		interpreter string
		needed      []string // must all be present
		exactNeeded bool
		buildmode   string
	}{
		{fixture: "linux-amd64", format: FormatELF, linkage: LinkageStatic, rule: "ET_EXEC without PT_INTERP", exactNeeded: true},
		{fixture: "linux-amd64-cgo-net", format: FormatELF, linkage: LinkageDynamic, rule: "ET_EXEC with PT_INTERP",
			interpreter: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6"}},
		// Go links -buildmode=pie internally when cgo is off: PT_INTERP but no DT_NEEDED at all.
		{fixture: "linux-amd64-pie", format: FormatELF, linkage: LinkageDynamic, rule: "ET_DYN with PT_INTERP", pie: true,
			interpreter: "/lib64/ld-linux-x86-64.so.2", exactNeeded: true, buildmode: "pie"},
		{fixture: "linux-amd64-static-pie", format: FormatELF, linkage: LinkageStaticPIE,
			rule: "ET_DYN without PT_INTERP, with DF_1_PIE in DT_FLAGS_1", pie: true, exactNeeded: true, buildmode: "pie"},
		{fixture: "linux-amd64-c-shared", format: FormatELF, linkage: LinkageShared, needed: []string{"libc.so.6"}, buildmode: "c-shared"},
		// -s -w (as release builds use) strips symbols and DWARF but not what inspect reads.
		{fixture: "linux-amd64-cgo-net-stripped", format: FormatELF, linkage: LinkageDynamic, rule: "ET_EXEC with PT_INTERP",
			interpreter: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6"}},
		{fixture: "darwin-arm64-stripped", format: FormatMachO, linkage: LinkageDynamic, pie: true, interpreter: "/usr/lib/dyld", needed: []string{libSystem}},
		{fixture: "windows-amd64-stripped", format: FormatPE, linkage: LinkageDynamic, pie: true, needed: []string{"kernel32.dll"}},
		{fixture: "linux-arm64", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "linux-386", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "linux-riscv64", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "linux-s390x", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "linux-ppc64le", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "linux-mips64", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "freebsd-amd64", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "openbsd-amd64", format: FormatELF, linkage: LinkageDynamic, interpreter: "/usr/libexec/ld.so", needed: []string{"libc.so"}},
		{fixture: "netbsd-amd64", format: FormatELF, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "darwin-arm64", format: FormatMachO, linkage: LinkageDynamic, rule: "MH_EXECUTE with LC_LOAD_DYLINKER", pie: true,
			interpreter: "/usr/lib/dyld", needed: []string{libSystem}},
		{fixture: "darwin-amd64", format: FormatMachO, linkage: LinkageDynamic, pie: true, interpreter: "/usr/lib/dyld", needed: []string{libSystem}},
		{fixture: "windows-amd64", format: FormatPE, linkage: LinkageDynamic, pie: true, needed: []string{"kernel32.dll"}},
		{fixture: "windows-386", format: FormatPE, linkage: LinkageDynamic, pie: true, needed: []string{"kernel32.dll"}},
		{fixture: "windows-arm64", format: FormatPE, linkage: LinkageDynamic, pie: true, needed: []string{"kernel32.dll"}},
		{fixture: "plan9-amd64", format: FormatPlan9, linkage: LinkageStatic, rule: "Plan 9 a.out has no dynamic linking", exactNeeded: true},
		{fixture: "plan9-386", format: FormatPlan9, linkage: LinkageStatic, exactNeeded: true},
		{fixture: "js-wasm", format: FormatWasm, linkage: LinkageStatic, needed: []string{"gojs"}, exactNeeded: true},
		{fixture: "wasip1-wasm", format: FormatWasm, linkage: LinkageStatic, needed: []string{"wasi_snapshot_preview1"}, exactNeeded: true},
		{fixture: "aix-ppc64", format: FormatXCOFF, linkage: LinkageDynamic, needed: []string{"libc.a(shr_64.o)"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			fx := fixtures[tt.fixture]
			path := fixturePath(t, tt.fixture)
			info, err := File(path)
			require.NoError(t, err)
			st, err := os.Stat(path)
			require.NoError(t, err)

			assert.Equal(t, path, info.Path)
			assert.Equal(t, st.Size(), info.Size)
			assert.Equal(t, tt.format, info.Format)
			assert.Equal(t, fx.goos, info.GOOS)
			assert.Equal(t, fx.goarch, info.GOARCH)
			assert.Equal(t, tt.linkage, info.Linkage)
			if tt.rule != "" {
				assert.Equal(t, tt.rule, info.LinkageRule)
			}
			assert.NotEmpty(t, info.LinkageRule)
			assert.Equal(t, tt.pie, info.PIE, "PIE")
			assert.Equal(t, tt.interpreter, info.Interpreter)
			if tt.exactNeeded {
				assert.Equal(t, tt.needed, info.Needed)
			}
			for _, n := range tt.needed {
				assert.Contains(t, info.Needed, n)
			}
			assert.True(t, slices.IsSorted(info.Needed), "Needed sorted: %q", info.Needed)
			assert.Empty(t, info.Slices)

			require.NotNil(t, info.Go, "Go build info")
			assert.True(t, strings.HasPrefix(info.Go.GoVersion, "go"), info.Go.GoVersion)
			assert.Equal(t, "example.com/fixture/"+fx.pkg, info.Go.Path)
			assert.Equal(t, "example.com/fixture", info.Go.Main)
			assert.Equal(t, fx.goos, info.Go.Settings["GOOS"])
			assert.Equal(t, fx.goarch, info.Go.Settings["GOARCH"])
			wantCgo := map[bool]string{false: "0", true: "1"}[fx.cgo]
			assert.Equal(t, wantCgo, info.Go.Settings["CGO_ENABLED"])
			buildmode := tt.buildmode
			if buildmode == "" {
				buildmode = "exe"
			}
			assert.Equal(t, buildmode, info.Go.Settings["-buildmode"])

			if tt.format == FormatELF {
				// Our PT_DYNAMIC reading agrees with the section-based view.
				f, err := elf.Open(path)
				require.NoError(t, err)
				defer f.Close()
				libs, err := f.ImportedLibraries()
				require.NoError(t, err)
				assert.Equal(t, sortedUnique(libs), info.Needed)
			}
		})
	}
}

// TestFatFromRealBuilds assembles a universal binary from two real darwin
// builds, the way lipo lays one out, and checks both slices.
func TestFatFromRealBuilds(t *testing.T) {
	arm, err := os.ReadFile(fixturePath(t, "darwin-arm64"))
	require.NoError(t, err)
	x86, err := os.ReadFile(fixturePath(t, "darwin-amd64"))
	require.NoError(t, err)

	path := filepath.Join(t.TempDir(), "universal")
	require.NoError(t, os.WriteFile(path, buildFat(14, arm, x86), 0o755))
	info, err := File(path)
	require.NoError(t, err)

	assert.Equal(t, FormatMachOFat, info.Format)
	assert.Equal(t, "darwin", info.GOOS)
	assert.Empty(t, info.GOARCH)
	assert.Equal(t, LinkageDynamic, info.Linkage)
	assert.Equal(t, "worst of 2 slices: MH_EXECUTE with LC_LOAD_DYLINKER (arm64)", info.LinkageRule)
	assert.Equal(t, []string{libSystem}, info.Needed)
	assert.Equal(t, "/usr/lib/dyld", info.Interpreter)
	assert.True(t, info.PIE)
	require.NotNil(t, info.Go)
	assert.Equal(t, "darwin", info.Go.Settings["GOOS"])
	assert.NotContains(t, info.Go.Settings, "GOARCH", "GOARCH differs per slice")

	require.Len(t, info.Slices, 2)
	for i, want := range []struct {
		arch string
		size int
	}{{"arm64", len(arm)}, {"amd64", len(x86)}} {
		s := info.Slices[i]
		assert.Equal(t, FormatMachO, s.Format)
		assert.Equal(t, "darwin", s.GOOS)
		assert.Equal(t, want.arch, s.GOARCH)
		assert.Equal(t, int64(want.size), s.Size)
		assert.Equal(t, LinkageDynamic, s.Linkage)
		assert.Contains(t, s.Needed, libSystem)
		require.NotNil(t, s.Go)
		assert.Equal(t, want.arch, s.Go.Settings["GOARCH"])
	}
}

// patchProgType rewrites the p_type of every program header of type from.
func patchProgType(t *testing.T, b []byte, from, to elf.ProgType) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, elf.ELFCLASS64, f.Class)
	phoff := binary.LittleEndian.Uint64(b[32:])
	out := bytes.Clone(b)
	n := 0
	for i, p := range f.Progs {
		if p.Type == from {
			binary.LittleEndian.PutUint32(out[phoff+uint64(56*i):], uint32(to))
			n++
		}
	}
	require.Positive(t, n, "no %v program header", from)
	return out
}

// TestELFRulesOnPatchedRealBinaries removes PT_INTERP from real linker
// output: the remaining PT_DYNAMIC must not make the verdict dynamic.
func TestELFRulesOnPatchedRealBinaries(t *testing.T) {
	tests := []struct {
		fixture string
		linkage Linkage
		rule    string
		pie     bool
		needed  []string
	}{
		{"linux-amd64-cgo-net", LinkageStatic, "ET_EXEC without PT_INTERP", false, []string{"libc.so.6"}},
		{"linux-amd64-pie", LinkageStaticPIE, "ET_DYN without PT_INTERP, with DF_1_PIE in DT_FLAGS_1", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(fixturePath(t, tt.fixture))
			require.NoError(t, err)
			patched := patchProgType(t, b, elf.PT_INTERP, elf.PT_NULL)
			info := readBytes(t, patched, tt.fixture+"-nointerp")
			assert.Equal(t, tt.linkage, info.Linkage)
			assert.Equal(t, tt.rule, info.LinkageRule)
			assert.Equal(t, tt.pie, info.PIE)
			assert.Equal(t, tt.needed, info.Needed)
			assert.Empty(t, info.Interpreter)
		})
	}
}

// TestELFWithoutSectionHeaders drops the section header table (as sstrip
// does): the loader never reads it, and neither does our linkage verdict.
func TestELFWithoutSectionHeaders(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(fixturePath(t, "linux-amd64-cgo-net"))
	require.NoError(t, err)
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint64(b[40:], 0) // e_shoff
	binary.LittleEndian.PutUint16(b[60:], 0) // e_shnum
	binary.LittleEndian.PutUint16(b[62:], 0) // e_shstrndx
	f, err := elf.NewFile(bytes.NewReader(b))
	require.NoError(t, err)
	require.Empty(t, f.Sections)
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs, "the section-based API sees nothing")

	info := readBytes(t, b, "sstripped")
	assert.Equal(t, LinkageDynamic, info.Linkage)
	assert.Equal(t, "/lib64/ld-linux-x86-64.so.2", info.Interpreter)
	assert.Equal(t, []string{"libc.so.6"}, info.Needed)
	assert.Equal(t, "linux", info.GOOS)
}

// TestGOOSWithoutBuildInfo blanks the Go build info magic so GOOS must come
// from the headers alone, and must stay "" where the headers cannot tell.
func TestGOOSWithoutBuildInfo(t *testing.T) {
	tests := []struct {
		fixture string
		goos    string
	}{
		{"linux-amd64", ""}, // a static linux binary does not say it is linux
		{"linux-amd64-cgo-net", "linux"},
		{"freebsd-amd64", "freebsd"},
		{"openbsd-amd64", "openbsd"},
		{"netbsd-amd64", "netbsd"},
		{"darwin-arm64", "darwin"},
		{"windows-amd64", "windows"},
		{"plan9-amd64", "plan9"},
		{"aix-ppc64", "aix"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(fixturePath(t, tt.fixture))
			require.NoError(t, err)
			magic := []byte("\xff Go buildinf:")
			require.Equal(t, 1, bytes.Count(b, magic))
			b = bytes.Replace(b, magic, []byte("\xff No buildinf:"), 1)
			info := readBytes(t, b, tt.fixture+"-nobuildinfo")
			assert.Nil(t, info.Go)
			assert.Equal(t, tt.goos, info.GOOS)
			assert.Equal(t, fixtures[tt.fixture].goarch, info.GOARCH)
		})
	}
}

// TestCorruptedRealBinaries truncates and scribbles over real binaries of
// every format: Read must return an error naming the file or a result, and
// never panic in this package.
func TestCorruptedRealBinaries(t *testing.T) {
	for _, name := range []string{"linux-amd64-cgo-net", "darwin-arm64", "windows-amd64", "plan9-386", "js-wasm", "aix-ppc64"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(fixturePath(t, name))
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			check := func(what string, data []byte) {
				info, err := Read(bytes.NewReader(data), int64(len(data)), "corrupt.bin")
				if err != nil {
					require.True(t, strings.HasPrefix(err.Error(), "inspect: corrupt.bin: "), "%s: %v", what, err)
					assertNotOurPanic(t, err)
					return
				}
				checkInfo(t, info, int64(len(data)))
			}
			for _, n := range []int{1, 4, 15, 16, 17, 52, 64, 100, 200, 512, 4096, 8192, len(b) / 2, len(b) - 1} {
				check("truncated", b[:min(n, len(b))])
			}
			head := min(len(b), 8192) // headers live here
			for range 40 {
				c := bytes.Clone(b)
				for range 1 + rng.IntN(8) {
					c[rng.IntN(head)] = byte(rng.Uint32())
				}
				check("scribbled", c)
			}
		})
	}
}
