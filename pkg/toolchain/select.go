package toolchain

import (
	"fmt"
	"os"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/dotted"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// Overrides come from the manifest per target/variant: they replace or
// extend the chosen toolchain, for what the table cannot know (an osxcross
// or NDK compiler, a custom sysroot, extra flags).
type Overrides struct {
	// CC and CXX are full command lines ("clang --target=aarch64-linux-gnu"),
	// split like the go command splits CC; they replace CC and CXX.
	CC, CXX string
	// CgoCFLAGS and CgoLDFLAGS become CGO_CFLAGS and CGO_LDFLAGS.
	CgoCFLAGS, CgoLDFLAGS string
	// PkgConfigSysroot becomes PKG_CONFIG_SYSROOT_DIR.
	PkgConfigSysroot string
	// Libc replaces Need.Libc: glibc | musl.
	Libc string
	// Toolchain is the kind asked: KindAuto (or ""), KindGCC or KindZig.
	Toolchain string
	// Glibc is the glibc floor asked ("2.17"), for linux gnu targets.
	Glibc string
}

// MissingError is Select's answer when no toolchain can serve a need: it
// carries what was looked for and, when one Debian package would fix it,
// the exact command, so the user gets a fix rather than a failed go build.
type MissingError struct {
	Need  Need
	Tried []Toolchain
	// Install is "apt-get install gcc-aarch64-linux-gnu", or "" when no
	// Debian package is enough.
	Install string
	// Why completes "<target> ...": "needs a C cross compiler for cgo".
	Why string
}

// Error reads "linux/arm64 needs a C cross compiler for cgo: apt-get install
// gcc-aarch64-linux-gnu", or the reason alone when no package helps.
func (e *MissingError) Error() string {
	s := e.Need.Target.String()
	if e.Need.Libc != "" {
		s += " (" + e.Need.Libc + ")"
	}
	s += " " + e.Why
	if e.Install != "" {
		s += ": " + e.Install
	}
	return s
}

// Toolchain kinds a manifest can ask for (the toolchain key).
const (
	// KindAuto picks Debian's compilers first and zig where they cannot
	// serve: no compiler for the target, or a glibc floor below theirs.
	KindAuto = "auto"
	// KindGCC is the host's or Debian's gcc (mingw-w64, musl-gcc) or clang.
	KindGCC = "gcc"
	// KindZig is `zig cc`.
	KindZig = "zig"
)

// Machine is what Select needs to know of the machine: the host, how to
// find commands, the zig found on it (nil: none), and the glibc a gcc
// toolchain links against.
type Machine struct {
	Host target.Target
	// LookPath is exec.LookPath in production.
	LookPath func(string) (string, error)
	// Zig is the zig installation, nil when there is none.
	Zig *Zig
	// ZigCache is the ZIG_GLOBAL_CACHE_DIR every zig toolchain uses.
	ZigCache string
	// GlibcOf is the glibc version ("2.36") a gcc or clang toolchain links
	// against, "" when unknown; nil is SysrootGlibc.
	GlibcOf func(Toolchain) string
	// exists says a directory exists (clang sysroots); nil is dirExists.
	exists func(string) bool
}

// Select picks the first installed candidate (lookPath is exec.LookPath in
// production, a fake in tests), applies overrides, and otherwise returns a
// *MissingError saying what to install. A clang candidate also needs its
// sysroot directory to exist. An override CC wins over every candidate but
// must itself be found by lookPath. It knows no zig: Machine.Select does.
func Select(need Need, host target.Target, ov Overrides, lookPath func(string) (string, error)) (Toolchain, error) {
	return Machine{Host: host, LookPath: lookPath}.Select(need, ov)
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// Select picks the toolchain of need with the overrides of the manifest:
//   - toolchain: zig (or cc: zig) is `zig cc` for the target, at the glibc
//     floor asked (linux gnu targets; DefaultZigGlibc when none is);
//   - toolchain: gcc is the first installed gcc or clang candidate, and an
//     error when the floor asked (glibc, or need.MaxGlibc) is below what it
//     links against;
//   - auto (the default) is gcc unless gcc cannot serve: no candidate
//     installed, or a floor asked below gcc's. Then zig, when installed,
//     with Reason saying why; a *MissingError otherwise.
//
// glibc is ignored off linux: a rule over all targets may set it.
func (m Machine) Select(need Need, ov Overrides) (Toolchain, error) {
	if ov.Libc != "" {
		need.Libc = ov.Libc
	}
	switch need.Libc {
	case "", "glibc", "musl":
	default:
		return Toolchain{}, fmt.Errorf("%s: libc %q: want glibc or musl", need.Target, need.Libc)
	}
	if need.Libc != "" && need.Target.GOOS != "linux" {
		return Toolchain{}, fmt.Errorf("%s: libc %q: only linux has a choice of libc", need.Target, need.Libc)
	}
	kind, why := ov.Toolchain, "toolchain: "+ov.Toolchain
	if strings.TrimSpace(ov.CC) == KindZig {
		kind, why, ov.CC = KindZig, "cc: zig", ""
	}
	glibc := ov.Glibc
	if need.Target.GOOS != "linux" {
		glibc = ""
	}
	if glibc != "" && need.Libc == "musl" {
		return Toolchain{}, fmt.Errorf("%s: glibc %s with libc: musl: a musl binary has no glibc floor; drop one of them", need.Target, glibc)
	}
	if glibc != "" && !ValidGlibc(glibc) {
		return Toolchain{}, fmt.Errorf("%s: glibc %q: want a version like \"2.17\"", need.Target, glibc)
	}
	// The floor asked: glibc, else the expectation's max_glibc (linux
	// glibc jobs only). zig builds at it whichever way zig is chosen.
	asked, askedBy := glibc, "glibc: "+glibc
	if asked == "" && need.MaxGlibc != "" && need.Target.GOOS == "linux" && need.Libc != "musl" {
		asked, askedBy = need.MaxGlibc, "expect.max_glibc: "+need.MaxGlibc
	}
	zigFloor := func() (string, error) {
		if glibc == "" && asked != "" && dotted.Compare(asked, MinGlibc) < 0 {
			return "", fmt.Errorf("%s: %s is below glibc %s, the oldest portmatrix builds for", need.Target, askedBy, MinGlibc)
		}
		if glibc == "" && asked != "" && m.Zig != nil && dotted.Compare(asked, m.Zig.MaxGlibc) > 0 {
			// A policy above zig's newest glibc is met by that one.
			return m.Zig.MaxGlibc, nil
		}
		return asked, nil
	}
	if kind == KindZig {
		if ov.CC != "" {
			return Toolchain{}, fmt.Errorf("%s: toolchain: zig with cc: %q: drop one of them", need.Target, ov.CC)
		}
		f, err := zigFloor()
		if err != nil {
			return Toolchain{}, err
		}
		return m.zig(need, ov, f, why)
	}
	if m.exists == nil {
		m.exists = dirExists
	}
	cands := Candidates(need, m.Host)
	installed := func(tc Toolchain) bool {
		if tc.Name == "zig" {
			return false // zig is chosen below, with its version and floor
		}
		if _, err := m.LookPath(tc.CC[0]); err != nil {
			return false
		}
		return tc.Name != "clang" || m.exists(tc.Sysroot)
	}
	var chosen Toolchain
	found := false
	for _, tc := range cands {
		if installed(tc) {
			chosen, found = tc, true
			break
		}
	}

	if ov.CC != "" {
		argv, err := overrideArgv("cc", ov.CC)
		if err != nil {
			return Toolchain{}, fmt.Errorf("%s: %w", need.Target, err)
		}
		if _, err := m.LookPath(argv[0]); err != nil {
			return Toolchain{}, &MissingError{Need: need, Tried: cands,
				Why: fmt.Sprintf("needs %s (cc: %q), which is not on PATH", argv[0], ov.CC)}
		}
		if !found {
			chosen = Toolchain{Libc: defaultLibc(need)}
		}
		chosen.Name, chosen.CC, chosen.Package = "override", argv, ""
		if glibc != "" {
			return Toolchain{}, fmt.Errorf("%s: glibc %s with cc: %q: portmatrix sets a glibc floor only through zig; drop cc: (or write cc: zig), or drop glibc", need.Target, glibc, ov.CC)
		}
		return m.finish(need, chosen, ov)
	}

	if found && asked != "" && chosen.Libc == "glibc" {
		floor, have := m.gccFloor(chosen)
		var msg string
		switch {
		case glibc != "" && have == "":
			// An explicit floor is zig's unless gcc's glibc is known to be
			// no newer.
			msg = fmt.Sprintf("the glibc %s links against is unknown", strings.Join(chosen.CC, " "))
		case glibc != "" && dotted.Compare(have, glibc) > 0:
			msg = fmt.Sprintf("%s links against glibc %s", strings.Join(chosen.CC, " "), have)
		case glibc == "" && floor != "" && dotted.Compare(floor, asked) > 0:
			// Policy alone moves to zig only when gcc's floor is certain.
			msg = fmt.Sprintf("%s links against glibc %s, so its binaries need at least GLIBC_%s", strings.Join(chosen.CC, " "), have, floor)
		}
		if msg != "" {
			if kind == KindGCC {
				return Toolchain{}, fmt.Errorf("%s: %s asks for a floor of %s, but %s: use toolchain: zig (or auto) for glibc %s",
					need.Target, askedBy, asked, msg, asked)
			}
			if m.Zig == nil {
				gives := "glibc " + have
				if have == "" {
					gives = "a glibc of unknown version"
				}
				return Toolchain{}, &MissingError{Need: need, Tried: cands,
					Why: fmt.Sprintf("needs zig for %s, since the installed gcc links against %s; %s", askedBy, gives, ZigInstall)}
			}
			if _, err := zigFloor(); err != nil {
				return Toolchain{}, err
			}
			why := askedBy
			if glibc == "" {
				why += " is below what " + chosen.CC[0] + " can give (GLIBC_" + floor + ")"
			}
			return m.zig(need, ov, asked, why)
		}
	}
	if found {
		if glibc != "" && chosen.Libc == "glibc" {
			chosen.Glibc = glibc // met by gcc; the verifier proves it
		}
		return m.finish(need, chosen, ov)
	}
	var zigWhy error
	if kind != KindGCC && m.Zig != nil {
		f, err := zigFloor()
		if err != nil {
			return Toolchain{}, err
		}
		// A target zig has no mapping for (darwin, android, the BSDs) is
		// explained by missing(); one it maps but cannot serve here
		// (no libc in this zig, a floor out of its range) is said below.
		if _, mapErr := ZigTargetFor(need.Target, need.Libc, f); mapErr != nil {
			zigWhy = nil
		} else if _, zigWhy = ZigToolchain(m.Zig, need, f, m.ZigCache); zigWhy == nil {
			what := need.Target.String()
			if need.Libc != "" {
				what += " (" + need.Libc + ")"
			}
			return m.zig(need, ov, f, "no installed Debian compiler serves "+what)
		}
	}
	e := missing(need, m.Host, cands)
	switch {
	case zigWhy != nil && e.Install == "":
		e.Why = "needs a C compiler for cgo that Debian does not package, and the installed zig cannot serve it (" +
			zigWhy.Error() + "): set cc: in the manifest to use your own"
	case zigWhy != nil:
		e.Why += " (the installed zig cannot serve it: " + zigWhy.Error() + ")"
	}
	if kind != KindGCC && m.Zig == nil {
		if _, err := ZigTargetFor(need.Target, need.Libc, glibc); err == nil && e.Install == "" {
			e.Why += " (" + ZigInstall + ")"
		}
	}
	return Toolchain{}, e
}

// zig is the zig toolchain of need, or why there is none.
func (m Machine) zig(need Need, ov Overrides, glibc, why string) (Toolchain, error) {
	if m.Zig == nil {
		return Toolchain{}, &MissingError{Need: need, Why: "needs zig (" + why + "), which is not on PATH: " + ZigInstall}
	}
	tc, err := ZigToolchain(m.Zig, need, glibc, m.ZigCache)
	if err != nil {
		return Toolchain{}, fmt.Errorf("%s: %w", need.Target, err)
	}
	tc.Reason = why
	if ov.CXX != "" {
		argv, err := overrideArgv("cxx", ov.CXX)
		if err != nil {
			return Toolchain{}, fmt.Errorf("%s: %w", need.Target, err)
		}
		tc.CXX = argv
	}
	tc.CgoCFLAGS = ov.CgoCFLAGS
	tc.CgoLDFLAGS = ov.CgoLDFLAGS
	tc.PkgConfigSysroot = ov.PkgConfigSysroot
	return tc, nil
}

// gccFloor is the least glibc floor a gcc toolchain's binaries have, and
// the glibc it links against: since glibc 2.34 every program needs
// __libc_start_main@GLIBC_2.34; before, the floor depends on the symbols the
// program uses, so it is not known ("").
func (m Machine) gccFloor(tc Toolchain) (floor, have string) {
	of := m.GlibcOf
	if of == nil {
		of = SysrootGlibc
	}
	have = of(tc)
	if have != "" && dotted.Compare(have, "2.34") >= 0 {
		return "2.34", have
	}
	return "", have
}

func (m Machine) finish(need Need, chosen Toolchain, ov Overrides) (Toolchain, error) {
	if ov.CXX != "" {
		argv, err := overrideArgv("cxx", ov.CXX)
		if err != nil {
			return Toolchain{}, fmt.Errorf("%s: %w", need.Target, err)
		}
		chosen.CXX, chosen.CXXPackage = argv, ""
	}
	chosen.CgoCFLAGS = ov.CgoCFLAGS
	chosen.CgoLDFLAGS = ov.CgoLDFLAGS
	chosen.PkgConfigSysroot = ov.PkgConfigSysroot
	return chosen, nil
}

func defaultLibc(need Need) string {
	switch {
	case need.Libc != "":
		return need.Libc
	case need.Target.GOOS == "linux":
		return "glibc"
	case need.Target.GOOS == "windows":
		return "msvcrt"
	}
	return need.Target.GOOS
}

// overrideArgv splits an override command line and checks that Env can
// quote it back for the go command.
func overrideArgv(key, s string) ([]string, error) {
	argv, ok := splitArgs(s)
	if !ok {
		return nil, fmt.Errorf("%s: %q has an unterminated quote", key, s)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("%s: %q is empty", key, s)
	}
	for _, a := range argv {
		if strings.Contains(a, "'") && strings.Contains(a, `"`) {
			return nil, fmt.Errorf("%s: argument %q has both quote kinds; the go command cannot take it", key, a)
		}
	}
	return argv, nil
}

// missing explains why nothing serves need: the one Debian package to
// install when there is one, otherwise what the user has to provide.
func missing(need Need, host target.Target, cands []Toolchain) *MissingError {
	e := &MissingError{Need: need, Tried: cands}
	t := need.Target
	for _, tc := range cands {
		if tc.Package != "" && tc.Name != "clang" && tc.Name != "zig" {
			e.Install = "apt-get install " + tc.Package
			if tc.Name == "native" || tc.Name == "musl-gcc" {
				e.Why = "needs a C compiler for cgo"
			} else {
				e.Why = "needs a C cross compiler for cgo"
			}
			return e
		}
	}
	zigHint := ""
	for _, tc := range cands {
		if tc.Name == "zig" {
			zigHint = strings.Join(tc.CC, " ")
		}
	}
	noCgo := "; CGO_ENABLED=0 builds need no C toolchain"
	switch {
	case t.GOOS == "darwin" || t.GOOS == "ios":
		e.Why = "needs an Apple SDK for cgo, which no Debian package provides: " + darwinZigHint(t) + noCgo
	case t.GOOS == "android":
		e.Why = "needs the Android NDK for cgo, which Debian does not package: download it, set ANDROID_NDK_HOME " +
			"and set cc: $ANDROID_NDK_HOME/toolchains/llvm/prebuilt/linux-x86_64/bin/" + ndkTriple(t.GOARCH) +
			"21-clang for this target in the manifest" + noCgo
	case t.GOOS == "linux" && need.Libc == "musl":
		e.Why = "needs a musl C cross compiler for cgo, which Debian does not package (musl-tools' musl-gcc only " +
			"builds for the host, " + host.Pair() + "): install zig (cc: \"" + zigHint + "\") or a musl cross " +
			"toolchain (musl.cc) and set cc: in the manifest"
	case t.GOOS == "linux" && t.GOARCH == "loong64":
		e.Why = "needs a C cross compiler for cgo, but gcc-loongarch64-linux-gnu is not in Debian 12: install zig " +
			"(cc: \"" + zigHint + "\") or a LoongArch cross toolchain and set cc: in the manifest"
	case t.GOOS == "windows" && t.GOARCH == "arm64":
		e.Why = "needs a C cross compiler for cgo, and Debian's mingw-w64 has none for arm64: install zig " +
			"(cc: \"" + zigHint + "\") or llvm-mingw and set cc: in the manifest"
	case len(cands) == 1 && cands[0].Name == "clang":
		e.Why = fmt.Sprintf("needs clang, lld and a %s sysroot for cgo, which no Debian package provides: copy the "+
			"target's /usr/include, /lib and /usr/lib (e.g. from its base system archive) into %s and apt-get install "+
			"clang lld, or set cc: for this target in the manifest", t.GOOS, cands[0].Sysroot) + noCgo
	case len(cands) == 0:
		e.Why = "has no C toolchain portmatrix knows of for cgo (Go may not support cgo there: see `go tool dist list -json`); " +
			"set cc: in the manifest to use your own" + noCgo
	default:
		e.Why = "needs a C cross compiler for cgo: install one of " + names(cands) + " or set cc: in the manifest"
	}
	return e
}

func ndkTriple(goarch string) string {
	switch goarch {
	case "arm":
		return "armv7a-linux-androideabi"
	case "386":
		return "i686-linux-android"
	case "amd64":
		return "x86_64-linux-android"
	}
	return "aarch64-linux-android"
}

func names(cands []Toolchain) string {
	var s []string
	for _, tc := range cands {
		s = append(s, strings.Join(tc.CC, " "))
	}
	return strings.Join(s, ", ")
}
