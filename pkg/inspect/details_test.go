package inspect

// The fields beyond linkage (libc, libraries, version floors, stripping,
// build IDs, hashes, OS versions, PE subsystem and hardening) on real
// binaries from gcc, g++, MinGW-w64 and the Go toolchain.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCBinaries(t *testing.T) {
	tests := []struct {
		fixture     string
		format      Format
		linkage     Linkage
		libc        string // "msvcrt|ucrt": either
		glibcFloor  bool   // MaxGlibc and GlibcSymbols set
		systemOnly  bool
		libraries   []Library // must all be present
		noLibrary   string    // must not be needed
		cxx         bool      // MaxGLIBCXX, MaxCXXABI set
		stripped    bool
		dwarf       bool
		subsystem   string
		interpreter bool
		unknownOS   bool // nothing in the file names its OS
	}{
		{fixture: "c-dynamic", format: FormatELF, linkage: LinkageDynamic, libc: "glibc", glibcFloor: true, systemOnly: true,
			libraries: []Library{{"libc.so.6", true}}, interpreter: true},
		{fixture: "c-debug", format: FormatELF, linkage: LinkageDynamic, libc: "glibc", glibcFloor: true, systemOnly: true, dwarf: true, interpreter: true},
		{fixture: "c-stripped", format: FormatELF, linkage: LinkageDynamic, libc: "glibc", glibcFloor: true, systemOnly: true, stripped: true, interpreter: true},
		{fixture: "c-static", format: FormatELF, linkage: LinkageStatic, libc: "glibc", systemOnly: true},
		{fixture: "c-static-pie", format: FormatELF, linkage: LinkageStaticPIE, libc: "glibc", systemOnly: true},
		// gcc links with --as-needed: foo.c uses nothing from libc, so the
		// library needs nothing, and nothing in it says "linux".
		{fixture: "c-shared", format: FormatELF, linkage: LinkageShared, systemOnly: true, unknownOS: true},
		{fixture: "c-thirdparty", format: FormatELF, linkage: LinkageDynamic, libc: "glibc", glibcFloor: true,
			libraries: []Library{{"libc.so.6", true}, {"libfoo.so", false}}, interpreter: true},
		{fixture: "cxx-dynamic", format: FormatELF, linkage: LinkageDynamic, libc: "glibc", glibcFloor: true, cxx: true,
			libraries: []Library{{"libc.so.6", true}, {"libstdc++.so.6", false}}, interpreter: true},
		{fixture: "mingw-exe", format: FormatPE, linkage: LinkageDynamic, libc: "msvcrt|ucrt", systemOnly: true,
			libraries: []Library{{"kernel32.dll", true}}, dwarf: true, subsystem: "console"},
		{fixture: "mingw-gui", format: FormatPE, linkage: LinkageDynamic, libc: "msvcrt|ucrt", systemOnly: true, dwarf: true, subsystem: "windows"},
		{fixture: "mingw-dll", format: FormatPE, linkage: LinkageShared, libc: "msvcrt|ucrt", systemOnly: true, dwarf: true, subsystem: "console"},
		{fixture: "mingw-pthread", format: FormatPE, linkage: LinkageDynamic, libc: "msvcrt|ucrt", dwarf: true, subsystem: "console",
			libraries: []Library{{"kernel32.dll", true}, {"libwinpthread-1.dll", false}}},
		{fixture: "mingw-pthread-static", format: FormatPE, linkage: LinkageDynamic, libc: "msvcrt|ucrt", systemOnly: true, dwarf: true,
			subsystem: "console", noLibrary: "libwinpthread-1.dll"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			path := cFixturePath(t, tt.fixture)
			info, err := File(path)
			require.NoError(t, err)
			assert.Equal(t, tt.format, info.Format)
			assert.Equal(t, tt.linkage, info.Linkage, info.LinkageRule)
			if strings.Contains(tt.libc, "|") {
				assert.Contains(t, strings.Split(tt.libc, "|"), info.Libc)
			} else {
				assert.Equal(t, tt.libc, info.Libc)
			}
			assert.Equal(t, tt.systemOnly, info.SystemLibsOnly, "system_libs_only: %v", info.Libraries)
			for _, l := range tt.libraries {
				assert.Contains(t, info.Libraries, l)
			}
			if tt.noLibrary != "" {
				assert.NotContains(t, info.Needed, tt.noLibrary)
			}
			require.Len(t, info.Libraries, len(info.Needed))
			for i, l := range info.Libraries {
				assert.Equal(t, info.Needed[i], l.Name, "Libraries in Needed's order")
			}
			if tt.glibcFloor {
				assert.NotEmpty(t, info.MaxGlibc)
				assert.NotEmpty(t, info.GlibcSymbols)
				assert.True(t, slices.IsSorted(info.GlibcSymbols))
				assert.Positive(t, CompareVersions(info.MaxGlibc, "2.2.5"), "a floor above x86-64's first glibc version")
			} else {
				assert.Empty(t, info.MaxGlibc)
				assert.Empty(t, info.GlibcSymbols)
			}
			if tt.cxx {
				assert.NotEmpty(t, info.MaxGLIBCXX)
				assert.NotEmpty(t, info.MaxCXXABI)
			} else {
				assert.Empty(t, info.MaxGLIBCXX)
			}
			assert.Equal(t, tt.stripped, info.Stripped, "stripped")
			assert.Equal(t, tt.dwarf, info.DWARF, "DWARF")
			assert.Equal(t, tt.subsystem, info.Subsystem)
			assert.Equal(t, tt.interpreter, info.Interpreter != "")
			if tt.format == FormatELF {
				assert.Equal(t, map[bool]string{false: "linux", true: ""}[tt.unknownOS], info.GOOS)
				assert.Regexp(t, "^[0-9a-f]{40}$", info.BuildID, "gcc links a SHA-1 GNU build-id")
			}
			if tt.format == FormatPE {
				require.NotNil(t, info.Hardening)
				assert.True(t, info.Hardening.NX)
				assert.True(t, info.Hardening.ASLR)
			}
			assert.Nil(t, info.Go)
			assert.Empty(t, info.GoBuildID)
		})
	}
}

func TestGoBinariesDetails(t *testing.T) {
	tests := []struct {
		fixture  string
		stripped bool
		dwarf    bool
		libc     string
		minOS    string
		sdk      string
	}{
		{fixture: "linux-amd64", dwarf: true},
		{fixture: "linux-amd64-stripped", stripped: true},
		{fixture: "linux-amd64-cgo-net", dwarf: true, libc: "glibc"},
		{fixture: "linux-amd64-cgo-net-stripped", stripped: true, libc: "glibc"},
		{fixture: "linux-amd64-static-pie", dwarf: true, libc: "glibc"}, // glibc linked in statically
		{fixture: "linux-arm64", dwarf: true},
		{fixture: "android-arm64", dwarf: true, libc: "bionic"},
		{fixture: "openbsd-amd64", dwarf: true, libc: "libc"},
		{fixture: "solaris-amd64", dwarf: true, libc: "libc"},
		// Go 1.26's linker writes LC_BUILD_VERSION with minos and sdk 12.0
		// (macOS Monterey, the oldest release Go 1.25+ supports).
		{fixture: "darwin-arm64", dwarf: true, libc: "libSystem", minOS: "12.0", sdk: "12.0"},
		{fixture: "darwin-arm64-stripped", stripped: true, libc: "libSystem", minOS: "12.0", sdk: "12.0"},
		{fixture: "darwin-amd64", dwarf: true, libc: "libSystem", minOS: "12.0", sdk: "12.0"},
		// The PE header says 6.1 (Windows 7); the runtime of Go 1.21 and
		// later needs Windows 10 (TestRealMinOS).
		{fixture: "windows-amd64", dwarf: true, minOS: "10.0"},
		{fixture: "windows-amd64-stripped", stripped: true, minOS: "10.0"},
		{fixture: "windows-386", dwarf: true, minOS: "10.0"},
		{fixture: "plan9-amd64"},
		{fixture: "js-wasm"},
		{fixture: "wasip1-wasm"},
		{fixture: "wasip1-wasm-stripped", stripped: true},
		{fixture: "aix-ppc64", dwarf: true, libc: "libc"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			path := fixturePath(t, tt.fixture)
			info, err := File(path)
			require.NoError(t, err)
			assert.Equal(t, tt.stripped, info.Stripped, "stripped")
			assert.Equal(t, tt.dwarf, info.DWARF, "DWARF")
			assert.Equal(t, tt.libc, info.Libc, "libc")
			assert.Equal(t, tt.minOS, info.MinOS, "min_os")
			assert.Equal(t, tt.sdk, info.SDK, "sdk")
			assert.True(t, info.SystemLibsOnly, "a Go program needs only the OS: %v", info.Libraries)
			assert.Equal(t, goToolBuildID(t, path), info.GoBuildID, "agrees with go tool buildid")
			require.NotNil(t, info.Go)
			assert.Equal(t, "(devel)", info.Go.MainVersion)
			assert.Zero(t, info.Go.Deps, "the fixture module has no dependencies")
			if info.Format == FormatMachO {
				assert.Regexp(t, "^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$", info.BuildID, "LC_UUID")
			}
		})
	}
}

// goToolBuildID is what cmd/go itself reads as the file's build ID.
func goToolBuildID(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("go", "tool", "buildid", path).Output()
	require.NoError(t, err, "go tool buildid %s", path)
	return strings.TrimSpace(string(out))
}

func TestWindowsSubsystemAndHardening(t *testing.T) {
	tests := []struct {
		fixture   string
		subsystem string
		highEntr  bool
	}{
		{"windows-amd64", "console", true},
		{"windows-amd64-gui", "windows", true},
		{"windows-arm64", "console", true},
		{"windows-386", "console", false}, // high-entropy ASLR is a 64-bit feature
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			info, err := File(fixturePath(t, tt.fixture))
			require.NoError(t, err)
			assert.Equal(t, tt.subsystem, info.Subsystem)
			assert.Equal(t, "6.1", info.SubsystemVersion)
			assert.Equal(t, &Hardening{ASLR: true, HighEntropyVA: tt.highEntr, NX: true, CFG: false}, info.Hardening)
			assert.Empty(t, info.Libc, "Go calls kernel32 directly: no C runtime")
		})
	}
}

func TestSHA256MatchesSha256sum(t *testing.T) {
	sha256sum := needTool(t, "sha256sum")
	for _, name := range []string{"linux-amd64", "darwin-arm64", "windows-amd64", "plan9-386", "js-wasm", "aix-ppc64"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := fixturePath(t, name)
			out, err := exec.Command(sha256sum, path).Output()
			require.NoError(t, err)
			want, _, _ := strings.Cut(string(out), " ")
			info, err := File(path)
			require.NoError(t, err)
			assert.Equal(t, want, info.SHA256)
		})
	}
}

// TestFatSlicesDetails: each slice of a universal binary has its own hash
// and UUID; the top level keeps what they share.
func TestFatSlicesDetails(t *testing.T) {
	sha256sum := needTool(t, "sha256sum")
	armPath, x86Path := fixturePath(t, "darwin-arm64"), fixturePath(t, "darwin-amd64")
	arm, err := os.ReadFile(armPath)
	require.NoError(t, err)
	x86, err := os.ReadFile(x86Path)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "universal")
	require.NoError(t, os.WriteFile(path, buildFat(14, arm, x86), 0o755))

	info, err := File(path)
	require.NoError(t, err)
	sum := func(p string) string {
		out, err := exec.Command(sha256sum, p).Output()
		require.NoError(t, err)
		return strings.Fields(string(out))[0]
	}
	assert.Equal(t, sum(path), info.SHA256)
	require.Len(t, info.Slices, 2)
	assert.Equal(t, sum(armPath), info.Slices[0].SHA256)
	assert.Equal(t, sum(x86Path), info.Slices[1].SHA256)
	assert.NotEqual(t, info.Slices[0].BuildID, info.Slices[1].BuildID)
	assert.Empty(t, info.BuildID, "slices have different UUIDs")
	assert.Equal(t, "12.0", info.MinOS)
	assert.Equal(t, "libSystem", info.Libc)
	assert.True(t, info.SystemLibsOnly)
	assert.Equal(t, []Library{{libSystem, true}}, info.Libraries)
	assert.False(t, info.Stripped)
	assert.True(t, info.DWARF)
	require.NotNil(t, info.Go)
	assert.Equal(t, "(devel)", info.Go.MainVersion)
}
