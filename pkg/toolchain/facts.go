package toolchain

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Facts is what a C toolchain is, for the records of a release (SBOMs,
// provenance): the compiler and its version, the target it compiles for,
// and the C library a binary links, with that library's version when it
// can be read. A field is "" when it cannot be found out; nothing is
// guessed.
type Facts struct {
	// Compiler is the C compiler's command without its flags:
	// "aarch64-linux-gnu-gcc", "zig cc", "musl-gcc".
	Compiler string `json:"compiler"`
	// Version is the compiler's own version: gcc's -dumpfullversion
	// ("12.2.0"), zig's version ("0.11.0"), clang's.
	Version string `json:"version,omitempty"`
	// Target is what it compiles for: zig's -target
	// ("x86_64-linux-gnu.2.17"), else gcc's -dumpmachine.
	Target string `json:"target,omitempty"`
	// Libc is the C library (glibc, musl, msvcrt, ...).
	Libc string `json:"libc,omitempty"`
	// LibcVersion is the version of that library the toolchain links: the
	// glibc of the sysroot's features.h ("2.36"), zig's glibc floor
	// (the version of the stubs it links against), musl's version from its
	// loader (musl-gcc) or zig's bundled sources ("1.2.4").
	LibcVersion string `json:"libc_version,omitempty"`
}

// FactsOf finds out the Facts of tc, running its compiler (-dumpfullversion,
// -dumpmachine) in environ. It costs two short processes for gcc and none
// for zig, and never fails: what it cannot learn stays "".
func FactsOf(ctx context.Context, tc Toolchain, environ []string) Facts {
	f := Facts{Libc: tc.Libc}
	if len(tc.CC) == 0 {
		return f
	}
	if tc.Name == "zig" {
		f.Compiler = "zig cc"
		f.Version, f.Target = tc.Zig, tc.Target
		switch tc.Libc {
		case "glibc":
			// zig links against stubs of the floor it was asked for; the
			// target carries it ("x86_64-linux-gnu.2.17").
			if i := strings.LastIndex(tc.Target, ".2."); i >= 0 {
				f.LibcVersion = tc.Target[i+1:]
			} else {
				f.LibcVersion = tc.Glibc
			}
		case "musl":
			f.LibcVersion = zigMusl(tc.CC[0])
		}
		return f
	}
	f.Compiler = tc.CC[0]
	argv := func(arg string) []string { return append(append([]string{}, tc.CC...), arg) }
	if out, err := run(ctx, os.TempDir(), argv("-dumpfullversion"), environ); err == nil {
		f.Version = firstLine(out)
	}
	if f.Version == "" || !versionRE.MatchString(f.Version) {
		f.Version = ""
		if out, err := run(ctx, os.TempDir(), argv("--version"), environ); err == nil {
			f.Version = versionRE.FindString(firstLine(out))
		}
	}
	if out, err := run(ctx, os.TempDir(), argv("-dumpmachine"), environ); err == nil {
		f.Target = firstLine(out)
	}
	switch tc.Libc {
	case "glibc":
		f.LibcVersion = SysrootGlibc(tc)
	case "musl":
		f.LibcVersion = hostMusl(ctx, tc, environ)
	}
	return f
}

var (
	versionRE      = regexp.MustCompile(`\d+\.\d+(\.\d+)?`)
	muslVersionRE  = regexp.MustCompile(`(?m)^Version (\d+\.\d+\.\d+)`)
	dynLinkerRE    = regexp.MustCompile(`"?-dynamic-linker"?\s+"?([^"\s]+)`)
	muslVersionHRE = regexp.MustCompile(`#define\s+VERSION\s+"(\d+\.\d+\.\d+)"`)
)

// firstLine is the first line of out, trimmed.
func firstLine(out string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(line)
}

// hostMusl is the version of the musl a musl-gcc links. musl's dynamic
// loader is its libc.so and prints "Version 1.2.3" when started without
// arguments; the loader's path is the -dynamic-linker of the link command
// the driver would run (`-###`: nothing is compiled). Only a musl for the
// host's architecture can be started; "" otherwise.
func hostMusl(ctx context.Context, tc Toolchain, environ []string) string {
	argv := append(append([]string{}, tc.CC...), "-###", "-x", "c", os.DevNull, "-o", os.DevNull)
	out, err := run(ctx, os.TempDir(), argv, environ)
	if err != nil {
		return ""
	}
	m := dynLinkerRE.FindStringSubmatch(out)
	if m == nil || !filepath.IsAbs(m[1]) {
		return ""
	}
	// The loader exits with status 1 after its usage text.
	text, _ := exec.CommandContext(ctx, m[1]).CombinedOutput()
	if v := muslVersionRE.FindSubmatch(text); v != nil {
		return string(v[1])
	}
	return ""
}

// zigMusl is the version of the musl sources zig bundles, read from
// lib/libc/musl/src/internal/version.h beside the zig binary (zig finds
// its lib directory the same way). "" when it is not there.
func zigMusl(zig string) string {
	p, err := exec.LookPath(zig)
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	dir := filepath.Dir(p)
	for _, lib := range []string{filepath.Join(dir, "lib"), filepath.Join(dir, "lib", "zig"), filepath.Join(dir, "..", "lib", "zig")} {
		b, err := os.ReadFile(filepath.Join(lib, "libc", "musl", "src", "internal", "version.h"))
		if err != nil {
			continue
		}
		if m := muslVersionHRE.FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	return ""
}
