package verify

import (
	"path"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// Policy checks a binary against an expectation alone, for binaries
// portmatrix did not build (portmatrix inspect --expect) as well as for
// jobs. via names the link recipe for the linkage message ("" when none).
func Policy(e plan.Expectation, info *inspect.Info, via string) []Violation {
	var vs violations
	if want := e.Linkage; want != "" && want != manifest.ExpectAny && want != string(info.Linkage) {
		vs.add("linkage", "asked for %s%s; got %s", want, via, Describe(info))
	}
	if e.MaxGlibc != "" && info.MaxGlibc != "" && inspect.CompareVersions(info.MaxGlibc, e.MaxGlibc) > 0 {
		msg := "needs GLIBC_" + info.MaxGlibc
		if len(info.GlibcSymbols) > 0 {
			msg += " (for " + strings.Join(info.GlibcSymbols, ", ") + ")"
		}
		vs.add("max_glibc", "%s; the limit is %s", msg, e.MaxGlibc)
	}
	if len(e.LibsAllow) > 0 {
		for _, lib := range info.Needed {
			if !matchAny(e.LibsAllow, lib) {
				vs.add("libs_allow", "needs %s, which libs_allow (%s) does not list", lib, strings.Join(e.LibsAllow, ", "))
			}
		}
	}
	for _, lib := range info.Needed {
		if matchAny(e.LibsDeny, lib) {
			vs.add("libs_deny", "needs %s, which libs_deny (%s) forbids", lib, strings.Join(e.LibsDeny, ", "))
		}
	}
	if e.SystemLibsOnly != nil && *e.SystemLibsOnly && !info.SystemLibsOnly {
		var third []string
		for _, l := range info.Libraries {
			if !l.System {
				third = append(third, l.Name)
			}
		}
		vs.add("system_libs_only", "needs libraries that do not ship with the OS: %s", strings.Join(baseNames(third), ", "))
	}
	if e.MinMacOS != "" && info.Format == inspect.FormatMachO && info.MinOS != "" && inspect.CompareVersions(info.MinOS, e.MinMacOS) > 0 {
		why := "LC_BUILD_VERSION minos"
		if info.MinOSSource == inspect.MinOSFromGoRuntime {
			why = info.MinOSReason
		}
		vs.add("min_macos", "needs macOS %s or later (%s); asked to run on %s", info.MinOS, why, e.MinMacOS)
	}
	if e.Stripped != nil && *e.Stripped != info.Stripped {
		if *e.Stripped {
			vs.add("stripped", "asked for a stripped binary; it has a symbol table (build with -ldflags=-s)")
		} else {
			vs.add("stripped", "asked for symbols; the binary is stripped")
		}
	}
	if e.PIE != nil && *e.PIE != info.PIE {
		if *e.PIE {
			vs.add("pie", "asked for a position-independent executable; got a fixed-address %s", info.Format)
		} else {
			vs.add("pie", "asked for a fixed-address executable; got a PIE")
		}
	}
	if e.Cgo != nil && info.Go != nil {
		if v, ok := info.Go.Settings["CGO_ENABLED"]; ok && (v == "1") != *e.Cgo {
			vs.add("cgo", "expected CGO_ENABLED=%s; the Go build info says CGO_ENABLED=%s", map[bool]string{true: "1", false: "0"}[*e.Cgo], v)
		}
	}
	return vs
}

// matchAny matches a library by its full name or its base name, so both
// "libc.so.*" and "/usr/lib/libSystem*" work.
func matchAny(globs []string, lib string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, lib); ok {
			return true
		}
		if ok, _ := path.Match(g, path.Base(lib)); ok {
			return true
		}
		if ok, _ := path.Match(strings.ToLower(g), strings.ToLower(path.Base(lib))); ok {
			return true
		}
	}
	return false
}
