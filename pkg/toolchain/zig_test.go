package toolchain

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/target"
)

func TestZigTargetFor(t *testing.T) {
	tests := []struct {
		target, libc, glibc string
		triple              string
		flags               []string
	}{
		{"linux/amd64", "", "2.17", "x86_64-linux-gnu.2.17", nil},
		{"linux/amd64", "", "", "x86_64-linux-gnu.2.28", nil},
		{"linux/amd64/v3", "glibc", "2.17", "x86_64-linux-gnu.2.17", []string{"-mcpu=x86_64_v3"}},
		{"linux/amd64", "musl", "", "x86_64-linux-musl", nil},
		{"linux/386", "", "2.17", "x86-linux-gnu.2.17", nil},
		{"linux/arm64", "", "2.17", "aarch64-linux-gnu.2.17", nil},
		{"linux/arm64", "musl", "", "aarch64-linux-musl", nil},
		{"linux/arm", "", "2.28", "arm-linux-gnueabihf.2.28", []string{"-mcpu=generic+v7a"}},
		{"linux/arm/v6", "", "2.28", "arm-linux-gnueabihf.2.28", []string{"-mcpu=arm1176jzf_s"}},
		{"linux/arm/v5", "", "2.28", "arm-linux-gnueabi.2.28", []string{"-mcpu=arm926ej_s"}},
		{"linux/arm/v5", "musl", "", "arm-linux-musleabi", []string{"-mcpu=arm926ej_s"}},
		{"linux/arm/v7", "musl", "", "arm-linux-musleabihf", []string{"-mcpu=generic+v7a"}},
		{"linux/riscv64", "musl", "", "riscv64-linux-musl", nil},
		{"linux/ppc64le", "", "2.17", "powerpc64le-linux-gnu.2.17", nil},
		{"linux/mips", "", "2.28", "mips-linux-gnueabihf.2.28", nil},
		{"linux/mipsle", "musl", "", "mipsel-linux-musl", nil},
		{"linux/mips64le", "musl", "", "mips64el-linux-musl", nil},
		{"windows/amd64", "", "", "x86_64-windows-gnu", nil},
		{"windows/386", "", "", "x86-windows-gnu", nil},
		{"windows/arm64", "", "", "aarch64-windows-gnu", nil},
	}
	for _, tt := range tests {
		t.Run(tt.target+"/"+tt.libc+tt.glibc, func(t *testing.T) {
			zt, err := ZigTargetFor(tg(t, tt.target), tt.libc, tt.glibc)
			require.NoError(t, err)
			assert.Equal(t, tt.triple, zt.Triple)
			assert.Equal(t, tt.flags, zt.Flags)
			assert.True(t, zig011.Serves(zt), "zig 0.11.0 lists no libc %s", zt.Libc)
		})
	}
}

func TestZigTargetForRefuses(t *testing.T) {
	tests := []struct{ target, libc, want string }{
		{"darwin/arm64", "", "zig ships no macOS SDK"},
		{"ios/arm64", "", "zig cc -target aarch64-ios --sysroot=<iPhoneOS.sdk> -F<iPhoneOS.sdk>/System/Library/Frameworks"},
		{"darwin/amd64", "", "zig cc -target x86_64-macos"},
		{"freebsd/amd64", "", "zig ships no C library for freebsd"},
		{"android/arm64", "", "zig ships no C library for android"},
		{"linux/riscv64", "", "zig 0.11.0 cannot build glibc's start files for riscv64; use libc: musl"},
		{"linux/s390x", "glibc", "use libc: musl"},
		{"linux/mips/softfloat", "", "no soft-float libc"},
		{"windows/amd64", "musl", "windows has no choice of libc"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			_, err := ZigTargetFor(tg(t, tt.target), tt.libc, "")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestZigMappingOverDistList maps every linux and windows platform with cgo
// support of the live `go tool dist list`, at every level, with each libc:
// each gets zig's target, served by zig 0.11.0, or a reason; and no Go
// target zig ships a libc for is left out.
func TestZigMappingOverDistList(t *testing.T) {
	table, err := target.LoadTable(context.Background(), "go")
	require.NoError(t, err)
	served, refused := 0, 0
	for _, p := range table.Platforms() {
		if !p.CgoSupported || (p.GOOS != "linux" && p.GOOS != "windows") {
			continue
		}
		levels := []string{""}
		for _, l := range target.Levels(p.GOARCH) {
			levels = append(levels, l.Name)
		}
		libcs := []string{""}
		if p.GOOS == "linux" {
			libcs = append(libcs, "musl")
		}
		for _, level := range levels {
			for _, libc := range libcs {
				tgt := target.Target{GOOS: p.GOOS, GOARCH: p.GOARCH, Level: level}
				zt, err := ZigTargetFor(tgt, libc, "2.17")
				if err != nil {
					refused++
					assert.NotEmpty(t, err.Error())
					continue
				}
				served++
				if p.GOARCH == "loong64" {
					// zig 0.11.0 has no loongarch64 libc; newer zigs do.
					assert.False(t, zig011.Serves(zt))
					continue
				}
				assert.True(t, zig011.Serves(zt), "%s %s: %s is not a libc of zig 0.11.0", tgt, libc, zt.Libc)
			}
		}
	}
	// Every (arch, libc) zig 0.11.0 ships for Linux or Windows that Go can
	// use is reached by some Go target.
	reached := map[string]bool{}
	for _, p := range table.Platforms() {
		for _, libc := range []string{"", "musl"} {
			for _, l := range append([]target.Level{{}}, target.Levels(p.GOARCH)...) {
				if zt, err := ZigTargetFor(target.Target{GOOS: p.GOOS, GOARCH: p.GOARCH, Level: l.Name}, libc, ""); err == nil {
					reached[zt.Libc] = true
				}
			}
		}
	}
	for _, l := range []string{"x86_64-linux-gnu", "x86_64-linux-musl", "aarch64-linux-gnu", "aarch64-linux-musl",
		"arm-linux-gnueabihf", "arm-linux-gnueabi", "arm-linux-musleabihf", "arm-linux-musleabi", "x86-linux-gnu",
		"x86-linux-musl", "riscv64-linux-musl", "powerpc64le-linux-gnu", "powerpc64le-linux-musl", "s390x-linux-musl",
		"mips-linux-gnueabihf", "mipsel-linux-gnueabihf", "mips64-linux-musl", "mips64el-linux-musl",
		"x86_64-windows-gnu", "x86-windows-gnu", "aarch64-windows-gnu"} {
		assert.True(t, reached[l], "no Go target maps to zig's %s", l)
	}
	assert.Greater(t, served, 40)
	assert.Greater(t, refused, 0)
}

func TestParseZig(t *testing.T) {
	z, err := parseZig([]byte("0.11.0\n"), []byte(`{"libc":["x86_64-linux-gnu","aarch64-linux-musl"],"glibc":["2.0.0","2.17.0","2.9.0","2.34.0","2.33.0"]}`))
	require.NoError(t, err)
	assert.Equal(t, "0.11.0", z.Version)
	assert.Equal(t, "2.34", z.MaxGlibc)
	assert.Equal(t, []string{"x86_64-linux-gnu", "aarch64-linux-musl"}, z.Libcs)
	for _, bad := range []struct{ version, targets string }{
		{"not a version", `{"libc":["a"],"glibc":["2.34.0"]}`},
		{"0.11.0", `{`},
		{"0.11.0", `{"libc":[],"glibc":["2.34.0"]}`},
		{"0.11.0", `{"libc":["a"],"glibc":["x"]}`},
	} {
		_, err := parseZig([]byte(bad.version), []byte(bad.targets))
		assert.Error(t, err, "%q %q", bad.version, bad.targets)
	}
}

func TestFeaturesGlibc(t *testing.T) {
	assert.Equal(t, "2.36", featuresGlibc([]byte("#define\t__GLIBC__\t2\n#define\t__GLIBC_MINOR__\t36\n")))
	assert.Equal(t, "2.17", featuresGlibc([]byte("# define __GLIBC__ 2\n# define __GLIBC_MINOR__ 17\n")))
	assert.Equal(t, "", featuresGlibc([]byte("#define __GLIBC__ 2\n")))
}

// glibcMachine is machine() whose gcc links against glibc have.
func glibcMachine(path []string, have string) Machine {
	m := machine(path, nil)
	m.GlibcOf = func(Toolchain) string { return have }
	m.ZigCache = "/cache/zig"
	return m
}

func TestSelectZig(t *testing.T) {
	amd64 := Need{Target: tg(t, "linux/amd64")}
	arm64 := Need{Target: tg(t, "linux/arm64")}
	withMax := func(n Need, v string) Need { n.MaxGlibc = v; return n }
	all := []string{"gcc", "aarch64-linux-gnu-gcc", "zig"}
	tests := []struct {
		name   string
		need   Need
		ov     Overrides
		path   []string
		have   string // gcc's glibc
		cc     []string
		glibc  string
		reason string
	}{
		{"toolchain: zig", arm64, Overrides{Toolchain: KindZig}, all, "2.36",
			[]string{"zig", "cc", "-target", "aarch64-linux-gnu.2.28"}, "", "toolchain: zig"},
		{"toolchain: zig at the policy's floor", withMax(arm64, "2.17"), Overrides{Toolchain: KindZig}, all, "2.36",
			[]string{"zig", "cc", "-target", "aarch64-linux-gnu.2.17"}, "2.17", "toolchain: zig"},
		{"toolchain: zig under a policy above zig's newest", withMax(arm64, "2.36"), Overrides{Toolchain: KindZig}, all, "2.36",
			[]string{"zig", "cc", "-target", "aarch64-linux-gnu.2.34"}, "2.34", "toolchain: zig"},
		{"no Debian compiler: zig at the policy's floor", withMax(arm64, "2.17"), Overrides{}, []string{"gcc", "zig"}, "2.36",
			[]string{"zig", "cc", "-target", "aarch64-linux-gnu.2.17"}, "2.17", "no installed Debian compiler serves linux/arm64"},
		{"cc: zig", arm64, Overrides{CC: "zig", Glibc: "2.17"}, all, "2.36",
			[]string{"zig", "cc", "-target", "aarch64-linux-gnu.2.17"}, "2.17", "cc: zig"},
		{"glibc below gcc's", amd64, Overrides{Glibc: "2.17"}, all, "2.36",
			[]string{"zig", "cc", "-target", "x86_64-linux-gnu.2.17"}, "2.17", "glibc: 2.17"},
		{"glibc with gcc's glibc unknown", amd64, Overrides{Glibc: "2.28"}, all, "",
			[]string{"zig", "cc", "-target", "x86_64-linux-gnu.2.28"}, "2.28", "glibc: 2.28"},
		{"glibc gcc meets: the floor stays asked", amd64, Overrides{Glibc: "2.36"}, all, "2.36", []string{"gcc"}, "2.36", ""},
		{"max_glibc below gcc's floor", withMax(arm64, "2.17"), Overrides{}, all, "2.36",
			[]string{"zig", "cc", "-target", "aarch64-linux-gnu.2.17"}, "2.17", "expect.max_glibc: 2.17 is below what aarch64-linux-gnu-gcc can give (GLIBC_2.34)"},
		{"max_glibc gcc meets", withMax(amd64, "2.34"), Overrides{}, all, "2.36", []string{"gcc"}, "", ""},
		{"max_glibc with gcc before 2.34: not certain, gcc stays", withMax(amd64, "2.17"), Overrides{}, all, "2.31", []string{"gcc"}, "", ""},
		{"glibc ignored off linux", Need{Target: tg(t, "windows/amd64")}, Overrides{Glibc: "2.17"}, append(all, "x86_64-w64-mingw32-gcc"), "2.36",
			[]string{"x86_64-w64-mingw32-gcc"}, "", ""},
		{"no Debian compiler: zig", Need{Target: tg(t, "windows/arm64")}, Overrides{}, all, "2.36",
			[]string{"zig", "cc", "-target", "aarch64-windows-gnu"}, "", "no installed Debian compiler serves windows/arm64"},
		{"musl cross through zig", Need{Target: tg(t, "linux/riscv64"), Libc: "musl"}, Overrides{}, all, "2.36",
			[]string{"zig", "cc", "-target", "riscv64-linux-musl"}, "", "no installed Debian compiler serves linux/riscv64 (musl)"},
		{"level flags", Need{Target: tg(t, "linux/amd64/v3")}, Overrides{Toolchain: KindZig, Glibc: "2.17"}, all, "2.36",
			[]string{"zig", "cc", "-target", "x86_64-linux-gnu.2.17", "-mcpu=x86_64_v3"}, "2.17", "toolchain: zig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := glibcMachine(tt.path, tt.have).Select(tt.need, tt.ov)
			require.NoError(t, err)
			assert.Equal(t, tt.cc, got.CC)
			assert.Equal(t, tt.glibc, got.Glibc)
			assert.Equal(t, tt.reason, got.Reason)
			if got.Name == "zig" {
				assert.Equal(t, "0.11.0", got.Zig)
				assert.Contains(t, got.Env(), "ZIG_GLOBAL_CACHE_DIR=/cache/zig")
				assert.Contains(t, got.Env(), "ZIG_LOCAL_CACHE_DIR=/cache/zig")
			}
		})
	}
}

func TestSelectZigErrors(t *testing.T) {
	amd64 := Need{Target: tg(t, "linux/amd64")}
	all := []string{"gcc", "zig"}
	tests := []struct {
		name    string
		need    Need
		ov      Overrides
		path    []string
		want    []string
		missing bool
	}{
		{"glibc without zig", amd64, Overrides{Glibc: "2.17"}, []string{"gcc"},
			[]string{"linux/amd64 needs zig for glibc: 2.17, since the installed gcc links against glibc 2.36", "install zig 0.11.0", "npm"}, true},
		{"toolchain: zig without zig", amd64, Overrides{Toolchain: KindZig}, []string{"gcc"},
			[]string{"needs zig (toolchain: zig), which is not on PATH", "scripts/install-toolchains.sh"}, true},
		{"toolchain: gcc under max_glibc", Need{Target: amd64.Target, MaxGlibc: "2.17"}, Overrides{Toolchain: KindGCC}, all,
			[]string{"linux/amd64: expect.max_glibc: 2.17 asks for a floor of 2.17, but gcc links against glibc 2.36, so its binaries need at least GLIBC_2.34: use toolchain: zig (or auto) for glibc 2.17"}, false},
		{"glibc above zig's", amd64, Overrides{Toolchain: KindZig, Glibc: "2.38"}, all,
			[]string{"linux/amd64: glibc 2.38: zig 0.11.0 serves glibc 2.17 to 2.34"}, false},
		{"glibc below 2.17", amd64, Overrides{Toolchain: KindZig, Glibc: "2.12"}, all,
			[]string{"glibc 2.12: zig 0.11.0 serves glibc 2.17 to 2.34"}, false},
		{"malformed glibc", amd64, Overrides{Glibc: "2.17.1"}, all, []string{`glibc "2.17.1": want a version like "2.17"`}, false},
		{"glibc with musl", amd64, Overrides{Glibc: "2.17", Libc: "musl"}, all, []string{"a musl binary has no glibc floor"}, false},
		{"glibc with another cc", amd64, Overrides{Glibc: "2.17", CC: "gcc"}, all, []string{"portmatrix sets a glibc floor only through zig"}, false},
		{"zig glibc on riscv64", Need{Target: tg(t, "linux/riscv64")}, Overrides{Toolchain: KindZig}, all, []string{"use libc: musl"}, false},
		{"darwin through zig", Need{Target: tg(t, "darwin/arm64")}, Overrides{Toolchain: KindZig}, all, []string{"zig ships no macOS SDK", "--sysroot=<MacOSX.sdk>", "untested"}, false},
		{"max_glibc below what zig has", Need{Target: amd64.Target, MaxGlibc: "2.12"}, Overrides{}, all, []string{"expect.max_glibc: 2.12 is below glibc 2.17"}, false},
		{"zig installed but serving nothing", Need{Target: tg(t, "linux/loong64")}, Overrides{}, all,
			[]string{"linux/loong64 needs a C compiler for cgo that Debian does not package, and the installed zig cannot serve it (zig 0.11.0 ships no libc for loongarch64-linux-gnu): set cc:"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := glibcMachine(tt.path, "2.36").Select(tt.need, tt.ov)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			var me *MissingError
			assert.Equal(t, tt.missing, errors.As(err, &me), err.Error())
		})
	}
}

func TestZigCacheDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	d, err := ZigCacheDir(env(map[string]string{ZigCacheEnv: "/z", "HOME": "/home/u"}))
	require.NoError(t, err)
	assert.Equal(t, "/z", d)
	d, err = ZigCacheDir(env(map[string]string{"HOME": "/home/u"}))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(d, "/portmatrix/zig"), d)
}

func TestZigWarmMarker(t *testing.T) {
	dir := t.TempDir()
	tc, err := ZigToolchain(zig011, Need{Target: tg(t, "linux/amd64/v2")}, "2.17", dir)
	require.NoError(t, err)
	assert.True(t, ZigCold(tc, false))
	markWarm(tc, false)
	assert.False(t, ZigCold(tc, false))
	assert.True(t, ZigCold(tc, true), "the static libc is built apart")
	other, err := ZigToolchain(zig011, Need{Target: tg(t, "linux/amd64")}, "2.17", dir)
	require.NoError(t, err)
	assert.True(t, ZigCold(other, false), "another -mcpu is another build")
	assert.False(t, ZigCold(Toolchain{Name: "native", CC: []string{"gcc"}}, false))
}
