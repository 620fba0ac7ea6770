package inspect

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsSystemLibrary(t *testing.T) {
	tests := []struct {
		goos, name string
		want       bool
	}{
		// linux, glibc
		{"linux", "libc.so.6", true},
		{"linux", "libm.so.6", true},
		{"linux", "libpthread.so.0", true},
		{"linux", "libdl.so.2", true},
		{"linux", "librt.so.1", true},
		{"linux", "libresolv.so.2", true},
		{"linux", "libutil.so.1", true},
		{"linux", "libanl.so.1", true},
		{"linux", "libnsl.so.1", true},
		{"linux", "libmvec.so.1", true},
		{"linux", "ld-linux-x86-64.so.2", true},
		{"linux", "ld-linux-aarch64.so.1", true},
		{"linux", "ld-linux.so.2", true},
		{"linux", "ld64.so.2", true},
		{"linux", "linux-vdso.so.1", true},
		{"linux", "/lib/x86_64-linux-gnu/libc.so.6", true},
		{"linux", "/usr/lib64/libm.so.6", true},
		{"linux", "/opt/glibc/lib/libc.so.6", false}, // a private copy is not the system's
		{"linux", "/lib/../opt/libc.so.6", false},
		{"linux", "libcrypt.so.1", false}, // libxcrypt, a separate package
		{"linux", "libnsl.so.2", false},   // libnsl2, a separate package
		{"linux", "libstdc++.so.6", false},
		{"linux", "libgcc_s.so.1", false},
		{"linux", "libssl.so.3", false},
		{"linux", "libfoo.so", false},
		{"linux", "libc.so.7", false},
		{"linux", "libc.so.6.1", false},
		// linux, musl
		{"linux", "libc.musl-x86_64.so.1", true},
		{"linux", "ld-musl-x86_64.so.1", true},
		{"linux", "libc.so", true},
		// android
		{"android", "libc.so", true},
		{"android", "libm.so", true},
		{"android", "libdl.so", true},
		{"android", "liblog.so", true},
		{"android", "libandroid.so", true},
		{"android", "libc++_shared.so", false}, // apps ship the NDK's C++ runtime
		{"android", "libc.so.6", false},
		// darwin and ios
		{"darwin", "/usr/lib/libSystem.B.dylib", true},
		{"darwin", "/usr/lib/libresolv.9.dylib", true},
		{"darwin", "/usr/lib/libc++.1.dylib", true},
		{"darwin", "/usr/lib/libobjc.A.dylib", true},
		{"darwin", "/usr/lib/system/libsystem_kernel.dylib", true},
		{"darwin", "/usr/lib/swift/libswiftCore.dylib", true},
		{"darwin", "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation", true},
		{"darwin", "/System/Library/PrivateFrameworks/Foo.framework/Foo", true},
		{"ios", "/System/Library/Frameworks/UIKit.framework/UIKit", true},
		{"darwin", "/usr/local/lib/libssl.3.dylib", false},
		{"darwin", "/opt/homebrew/lib/libssl.3.dylib", false},
		{"darwin", "@rpath/libfoo.dylib", false},
		{"darwin", "@loader_path/../Frameworks/Foo.framework/Foo", false},
		{"darwin", "@executable_path/libfoo.dylib", false},
		{"darwin", "/usr/lib/../local/lib/libfoo.dylib", false},
		{"darwin", "libSystem.B.dylib", false},
		// windows
		{"windows", "kernel32.dll", true},
		{"windows", "KERNEL32.dll", true},
		{"windows", "ntdll.dll", true},
		{"windows", "ws2_32.dll", true},
		{"windows", "advapi32.dll", true},
		{"windows", "bcrypt.dll", true},
		{"windows", "msvcrt.dll", true},
		{"windows", "ucrtbase.dll", true},
		{"windows", "mswsock.dll", true},
		{"windows", "api-ms-win-crt-runtime-l1-1-0.dll", true},
		{"windows", "API-MS-WIN-CORE-SYNCH-L1-2-0.DLL", true},
		{"windows", "ext-ms-win-ntuser-window-l1-1-0.dll", true},
		{"windows", "vcruntime140.dll", false},
		{"windows", "msvcp140.dll", false},
		{"windows", "libwinpthread-1.dll", false},
		{"windows", "libgcc_s_seh-1.dll", false},
		{"windows", "libstdc++-6.dll", false},
		{"windows", "api-ms-win-crt-runtime-l1-1-0", false},
		// the BSDs
		{"freebsd", "libc.so.7", true},
		{"freebsd", "libthr.so.3", true},
		{"freebsd", "libexecinfo.so.1", true},
		{"freebsd", "libssl.so.111", false},
		{"freebsd", "libc.so.7x", false},
		{"openbsd", "libc.so", true},
		{"openbsd", "libc.so.97.0", true},
		{"openbsd", "libpthread.so.27.1", true},
		{"openbsd", "libexecinfo.so.3.0", false}, // from ports on OpenBSD
		{"netbsd", "libc.so.12", true},
		{"dragonfly", "libc.so.8", true},
		{"dragonfly", "/usr/local/lib/libc.so.8", false},
		// solaris and illumos
		{"solaris", "libc.so", true},
		{"solaris", "libc.so.1", true},
		{"illumos", "libsocket.so.1", true},
		{"illumos", "libnsl.so.1", true},
		{"illumos", "libsendfile.so.1", true},
		{"solaris", "libssl.so.1.0.0", false},
		// aix
		{"aix", "libc.a(shr_64.o)", true},
		{"aix", "libpthread.a(shr_xpg5_64.o)", true},
		{"aix", "libpthreads.a(shr_comm.o)", true},
		{"aix", "/usr/lib/libc.a(shr_64.o)", true},
		{"aix", "/opt/lib/libfoo.a", false},
		{"aix", "libssl.a(libssl.so.3)", false},
		// wasm hosts
		{"js", "gojs", true},
		{"wasip1", "wasi_snapshot_preview1", true},
		{"wasip1", "wasi_unstable", true},
		{"wasip1", "env", false},
		// no libraries or an unknown OS
		{"plan9", "libc.so.6", false},
		{"", "libc.so.6", false},
		{"linux", "kernel32.dll", false},
		{"windows", "libc.so.6", false},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/"+tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsSystemLibrary(tt.goos, tt.name))
		})
	}
}

func TestELFLibc(t *testing.T) {
	tests := []struct {
		name        string
		goos        string
		interp      string
		needed      []string
		staticGlibc bool
		want        string
	}{
		{"glibc by libc.so.6", "linux", "/lib64/ld-linux-x86-64.so.2", []string{"libc.so.6"}, false, "glibc"},
		{"glibc by loader alone", "linux", "/lib/ld-linux-aarch64.so.1", nil, false, "glibc"},
		{"glibc shared library", "linux", "", []string{"libc.so.6"}, false, "glibc"},
		{"Alpine musl", "linux", "/lib/ld-musl-x86_64.so.1", []string{"libc.musl-x86_64.so.1"}, false, "musl"},
		{"musl-gcc", "linux", "/lib/ld-musl-x86_64.so.1", []string{"libc.so"}, false, "musl"},
		{"musl library", "linux", "", []string{"libc.musl-aarch64.so.1"}, false, "musl"},
		{"android", "android", "/system/bin/linker64", nil, false, "bionic"},
		{"android library", "android", "", []string{"libc.so"}, false, "bionic"},
		{"openbsd", "openbsd", "/usr/libexec/ld.so", []string{"libc.so.97.0", "libpthread.so.27.1"}, false, "libc"},
		{"solaris", "solaris", "/lib/amd64/ld.so.1", []string{"libc.so"}, false, "libc"},
		{"freebsd", "freebsd", "/libexec/ld-elf.so.1", []string{"libc.so.7"}, false, "libc"},
		{"static Go", "linux", "", nil, false, ""},
		{"static glibc (ABI tag note)", "linux", "", nil, true, "glibc"},
		{"static freebsd", "freebsd", "", nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, elfLibc(tt.goos, tt.interp, tt.needed, tt.staticGlibc))
		})
	}
}

func TestPELibc(t *testing.T) {
	tests := []struct {
		needed []string
		want   string
	}{
		{[]string{"kernel32.dll"}, ""},
		{[]string{"kernel32.dll", "msvcrt.dll"}, "msvcrt"},
		{[]string{"kernel32.dll", "ucrtbase.dll"}, "ucrt"},
		{[]string{"api-ms-win-crt-runtime-l1-1-0.dll", "kernel32.dll", "vcruntime140.dll"}, "ucrt"},
		{[]string{"MSVCRT.dll"}, "msvcrt"},
		{nil, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, peLibc(tt.needed), "%q", tt.needed)
	}
}

func TestOtherLibc(t *testing.T) {
	assert.Equal(t, "libSystem", machoLibc([]string{"/usr/lib/libSystem.B.dylib"}))
	assert.Empty(t, machoLibc([]string{"@rpath/libfoo.dylib"}))
	assert.Equal(t, "libc", xcoffLibc([]string{"libc.a(shr_64.o)", "libpthread.a(shr_xpg5_64.o)"}))
	assert.Empty(t, xcoffLibc([]string{"/opt/lib/libfoo.a"}))
}

func TestClassifyLibraries(t *testing.T) {
	assert.Nil(t, classifyLibraries("linux", nil))
	assert.Equal(t, []Library{{"libc.so.6", true}, {"libfoo.so", false}},
		classifyLibraries("linux", []string{"libc.so.6", "libfoo.so"}))

	info := &Info{GOOS: "windows", Needed: []string{"msvcrt.dll", "kernel32.dll", "libwinpthread-1.dll", "kernel32.dll"}}
	finish(info)
	assert.Equal(t, []string{"kernel32.dll", "libwinpthread-1.dll", "msvcrt.dll"}, info.Needed)
	assert.Equal(t, []Library{{"kernel32.dll", true}, {"libwinpthread-1.dll", false}, {"msvcrt.dll", true}}, info.Libraries)
	assert.False(t, info.SystemLibsOnly)

	info = &Info{GOOS: "linux"}
	finish(info)
	assert.True(t, info.SystemLibsOnly, "nothing needed: nothing third-party")
	assert.Nil(t, info.Libraries)
}
