package inspect

import (
	"go/version"
	"strings"
)

// The oldest OS a binary runs on is not always what its header says. Go's
// linker has written Windows 7 (6.1) into every PE header since Go 1.13,
// and still does, but since Go 1.21 the runtime calls APIs Windows 7 lacks:
// a go1.26 program does not start there, whatever the header promises. So
// for a binary with Go build info, the floor is the higher of the header's
// version and the one its Go release requires; MinOSSource says which won.
// Non-Go binaries (C programs, anything without build info) keep the
// header's value.

// MinOSSource values: where Info.MinOS comes from.
const (
	// MinOSFromHeader means the binary's own header states MinOS (Mach-O
	// LC_BUILD_VERSION or LC_VERSION_MIN_*, PE OperatingSystemVersion), and
	// its Go runtime, if any, needs no later release.
	MinOSFromHeader = "header"
	// MinOSFromGoRuntime means the Go release that built the binary needs
	// a later release than the header states (or the header states none);
	// Info.MinOSReason says which release note requires it.
	MinOSFromGoRuntime = "go-runtime"
)

// goOSFloor is one step of goOSFloors: from Go release since on, the
// runtime needs at least OS release minOS (as the header would write it)
// of the named system, as the release note at note says.
type goOSFloor struct {
	since string // first Go release with this floor, "go1.21"
	minOS string // "10.0": Windows NT version, or macOS / iOS version
	name  string // "Windows 10 or Windows Server 2016"
	note  string // the release note that says so
}

// goOSFloors gives, per GOOS and in Go release order, the oldest system
// each Go release runs on, from the "Ports" section of the Go release
// notes (go.dev/doc/go1.N, quoted below). Earlier steps matter for old
// binaries only; a step is added when a release note announces a new floor.
var goOSFloors = map[string][]goOSFloor{
	"windows": {
		// go1.11#ports: "Go 1.11 now requires OpenBSD 6.2 or later, macOS
		// 10.10 Yosemite or later, or Windows 7 or later" (announced in
		// go1.10#ports: "Go 1.10 is the last release that will run on
		// Windows XP or Windows Vista"). Until Go 1.13 the header said NT 4.0.
		{"go1.11", "6.1", "Windows 7", "go.dev/doc/go1.11#ports"},
		// go1.21#windows: "Go 1.21 requires at least Windows 10 or Windows
		// Server 2016; support for previous versions has been discontinued."
		{"go1.21", "10.0", "Windows 10 or Windows Server 2016", "go.dev/doc/go1.21#windows"},
	},
	"darwin": {
		// go1.8#ports: "Go 1.8 now only supports OS X 10.8 or later."
		{"go1.8", "10.8", "OS X 10.8 Mountain Lion", "go.dev/doc/go1.8#ports"},
		// go1.11#ports: "... macOS 10.10 Yosemite or later ..."
		{"go1.11", "10.10", "macOS 10.10 Yosemite", "go.dev/doc/go1.11#ports"},
		// go1.13#darwin: "Go 1.13 now requires macOS 10.11 El Capitan or later"
		{"go1.13", "10.11", "macOS 10.11 El Capitan", "go.dev/doc/go1.13#darwin"},
		// go1.15#darwin: "Go 1.15 requires macOS 10.12 Sierra or later"
		{"go1.15", "10.12", "macOS 10.12 Sierra", "go.dev/doc/go1.15#darwin"},
		// go1.17#darwin: "Go 1.17 requires macOS 10.13 High Sierra or later"
		{"go1.17", "10.13", "macOS 10.13 High Sierra", "go.dev/doc/go1.17#darwin"},
		// go1.21#darwin: "Go 1.21 requires macOS 10.15 Catalina or later"
		{"go1.21", "10.15", "macOS 10.15 Catalina", "go.dev/doc/go1.21#darwin"},
		// go1.23#darwin: "Go 1.23 requires macOS 11 Big Sur or later"
		{"go1.23", "11.0", "macOS 11 Big Sur", "go.dev/doc/go1.23#darwin"},
		// go1.25#darwin: "Go 1.25 requires macOS 12 Monterey or later."
		{"go1.25", "12.0", "macOS 12 Monterey", "go.dev/doc/go1.25#darwin"},
		// go1.27#darwin: "Go 1.27 requires macOS 13 Ventura or later"
		{"go1.27", "13.0", "macOS 13 Ventura", "go.dev/doc/go1.27#darwin"},
	},
	"ios": {
		// go1.18#ios: "Go 1.18 now requires iOS 12 or later"
		{"go1.18", "12.0", "iOS 12", "go.dev/doc/go1.18#ios"},
	},
}

// goRuntimeFloor is the floor the Go release goVersion (as build info
// records it: "go1.26.8", "go1.21rc2", "devel go1.27-abcdef ...", with or
// without " X:experiment") sets for goos; ok is false when the table has
// none (other systems, releases before the first step, a version it cannot
// read).
func goRuntimeFloor(goos, goVersion string) (goOSFloor, bool) {
	v := strings.TrimPrefix(goVersion, "devel ")
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	v, _, _ = strings.Cut(v, "-") // devel go1.27-abcdef
	lang := version.Lang(v)
	if lang == "" {
		return goOSFloor{}, false
	}
	var found goOSFloor
	ok := false
	for _, step := range goOSFloors[goos] {
		if version.Compare(lang, step.since) >= 0 {
			found, ok = step, true
		}
	}
	return found, ok
}

// applyGoRuntimeFloor raises info.MinOS to what the binary's Go runtime
// needs when that is later than the header's version, keeping the header's
// in MinOSHeader and saying which won in MinOSSource and MinOSReason.
func applyGoRuntimeFloor(info *Info) {
	info.MinOSHeader = info.MinOS
	if info.MinOS != "" {
		info.MinOSSource = MinOSFromHeader
	}
	if info.Go == nil {
		return
	}
	step, ok := goRuntimeFloor(info.GOOS, info.Go.GoVersion)
	if !ok || (info.MinOS != "" && CompareVersions(step.minOS, info.MinOS) <= 0) {
		return
	}
	info.MinOS, info.MinOSSource = step.minOS, MinOSFromGoRuntime
	info.MinOSReason = info.Go.GoVersion + ": Go " + strings.TrimPrefix(step.since, "go") +
		" and later require " + step.name + " (" + step.note + ")"
}
