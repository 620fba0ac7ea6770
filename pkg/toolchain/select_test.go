package toolchain

import (
	"errors"
	"os/exec"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePath is a lookPath that finds exactly the given commands.
func fakePath(cmds ...string) func(string) (string, error) {
	return func(name string) (string, error) {
		for _, c := range cmds {
			if c == name {
				return "/usr/bin/" + name, nil
			}
		}
		return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
}

// zig011 is zig 0.11.0 as FindZig reads it, with the libcs of `zig targets`
// that matter to Go targets.
var zig011 = &Zig{Path: "/usr/bin/zig", Version: "0.11.0", MaxGlibc: "2.34", Libcs: []string{
	"aarch64-linux-gnu", "aarch64-linux-musl", "aarch64-windows-gnu", "arm-linux-gnueabi", "arm-linux-gnueabihf",
	"arm-linux-musleabi", "arm-linux-musleabihf", "x86-linux-gnu", "x86-linux-musl", "x86-windows-gnu",
	"mips64el-linux-gnuabi64", "mips64el-linux-musl", "mips64-linux-gnuabi64", "mips64-linux-musl",
	"mipsel-linux-gnueabi", "mipsel-linux-gnueabihf", "mipsel-linux-musl", "mips-linux-gnueabi", "mips-linux-gnueabihf",
	"mips-linux-musl", "powerpc64le-linux-gnu", "powerpc64le-linux-musl", "riscv64-linux-gnu", "riscv64-linux-musl",
	"s390x-linux-gnu", "s390x-linux-musl", "x86_64-linux-gnu", "x86_64-linux-musl", "x86_64-windows-gnu",
}}

// machine is an amd64 Linux host that finds exactly the commands in path
// and the directories in dirs, with zig011 when path has "zig", and gcc
// whose glibc is unknown.
func machine(path, dirs []string) Machine {
	m := Machine{Host: amd64Host, LookPath: fakePath(path...), exists: fakeDirs(dirs...), GlibcOf: func(Toolchain) string { return "" }}
	if slices.Contains(path, "zig") {
		m.Zig = zig011
	}
	return m
}

// fakeDirs is a sysroot check that finds exactly the given directories.
func fakeDirs(dirs ...string) func(string) bool {
	return func(p string) bool {
		for _, d := range dirs {
			if d == p {
				return true
			}
		}
		return false
	}
}

func TestSelectPicksFirstInstalled(t *testing.T) {
	tests := []struct {
		name, target, libc string
		path               []string
		dirs               []string
		wantName           string
		wantCC             []string
	}{
		{"native gcc", "linux/amd64", "", []string{"gcc", "zig"}, nil, "native", []string{"gcc"}},
		{"cross gcc", "linux/arm64", "", []string{"gcc", "aarch64-linux-gnu-gcc", "clang", "zig"}, []string{"/usr/aarch64-linux-gnu"}, "aarch64-linux-gnu", []string{"aarch64-linux-gnu-gcc"}},
		{"386 prefers i686-linux-gnu-gcc", "linux/386", "", []string{"gcc", "i686-linux-gnu-gcc"}, nil, "i686-linux-gnu", []string{"i686-linux-gnu-gcc"}},
		{"386 falls back to gcc -m32", "linux/386", "", []string{"gcc"}, nil, "multilib", []string{"gcc", "-m32"}},
		{"clang with the Debian sysroot", "linux/arm64", "", []string{"clang"}, []string{"/usr/aarch64-linux-gnu"}, "clang", []string{"clang", "--target=aarch64-linux-gnu"}},
		{"clang without sysroot is skipped for zig", "linux/arm64", "", []string{"clang", "zig"}, nil, "zig", []string{"zig", "cc", "-target", "aarch64-linux-gnu.2.28"}},
		{"musl-gcc", "linux/amd64", "musl", []string{"gcc", "musl-gcc"}, nil, "musl-gcc", []string{"musl-gcc"}},
		{"musl on arm64 through zig", "linux/arm64", "musl", []string{"musl-gcc", "zig"}, nil, "zig", []string{"zig", "cc", "-target", "aarch64-linux-musl"}},
		{"mingw", "windows/amd64", "", []string{"x86_64-w64-mingw32-gcc"}, nil, "mingw-w64-x86_64", []string{"x86_64-w64-mingw32-gcc"}},
		{"windows/arm64 through zig", "windows/arm64", "", []string{"clang", "zig"}, nil, "zig", []string{"zig", "cc", "-target", "aarch64-windows-gnu"}},
		{"freebsd with clang and a sysroot", "freebsd/amd64", "", []string{"clang"}, []string{"/opt/sysroot/freebsd-amd64"}, "clang",
			[]string{"clang", "--target=x86_64-unknown-freebsd", "--sysroot=/opt/sysroot/freebsd-amd64", "-fuse-ld=lld"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := machine(tt.path, tt.dirs).Select(Need{Target: tg(t, tt.target), Libc: tt.libc}, Overrides{})
			require.NoError(t, err)
			assert.Equal(t, tt.wantName, got.Name)
			assert.Equal(t, tt.wantCC, got.CC)
		})
	}
}

func TestSelectMissing(t *testing.T) {
	tests := []struct {
		name, target, libc string
		path               []string
		dirs               []string
		wantErr            string   // the whole message, when set
		contains           []string // parts of it, otherwise
		install            string
	}{
		{name: "cross compiler", target: "linux/arm64", path: []string{"gcc"},
			wantErr: "linux/arm64 needs a C cross compiler for cgo: apt-get install gcc-aarch64-linux-gnu", install: "apt-get install gcc-aarch64-linux-gnu"},
		{name: "clang without sysroot still says the gcc package", target: "linux/arm64", path: []string{"clang"},
			wantErr: "linux/arm64 needs a C cross compiler for cgo: apt-get install gcc-aarch64-linux-gnu", install: "apt-get install gcc-aarch64-linux-gnu"},
		{name: "armel for GOARM=5", target: "linux/arm/v5", path: []string{"arm-linux-gnueabihf-gcc"},
			wantErr: "linux/arm/v5 needs a C cross compiler for cgo: apt-get install gcc-arm-linux-gnueabi", install: "apt-get install gcc-arm-linux-gnueabi"},
		{name: "386", target: "linux/386",
			wantErr: "linux/386 needs a C cross compiler for cgo: apt-get install gcc-i686-linux-gnu", install: "apt-get install gcc-i686-linux-gnu"},
		{name: "native", target: "linux/amd64",
			wantErr: "linux/amd64 needs a C compiler for cgo: apt-get install gcc", install: "apt-get install gcc"},
		{name: "musl", target: "linux/amd64", libc: "musl", path: []string{"gcc"},
			wantErr: "linux/amd64 (musl) needs a C compiler for cgo: apt-get install musl-tools", install: "apt-get install musl-tools"},
		{name: "mingw", target: "windows/amd64",
			wantErr: "windows/amd64 needs a C cross compiler for cgo: apt-get install gcc-mingw-w64-x86-64", install: "apt-get install gcc-mingw-w64-x86-64"},
		{name: "mingw 386", target: "windows/386",
			wantErr: "windows/386 needs a C cross compiler for cgo: apt-get install gcc-mingw-w64-i686", install: "apt-get install gcc-mingw-w64-i686"},
		{name: "darwin", target: "darwin/arm64", path: []string{"gcc", "clang", "zig"},
			contains: []string{"darwin/arm64 needs an Apple SDK for cgo", "osxcross", "zig cc", "macOS SDK", "cc:", "CGO_ENABLED=0 builds need no C toolchain"}},
		{name: "ios", target: "ios/arm64",
			contains: []string{"ios/arm64 needs an Apple SDK for cgo", "CGO_ENABLED=0"}},
		{name: "android", target: "android/arm64",
			contains: []string{"android/arm64 needs the Android NDK", "ANDROID_NDK_HOME", "$ANDROID_NDK_HOME/toolchains/llvm/prebuilt/linux-x86_64/bin/aarch64-linux-android21-clang", "CGO_ENABLED=0"}},
		{name: "android arm", target: "android/arm",
			contains: []string{"armv7a-linux-androideabi21-clang"}},
		{name: "freebsd without sysroot", target: "freebsd/amd64", path: []string{"clang"},
			contains: []string{"freebsd/amd64 needs clang, lld and a freebsd sysroot", "/opt/sysroot/freebsd-amd64", "apt-get install clang lld", "CGO_ENABLED=0"}},
		{name: "openbsd", target: "openbsd/arm64",
			contains: []string{"openbsd sysroot", "/opt/sysroot/openbsd-arm64"}},
		{name: "musl on another arch", target: "linux/arm64", libc: "musl", path: []string{"musl-gcc"},
			contains: []string{"linux/arm64 (musl) needs a musl C cross compiler", "only builds for the host, linux/amd64", `cc: "zig cc -target aarch64-linux-musl"`}},
		{name: "loong64 is not in Debian 12", target: "linux/loong64",
			contains: []string{"gcc-loongarch64-linux-gnu is not in Debian 12", `cc: "zig cc -target loongarch64-linux-gnu"`}},
		{name: "windows/arm64", target: "windows/arm64",
			contains: []string{"Debian's mingw-w64 has none for arm64", "llvm-mingw", "zig cc -target aarch64-windows-gnu"}},
		{name: "no cgo", target: "linux/ppc64",
			contains: []string{"linux/ppc64 has no C toolchain portmatrix knows of", "go tool dist list -json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			need := Need{Target: tg(t, tt.target), Libc: tt.libc}
			_, err := machine(tt.path, tt.dirs).Select(need, Overrides{})
			var me *MissingError
			require.ErrorAs(t, err, &me)
			if tt.wantErr != "" {
				assert.Equal(t, tt.wantErr, err.Error())
			}
			for _, c := range tt.contains {
				assert.Contains(t, err.Error(), c)
			}
			assert.Equal(t, tt.install, me.Install)
			assert.Equal(t, need, me.Need)
			assert.Equal(t, Candidates(need, amd64Host), me.Tried)
		})
	}
}

func TestSelectBadLibc(t *testing.T) {
	tests := []struct {
		name, target, libc, ovLibc, want string
	}{
		{"unknown", "linux/amd64", "uclibc", "", `linux/amd64: libc "uclibc": want glibc or musl`},
		{"unknown override", "linux/amd64", "", "bionic", `linux/amd64: libc "bionic": want glibc or musl`},
		{"musl on windows", "windows/amd64", "musl", "", `windows/amd64: libc "musl": only linux has a choice of libc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Select(Need{Target: tg(t, tt.target), Libc: tt.libc}, amd64Host, Overrides{Libc: tt.ovLibc}, fakePath("gcc"))
			require.EqualError(t, err, tt.want)
			var me *MissingError
			assert.False(t, errors.As(err, &me), "a manifest mistake, not a missing package")
		})
	}
}

func TestSelectOverrides(t *testing.T) {
	arm64 := Need{Target: tg(t, "linux/arm64")}
	tests := []struct {
		name    string
		need    Need
		ov      Overrides
		path    []string
		want    Toolchain
		wantEnv []string
	}{
		{
			name: "CC replaces the chosen compiler, keeps its sysroot and CXX",
			need: arm64, ov: Overrides{CC: "clang --target=aarch64-linux-gnu"},
			path: []string{"aarch64-linux-gnu-gcc", "clang"},
			want: Toolchain{Name: "override", CC: []string{"clang", "--target=aarch64-linux-gnu"}, CXX: []string{"aarch64-linux-gnu-g++"},
				CXXPackage: "g++-aarch64-linux-gnu", LibcPackage: "libc6-dev-arm64-cross", Sysroot: "/usr/aarch64-linux-gnu", Libc: "glibc"},
			wantEnv: []string{"CC=clang --target=aarch64-linux-gnu", "CXX=aarch64-linux-gnu-g++"},
		},
		{
			name: "CC and CXX where no candidate is installed",
			need: arm64, ov: Overrides{CC: "/opt/x/bin/aarch64-gcc", CXX: "/opt/x/bin/aarch64-g++"},
			path:    []string{"/opt/x/bin/aarch64-gcc"},
			want:    Toolchain{Name: "override", CC: []string{"/opt/x/bin/aarch64-gcc"}, CXX: []string{"/opt/x/bin/aarch64-g++"}, Libc: "glibc"},
			wantEnv: []string{"CC=/opt/x/bin/aarch64-gcc", "CXX=/opt/x/bin/aarch64-g++"},
		},
		{
			name: "darwin through osxcross",
			need: Need{Target: tg(t, "darwin/arm64")}, ov: Overrides{CC: "oa64-clang", CXX: "oa64-clang++"},
			path:    []string{"oa64-clang"},
			want:    Toolchain{Name: "override", CC: []string{"oa64-clang"}, CXX: []string{"oa64-clang++"}, Libc: "darwin"},
			wantEnv: []string{"CC=oa64-clang", "CXX=oa64-clang++"},
		},
		{
			name: "flags extend the chosen toolchain in a fixed order",
			need: arm64,
			ov:   Overrides{CgoCFLAGS: "-O2 -I/opt/arm64/include", CgoLDFLAGS: "-L/opt/arm64/lib", PkgConfigSysroot: "/opt/arm64"},
			path: []string{"aarch64-linux-gnu-gcc"},
			want: Toolchain{Name: "aarch64-linux-gnu", CC: []string{"aarch64-linux-gnu-gcc"}, CXX: []string{"aarch64-linux-gnu-g++"},
				Package: "gcc-aarch64-linux-gnu", CXXPackage: "g++-aarch64-linux-gnu", LibcPackage: "libc6-dev-arm64-cross",
				Sysroot: "/usr/aarch64-linux-gnu", Libc: "glibc",
				CgoCFLAGS: "-O2 -I/opt/arm64/include", CgoLDFLAGS: "-L/opt/arm64/lib", PkgConfigSysroot: "/opt/arm64"},
			wantEnv: []string{"CC=aarch64-linux-gnu-gcc", "CXX=aarch64-linux-gnu-g++", "CGO_CFLAGS=-O2 -I/opt/arm64/include",
				"CGO_LDFLAGS=-L/opt/arm64/lib", "PKG_CONFIG_SYSROOT_DIR=/opt/arm64"},
		},
		{
			name: "libc override picks musl-gcc",
			need: Need{Target: tg(t, "linux/amd64")}, ov: Overrides{Libc: "musl"},
			path:    []string{"gcc", "musl-gcc"},
			want:    Toolchain{Name: "musl-gcc", CC: []string{"musl-gcc"}, Package: "musl-tools", LibcPackage: "musl-dev", Libc: "musl"},
			wantEnv: []string{"CC=musl-gcc"},
		},
		{
			name: "quoted CC argument survives",
			need: arm64, ov: Overrides{CC: `clang --target=aarch64-linux-gnu '--sysroot=/opt/my sysroot'`},
			path:    []string{"clang"},
			want:    Toolchain{Name: "override", CC: []string{"clang", "--target=aarch64-linux-gnu", "--sysroot=/opt/my sysroot"}, Libc: "glibc"},
			wantEnv: []string{"CC=clang --target=aarch64-linux-gnu '--sysroot=/opt/my sysroot'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := machine(tt.path, nil).Select(tt.need, tt.ov)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantEnv, got.Env())
		})
	}
}

func TestSelectOverrideErrors(t *testing.T) {
	arm64 := Need{Target: tg(t, "linux/arm64")}
	tests := []struct {
		name    string
		ov      Overrides
		want    string
		missing bool
	}{
		{"CC not on PATH", Overrides{CC: "oa64-clang -v"}, `linux/arm64 needs oa64-clang (cc: "oa64-clang -v"), which is not on PATH`, true},
		{"unterminated quote", Overrides{CC: "clang '--sysroot=/x"}, `linux/arm64: cc: "clang '--sysroot=/x" has an unterminated quote`, false},
		{"blank", Overrides{CC: "   "}, `linux/arm64: cc: "   " is empty`, false},
		{"both quotes", Overrides{CXX: `c++ -DX='"'`}, `linux/arm64: cxx: argument "-DX='\"'" has both quote kinds; the go command cannot take it`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := machine([]string{"aarch64-linux-gnu-gcc", "clang"}, []string{}).Select(arm64, tt.ov)
			require.EqualError(t, err, tt.want)
			var me *MissingError
			assert.Equal(t, tt.missing, errors.As(err, &me))
		})
	}
}
