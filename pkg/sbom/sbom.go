// Package sbom writes the software bill of materials of one binary, in
// CycloneDX 1.6 JSON and SPDX 2.3 JSON, with the official libraries
// (cyclonedx-go, spdx/tools-golang), and checks an SBOM against a binary.
//
// What it records that build-info tools (syft, cyclonedx-gomod) do not:
// what portmatrix proved of the binary's bytes (package inspect): the
// linkage (static, static-pie, dynamic) and the rule behind it, the
// interpreter, every needed library (each a component, system or not),
// the glibc and GLIBCXX floors, the minimum OS; and for a cgo job the C
// toolchain that built it (compiler, version, target) and, for a static
// binary, the C library linked into it (glibc 2.36, musl 1.2.3) as a
// component of its own. The Go side is the binary's own build info: the
// main module and every dependency module (version, h1: sum, replace),
// the standard library, the Go version and every build setting.
//
// Determinism: the same Binary gives the same bytes. Components and
// properties are sorted; the CycloneDX serial number and the SPDX
// document namespace are derived from a SHA-256 of the document itself
// (a version-5-style UUID); the time is Binary.Created, else the binary's
// vcs.time, else 1970-01-01T00:00:00Z, never the clock.
//
// Limits: Go build info has no dependency graph, so every module is a
// direct dependency of the main module; licences are not known from a
// binary and are NOASSERTION (SPDX) or absent (CycloneDX); a module's h1:
// sum is a hash of its source tree, recorded (as cyclonedx-gomod and syft
// do) as the component's SHA-256 and verbatim in a property. The property
// names are listed in docs/sbom.md.
package sbom

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/inspect"
)

// Format is an SBOM format.
type Format string

// The formats.
const (
	CycloneDX Format = "cyclonedx"
	SPDX      Format = "spdx"
)

// Formats lists every format in a fixed order.
var Formats = []Format{CycloneDX, SPDX}

// ParseFormat reads a format name ("cyclonedx" or "cdx", "spdx").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "cyclonedx", "cdx":
		return CycloneDX, nil
	case "spdx":
		return SPDX, nil
	}
	return "", fmt.Errorf("%q is not an SBOM format; use cyclonedx or spdx", s)
}

// Ext is what the SBOM's file name adds to its binary's: the SBOM of
// dist/x/app is dist/x/app.cdx.json.
func (f Format) Ext() string {
	if f == SPDX {
		return ".spdx.json"
	}
	return ".cdx.json"
}

// Binary is what one SBOM describes.
type Binary struct {
	// Name is the binary's file name as shipped: relative to the dist
	// directory with forward slashes in a build, the base name outside.
	Name string
	// Info is what inspect read of it; SHA256 must be set. Info.Go nil is
	// a binary without Go build info (an SBOM of the file and its linkage).
	Info *inspect.Info
	// C is the C side of a cgo job; nil outside a build or without cgo.
	C *CRuntime
	// Created is the document's time (the release date); zero: see the
	// package documentation.
	Created time.Time
	// Tool names the creator: "portmatrix v1.2.3".
	Tool string
	// Job is the job id in a build, "" outside one.
	Job string
}

// CRuntime is the C toolchain of a cgo job, as the plan chose it.
type CRuntime struct {
	Compiler    string // "aarch64-linux-gnu-gcc", "zig cc", "musl-gcc"
	Version     string // "12.2.0", zig's "0.11.0"
	Target      string // "aarch64-linux-gnu", zig's "x86_64-linux-gnu.2.17"
	Libc        string // "glibc", "musl", "msvcrt", ...
	LibcVersion string // "2.36", "1.2.3"; "" when unknown
}

// Encode writes b's SBOM in format f: deterministic bytes ending in "\n".
func Encode(f Format, b Binary) ([]byte, error) {
	if b.Info == nil || b.Info.SHA256 == "" {
		return nil, fmt.Errorf("sbom: %s: no inspection with a SHA-256", b.Name)
	}
	m := newModel(b)
	switch f {
	case CycloneDX:
		return encodeCycloneDX(m)
	case SPDX:
		return encodeSPDX(m)
	}
	return nil, fmt.Errorf("sbom: unknown format %q", f)
}

// Property names, documented in docs/sbom.md. Build settings become
// PropGoBuild + the setting's key ("portmatrix:go:build:CGO_ENABLED").
const (
	PropJob          = "portmatrix:job"
	PropFormat       = "portmatrix:format"
	PropGOOS         = "portmatrix:goos"
	PropGOARCH       = "portmatrix:goarch"
	PropLinkage      = "portmatrix:linkage"
	PropLinkageRule  = "portmatrix:linkage_rule"
	PropInterpreter  = "portmatrix:interpreter"
	PropNeeded       = "portmatrix:needed"
	PropLibc         = "portmatrix:libc"
	PropGlibcFloor   = "portmatrix:glibc_floor"
	PropGlibcxxFloor = "portmatrix:glibcxx_floor"
	PropMinOS        = "portmatrix:min_os"
	PropPIE          = "portmatrix:pie"
	PropStripped     = "portmatrix:stripped"
	PropGoVersion    = "portmatrix:go:version"
	PropGoBuild      = "portmatrix:go:build:"
	PropGoSum        = "portmatrix:go:sum"
	PropGoReplace    = "portmatrix:go:replace"
	PropRole         = "portmatrix:role"
	PropSystem       = "portmatrix:system"
	PropLinked       = "portmatrix:linked"
	PropCTarget      = "portmatrix:c:target"
	PropCLibc        = "portmatrix:c:libc"
)

// The roles of components (PropRole).
const (
	roleBinary   = "binary"
	roleMain     = "main-module"
	roleModule   = "module"
	roleStdlib   = "go-stdlib"
	roleLibrary  = "needed-library"
	roleLibc     = "c-runtime"
	roleCompiler = "c-compiler"
	roleGo       = "go-toolchain"
)

// prop is one name=value property.
type prop struct{ name, value string }

// component is one thing of the SBOM in a format-neutral form.
type component struct {
	ref     string // unique and stable: the purl, or kind:name
	role    string
	name    string
	version string
	purl    string
	sha256  string // hex
	props   []prop
}

// model is an SBOM before it is written in a format.
type model struct {
	binary     component
	modules    []component // the main module first, then by purl
	stdlib     *component
	libraries  []component // needed dynamic libraries, in Needed order
	libc       *component  // the C library linked into a static binary
	tools      []component // the Go toolchain and the C compiler
	created    time.Time
	tool       string
	toolName   string
	toolVer    string
	binaryName string
}

// newModel gathers the facts of b.
func newModel(b Binary) *model {
	info := b.Info
	m := &model{tool: b.Tool, binaryName: b.Name}
	m.toolName, m.toolVer, _ = strings.Cut(b.Tool, " ")
	if m.toolName == "" {
		m.toolName = "portmatrix"
	}
	m.created = b.Created
	if m.created.IsZero() && info.Go != nil {
		if t, err := time.Parse(time.RFC3339, info.Go.Settings["vcs.time"]); err == nil {
			m.created = t
		}
	}
	if m.created.IsZero() {
		m.created = time.Unix(0, 0)
	}
	m.created = m.created.UTC().Truncate(time.Second)

	base := b.Name
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[i+1:]
	}
	m.binary = component{ref: "binary:" + b.Name, role: roleBinary, name: base, sha256: info.SHA256}
	p := &m.binary.props
	add := func(name, value string) {
		if value != "" {
			*p = append(*p, prop{name, value})
		}
	}
	add(PropRole, roleBinary)
	add(PropJob, b.Job)
	add(PropFormat, string(info.Format))
	add(PropGOOS, info.GOOS)
	add(PropGOARCH, info.GOARCH)
	add(PropLinkage, string(info.Linkage))
	add(PropLinkageRule, info.LinkageRule)
	add(PropInterpreter, info.Interpreter)
	for _, n := range info.Needed {
		add(PropNeeded, n)
	}
	add(PropLibc, info.Libc)
	add(PropGlibcFloor, info.MaxGlibc)
	add(PropGlibcxxFloor, info.MaxGLIBCXX)
	add(PropMinOS, info.MinOS)
	add(PropPIE, fmt.Sprint(info.PIE))
	add(PropStripped, fmt.Sprint(info.Stripped))

	if gi := info.Go; gi != nil {
		add(PropGoVersion, gi.GoVersion)
		keys := make([]string, 0, len(gi.Settings))
		for k := range gi.Settings {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(PropGoBuild+k, gi.Settings[k])
		}
		m.addModules(gi)
		if gi.GoVersion != "" {
			v := strings.TrimPrefix(gi.GoVersion, "go")
			m.stdlib = &component{ref: "pkg:golang/stdlib@" + v, role: roleStdlib, name: "stdlib", version: gi.GoVersion,
				purl: "pkg:golang/stdlib@" + v, props: []prop{{PropRole, roleStdlib}}}
			m.tools = append(m.tools, component{ref: "tool:go@" + gi.GoVersion, role: roleGo, name: "go", version: gi.GoVersion,
				props: []prop{{PropRole, roleGo}}})
		}
		// The binary is named by its main module only when the build
		// info gives that a version: a (devel) build has none to name.
		if gi.Main != "" && gi.MainVersion != "" && gi.MainVersion != "(devel)" {
			m.binary.version = gi.MainVersion
			m.binary.purl = Purl(gi.Main, gi.MainVersion)
		}
	}
	for _, lib := range info.Libraries {
		c := component{ref: "library:" + lib.Name, role: roleLibrary, name: lib.Name,
			props: []prop{{PropRole, roleLibrary}, {PropSystem, fmt.Sprint(lib.System)}, {PropLinked, "dynamic"}}}
		if isLibc(lib.Name) && info.MaxGlibc != "" {
			c.props = append(c.props, prop{PropGlibcFloor, info.MaxGlibc})
		}
		m.libraries = append(m.libraries, c)
	}
	if c := b.C; c != nil {
		tc := component{ref: "tool:" + c.Compiler + "@" + c.Version, role: roleCompiler, name: c.Compiler, version: c.Version,
			props: []prop{{PropRole, roleCompiler}, {PropCTarget, c.Target}, {PropCLibc, strings.TrimSpace(c.Libc + " " + c.LibcVersion)}}}
		tc.props = slices.DeleteFunc(tc.props, func(p prop) bool { return p.value == "" })
		m.tools = append(m.tools, tc)
		static := info.Linkage == inspect.LinkageStatic || info.Linkage == inspect.LinkageStaticPIE
		if static && c.Libc != "" && cgoOn(info) {
			purl := "pkg:generic/" + c.Libc
			if c.LibcVersion != "" {
				purl += "@" + c.LibcVersion
			}
			m.libc = &component{ref: purl, role: roleLibc, name: c.Libc, version: c.LibcVersion, purl: purl,
				props: []prop{{PropRole, roleLibc}, {PropLinked, "static"}, {PropCTarget, c.Target}}}
			m.libc.props = slices.DeleteFunc(m.libc.props, func(p prop) bool { return p.value == "" })
		}
	}
	return m
}

// cgoOn says the build info records CGO_ENABLED=1.
func cgoOn(info *inspect.Info) bool {
	return info.Go != nil && info.Go.Settings["CGO_ENABLED"] == "1"
}

// isLibc says a needed library is glibc's libc.
func isLibc(name string) bool { return strings.HasPrefix(name, "libc.so.") }

// addModules adds the main module and every dependency of the build info.
func (m *model) addModules(gi *inspect.GoInfo) {
	bi := gi.Build
	if bi == nil {
		return
	}
	if bi.Main.Path != "" {
		c := moduleComponent(bi.Main.Path, bi.Main.Version, bi.Main.Sum, nil)
		c.role = roleMain
		c.props[0] = prop{PropRole, roleMain}
		m.modules = append(m.modules, c)
	}
	var deps []component
	for _, d := range bi.Deps {
		deps = append(deps, moduleComponent(d.Path, d.Version, d.Sum, d.Replace))
	}
	slices.SortFunc(deps, func(a, b component) int { return strings.Compare(a.ref, b.ref) })
	m.modules = append(m.modules, deps...)
}

// moduleComponent is one Go module.
func moduleComponent(path, version, sum string, replace *debug.Module) component {
	v := version
	if v == "(devel)" {
		v = ""
	}
	c := component{role: roleModule, name: path, version: v, props: []prop{{PropRole, roleModule}}}
	c.purl = Purl(path, v)
	c.ref = c.purl
	if sum != "" {
		c.props = append(c.props, prop{PropGoSum, sum})
		c.sha256 = h1Hex(sum)
	}
	if replace != nil {
		r := replace.Path
		if replace.Version != "" && replace.Version != "(devel)" {
			r += "@" + replace.Version
		}
		c.props = append(c.props, prop{PropGoReplace, r})
		if replace.Sum != "" {
			c.props = append(c.props, prop{PropGoSum, replace.Sum})
			c.sha256 = h1Hex(replace.Sum)
		}
	}
	return c
}

// Purl is the package URL of a Go module, as cyclonedx-gomod writes it:
// pkg:golang/PATH@VERSION?type=module, each path segment and the version
// percent-encoded where the purl spec requires ('+' of +incompatible, as
// syft's packageurl-go does; cyclonedx-gomod leaves it raw). The path
// keeps its case: the purl spec's golang type asks for lower case, but Go
// module paths are case-sensitive (the go command and the Go vulnerability
// database tell github.com/Foo/bar from github.com/foo/bar) and
// cyclonedx-gomod and syft keep it. The cross-check test compares every
// purl with cyclonedx-gomod's.
func Purl(path, version string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = purlEscape(s)
	}
	p := "pkg:golang/" + strings.Join(segs, "/")
	if version != "" {
		p += "@" + purlEscape(version)
	}
	return p + "?type=module"
}

// purlEscape percent-encodes what a purl segment may not hold.
func purlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// h1Hex is the hex of an h1: sum's SHA-256, "" when it is not one.
func h1Hex(sum string) string {
	raw, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	return hex.EncodeToString(b)
}

// uuidFrom is a version-5-style UUID made of the first 16 bytes of
// SHA-256(data): the same document gives the same id.
func uuidFrom(data []byte) string {
	h := sha256.Sum256(data)
	u := h[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
