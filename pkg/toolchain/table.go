// Package toolchain picks the C compiler that serves cgo for a target, proves
// it works before the first go build (Preflight), and tells the user the
// exact Debian package to install when it is missing.
//
// The built-in table uses Debian/Ubuntu package and command names: the
// cross compilers of the gcc-<triple> packages, mingw-w64 for Windows,
// musl-gcc from musl-tools, and qemu-user to run what they produce. zig and
// clang are candidates too, found on PATH, for what Debian does not ship.
//
// Why not gcc-multilib for linux/386: on Debian it conflicts with every
// gcc-<triple> cross compiler (gcc-multilib Conflicts: gcc-12-aarch64-linux-gnu,
// ...), so a machine that builds for arm64 cannot have it. gcc-i686-linux-gnu
// coexists with them and is the first choice; `gcc -m32` is the second.
package toolchain

import (
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/quoted"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// Toolchain is one C (and C++) compiler setup that can serve cgo for a
// target: the go command needs to be told its CC (and CXX), and a user who
// lacks it needs to be told which package to install.
type Toolchain struct {
	// Name is a short id: "native", "aarch64-linux-gnu", "mingw-w64-x86_64",
	// "musl-gcc", "multilib", "zig", "clang", "override".
	Name string `json:"name"`
	// CC is the argv of the C compiler: ["aarch64-linux-gnu-gcc"],
	// ["gcc", "-m32"], ["zig", "cc", "-target", "aarch64-linux-gnu"].
	CC []string `json:"cc"`
	// CXX is the argv of the C++ compiler, empty when there is none.
	CXX []string `json:"cxx,omitempty"`
	// Package is the Debian package that provides CC ("gcc-aarch64-linux-gnu");
	// "" when it is not installable from Debian (zig, Apple SDK, loong64).
	Package string `json:"package"`
	// CXXPackage is the Debian package that provides CXX.
	CXXPackage string `json:"cxx_package,omitempty"`
	// LibcPackage is the Debian package with the target's C headers, crt
	// files and libc.a ("libc6-dev-arm64-cross"). Debian only recommends it
	// next to gcc-<triple>, so `--no-install-recommends` leaves a compiler
	// that cannot compile `#include <stdio.h>`; Preflight names it then.
	LibcPackage string `json:"libc_package,omitempty"`
	// Sysroot is where the target's dynamic loader and shared libraries
	// live, for `qemu-<arch> -L` on dynamic binaries (/usr/aarch64-linux-gnu);
	// for clang it is also the --sysroot. "" for the host's own libraries.
	Sysroot string `json:"sysroot,omitempty"`
	// Libc is the C library the binaries link: glibc, musl, msvcrt, or the
	// operating system's own (freebsd, netbsd, ...).
	Libc string `json:"libc"`
	// CgoCFLAGS, CgoLDFLAGS and PkgConfigSysroot come from Overrides; they
	// become CGO_CFLAGS, CGO_LDFLAGS and PKG_CONFIG_SYSROOT_DIR. Setting
	// CGO_CFLAGS replaces the go command's default "-O2 -g".
	CgoCFLAGS        string `json:"cgo_cflags,omitempty"`
	CgoLDFLAGS       string `json:"cgo_ldflags,omitempty"`
	PkgConfigSysroot string `json:"pkg_config_sysroot,omitempty"`
	// Target is zig's -target ("x86_64-linux-gnu.2.17"), for zig only.
	Target string `json:"target,omitempty"`
	// Zig is the zig version of a zig toolchain ("0.11.0").
	Zig string `json:"zig,omitempty"`
	// Glibc is the glibc floor asked of the toolchain ("2.17", from glibc:
	// or expect.max_glibc) and given by it: zig's target, or a gcc whose
	// glibc is no newer. "" when none was asked.
	Glibc string `json:"glibc,omitempty"`
	// ZigCache is ZIG_GLOBAL_CACHE_DIR and ZIG_LOCAL_CACHE_DIR of a zig
	// toolchain: the libcs zig builds are shared by every job.
	ZigCache string `json:"zig_cache,omitempty"`
	// Reason says why this toolchain was chosen when the manifest did not
	// name it: "expect.max_glibc: 2.17 is below what gcc can give".
	Reason string `json:"reason,omitempty"`
}

// Env is what a go build needs for this toolchain, in a fixed order: CC,
// CXX, CGO_CFLAGS, CGO_LDFLAGS, PKG_CONFIG_SYSROOT_DIR, then zig's
// ZIG_GLOBAL_CACHE_DIR and ZIG_LOCAL_CACHE_DIR, each only when set.
// Argv is joined with spaces and quoted the way the go command splits CC
// (cmd/internal/quoted), so "zig cc -target x" survives the trip.
func (t Toolchain) Env() []string {
	var env []string
	if len(t.CC) > 0 {
		env = append(env, "CC="+joinArgs(t.CC))
	}
	if len(t.CXX) > 0 {
		env = append(env, "CXX="+joinArgs(t.CXX))
	}
	if t.CgoCFLAGS != "" {
		env = append(env, "CGO_CFLAGS="+t.CgoCFLAGS)
	}
	if t.CgoLDFLAGS != "" {
		env = append(env, "CGO_LDFLAGS="+t.CgoLDFLAGS)
	}
	if t.PkgConfigSysroot != "" {
		env = append(env, "PKG_CONFIG_SYSROOT_DIR="+t.PkgConfigSysroot)
	}
	if t.ZigCache != "" {
		env = append(env, "ZIG_GLOBAL_CACHE_DIR="+t.ZigCache, "ZIG_LOCAL_CACHE_DIR="+t.ZigCache)
	}
	return env
}

// Describe is the toolchain in a few words for plans and reports:
// "zig 0.11.0 x86_64-linux-gnu.2.17 (glibc: 2.17)" or "aarch64-linux-gnu":
// its name (for zig, the version and target), then why it was chosen.
func (t Toolchain) Describe() string {
	s := t.Name
	if t.Zig != "" {
		s = "zig " + t.Zig + " " + t.Target
	}
	if t.Reason != "" {
		s += " (" + t.Reason + ")"
	}
	return s
}

// Need says what a job asks of a C toolchain: the target, and which libc
// when the platform has a choice (Linux: glibc or musl).
type Need struct {
	Target target.Target
	// Libc is "" (the platform default: glibc on linux), "glibc" or "musl".
	Libc string
	// MaxGlibc is the job's expect.max_glibc: a floor the binary must not
	// exceed, which Select meets by choosing zig when gcc cannot.
	MaxGlibc string
}

// gnuCross is one row of the Linux table: a GNU triple Debian ships a
// cross compiler for, and the names zig gives the same target.
type gnuCross struct {
	triple  string // aarch64-linux-gnu; Debian package gcc-<triple with _ as ->
	libcDev string // libc6-dev-<debian arch>-cross
	debian  bool   // Debian 12 has gcc-<triple>
	zigGNU  string // zig -target for glibc
	zigMusl string // zig -target for musl
}

// linuxTable is keyed by GOARCH, or GOARCH/level where a level changes the
// ABI: GOARM=5 has no FPU, so it needs the soft-float armel toolchain. GOARM=6
// uses armhf, whose C code and libc assume ARMv7: C code for a real ARMv6
// (Raspberry Pi 1/Zero) needs CGO_CFLAGS=-march=armv6 -mfpu=vfp, and a libc
// built for ARMv6. linux/ppc64 is missing on purpose: Go has no cgo there.
// mips*/softfloat would need a soft-float toolchain Debian does not ship.
var linuxTable = map[string]gnuCross{
	"amd64":    {"x86_64-linux-gnu", "libc6-dev-amd64-cross", true, "x86_64-linux-gnu", "x86_64-linux-musl"},
	"386":      {"i686-linux-gnu", "libc6-dev-i386-cross", true, "x86-linux-gnu", "x86-linux-musl"},
	"arm64":    {"aarch64-linux-gnu", "libc6-dev-arm64-cross", true, "aarch64-linux-gnu", "aarch64-linux-musl"},
	"arm":      {"arm-linux-gnueabihf", "libc6-dev-armhf-cross", true, "arm-linux-gnueabihf", "arm-linux-musleabihf"},
	"arm/v5":   {"arm-linux-gnueabi", "libc6-dev-armel-cross", true, "arm-linux-gnueabi", "arm-linux-musleabi"},
	"riscv64":  {"riscv64-linux-gnu", "libc6-dev-riscv64-cross", true, "riscv64-linux-gnu", "riscv64-linux-musl"},
	"ppc64le":  {"powerpc64le-linux-gnu", "libc6-dev-ppc64el-cross", true, "powerpc64le-linux-gnu", "powerpc64le-linux-musl"},
	"s390x":    {"s390x-linux-gnu", "libc6-dev-s390x-cross", true, "s390x-linux-gnu", "s390x-linux-musl"},
	"mips":     {"mips-linux-gnu", "libc6-dev-mips-cross", true, "mips-linux-gnueabihf", "mips-linux-musleabihf"},
	"mipsle":   {"mipsel-linux-gnu", "libc6-dev-mipsel-cross", true, "mipsel-linux-gnueabihf", "mipsel-linux-musleabihf"},
	"mips64":   {"mips64-linux-gnuabi64", "libc6-dev-mips64-cross", true, "mips64-linux-gnuabi64", "mips64-linux-muslabi64"},
	"mips64le": {"mips64el-linux-gnuabi64", "libc6-dev-mips64el-cross", true, "mips64el-linux-gnuabi64", "mips64el-linux-muslabi64"},
	// gcc-loongarch64-linux-gnu and libc6-dev-loong64-cross are not in
	// Debian 12 (apt-cache policy finds neither).
	"loong64": {"loongarch64-linux-gnu", "", false, "loongarch64-linux-gnu", "loongarch64-linux-musl"},
}

func linuxRow(t target.Target) (gnuCross, bool) {
	if t.GOARCH == "arm" && t.Level == "v5" {
		r, ok := linuxTable["arm/v5"]
		return r, ok
	}
	r, ok := linuxTable[t.GOARCH]
	return r, ok
}

// mingw is the Windows table: Debian's mingw-w64 for amd64 and 386, nothing
// for arm64. C++ uses the -posix g++ so std::thread works; it makes binaries
// need libwinpthread-1.dll unless linked with -static.
var mingwTable = map[string]struct {
	triple, debArch, zig, clang string
}{
	"amd64": {"x86_64-w64-mingw32", "x86-64", "x86_64-windows-gnu", "x86_64-w64-mingw32"},
	"386":   {"i686-w64-mingw32", "i686", "x86-windows-gnu", "i686-w64-mingw32"},
	"arm64": {"", "", "aarch64-windows-gnu", "aarch64-w64-mingw32"},
}

// clangArch is the LLVM name of a GOARCH, for clang --target on the BSDs.
var clangArch = map[string]string{
	"amd64": "x86_64", "386": "i686", "arm64": "aarch64", "arm": "armv7",
	"riscv64": "riscv64", "ppc64": "powerpc64", "ppc64le": "powerpc64le",
}

// clangOS is the vendor-os part of a clang triple for the systems whose
// C library only exists as a copy of that system's files (a sysroot).
var clangOS = map[string]string{
	"freebsd":   "unknown-freebsd",
	"netbsd":    "unknown-netbsd",
	"openbsd":   "unknown-openbsd",
	"dragonfly": "unknown-dragonfly",
	"solaris":   "pc-solaris2.11",
	"illumos":   "pc-solaris2.11",
}

// SysrootBase is where portmatrix looks for the sysroot of an operating
// system Debian has no cross libc for: /opt/sysroot/<goos>-<goarch> holds
// that system's usr/include and lib, usr/lib (e.g. FreeBSD's base.txz).
const SysrootBase = "/opt/sysroot"

func debName(triple string) string { return strings.ReplaceAll(triple, "_", "-") }

// Candidates lists the toolchains that could serve need on a host, best
// first; host is the machine's goos/goarch. It looks at nothing on disk:
// Select decides which of them are installed. Debian's compilers come first,
// then clang (which reuses Debian's cross sysroots), then zig.
// An unknown Libc, or none of them fitting (darwin, ios, android, linux/ppc64,
// js, wasip1, plan9), gives nil; Select explains why.
func Candidates(need Need, host target.Target) []Toolchain {
	t := need.Target
	switch t.GOOS {
	case "linux":
		switch need.Libc {
		case "", "glibc":
			return linuxGlibc(t, host)
		case "musl":
			return linuxMusl(t, host)
		}
		return nil
	case "windows":
		if need.Libc != "" {
			return nil
		}
		return windows(t)
	}
	if need.Libc != "" {
		return nil
	}
	osPart, ok1 := clangOS[t.GOOS]
	arch, ok2 := clangArch[t.GOARCH]
	if !ok1 || !ok2 {
		return nil
	}
	if arch == "armv7" {
		osPart += "-gnueabihf"
	}
	triple := arch + "-" + osPart
	sysroot := SysrootBase + "/" + t.GOOS + "-" + t.GOARCH
	flags := []string{"--target=" + triple, "--sysroot=" + sysroot, "-fuse-ld=lld"}
	return []Toolchain{{
		Name:       "clang",
		CC:         append([]string{"clang"}, flags...),
		CXX:        append([]string{"clang++"}, flags...),
		Package:    "clang",
		CXXPackage: "clang",
		Sysroot:    sysroot,
		Libc:       t.GOOS,
	}}
}

func linuxGlibc(t, host target.Target) []Toolchain {
	row, ok := linuxRow(t)
	if !ok {
		return nil
	}
	var out []Toolchain
	if host.GOOS == "linux" && host.GOARCH == t.GOARCH && !(t.GOARCH == "arm" && t.Level == "v5") {
		out = append(out, Toolchain{
			Name: "native", CC: []string{"gcc"}, CXX: []string{"g++"},
			Package: "gcc", CXXPackage: "g++", LibcPackage: "libc6-dev", Libc: "glibc",
		})
	} else {
		gcc := Toolchain{
			Name:        row.triple,
			CC:          []string{row.triple + "-gcc"},
			CXX:         []string{row.triple + "-g++"},
			LibcPackage: row.libcDev,
			Sysroot:     "/usr/" + row.triple,
			Libc:        "glibc",
		}
		if row.debian {
			gcc.Package = "gcc-" + debName(row.triple)
			gcc.CXXPackage = "g++-" + debName(row.triple)
		}
		out = append(out, gcc)
		if t.GOARCH == "386" && host.GOOS == "linux" && host.GOARCH == "amd64" {
			out = append(out, Toolchain{
				Name: "multilib", CC: []string{"gcc", "-m32"}, CXX: []string{"g++", "-m32"},
				Package: "gcc-multilib", CXXPackage: "g++-multilib", LibcPackage: "gcc-multilib", Libc: "glibc",
			})
		}
		out = append(out, Toolchain{
			Name:        "clang",
			CC:          []string{"clang", "--target=" + row.triple},
			CXX:         []string{"clang++", "--target=" + row.triple},
			Package:     "clang",
			CXXPackage:  "clang",
			LibcPackage: row.libcDev,
			Sysroot:     "/usr/" + row.triple,
			Libc:        "glibc",
		})
	}
	return append(out, zig(row.zigGNU, "glibc"))
}

func linuxMusl(t, host target.Target) []Toolchain {
	row, ok := linuxRow(t)
	if !ok {
		return nil
	}
	var out []Toolchain
	// musl-tools wraps the host gcc: it serves the host's architecture only,
	// and has no C++.
	if host.GOOS == "linux" && host.GOARCH == t.GOARCH {
		out = append(out, Toolchain{
			Name: "musl-gcc", CC: []string{"musl-gcc"},
			Package: "musl-tools", LibcPackage: "musl-dev", Libc: "musl",
		})
	}
	return append(out, zig(row.zigMusl, "musl"))
}

func windows(t target.Target) []Toolchain {
	row, ok := mingwTable[t.GOARCH]
	if !ok {
		return nil
	}
	var out []Toolchain
	if row.triple != "" {
		out = append(out, Toolchain{
			Name:        "mingw-w64-" + strings.SplitN(row.triple, "-", 2)[0],
			CC:          []string{row.triple + "-gcc"},
			CXX:         []string{row.triple + "-g++-posix"},
			Package:     "gcc-mingw-w64-" + row.debArch,
			CXXPackage:  "g++-mingw-w64-" + row.debArch,
			LibcPackage: "mingw-w64-" + row.debArch + "-dev",
			Sysroot:     "/usr/" + row.triple,
			Libc:        "msvcrt",
		})
	}
	// clang on Debian finds the mingw-w64 headers and libraries under
	// /usr/<triple>; for arm64 that directory must come from llvm-mingw.
	out = append(out, Toolchain{
		Name:       "clang",
		CC:         []string{"clang", "--target=" + row.clang},
		CXX:        []string{"clang++", "--target=" + row.clang},
		Package:    "clang",
		CXXPackage: "clang",
		Sysroot:    "/usr/" + row.clang,
		Libc:       "msvcrt",
	})
	return append(out, zig(row.zig, "msvcrt"))
}

// zig is `zig cc -target <triple>`: zig carries glibc, musl and mingw-w64
// for every target, so it needs no sysroot. The triples are zig 0.14's.
func zig(triple, libc string) Toolchain {
	return Toolchain{
		Name: "zig",
		CC:   []string{"zig", "cc", "-target", triple},
		CXX:  []string{"zig", "c++", "-target", triple},
		Libc: libc,
	}
}

// joinArgs renders argv the way cmd/internal/quoted.Join does, the inverse
// of how the go command splits CC, CXX and CGO_*FLAGS: arguments with
// spaces or quotes are wrapped in single (else double) quotes.
func joinArgs(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch {
		case !strings.ContainsAny(a, " \t\n\r'\""):
			b.WriteString(a)
		case !strings.Contains(a, "'"):
			b.WriteString("'" + a + "'")
		default:
			b.WriteString(`"` + a + `"`)
		}
	}
	return b.String()
}

// splitArgs is quoted.Split reporting only whether s was well formed.
func splitArgs(s string) ([]string, bool) {
	f, err := quoted.Split(s)
	return f, err == nil
}
