package toolchain

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/target"
)

var (
	amd64Host = target.Target{GOOS: "linux", GOARCH: "amd64"}
	arm64Host = target.Target{GOOS: "linux", GOARCH: "arm64"}
)

func tg(t *testing.T, s string) target.Target {
	t.Helper()
	x, err := target.Parse(s)
	require.NoError(t, err)
	return x
}

func ccNames(tcs []Toolchain) []string {
	var out []string
	for _, tc := range tcs {
		out = append(out, tc.Name)
	}
	return out
}

// TestCandidatesTable checks the first choice of every row: the exact argv,
// the Debian packages and the sysroot, and which alternatives follow it.
func TestCandidatesTable(t *testing.T) {
	tests := []struct {
		target, libc string
		host         target.Target
		first        Toolchain
		names        []string
	}{
		{"linux/amd64", "", amd64Host, Toolchain{Name: "native", CC: []string{"gcc"}, CXX: []string{"g++"}, Package: "gcc", CXXPackage: "g++", LibcPackage: "libc6-dev", Libc: "glibc"}, []string{"native", "zig"}},
		{"linux/amd64/v3", "glibc", amd64Host, Toolchain{Name: "native", CC: []string{"gcc"}, CXX: []string{"g++"}, Package: "gcc", CXXPackage: "g++", LibcPackage: "libc6-dev", Libc: "glibc"}, []string{"native", "zig"}},
		{"linux/amd64", "", arm64Host, Toolchain{Name: "x86_64-linux-gnu", CC: []string{"x86_64-linux-gnu-gcc"}, CXX: []string{"x86_64-linux-gnu-g++"}, Package: "gcc-x86-64-linux-gnu", CXXPackage: "g++-x86-64-linux-gnu", LibcPackage: "libc6-dev-amd64-cross", Sysroot: "/usr/x86_64-linux-gnu", Libc: "glibc"}, []string{"x86_64-linux-gnu", "clang", "zig"}},
		{"linux/386", "", amd64Host, Toolchain{Name: "i686-linux-gnu", CC: []string{"i686-linux-gnu-gcc"}, CXX: []string{"i686-linux-gnu-g++"}, Package: "gcc-i686-linux-gnu", CXXPackage: "g++-i686-linux-gnu", LibcPackage: "libc6-dev-i386-cross", Sysroot: "/usr/i686-linux-gnu", Libc: "glibc"}, []string{"i686-linux-gnu", "multilib", "clang", "zig"}},
		{"linux/386", "", arm64Host, Toolchain{Name: "i686-linux-gnu", CC: []string{"i686-linux-gnu-gcc"}, CXX: []string{"i686-linux-gnu-g++"}, Package: "gcc-i686-linux-gnu", CXXPackage: "g++-i686-linux-gnu", LibcPackage: "libc6-dev-i386-cross", Sysroot: "/usr/i686-linux-gnu", Libc: "glibc"}, []string{"i686-linux-gnu", "clang", "zig"}},
		{"linux/arm64", "", amd64Host, Toolchain{Name: "aarch64-linux-gnu", CC: []string{"aarch64-linux-gnu-gcc"}, CXX: []string{"aarch64-linux-gnu-g++"}, Package: "gcc-aarch64-linux-gnu", CXXPackage: "g++-aarch64-linux-gnu", LibcPackage: "libc6-dev-arm64-cross", Sysroot: "/usr/aarch64-linux-gnu", Libc: "glibc"}, []string{"aarch64-linux-gnu", "clang", "zig"}},
		{"linux/arm64", "", arm64Host, Toolchain{Name: "native", CC: []string{"gcc"}, CXX: []string{"g++"}, Package: "gcc", CXXPackage: "g++", LibcPackage: "libc6-dev", Libc: "glibc"}, []string{"native", "zig"}},
		{"linux/arm", "", amd64Host, Toolchain{Name: "arm-linux-gnueabihf", CC: []string{"arm-linux-gnueabihf-gcc"}, CXX: []string{"arm-linux-gnueabihf-g++"}, Package: "gcc-arm-linux-gnueabihf", CXXPackage: "g++-arm-linux-gnueabihf", LibcPackage: "libc6-dev-armhf-cross", Sysroot: "/usr/arm-linux-gnueabihf", Libc: "glibc"}, []string{"arm-linux-gnueabihf", "clang", "zig"}},
		{"linux/arm/v7", "", amd64Host, Toolchain{Name: "arm-linux-gnueabihf", CC: []string{"arm-linux-gnueabihf-gcc"}, CXX: []string{"arm-linux-gnueabihf-g++"}, Package: "gcc-arm-linux-gnueabihf", CXXPackage: "g++-arm-linux-gnueabihf", LibcPackage: "libc6-dev-armhf-cross", Sysroot: "/usr/arm-linux-gnueabihf", Libc: "glibc"}, []string{"arm-linux-gnueabihf", "clang", "zig"}},
		{"linux/arm/v6", "", amd64Host, Toolchain{Name: "arm-linux-gnueabihf", CC: []string{"arm-linux-gnueabihf-gcc"}, CXX: []string{"arm-linux-gnueabihf-g++"}, Package: "gcc-arm-linux-gnueabihf", CXXPackage: "g++-arm-linux-gnueabihf", LibcPackage: "libc6-dev-armhf-cross", Sysroot: "/usr/arm-linux-gnueabihf", Libc: "glibc"}, []string{"arm-linux-gnueabihf", "clang", "zig"}},
		{"linux/arm/v5", "", amd64Host, Toolchain{Name: "arm-linux-gnueabi", CC: []string{"arm-linux-gnueabi-gcc"}, CXX: []string{"arm-linux-gnueabi-g++"}, Package: "gcc-arm-linux-gnueabi", CXXPackage: "g++-arm-linux-gnueabi", LibcPackage: "libc6-dev-armel-cross", Sysroot: "/usr/arm-linux-gnueabi", Libc: "glibc"}, []string{"arm-linux-gnueabi", "clang", "zig"}},
		{"linux/riscv64", "", amd64Host, Toolchain{Name: "riscv64-linux-gnu", CC: []string{"riscv64-linux-gnu-gcc"}, CXX: []string{"riscv64-linux-gnu-g++"}, Package: "gcc-riscv64-linux-gnu", CXXPackage: "g++-riscv64-linux-gnu", LibcPackage: "libc6-dev-riscv64-cross", Sysroot: "/usr/riscv64-linux-gnu", Libc: "glibc"}, []string{"riscv64-linux-gnu", "clang", "zig"}},
		{"linux/ppc64le", "", amd64Host, Toolchain{Name: "powerpc64le-linux-gnu", CC: []string{"powerpc64le-linux-gnu-gcc"}, CXX: []string{"powerpc64le-linux-gnu-g++"}, Package: "gcc-powerpc64le-linux-gnu", CXXPackage: "g++-powerpc64le-linux-gnu", LibcPackage: "libc6-dev-ppc64el-cross", Sysroot: "/usr/powerpc64le-linux-gnu", Libc: "glibc"}, []string{"powerpc64le-linux-gnu", "clang", "zig"}},
		{"linux/s390x", "", amd64Host, Toolchain{Name: "s390x-linux-gnu", CC: []string{"s390x-linux-gnu-gcc"}, CXX: []string{"s390x-linux-gnu-g++"}, Package: "gcc-s390x-linux-gnu", CXXPackage: "g++-s390x-linux-gnu", LibcPackage: "libc6-dev-s390x-cross", Sysroot: "/usr/s390x-linux-gnu", Libc: "glibc"}, []string{"s390x-linux-gnu", "clang", "zig"}},
		{"linux/mips", "", amd64Host, Toolchain{Name: "mips-linux-gnu", CC: []string{"mips-linux-gnu-gcc"}, CXX: []string{"mips-linux-gnu-g++"}, Package: "gcc-mips-linux-gnu", CXXPackage: "g++-mips-linux-gnu", LibcPackage: "libc6-dev-mips-cross", Sysroot: "/usr/mips-linux-gnu", Libc: "glibc"}, []string{"mips-linux-gnu", "clang", "zig"}},
		{"linux/mipsle", "", amd64Host, Toolchain{Name: "mipsel-linux-gnu", CC: []string{"mipsel-linux-gnu-gcc"}, CXX: []string{"mipsel-linux-gnu-g++"}, Package: "gcc-mipsel-linux-gnu", CXXPackage: "g++-mipsel-linux-gnu", LibcPackage: "libc6-dev-mipsel-cross", Sysroot: "/usr/mipsel-linux-gnu", Libc: "glibc"}, []string{"mipsel-linux-gnu", "clang", "zig"}},
		{"linux/mips64", "", amd64Host, Toolchain{Name: "mips64-linux-gnuabi64", CC: []string{"mips64-linux-gnuabi64-gcc"}, CXX: []string{"mips64-linux-gnuabi64-g++"}, Package: "gcc-mips64-linux-gnuabi64", CXXPackage: "g++-mips64-linux-gnuabi64", LibcPackage: "libc6-dev-mips64-cross", Sysroot: "/usr/mips64-linux-gnuabi64", Libc: "glibc"}, []string{"mips64-linux-gnuabi64", "clang", "zig"}},
		{"linux/mips64le", "", amd64Host, Toolchain{Name: "mips64el-linux-gnuabi64", CC: []string{"mips64el-linux-gnuabi64-gcc"}, CXX: []string{"mips64el-linux-gnuabi64-g++"}, Package: "gcc-mips64el-linux-gnuabi64", CXXPackage: "g++-mips64el-linux-gnuabi64", LibcPackage: "libc6-dev-mips64el-cross", Sysroot: "/usr/mips64el-linux-gnuabi64", Libc: "glibc"}, []string{"mips64el-linux-gnuabi64", "clang", "zig"}},
		// Not in Debian 12: no package, but the command and sysroot a
		// hand-installed toolchain would have.
		{"linux/loong64", "", amd64Host, Toolchain{Name: "loongarch64-linux-gnu", CC: []string{"loongarch64-linux-gnu-gcc"}, CXX: []string{"loongarch64-linux-gnu-g++"}, Sysroot: "/usr/loongarch64-linux-gnu", Libc: "glibc"}, []string{"loongarch64-linux-gnu", "clang", "zig"}},
		{"linux/amd64", "musl", amd64Host, Toolchain{Name: "musl-gcc", CC: []string{"musl-gcc"}, Package: "musl-tools", LibcPackage: "musl-dev", Libc: "musl"}, []string{"musl-gcc", "zig"}},
		{"linux/arm64", "musl", amd64Host, Toolchain{Name: "zig", CC: []string{"zig", "cc", "-target", "aarch64-linux-musl"}, CXX: []string{"zig", "c++", "-target", "aarch64-linux-musl"}, Libc: "musl"}, []string{"zig"}},
		{"linux/arm64", "musl", arm64Host, Toolchain{Name: "musl-gcc", CC: []string{"musl-gcc"}, Package: "musl-tools", LibcPackage: "musl-dev", Libc: "musl"}, []string{"musl-gcc", "zig"}},
		{"windows/amd64", "", amd64Host, Toolchain{Name: "mingw-w64-x86_64", CC: []string{"x86_64-w64-mingw32-gcc"}, CXX: []string{"x86_64-w64-mingw32-g++-posix"}, Package: "gcc-mingw-w64-x86-64", CXXPackage: "g++-mingw-w64-x86-64", LibcPackage: "mingw-w64-x86-64-dev", Sysroot: "/usr/x86_64-w64-mingw32", Libc: "msvcrt"}, []string{"mingw-w64-x86_64", "clang", "zig"}},
		{"windows/386", "", amd64Host, Toolchain{Name: "mingw-w64-i686", CC: []string{"i686-w64-mingw32-gcc"}, CXX: []string{"i686-w64-mingw32-g++-posix"}, Package: "gcc-mingw-w64-i686", CXXPackage: "g++-mingw-w64-i686", LibcPackage: "mingw-w64-i686-dev", Sysroot: "/usr/i686-w64-mingw32", Libc: "msvcrt"}, []string{"mingw-w64-i686", "clang", "zig"}},
		{"windows/arm64", "", amd64Host, Toolchain{Name: "clang", CC: []string{"clang", "--target=aarch64-w64-mingw32"}, CXX: []string{"clang++", "--target=aarch64-w64-mingw32"}, Package: "clang", CXXPackage: "clang", Sysroot: "/usr/aarch64-w64-mingw32", Libc: "msvcrt"}, []string{"clang", "zig"}},
		{"freebsd/amd64", "", amd64Host, Toolchain{Name: "clang", CC: []string{"clang", "--target=x86_64-unknown-freebsd", "--sysroot=/opt/sysroot/freebsd-amd64", "-fuse-ld=lld"}, CXX: []string{"clang++", "--target=x86_64-unknown-freebsd", "--sysroot=/opt/sysroot/freebsd-amd64", "-fuse-ld=lld"}, Package: "clang", CXXPackage: "clang", Sysroot: "/opt/sysroot/freebsd-amd64", Libc: "freebsd"}, []string{"clang"}},
		{"netbsd/arm64", "", amd64Host, Toolchain{Name: "clang", CC: []string{"clang", "--target=aarch64-unknown-netbsd", "--sysroot=/opt/sysroot/netbsd-arm64", "-fuse-ld=lld"}, CXX: []string{"clang++", "--target=aarch64-unknown-netbsd", "--sysroot=/opt/sysroot/netbsd-arm64", "-fuse-ld=lld"}, Package: "clang", CXXPackage: "clang", Sysroot: "/opt/sysroot/netbsd-arm64", Libc: "netbsd"}, []string{"clang"}},
		{"freebsd/arm", "", amd64Host, Toolchain{Name: "clang", CC: []string{"clang", "--target=armv7-unknown-freebsd-gnueabihf", "--sysroot=/opt/sysroot/freebsd-arm", "-fuse-ld=lld"}, CXX: []string{"clang++", "--target=armv7-unknown-freebsd-gnueabihf", "--sysroot=/opt/sysroot/freebsd-arm", "-fuse-ld=lld"}, Package: "clang", CXXPackage: "clang", Sysroot: "/opt/sysroot/freebsd-arm", Libc: "freebsd"}, []string{"clang"}},
	}
	for _, tt := range tests {
		name := tt.target + "/" + tt.libc + "/on-" + tt.host.GOARCH
		t.Run(name, func(t *testing.T) {
			got := Candidates(Need{Target: tg(t, tt.target), Libc: tt.libc}, tt.host)
			require.NotEmpty(t, got)
			assert.Equal(t, tt.first, got[0])
			assert.Equal(t, tt.names, ccNames(got))
		})
	}
}

// TestCandidatesNone covers the targets no table row serves: Select
// explains them (TestSelectMissing).
func TestCandidatesNone(t *testing.T) {
	tests := []struct{ target, libc string }{
		{"darwin/arm64", ""},
		{"darwin/amd64", ""},
		{"ios/arm64", ""},
		{"android/arm64", ""},
		{"linux/ppc64", ""},
		{"js/wasm", ""},
		{"wasip1/wasm", ""},
		{"plan9/amd64", ""},
		{"aix/ppc64", ""},
		{"linux/amd64", "uclibc"},
		{"windows/amd64", "musl"},
		{"freebsd/amd64", "glibc"},
	}
	for _, tt := range tests {
		t.Run(tt.target+"/"+tt.libc, func(t *testing.T) {
			assert.Empty(t, Candidates(Need{Target: tg(t, tt.target), Libc: tt.libc}, amd64Host))
		})
	}
}

// TestZigAndClangCommandLines pins the exact commands the tools that are not
// installed here would run, since no integration test can.
func TestZigAndClangCommandLines(t *testing.T) {
	find := func(tcs []Toolchain, name string) Toolchain {
		for _, tc := range tcs {
			if tc.Name == name {
				return tc
			}
		}
		t.Fatalf("no %s candidate in %v", name, ccNames(tcs))
		return Toolchain{}
	}
	tests := []struct {
		target, libc, tool string
		wantEnv            []string
		sysroot            string
	}{
		{"linux/arm64", "", "zig", []string{"CC=zig cc -target aarch64-linux-gnu", "CXX=zig c++ -target aarch64-linux-gnu"}, ""},
		{"linux/amd64", "", "zig", []string{"CC=zig cc -target x86_64-linux-gnu", "CXX=zig c++ -target x86_64-linux-gnu"}, ""},
		{"linux/386", "", "zig", []string{"CC=zig cc -target x86-linux-gnu", "CXX=zig c++ -target x86-linux-gnu"}, ""},
		{"linux/arm/v5", "", "zig", []string{"CC=zig cc -target arm-linux-gnueabi", "CXX=zig c++ -target arm-linux-gnueabi"}, ""},
		{"linux/arm/v7", "musl", "zig", []string{"CC=zig cc -target arm-linux-musleabihf", "CXX=zig c++ -target arm-linux-musleabihf"}, ""},
		{"linux/amd64", "musl", "zig", []string{"CC=zig cc -target x86_64-linux-musl", "CXX=zig c++ -target x86_64-linux-musl"}, ""},
		{"linux/riscv64", "musl", "zig", []string{"CC=zig cc -target riscv64-linux-musl", "CXX=zig c++ -target riscv64-linux-musl"}, ""},
		{"linux/loong64", "", "zig", []string{"CC=zig cc -target loongarch64-linux-gnu", "CXX=zig c++ -target loongarch64-linux-gnu"}, ""},
		{"windows/amd64", "", "zig", []string{"CC=zig cc -target x86_64-windows-gnu", "CXX=zig c++ -target x86_64-windows-gnu"}, ""},
		{"windows/386", "", "zig", []string{"CC=zig cc -target x86-windows-gnu", "CXX=zig c++ -target x86-windows-gnu"}, ""},
		{"windows/arm64", "", "zig", []string{"CC=zig cc -target aarch64-windows-gnu", "CXX=zig c++ -target aarch64-windows-gnu"}, ""},
		{"linux/arm64", "", "clang", []string{"CC=clang --target=aarch64-linux-gnu", "CXX=clang++ --target=aarch64-linux-gnu"}, "/usr/aarch64-linux-gnu"},
		{"linux/riscv64", "", "clang", []string{"CC=clang --target=riscv64-linux-gnu", "CXX=clang++ --target=riscv64-linux-gnu"}, "/usr/riscv64-linux-gnu"},
		{"windows/amd64", "", "clang", []string{"CC=clang --target=x86_64-w64-mingw32", "CXX=clang++ --target=x86_64-w64-mingw32"}, "/usr/x86_64-w64-mingw32"},
		{"openbsd/amd64", "", "clang", []string{"CC=clang --target=x86_64-unknown-openbsd --sysroot=/opt/sysroot/openbsd-amd64 -fuse-ld=lld", "CXX=clang++ --target=x86_64-unknown-openbsd --sysroot=/opt/sysroot/openbsd-amd64 -fuse-ld=lld"}, "/opt/sysroot/openbsd-amd64"},
		{"illumos/amd64", "", "clang", []string{"CC=clang --target=x86_64-pc-solaris2.11 --sysroot=/opt/sysroot/illumos-amd64 -fuse-ld=lld", "CXX=clang++ --target=x86_64-pc-solaris2.11 --sysroot=/opt/sysroot/illumos-amd64 -fuse-ld=lld"}, "/opt/sysroot/illumos-amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.tool+"/"+tt.target+"/"+tt.libc, func(t *testing.T) {
			tc := find(Candidates(Need{Target: tg(t, tt.target), Libc: tt.libc}, amd64Host), tt.tool)
			assert.Equal(t, tt.wantEnv, tc.Env())
			assert.Equal(t, tt.sysroot, tc.Sysroot)
		})
	}
}

func TestEnvQuoting(t *testing.T) {
	tests := []struct {
		name string
		tc   Toolchain
		want []string
	}{
		{"plain", Toolchain{CC: []string{"gcc"}}, []string{"CC=gcc"}},
		{"argv with flags", Toolchain{CC: []string{"gcc", "-m32"}, CXX: []string{"g++", "-m32"}}, []string{"CC=gcc -m32", "CXX=g++ -m32"}},
		{"space in an argument", Toolchain{CC: []string{"clang", "--sysroot=/opt/my sdk"}}, []string{"CC=clang '--sysroot=/opt/my sdk'"}},
		{"single quote in an argument", Toolchain{CC: []string{"cc", "-DX='a'"}}, []string{`CC=cc "-DX='a'"`}},
		{"fixed order", Toolchain{CC: []string{"cc"}, CXX: []string{"c++"}, CgoCFLAGS: "-O2", CgoLDFLAGS: "-lm", PkgConfigSysroot: "/sr"},
			[]string{"CC=cc", "CXX=c++", "CGO_CFLAGS=-O2", "CGO_LDFLAGS=-lm", "PKG_CONFIG_SYSROOT_DIR=/sr"}},
		{"nothing", Toolchain{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.tc.Env())
			for _, kv := range tt.want {
				if v, ok := strings.CutPrefix(kv, "CC="); ok {
					back, ok := splitArgs(v)
					require.True(t, ok)
					assert.Equal(t, tt.tc.CC, back, "the go command splits CC back into the same argv")
				}
			}
		})
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"clang --target=aarch64-linux-gnu", []string{"clang", "--target=aarch64-linux-gnu"}, true},
		{"  zig   cc\t-target x  ", []string{"zig", "cc", "-target", "x"}, true},
		{`cc '--sysroot=/a b' "-DX='y'"`, []string{"cc", "--sysroot=/a b", "-DX='y'"}, true},
		{`cc 'unterminated`, nil, false},
		{"", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := splitArgs(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestToolchainJSON(t *testing.T) {
	tc := Candidates(Need{Target: tg(t, "linux/arm64")}, amd64Host)[0]
	data, err := json.Marshal(tc)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"aarch64-linux-gnu","cc":["aarch64-linux-gnu-gcc"],"cxx":["aarch64-linux-gnu-g++"],
		"package":"gcc-aarch64-linux-gnu","cxx_package":"g++-aarch64-linux-gnu","libc_package":"libc6-dev-arm64-cross",
		"sysroot":"/usr/aarch64-linux-gnu","libc":"glibc"}`, string(data))
}

func TestQEMU(t *testing.T) {
	tests := []struct{ goarch, binary, pkg string }{
		{"amd64", "qemu-x86_64", "qemu-user"},
		{"386", "qemu-i386", "qemu-user"},
		{"arm64", "qemu-aarch64", "qemu-user"},
		{"arm", "qemu-arm", "qemu-user"},
		{"riscv64", "qemu-riscv64", "qemu-user"},
		{"ppc64", "qemu-ppc64", "qemu-user"},
		{"ppc64le", "qemu-ppc64le", "qemu-user"},
		{"s390x", "qemu-s390x", "qemu-user"},
		{"mips", "qemu-mips", "qemu-user"},
		{"mipsle", "qemu-mipsel", "qemu-user"},
		{"mips64", "qemu-mips64", "qemu-user"},
		{"mips64le", "qemu-mips64el", "qemu-user"},
		{"loong64", "qemu-loongarch64", "qemu-user"},
		{"wasm", "", ""},
		{"sparc64", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.goarch, func(t *testing.T) {
			b, p := QEMU(tt.goarch)
			assert.Equal(t, tt.binary, b)
			assert.Equal(t, tt.pkg, p)
		})
	}
}
