package goreleaser

import (
	"fmt"
	"slices"
	"strings"
)

// Target is one target as goreleaser names it ("linux_arm_6",
// "linux_amd64_v1", "darwin_arm64_v8.0") and its parts.
type Target struct {
	Goos, Goarch, Level string
}

// String is goreleaser's name: GOOS_GOARCH[_LEVEL].
func (t Target) String() string {
	s := t.Goos + "_" + t.Goarch
	if t.Level != "" {
		s += "_" + t.Level
	}
	return s
}

// Portmatrix is the target as a portmatrix manifest writes it
// ("linux/arm/v6", "linux/amd64/v1"); ok is false for a level portmatrix
// cannot express (goarm64 with ",lse" or ",crypto" features).
func (t Target) Portmatrix() (string, bool) {
	s := t.Goos + "/" + t.Goarch
	switch {
	case t.Level == "":
		return s, true
	case t.Goarch == "arm":
		return s + "/v" + t.Level, true
	case strings.Contains(t.Level, ","):
		return s, false
	}
	return s + "/" + t.Level, true
}

// goreleaser's defaults for a build that names no targets.
var (
	defaultGoos   = []string{"linux", "darwin", "windows"}
	defaultGoarch = []string{"amd64", "arm64", "386"}
	// defaultLevels are the level of each architecture when the build
	// names none (goarm is 6 unless GORELEASER_EXPERIMENTAL=defaultgoarm).
	defaultLevels = map[string]string{
		"amd64": "v1", "386": "sse2", "arm": "6", "arm64": "v8.0",
		"mips": "hardfloat", "mipsle": "hardfloat", "mips64": "hardfloat", "mips64le": "hardfloat",
		"ppc64": "power8", "ppc64le": "power8", "riscv64": "rva20u64",
	}
	// knownPairs are the goos/goarch pairs goreleaser builds when it
	// expands goos × goarch; other pairs are skipped.
	knownPairs = strings.Fields(`aix/ppc64 android/386 android/amd64 android/arm android/arm64 darwin/amd64
		darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 illumos/amd64
		ios/arm64 js/wasm wasip1/wasm linux/386 linux/amd64 linux/arm linux/arm64 linux/ppc64 linux/ppc64le
		linux/mips linux/mipsle linux/mips64 linux/mips64le linux/s390x linux/riscv64 linux/loong64
		netbsd/386 netbsd/amd64 netbsd/arm netbsd/arm64 openbsd/386 openbsd/amd64 openbsd/arm openbsd/arm64
		openbsd/riscv64 plan9/386 plan9/amd64 plan9/arm solaris/amd64 solaris/sparc solaris/sparc64
		windows/arm64 windows/386 windows/amd64`)
	// firstClass is what go_first_class and go_118_first_class stand for.
	firstClass = []string{"darwin_amd64", "darwin_arm64", "linux_386", "linux_amd64", "linux_arm", "linux_arm64", "windows_386", "windows_amd64"}
)

// levelsOf are the levels a build lists for goarch, or the default.
func (b Build) levelsOf(goarch string) []string {
	var l []string
	switch goarch {
	case "amd64":
		l = b.Goamd64
	case "386":
		l = b.Go386
	case "arm":
		l = b.Goarm
	case "arm64":
		l = b.Goarm64
	case "mips", "mipsle", "mips64", "mips64le":
		l = b.Gomips
	case "ppc64", "ppc64le":
		l = b.Goppc64
	case "riscv64":
		l = b.Goriscv64
	default:
		return []string{""}
	}
	if len(l) == 0 {
		return []string{defaultLevels[goarch]}
	}
	return l
}

// Expand is the list of targets goreleaser builds for b: its explicit
// targets (go_first_class expanded, the architecture's default level
// added where none is given, duplicates dropped), else goos × goarch ×
// the architecture's levels, without the pairs goreleaser does not know
// and the ignored ones. Sorted by name.
func (b Build) Expand() ([]Target, error) {
	seen := map[string]Target{}
	if len(b.Targets) > 0 {
		for _, s := range b.Targets {
			names := []string{s}
			if s == "go_first_class" || s == "go_118_first_class" {
				names = firstClass
			}
			for _, n := range names {
				t, err := parseTarget(n)
				if err != nil {
					return nil, err
				}
				seen[t.String()] = t
			}
		}
	} else {
		goos, goarch := b.Goos, b.Goarch
		if len(goos) == 0 {
			goos = defaultGoos
		}
		if len(goarch) == 0 {
			goarch = defaultGoarch
		}
		for _, os := range goos {
			for _, arch := range goarch {
				if !slices.Contains(knownPairs, os+"/"+arch) {
					continue
				}
				for _, level := range b.levelsOf(arch) {
					t := Target{Goos: os, Goarch: arch, Level: level}
					if !b.ignored(t) {
						seen[t.String()] = t
					}
				}
			}
		}
	}
	out := make([]Target, 0, len(seen))
	for _, t := range seen {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// parseTarget reads an explicit target ("linux_arm64", "linux_arm_7")
// and gives it its architecture's default level when it names none.
func parseTarget(s string) (Target, error) {
	parts := strings.SplitN(s, "_", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return Target{}, fmt.Errorf("target %q: want GOOS_GOARCH or GOOS_GOARCH_LEVEL", s)
	}
	t := Target{Goos: parts[0], Goarch: parts[1]}
	if len(parts) == 3 {
		t.Level = parts[2]
	} else {
		t.Level = defaultLevels[t.Goarch]
	}
	return t, nil
}

// ignored says whether an ignore entry matches t.
func (b Build) ignored(t Target) bool {
	for _, ig := range b.Ignore {
		if ig.matches(t) {
			return true
		}
	}
	return false
}

// matches says whether every field the selector sets is t's.
func (s Selector) matches(t Target) bool {
	if s.Goos != "" && s.Goos != t.Goos || s.Goarch != "" && s.Goarch != t.Goarch {
		return false
	}
	for _, lv := range []struct{ want, arch string }{
		{s.Goamd64, "amd64"}, {s.Go386, "386"}, {s.Goarm, "arm"}, {s.Goarm64, "arm64"},
		{s.Gomips, "mips"}, {s.Goppc64, "ppc64"}, {s.Goriscv64, "riscv64"},
	} {
		if lv.want == "" {
			continue
		}
		// goreleaser compares the field of the target's own architecture
		// family; a target of another family has that field empty.
		if family(t.Goarch) != lv.arch || lv.want != t.Level {
			return false
		}
	}
	return true
}

// family is the architecture whose level field a goarch uses.
func family(goarch string) string {
	switch goarch {
	case "mips", "mipsle", "mips64", "mips64le":
		return "mips"
	case "ppc64", "ppc64le":
		return "ppc64"
	}
	return goarch
}
