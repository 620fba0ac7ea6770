package inspect

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGoRuntimeFloor(t *testing.T) {
	tests := []struct {
		goos, goVersion string
		want            string // "" when the table sets none
	}{
		{"windows", "go1.10.8", ""},
		{"windows", "go1.11", "6.1"},
		{"windows", "go1.20.14", "6.1"},
		{"windows", "go1.21.0", "10.0"},
		{"windows", "go1.21rc2", "10.0"},
		{"windows", "go1.26.8", "10.0"},
		{"windows", "go1.26.8 X:nogreenteagc", "10.0"},
		{"darwin", "go1.7.6", ""},
		{"darwin", "go1.8", "10.8"},
		{"darwin", "go1.12.17", "10.10"},
		{"darwin", "go1.13", "10.11"},
		{"darwin", "go1.16.15", "10.12"},
		{"darwin", "go1.20.14", "10.13"},
		{"darwin", "go1.22.12", "10.15"},
		{"darwin", "go1.24.13", "11.0"},
		{"darwin", "go1.26.8", "12.0"},
		{"darwin", "go1.27.0", "13.0"},
		{"darwin", "devel go1.27-1a2b3c4d Tue Jun 2 10:00:00 2026 +0000", "13.0"},
		{"ios", "go1.17", ""},
		{"ios", "go1.26.8", "12.0"},
		{"linux", "go1.26.8", ""},
		{"windows", "", ""},
		{"windows", "gccgo", ""},
		{"windows", "devel +abcdef", ""},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/"+tt.goVersion, func(t *testing.T) {
			step, ok := goRuntimeFloor(tt.goos, tt.goVersion)
			assert.Equal(t, tt.want != "", ok)
			assert.Equal(t, tt.want, step.minOS)
		})
	}
}

// The table is in Go release order with rising floors, and every step
// cites its release note.
func TestGoOSFloorsOrdered(t *testing.T) {
	for goos, steps := range goOSFloors {
		for i, s := range steps {
			assert.Regexp(t, `^go\.dev/doc/go1\.\d+#\w+$`, s.note, goos)
			assert.Contains(t, s.note, s.since+"#", "%s: a step cites the release note of its own release", goos)
			if i > 0 {
				assert.Positive(t, CompareVersions(s.since[2:], steps[i-1].since[2:]), "%s: releases in order", goos)
				assert.Positive(t, CompareVersions(s.minOS, steps[i-1].minOS), "%s: floors rise", goos)
			}
		}
	}
}

func TestApplyGoRuntimeFloor(t *testing.T) {
	goInfo := func(v string) *GoInfo { return &GoInfo{GoVersion: v} }
	tests := []struct {
		name                  string
		info                  Info
		minOS, header, source string
		reason                string
	}{
		{
			name:  "go1.26 windows: the header says Windows 7, the runtime needs 10",
			info:  Info{GOOS: "windows", MinOS: "6.1", Go: goInfo("go1.26.8")},
			minOS: "10.0", header: "6.1", source: MinOSFromGoRuntime,
			reason: "go1.26.8: Go 1.21 and later require Windows 10 or Windows Server 2016 (go.dev/doc/go1.21#windows)",
		},
		{
			name:  "go1.20 windows: the header is right",
			info:  Info{GOOS: "windows", MinOS: "6.1", Go: goInfo("go1.20.14")},
			minOS: "6.1", header: "6.1", source: MinOSFromHeader,
		},
		{
			name:  "go1.12 windows: the header said NT 4.0",
			info:  Info{GOOS: "windows", MinOS: "4.0", Go: goInfo("go1.12.17")},
			minOS: "6.1", header: "4.0", source: MinOSFromGoRuntime,
			reason: "go1.12.17: Go 1.11 and later require Windows 7 (go.dev/doc/go1.11#ports)",
		},
		{
			name:  "a C program keeps its header",
			info:  Info{GOOS: "windows", MinOS: "4.0"},
			minOS: "4.0", header: "4.0", source: MinOSFromHeader,
		},
		{
			name:  "a header above the runtime's need wins",
			info:  Info{GOOS: "windows", MinOS: "10.0", Go: goInfo("go1.20.14")},
			minOS: "10.0", header: "10.0", source: MinOSFromHeader,
		},
		{
			name:  "go1.26 darwin: the linker writes the runtime's floor",
			info:  Info{GOOS: "darwin", MinOS: "12.0", Go: goInfo("go1.26.8")},
			minOS: "12.0", header: "12.0", source: MinOSFromHeader,
		},
		{
			name:  "cgo darwin linked for an older macOS than the runtime supports",
			info:  Info{GOOS: "darwin", MinOS: "10.13", Go: goInfo("go1.24.1")},
			minOS: "11.0", header: "10.13", source: MinOSFromGoRuntime,
			reason: "go1.24.1: Go 1.23 and later require macOS 11 Big Sur (go.dev/doc/go1.23#darwin)",
		},
		{
			name:  "no version load command: the runtime's floor alone",
			info:  Info{GOOS: "darwin", Go: goInfo("go1.26.8")},
			minOS: "12.0", header: "", source: MinOSFromGoRuntime,
			reason: "go1.26.8: Go 1.25 and later require macOS 12 Monterey (go.dev/doc/go1.25#darwin)",
		},
		{
			name:  "patch versions compare as numbers",
			info:  Info{GOOS: "darwin", MinOS: "12.0.1", Go: goInfo("go1.26.8")},
			minOS: "12.0.1", header: "12.0.1", source: MinOSFromHeader,
		},
		{
			name: "linux has no OS version floor",
			info: Info{GOOS: "linux", Go: goInfo("go1.26.8")},
		},
		{
			name: "nothing at all",
			info: Info{GOOS: "windows"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := tt.info
			applyGoRuntimeFloor(&info)
			assert.Equal(t, tt.minOS, info.MinOS, "min_os")
			assert.Equal(t, tt.header, info.MinOSHeader, "min_os_header")
			assert.Equal(t, tt.source, info.MinOSSource, "min_os_source")
			assert.Equal(t, tt.reason, info.MinOSReason, "min_os_reason")
		})
	}
}

// A fat file has a floor, a source and a reason only where its slices
// agree.
func TestFatMinOS(t *testing.T) {
	slice := func(goarch, header, goVersion string) Info {
		s := Info{Format: FormatMachO, GOOS: "darwin", GOARCH: goarch, MinOS: header, Linkage: LinkageDynamic, Go: &GoInfo{GoVersion: goVersion}}
		finish(&s)
		return s
	}
	both := Info{Slices: []Info{slice("arm64", "12.0", "go1.26.8"), slice("amd64", "12.0", "go1.26.8")}}
	mergeSlices(&both)
	assert.Equal(t, [4]string{"12.0", "12.0", MinOSFromHeader, ""}, [4]string{both.MinOS, both.MinOSHeader, both.MinOSSource, both.MinOSReason})

	raised := Info{Slices: []Info{slice("arm64", "10.13", "go1.24.1"), slice("amd64", "10.13", "go1.24.1")}}
	mergeSlices(&raised)
	assert.Equal(t, "11.0", raised.MinOS)
	assert.Equal(t, "10.13", raised.MinOSHeader)
	assert.Equal(t, MinOSFromGoRuntime, raised.MinOSSource)
	assert.NotEmpty(t, raised.MinOSReason)

	mixed := Info{Slices: []Info{slice("arm64", "11.0", "go1.24.1"), slice("amd64", "10.13", "go1.24.1")}}
	mergeSlices(&mixed)
	assert.Equal(t, "11.0", mixed.MinOS, "one floor, reached two ways")
	assert.Empty(t, mixed.MinOSHeader)
	assert.Empty(t, mixed.MinOSSource)
	assert.Empty(t, mixed.MinOSReason)
}

// TestRealMinOS checks the floors on programs built by the real
// toolchain, and the table against it: Go's linker writes the oldest macOS
// its release supports into LC_BUILD_VERSION, so for the toolchain at hand
// the table's darwin step must be exactly that; on Windows it still writes
// 6.1, below the runtime's need since Go 1.21.
func TestRealMinOS(t *testing.T) {
	for _, name := range []string{"windows-amd64", "windows-386", "windows-arm64", "windows-amd64-stripped"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			info, err := File(fixturePath(t, name))
			require.NoError(t, err)
			require.NotNil(t, info.Go)
			assert.Equal(t, "6.1", info.MinOSHeader, "the linker writes Windows 7")
			step, ok := goRuntimeFloor("windows", info.Go.GoVersion)
			require.True(t, ok, info.Go.GoVersion)
			assert.Equal(t, "10.0", step.minOS, "every toolchain this module builds with (go 1.26) is past Go 1.21")
			assert.Equal(t, "10.0", info.MinOS)
			assert.Equal(t, MinOSFromGoRuntime, info.MinOSSource)
			assert.Contains(t, info.MinOSReason, "Windows 10")
			assert.Equal(t, "Windows 10.0", Floor(info.GOOS, info.MaxGlibc, info.MinOS))
		})
	}
	for _, name := range []string{"darwin-arm64", "darwin-amd64", "darwin-arm64-stripped"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			info, err := File(fixturePath(t, name))
			require.NoError(t, err)
			require.NotNil(t, info.Go)
			step, ok := goRuntimeFloor("darwin", info.Go.GoVersion)
			require.True(t, ok, info.Go.GoVersion)
			assert.Equal(t, step.minOS, info.MinOSHeader,
				"%s writes minos %s; the table says its release needs %s (add the release note's step to goOSFloors)",
				info.Go.GoVersion, info.MinOSHeader, step.minOS)
			assert.Equal(t, step.minOS, info.MinOS)
			assert.Equal(t, MinOSFromHeader, info.MinOSSource)
			assert.Empty(t, info.MinOSReason)
		})
	}
}
