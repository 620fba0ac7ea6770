package target

import "sort"

// Level is one sub-architecture setting of an architecture: the environment
// variable the go command reads and the value a target's level selects.
type Level struct {
	Name    string `json:"name"`    // how it is spelled in a target: "v7"
	Var     string `json:"var"`     // environment variable: "GOARM"
	Value   string `json:"value"`   // its value: "7"
	Meaning string `json:"meaning"` // one line for humans
}

// levels lists the sub-architecture levels the go command documents
// (go help environment). Unlike the platform list, the go command has no
// machine-readable listing of these, so they live here.
var levels = map[string][]Level{
	"386": {
		{"sse2", "GO386", "sse2", "SSE2 floating point (default)"},
		{"softfloat", "GO386", "softfloat", "no SSE2: x87-free software floating point for very old CPUs"},
	},
	"amd64": {
		{"v1", "GOAMD64", "v1", "baseline x86-64 (default): every 64-bit x86 CPU"},
		{"v2", "GOAMD64", "v2", "adds SSE3, SSE4.1/4.2, POPCNT (CPUs from ~2009)"},
		{"v3", "GOAMD64", "v3", "adds AVX, AVX2, BMI1/2, FMA (Haswell and later, ~2015)"},
		{"v4", "GOAMD64", "v4", "adds AVX-512 (Skylake-X and later)"},
	},
	"arm": {
		{"v5", "GOARM", "5", "ARMv5, software floating point (old embedded boards)"},
		{"v6", "GOARM", "6", "ARMv6 with VFPv1 (Raspberry Pi 1/Zero)"},
		{"v7", "GOARM", "7", "ARMv7 with VFPv3 (default when cross compiling; Raspberry Pi 2+)"},
	},
	"arm64": arm64Levels(),
	"mips": {
		{"hardfloat", "GOMIPS", "hardfloat", "hardware floating point (default)"},
		{"softfloat", "GOMIPS", "softfloat", "software floating point (routers without an FPU)"},
	},
	"mipsle": {
		{"hardfloat", "GOMIPS", "hardfloat", "hardware floating point (default)"},
		{"softfloat", "GOMIPS", "softfloat", "software floating point (routers without an FPU)"},
	},
	"mips64": {
		{"hardfloat", "GOMIPS64", "hardfloat", "hardware floating point (default)"},
		{"softfloat", "GOMIPS64", "softfloat", "software floating point"},
	},
	"mips64le": {
		{"hardfloat", "GOMIPS64", "hardfloat", "hardware floating point (default)"},
		{"softfloat", "GOMIPS64", "softfloat", "software floating point"},
	},
	"ppc64": {
		{"power8", "GOPPC64", "power8", "POWER8 (default)"},
		{"power9", "GOPPC64", "power9", "POWER9"},
		{"power10", "GOPPC64", "power10", "POWER10"},
	},
	"ppc64le": {
		{"power8", "GOPPC64", "power8", "POWER8 (default)"},
		{"power9", "GOPPC64", "power9", "POWER9"},
		{"power10", "GOPPC64", "power10", "POWER10"},
	},
	"riscv64": {
		{"rva20u64", "GORISCV64", "rva20u64", "RVA20U64 profile (default)"},
		{"rva22u64", "GORISCV64", "rva22u64", "RVA22U64 profile"},
		{"rva23u64", "GORISCV64", "rva23u64", "RVA23U64 profile"},
	},
}

// defaultLevels is the level the go command uses for an architecture when
// its variable is not set (go help environment; GOARM 7 is the default
// when cross compiling, which is how portmatrix always sets it).
var defaultLevels = map[string]string{
	"386": "sse2", "amd64": "v1", "arm": "v7", "arm64": "v8.0",
	"mips": "hardfloat", "mipsle": "hardfloat", "mips64": "hardfloat", "mips64le": "hardfloat",
	"ppc64": "power8", "ppc64le": "power8", "riscv64": "rva20u64",
}

// IsLevelVar says name is the level variable of some architecture
// (GOAMD64, GOARM, …).
func IsLevelVar(name string) bool {
	for _, ls := range levels {
		if len(ls) > 0 && ls[0].Var == name {
			return true
		}
	}
	return false
}

// DefaultLevel is the level an architecture builds at when a target names
// none, false for an architecture without levels.
func DefaultLevel(goarch string) (Level, bool) {
	name, ok := defaultLevels[goarch]
	if !ok {
		return Level{}, false
	}
	return FindLevel(goarch, name)
}

func arm64Levels() []Level {
	var ls []Level
	for minor := 0; minor <= 9; minor++ {
		v := "v8." + string(rune('0'+minor))
		m := "ARMv8." + string(rune('0'+minor)) + "-A"
		if minor == 0 {
			m += " (default)"
		}
		ls = append(ls, Level{v, "GOARM64", v, m})
	}
	for minor := 0; minor <= 5; minor++ {
		v := "v9." + string(rune('0'+minor))
		ls = append(ls, Level{v, "GOARM64", v, "ARMv9." + string(rune('0'+minor)) + "-A"})
	}
	return ls
}

// Levels returns the levels of an architecture in their documented order,
// or nil when the architecture has none.
func Levels(goarch string) []Level {
	return append([]Level(nil), levels[goarch]...)
}

// LevelArchs returns every architecture that has levels, sorted.
func LevelArchs() []string {
	var out []string
	for a := range levels {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// FindLevel looks a level up by the name used in a target.
func FindLevel(goarch, name string) (Level, bool) {
	for _, l := range levels[goarch] {
		if l.Name == name {
			return l, true
		}
	}
	return Level{}, false
}

// LevelNames lists the names of an architecture's levels, for messages.
func LevelNames(goarch string) []string {
	var out []string
	for _, l := range levels[goarch] {
		out = append(out, l.Name)
	}
	return out
}

// Sort orders targets the way plans and reports list them: by GOOS, then
// GOARCH, then level in the order Levels gives (no level first).
func Sort(ts []Target) {
	levelIndex := func(t Target) int {
		for i, l := range Levels(t.GOARCH) {
			if l.Name == t.Level {
				return i + 1
			}
		}
		return 0
	}
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.GOOS != b.GOOS {
			return a.GOOS < b.GOOS
		}
		if a.GOARCH != b.GOARCH {
			return a.GOARCH < b.GOARCH
		}
		return levelIndex(a) < levelIndex(b)
	})
}
