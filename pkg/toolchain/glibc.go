package toolchain

import (
	"os"
	"path/filepath"
	"regexp"
)

// SysrootGlibc is the glibc version a gcc or clang toolchain links
// against, read from __GLIBC__ and __GLIBC_MINOR__ in the features.h of its
// sysroot (/usr/include for the host's gcc, /usr/<triple>/include for
// Debian's cross compilers): "2.36". "" when there is no such file or it
// says no version (not glibc, or not installed).
func SysrootGlibc(tc Toolchain) string {
	if tc.Libc != "glibc" || tc.Name == "zig" || tc.Name == "override" {
		return ""
	}
	inc := "/usr/include"
	if tc.Sysroot != "" {
		inc = filepath.Join(tc.Sysroot, "include")
	}
	b, err := os.ReadFile(filepath.Join(inc, "features.h"))
	if err != nil {
		return ""
	}
	return featuresGlibc(b)
}

var (
	glibcMajorRE = regexp.MustCompile(`(?m)^#\s*define\s+__GLIBC__\s+(\d+)\s*$`)
	glibcMinorRE = regexp.MustCompile(`(?m)^#\s*define\s+__GLIBC_MINOR__\s+(\d+)\s*$`)
)

// featuresGlibc reads the version out of a glibc features.h.
func featuresGlibc(b []byte) string {
	ma, mi := glibcMajorRE.FindSubmatch(b), glibcMinorRE.FindSubmatch(b)
	if ma == nil || mi == nil {
		return ""
	}
	return string(ma[1]) + "." + string(mi[1])
}
