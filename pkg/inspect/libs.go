package inspect

import (
	"path"
	"strings"
)

// This file decides which needed libraries belong to the operating system
// and which C runtime a binary uses. docs/linkage.md gives the reasons for
// each list; keep the two in step.

// classifyLibraries pairs each needed name with IsSystemLibrary's verdict.
func classifyLibraries(goos string, needed []string) []Library {
	if len(needed) == 0 {
		return nil
	}
	out := make([]Library, len(needed))
	for i, n := range needed {
		out[i] = Library{Name: n, System: IsSystemLibrary(goos, n)}
	}
	return out
}

// IsSystemLibrary reports whether a library named as it appears in
// Info.Needed ships with the operating system goos, so a binary needing
// only such libraries runs on a stock install. Unknown operating systems
// ("") have no system libraries.
func IsSystemLibrary(goos, name string) bool {
	switch goos {
	case "linux":
		return unixLibIn(name, linuxLibs, true) || linuxPattern(path.Base(name))
	case "android":
		return unixLibIn(name, androidLibs, true)
	case "darwin", "ios":
		return darwinSystem(name)
	case "windows":
		return windowsSystem(name)
	case "freebsd", "netbsd", "dragonfly":
		return unixLibIn(name, bsdLibs, false)
	case "openbsd":
		return unixLibIn(name, openbsdLibs, false)
	case "solaris", "illumos":
		return unixLibIn(name, solarisLibs, false)
	case "aix":
		return aixSystem(name)
	case "js", "wasip1":
		return wasmHostModules[name]
	}
	return false
}

// linuxLibs are the libraries glibc itself installs (package libc6 on
// Debian) plus musl's unversioned libc.so and the kernel's vDSO names.
// libcrypt.so.1 is deliberately absent: modern distributions build it from
// libxcrypt, a separate package that minimal images leave out.
var linuxLibs = set(
	"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2",
	"libutil.so.1", "libanl.so.1", "libnsl.so.1", "libmvec.so.1", "libthread_db.so.1", "libBrokenLocale.so.1",
	"ld.so.1", "ld64.so.1", "ld64.so.2",
	"linux-vdso.so.1", "linux-gate.so.1", "linux-vdso32.so.1", "linux-vdso64.so.1",
	"libc.so", // musl outside Alpine names itself this way
)

// linuxPattern matches the loaders and musl's libc by pattern:
// ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld-musl-x86_64.so.1,
// libc.musl-x86_64.so.1 (Alpine's DT_NEEDED for musl).
func linuxPattern(base string) bool {
	switch {
	case strings.HasPrefix(base, "ld-linux") && strings.Contains(base, ".so."):
		return true
	case strings.HasPrefix(base, "ld-musl-") && strings.HasSuffix(base, ".so.1"):
		return true
	case strings.HasPrefix(base, "libc.musl-") && strings.HasSuffix(base, ".so.1"):
		return true
	}
	return false
}

// androidLibs are the NDK's stable system libraries: present on every
// device at the API levels the NDK supports.
var androidLibs = set(
	"libc.so", "libm.so", "libdl.so", "liblog.so", "libz.so", "libandroid.so", "libjnigraphics.so",
	"libEGL.so", "libGLESv1_CM.so", "libGLESv2.so", "libGLESv3.so", "libvulkan.so", "libOpenSLES.so",
	"libOpenMAXAL.so", "libmediandk.so", "libnativewindow.so", "libaaudio.so", "libamidi.so",
	"libcamera2ndk.so", "libsync.so", "libneuralnetworks.so", "libbinder_ndk.so", "libstdc++.so",
)

// bsdLibs are base-system libraries of FreeBSD, NetBSD and DragonFly (in
// /lib or /usr/lib, installed with the OS). Names match with or without
// a version suffix: libc.so, libc.so.7, libc.so.12.
var bsdLibs = set("libc.so", "libm.so", "libpthread.so", "libthr.so", "libkvm.so", "libutil.so",
	"librt.so", "libexecinfo.so", "libdl.so", "libsocket.so", "libnsl.so")

// openbsdLibs: as bsdLibs, but OpenBSD's libexecinfo comes from ports.
var openbsdLibs = set("libc.so", "libm.so", "libpthread.so", "libkvm.so", "libutil.so")

// solarisLibs are what Solaris and illumos ship in /lib and /usr/lib; Go's
// own syscall package imports libc, libsocket, libnsl and libsendfile.
var solarisLibs = set("libc.so", "libm.so", "libpthread.so", "libthread.so", "libsocket.so", "libnsl.so",
	"libsendfile.so", "librt.so", "libdl.so", "libkstat.so", "libxnet.so", "libkvm.so")

// unixLibIn reports whether name (optionally in a standard library
// directory) is in libs, allowing a ".N[.M...]" version suffix unless
// exact is set.
func unixLibIn(name string, libs map[string]bool, exact bool) bool {
	dir, base := path.Split(name)
	if dir != "" && !stdLibDir(dir) {
		return false
	}
	if libs[base] {
		return true
	}
	if exact {
		return false
	}
	i := strings.Index(base, ".so.")
	if i < 0 || !libs[base[:i+3]] {
		return false
	}
	for _, c := range base[i+4:] {
		if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// stdLibDir reports whether dir (with trailing slash) is a directory the OS
// installs libraries into, as opposed to /opt, /usr/local or a build tree.
func stdLibDir(dir string) bool {
	if strings.Contains(dir, "..") {
		return false
	}
	for _, p := range []string{"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/lib32/", "/usr/lib32/"} {
		if dir == p || (strings.HasPrefix(dir, p) && strings.Count(dir[len(p):], "/") == 1) {
			return true // /usr/lib/ and one level below: /usr/lib/x86_64-linux-gnu/, /usr/lib/amd64/
		}
	}
	return false
}

// darwinSystem: /usr/lib and /System are read-only system volume paths
// (System Integrity Protection); nothing else can put a library there.
// @rpath, @loader_path, @executable_path and /usr/local are the app's own.
func darwinSystem(name string) bool {
	if strings.Contains(name, "/../") || strings.HasSuffix(name, "/..") {
		return false
	}
	return strings.HasPrefix(name, "/usr/lib/") || strings.HasPrefix(name, "/System/")
}

// windowsDLLs are DLLs in System32 on every supported Windows. The MSVC
// runtime (vcruntime140.dll, msvcp140.dll) and MinGW's libgcc_s, libstdc++
// and libwinpthread are redistributables: the application must ship them.
var windowsDLLs = set(
	"kernel32.dll", "kernelbase.dll", "ntdll.dll", "user32.dll", "gdi32.dll", "advapi32.dll", "ws2_32.dll",
	"winmm.dll", "shell32.dll", "ole32.dll", "oleaut32.dll", "crypt32.dll", "bcrypt.dll", "ncrypt.dll",
	"secur32.dll", "iphlpapi.dll", "dnsapi.dll", "netapi32.dll", "userenv.dll", "version.dll", "shlwapi.dll",
	"comctl32.dll", "comdlg32.dll", "msvcrt.dll", "ucrtbase.dll", "powrprof.dll", "setupapi.dll",
	"wintrust.dll", "dbghelp.dll", "mswsock.dll", "rpcrt4.dll", "psapi.dll", "winhttp.dll", "wininet.dll",
	"mpr.dll", "wtsapi32.dll", "dwmapi.dll", "uxtheme.dll", "imm32.dll", "opengl32.dll", "cfgmgr32.dll",
	"normaliz.dll", "winspool.drv",
)

func windowsSystem(name string) bool {
	n := strings.ToLower(name)
	if windowsDLLs[n] {
		return true
	}
	// API sets resolve to system DLLs through the loader's schema.
	return (strings.HasPrefix(n, "api-ms-win-") || strings.HasPrefix(n, "ext-ms-win-")) && strings.HasSuffix(n, ".dll")
}

// aixSystem: libc.a and libpthread(s).a members, as "libc.a(shr_64.o)",
// optionally with /usr/lib or /lib in front.
func aixSystem(name string) bool {
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = name[:i]
	}
	dir, base := path.Split(name)
	if dir != "" && dir != "/usr/lib/" && dir != "/lib/" {
		return false
	}
	return base == "libc.a" || base == "libpthread.a" || base == "libpthreads.a"
}

// wasmHostModules are the import modules a Go wasm runtime host provides.
var wasmHostModules = set("gojs", "wasi_snapshot_preview1", "wasi_unstable")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// The C runtimes Info.Libc names.
const (
	libcGlibc     = "glibc"
	libcMusl      = "musl"
	libcBionic    = "bionic"
	libcLibSystem = "libSystem"
	libcMSVCRT    = "msvcrt"
	libcUCRT      = "ucrt"
	libcBSD       = "libc"
)

// elfLibc names the C runtime of an ELF file from its loader and needed
// libraries. staticGlibc is set when glibc's NT_GNU_ABI_TAG note is present
// (its crt1.o carries it), which is how a static glibc program is known.
func elfLibc(goos, interp string, needed []string, staticGlibc bool) string {
	ibase := path.Base(interp)
	switch {
	case strings.HasPrefix(interp, "/system/bin/linker"):
		return libcBionic
	case strings.HasPrefix(ibase, "ld-musl-"):
		return libcMusl
	}
	for _, n := range needed {
		if strings.HasPrefix(path.Base(n), "libc.musl-") {
			return libcMusl
		}
	}
	for _, n := range needed {
		if path.Base(n) == "libc.so.6" {
			return libcGlibc
		}
	}
	if strings.HasPrefix(ibase, "ld-linux") {
		return libcGlibc
	}
	switch goos {
	case "freebsd", "openbsd", "netbsd", "dragonfly", "solaris", "illumos":
		for _, n := range needed {
			if b := path.Base(n); b == "libc.so" || strings.HasPrefix(b, "libc.so.") {
				return libcBSD
			}
		}
	case "android":
		if len(needed) > 0 {
			return libcBionic
		}
	}
	if interp == "" && staticGlibc {
		return libcGlibc
	}
	return ""
}

// peLibc: the CRT DLL a PE imports. Go itself calls kernel32 directly, so
// a Go program without cgo has none.
func peLibc(needed []string) string {
	for _, n := range needed {
		n = strings.ToLower(n)
		if n == "ucrtbase.dll" || strings.HasPrefix(n, "api-ms-win-crt-") {
			return libcUCRT
		}
	}
	for _, n := range needed {
		if strings.ToLower(n) == "msvcrt.dll" {
			return libcMSVCRT
		}
	}
	return ""
}

// machoLibc: every darwin program reaches the C library through libSystem.
func machoLibc(needed []string) string {
	for _, n := range needed {
		if strings.HasPrefix(n, "/usr/lib/libSystem.") {
			return libcLibSystem
		}
	}
	return ""
}

// xcoffLibc: AIX programs import libc.a members.
func xcoffLibc(needed []string) string {
	for _, n := range needed {
		if path.Base(strings.SplitN(n, "(", 2)[0]) == "libc.a" {
			return libcBSD
		}
	}
	return ""
}
