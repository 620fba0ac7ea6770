package inspect

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const libSystem = "/usr/lib/libSystem.B.dylib"

func TestMachO(t *testing.T) {
	tests := []struct {
		name        string
		spec        machoSpec
		goos        string
		goarch      string
		linkage     Linkage
		rule        string
		needed      []string
		interpreter string
		pie         bool
	}{
		{
			name: "darwin executable with dyld and libSystem",
			spec: machoSpec{cpu: macho.CpuArm64, flags: macho.FlagPIE, platform: 1, dylinker: "/usr/lib/dyld",
				dylibs: map[uint32][]string{lcLoadDylib: {libSystem}}},
			goos: "darwin", goarch: "arm64", linkage: LinkageDynamic, rule: "MH_EXECUTE with LC_LOAD_DYLINKER",
			needed: []string{libSystem}, interpreter: "/usr/lib/dyld", pie: true,
		},
		{
			name: "iOS platform in LC_BUILD_VERSION",
			spec: machoSpec{cpu: macho.CpuArm64, platform: platformIOS, dylinker: "/usr/lib/dyld"},
			goos: "ios", goarch: "arm64", linkage: LinkageDynamic, rule: "MH_EXECUTE with LC_LOAD_DYLINKER", interpreter: "/usr/lib/dyld",
		},
		{
			name: "iOS simulator platform",
			spec: machoSpec{cpu: macho.CpuAmd64, platform: platformIOSSimulator, dylibs: map[uint32][]string{lcLoadDylib: {libSystem}}},
			goos: "ios", goarch: "amd64", linkage: LinkageDynamic, rule: "MH_EXECUTE loading dylibs", needed: []string{libSystem},
		},
		{
			name: "weak, reexported, lazy and upward dylibs are needed too",
			spec: machoSpec{cpu: macho.CpuAmd64, dylibs: map[uint32][]string{
				lcLoadDylib:       {libSystem},
				lcLoadWeakDylib:   {"/System/Library/Frameworks/Security.framework/Versions/A/Security"},
				lcReexportDylib:   {"/usr/lib/libz.1.dylib"},
				lcLazyLoadDylib:   {"/usr/lib/liblazy.dylib"},
				lcLoadUpwardDylib: {"/usr/lib/libup.dylib", libSystem},
			}},
			goos: "darwin", goarch: "amd64", linkage: LinkageDynamic, rule: "MH_EXECUTE loading dylibs",
			needed: []string{"/System/Library/Frameworks/Security.framework/Versions/A/Security", libSystem,
				"/usr/lib/liblazy.dylib", "/usr/lib/libup.dylib", "/usr/lib/libz.1.dylib"},
		},
		{
			name: "executable without dyld or dylibs is static",
			spec: machoSpec{cpu: macho.Cpu386},
			goos: "darwin", goarch: "386", linkage: LinkageStatic, rule: "MH_EXECUTE without LC_LOAD_DYLINKER or dylibs",
		},
		{
			name: "dylib is a shared library",
			spec: machoSpec{cpu: macho.CpuArm64, typ: macho.TypeDylib, dylibs: map[uint32][]string{lcLoadDylib: {libSystem}}},
			goos: "darwin", goarch: "arm64", linkage: LinkageShared, rule: "MH_DYLIB", needed: []string{libSystem},
		},
		{
			name: "bundle is a shared library",
			spec: machoSpec{cpu: macho.CpuArm64, typ: macho.TypeBundle},
			goos: "darwin", goarch: "arm64", linkage: LinkageShared, rule: "MH_BUNDLE",
		},
		{
			name: "another type is unknown (objects, cores and dSYMs are errors: TestNotExecutable)",
			spec: machoSpec{cpu: macho.CpuArm, typ: macho.Type(7)}, // MH_DYLINKER
			goos: "darwin", goarch: "arm", linkage: LinkageUnknown, rule: "Mach-O file type 0x7 is not an executable or library",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, buildMachO(tt.spec), "synthetic.macho")
			assert.Equal(t, FormatMachO, info.Format)
			assert.Equal(t, tt.goos, info.GOOS)
			assert.Equal(t, tt.goarch, info.GOARCH)
			assert.Equal(t, tt.linkage, info.Linkage)
			assert.Equal(t, tt.rule, info.LinkageRule)
			assert.Equal(t, tt.needed, info.Needed)
			assert.Equal(t, tt.interpreter, info.Interpreter)
			assert.Equal(t, tt.pie, info.PIE)
		})
	}
}

func TestMachOBadDylibName(t *testing.T) {
	b := buildMachO(machoSpec{dylibs: map[uint32][]string{lcLoadWeakDylib: {"/usr/lib/x.dylib"}}})
	binary.LittleEndian.PutUint32(b[32+8:], 0xffff) // name offset past the command
	_, err := Read(bytes.NewReader(b), int64(len(b)), "bad.macho")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "inspect: bad.macho: Mach-O load command 0 (0x80000018): bad dylib name offset")
}

func TestFatSynthetic(t *testing.T) {
	arm := buildMachO(machoSpec{cpu: macho.CpuArm64, flags: macho.FlagPIE, dylinker: "/usr/lib/dyld",
		dylibs: map[uint32][]string{lcLoadDylib: {libSystem}}})
	x86 := buildMachO(machoSpec{cpu: macho.CpuAmd64, dylibs: map[uint32][]string{lcLoadDylib: {libSystem, "/usr/lib/libresolv.9.dylib"}}})
	static := buildMachO(machoSpec{cpu: macho.Cpu386})

	t.Run("two slices", func(t *testing.T) {
		info := readBytes(t, buildFat(12, arm, x86), "universal")
		assert.Equal(t, FormatMachOFat, info.Format)
		assert.Equal(t, "darwin", info.GOOS)
		assert.Empty(t, info.GOARCH, "GOARCH is per slice")
		assert.Equal(t, LinkageDynamic, info.Linkage)
		assert.Equal(t, []string{"/usr/lib/libSystem.B.dylib", "/usr/lib/libresolv.9.dylib"}, info.Needed)
		assert.False(t, info.PIE, "one slice is not PIE")
		assert.Empty(t, info.Interpreter, "slices disagree on the interpreter")
		require.Len(t, info.Slices, 2)
		assert.Equal(t, "arm64", info.Slices[0].GOARCH)
		assert.Equal(t, "amd64", info.Slices[1].GOARCH)
		assert.Equal(t, int64(len(arm)), info.Slices[0].Size)
		assert.Equal(t, "/usr/lib/dyld", info.Slices[0].Interpreter)
	})
	t.Run("worst linkage wins", func(t *testing.T) {
		info := readBytes(t, buildFat(12, static, arm), "universal")
		assert.Equal(t, LinkageDynamic, info.Linkage)
		assert.Equal(t, "worst of 2 slices: MH_EXECUTE with LC_LOAD_DYLINKER (arm64)", info.LinkageRule)
	})
	t.Run("single slice keeps its GOARCH", func(t *testing.T) {
		info := readBytes(t, buildFat(12, static), "universal")
		assert.Equal(t, "386", info.GOARCH)
		assert.Equal(t, LinkageStatic, info.Linkage)
	})
	t.Run("slice out of bounds", func(t *testing.T) {
		b := buildFat(12, arm, x86)
		binary.BigEndian.PutUint32(b[8+20+12:], 1<<30) // second slice size
		_, err := Read(bytes.NewReader(b), int64(len(b)), "universal")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "inspect: universal: fat Mach-O slice 1 (CpuAmd64) at offset 0x2000: 1073741824 bytes do not fit")
	})
	t.Run("slice that is not Mach-O", func(t *testing.T) {
		b := buildFat(12, arm, x86)
		copy(b[0x2000:], "\x7fELF")
		_, err := Read(bytes.NewReader(b), int64(len(b)), "universal")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "fat Mach-O slice 1 (CpuAmd64) at offset 0x2000: not a thin Mach-O (magic 7f 45 4c 46)")
	})
	t.Run("fat64 header", func(t *testing.T) {
		b := make([]byte, 0x1000)
		binary.BigEndian.PutUint32(b, fatMagic64)
		binary.BigEndian.PutUint32(b[4:], 1)
		binary.BigEndian.PutUint32(b[8:], uint32(macho.CpuArm64))
		binary.BigEndian.PutUint64(b[16:], 0x1000) // offset
		binary.BigEndian.PutUint64(b[24:], uint64(len(arm)))
		binary.BigEndian.PutUint32(b[32:], 12)
		b = append(b, arm...)
		info := readBytes(t, b, "universal64")
		assert.Equal(t, FormatMachOFat, info.Format)
		require.Len(t, info.Slices, 1)
		assert.Equal(t, "arm64", info.GOARCH)
		assert.Equal(t, LinkageDynamic, info.Linkage)
	})
	t.Run("arch table truncated", func(t *testing.T) {
		b := buildFat(12, arm, x86)[:20]
		_, err := Read(bytes.NewReader(b), int64(len(b)), "universal")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "fat Mach-O architecture table at offset 0x8: truncated")
	})
}

func TestJavaClassIsNotFat(t *testing.T) {
	// A Java 17 class file: magic, minor 0, major 61.
	b := []byte{0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x3d, 0x00, 0x10, 0x0a, 0x00, 0x02, 0x00, 0x03, 0x07, 0x00}
	_, err := Read(bytes.NewReader(b), int64(len(b)), "Hello.class")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "inspect: Hello.class: unrecognised binary format (magic ca fe ba be 00 00 00 3d)")
	assert.Contains(t, err.Error(), "Java class files share this magic")
}

func TestMergeSlicesGoInfo(t *testing.T) {
	gi := func(arch string) *GoInfo {
		return &GoInfo{GoVersion: "go1.26.8", Path: "example.com/x", Main: "example.com/x",
			Settings: map[string]string{"GOOS": "darwin", "GOARCH": arch, "CGO_ENABLED": "1"}}
	}
	info := &Info{Slices: []Info{
		{GOOS: "darwin", GOARCH: "arm64", Linkage: LinkageDynamic, PIE: true, Go: gi("arm64")},
		{GOOS: "darwin", GOARCH: "amd64", Linkage: LinkageStaticPIE, PIE: true, Go: gi("amd64")},
	}}
	mergeSlices(info)
	require.NotNil(t, info.Go)
	assert.Equal(t, map[string]string{"GOOS": "darwin", "CGO_ENABLED": "1"}, info.Go.Settings, "per-slice settings are dropped")
	assert.True(t, info.PIE)
	assert.Equal(t, LinkageDynamic, info.Linkage)

	info.Slices[1].Go = nil
	mergeSlices(info)
	assert.Nil(t, info.Go, "a slice without build info makes the summary unknown")
}
