package manifest

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/internal/dotted"
	"github.com/portmatrix/portmatrix/pkg/internal/suggest"
)

// TemplateData is what ldflags and output templates can use. The field set
// is part of the manifest's contract (docs/manifest.md: Templates).
type TemplateData struct {
	Version     string // release version (--app-version; default from git describe, else "dev")
	Commit      string // commit (--commit; default git HEAD, else "none")
	ShortCommit string // first 12 characters of Commit
	Tag         string // the git tag HEAD is at, "" when none
	Date        string // build date, RFC 3339 (--date; default SOURCE_DATE_EPOCH, else the commit time, else now)
	Build       string // build id
	Binary      string // binary name, without extension
	GOOS        string
	GOARCH      string
	Level       string // sub-architecture level, "" when none
	Target      string // "linux/arm/v7"
	Slug        string // "linux_arm_v7"
	Variant     string // variant name
	Ext         string // ".exe" on windows, ".wasm" on wasm, "" otherwise
}

// SampleData fills every template field, to check templates before any real
// values exist.
func SampleData() TemplateData {
	return TemplateData{Version: "1.2.3", Commit: "0123abc4567", ShortCommit: "0123abc", Tag: "v1.2.3", Date: "2006-01-02T15:04:05Z", Build: "app", Binary: "app",
		GOOS: "linux", GOARCH: "arm", Level: "v7", Target: "linux/arm/v7", Slug: "linux_arm_v7", Variant: "default", Ext: ""}
}

// Render executes a template from the manifest. Unknown fields are errors,
// worded for the manifest's author ("unknown template field .Nope (did you
// mean .Date?); fields are …"), not text/template's.
func Render(name, text string, data TemplateData) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", templateErr(name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", templateErr(name, err)
	}
	return b.String(), nil
}

// templateErr rewords a text/template error: it says "template: NAME:LINE[:COL]:
// [executing "NAME" at <...>: ]msg", and for an unknown field names the Go
// type behind the template, which means nothing to a manifest's author.
func templateErr(name string, err error) error {
	msg := regexp.MustCompile(`^template: `+regexp.QuoteMeta(name)+`:\d+(:\d+)?: (executing "`+
		regexp.QuoteMeta(name)+`" at <[^>]*>: )?`).ReplaceAllString(err.Error(), "")
	if i := strings.Index(msg, "can't evaluate field "); i >= 0 {
		field := strings.Fields(msg[i+len("can't evaluate field "):])[0]
		msg = "unknown template field ." + field
		if c := suggest.Closest(field, templateFields(), 1); len(c) > 0 {
			msg += fmt.Sprintf(" (did you mean .%s?)", c[0])
		}
		msg += "; fields are ." + strings.Join(templateFields(), " .")
	}
	// Other messages can name the Go type of ".": say what it is instead.
	msg = strings.ReplaceAll(msg, reflect.TypeOf(TemplateData{}).String(), "the template data (.)")
	return fmt.Errorf("template: %s", msg)
}

// CheckOutputPath rejects rendered output paths that are absolute or leave
// the dist directory.
func CheckOutputPath(rendered string) error {
	if rendered == "" {
		return fmt.Errorf("output path is empty")
	}
	if i := strings.IndexFunc(rendered, unicode.IsControl); i >= 0 {
		return fmt.Errorf("output path %q contains a control character (%U); a template that ends in a newline, say", rendered, []rune(rendered[i:])[0])
	}
	if path.IsAbs(rendered) || filepath.IsAbs(rendered) {
		return fmt.Errorf("output path %q is absolute; it must be relative to the dist directory", rendered)
	}
	clean := path.Clean(filepath.ToSlash(rendered))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("output path %q escapes the dist directory", rendered)
	}
	if clean == "." || strings.HasSuffix(rendered, "/") {
		return fmt.Errorf("output path %q names a directory, not a file", rendered)
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// reservedFlags are go build flags portmatrix sets itself; a manifest that
// passed them in `flags` would fight with the plan.
var reservedFlags = map[string]string{
	"-o": "output", "-ldflags": "ldflags", "-tags": "tags", "-trimpath": "trimpath",
	"-buildmode": "variants[].buildmode", "-C": "dir",
}

// reservedEnv are variables the target and variant decide.
var reservedEnv = map[string]string{
	"GOOS": "targets", "GOARCH": "targets", "CGO_ENABLED": "variants[].cgo",
	"GOARM": "a target level such as linux/arm/v7", "GOAMD64": "a target level such as linux/amd64/v3",
	"GOARM64": "a target level", "GO386": "a target level", "GOMIPS": "a target level",
	"GOMIPS64": "a target level", "GOPPC64": "a target level", "GORISCV64": "a target level",
	"GOFLAGS":     "flags",
	"GOTOOLCHAIN": "--go (every job builds with the go command portmatrix asked about, GOTOOLCHAIN=local)",
}

// CheckPassthrough checks a variable name given to env_passthrough (or
// --env-passthrough): a portable name, and none that the plan itself
// decides. The error is a sentence without the name's location.
func CheckPassthrough(name string) error {
	if !envNameRE.MatchString(name) {
		return fmt.Errorf("%q is not a variable name: use letters, digits and '_', not starting with a digit", name)
	}
	if key, ok := reservedEnv[name]; ok && name != "GOFLAGS" {
		return fmt.Errorf("%s cannot be passed through: portmatrix sets it from %s", name, key)
	}
	return nil
}

// Validate checks everything that does not need the Go toolchain: required
// keys, names, enumerations, templates and rules between keys. Checks that
// need the platform table (unknown targets, cgo support) belong to the plan.
func Validate(m *Manifest) Problems {
	var ps Problems
	add := func(l Loc, field, format string, args ...any) {
		ps = append(ps, Problem{File: m.File, Line: l.Line, Col: l.Col, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case m.Version == 1:
	case m.Version == 0 && m.value("version") == nil:
		add(m.Loc(), "version", "missing version: start the manifest with `version: 1`")
	default:
		add(m.KeyLoc("version"), "version", "want `version: 1` (got %d)", m.Version)
	}
	if m.Dist != "" {
		switch err := CheckOutputPath(m.Dist + "/x"); {
		case err != nil:
			add(m.KeyLoc("dist"), "dist", "dist directory %q must be relative to the manifest and stay below it", m.Dist)
		case path.Clean(filepath.ToSlash(m.Dist)) == ".":
			add(m.KeyLoc("dist"), "dist", "dist directory %q is the manifest's own directory; use a directory below it, such as dist (portmatrix writes binaries, logs and state there)", m.Dist)
		}
	}
	if len(m.Builds) == 0 {
		add(m.KeyLoc("builds"), "builds", "no builds: list at least one under `builds:`")
	}
	checkPassthrough(m.EnvPassthrough, m.located, "", add)
	ids := map[string]bool{}
	for i := range m.Builds {
		b := &m.Builds[i]
		bp := fmt.Sprintf("builds[%d]", i)
		if b.ID != "" {
			bp = "builds[" + b.ID + "]"
		}
		switch {
		case b.ID == "":
			add(b.Loc(), bp+".id", "missing id: every build needs a short unique name")
		case !nameRE.MatchString(b.ID):
			add(b.KeyLoc("id"), bp+".id", "id %q: use letters, digits, '.', '_' and '-' only", b.ID)
		case ids[b.ID]:
			add(b.KeyLoc("id"), bp+".id", "id %q is used by another build", b.ID)
		}
		ids[b.ID] = true
		if b.Binary != "" && (strings.ContainsAny(b.Binary, `/\`) || !nameRE.MatchString(b.Binary)) {
			add(b.KeyLoc("binary"), bp+".binary", "binary %q must be a plain file name", b.Binary)
		}
		if len(b.Targets) == 0 {
			add(b.KeyLoc("targets"), bp+".targets", "no targets: list goos/goarch pairs, globs, or a set (all, first-class, cgo)")
		}
		checkMain(b.Main, b.KeyLoc("main"), bp+".main", add)
		checkRelDir(b.Dir, b.KeyLoc("dir"), bp+".dir", add)
		checkTags(b.Tags, b.located, bp, add)
		for j, f := range b.Flags {
			name := strings.SplitN(f, "=", 2)[0]
			name = "-" + strings.TrimLeft(name, "-")
			if key, ok := reservedFlags[name]; ok {
				add(b.ItemLoc("flags", j), bp+".flags", "flag %q is set by portmatrix; use the %q key instead", f, key)
			} else if !strings.HasPrefix(f, "-") {
				add(b.ItemLoc("flags", j), bp+".flags", "%q is not a flag; flags start with '-'", f)
			}
		}
		checkEnv(b.Env, b.located, bp, add)
		checkPassthrough(b.EnvPassthrough, b.located, bp+".", add)
		checkTemplate(b.Ldflags, b.KeyLoc("ldflags"), bp+".ldflags", add)
		if b.Output != "" {
			if out, ok := checkTemplate(b.Output, b.KeyLoc("output"), bp+".output", add); ok {
				if err := CheckOutputPath(out); err != nil {
					if strings.Contains(b.Output, "{{") {
						add(b.KeyLoc("output"), bp+".output", "%v (rendered from %q with sample values)", err, b.Output)
					} else {
						add(b.KeyLoc("output"), bp+".output", "%v", err)
					}
				}
			}
		}
		checkExpect(b.Expect, bp+".expect", add)
		checkArchive(b.Archive, bp+".archive", add)
		if b.Smoke != nil && b.Smoke.Timeout != "" {
			if d, err := time.ParseDuration(b.Smoke.Timeout); err != nil || d <= 0 {
				add(b.Smoke.KeyLoc("timeout"), bp+".smoke.timeout", "%q is not a positive duration; write it like \"10s\"", b.Smoke.Timeout)
			}
		}
		names := map[string]bool{}
		for j := range b.Variants {
			v := &b.Variants[j]
			vp := fmt.Sprintf("%s.variants[%d]", bp, j)
			if v.Name != "" {
				vp = bp + ".variants[" + v.Name + "]"
			}
			switch {
			case v.Name == "":
				add(v.Loc(), vp+".name", "missing name: every variant needs a short unique name")
			case !nameRE.MatchString(v.Name):
				add(v.KeyLoc("name"), vp+".name", "name %q: use letters, digits, '.', '_' and '-' only", v.Name)
			case names[v.Name]:
				add(v.KeyLoc("name"), vp+".name", "variant %q is defined twice in this build", v.Name)
			}
			names[v.Name] = true
			checkEnum(v.Linkmode, LinkmodeValues, v.KeyLoc("linkmode"), vp+".linkmode", "link mode", add)
			checkEnum(v.Buildmode, BuildmodeValues, v.KeyLoc("buildmode"), vp+".buildmode", "build mode", add)
			if v.Linkmode == "external" && !v.Cgo {
				add(v.KeyLoc("linkmode"), vp+".linkmode", "external linking needs cgo: add `cgo: true` to this variant (Go refuses -linkmode=external with CGO_ENABLED=0)")
			}
			checkEnv(v.Env, v.located, vp, add)
			checkTags(v.Tags, v.located, vp, add)
			checkEnum(v.Libc, LibcValues, v.KeyLoc("libc"), vp+".libc", "libc", add)
			checkCToolchain(cToolchain{v.located, v.CC, v.Libc, v.Toolchain, v.Glibc}, vp, add)
			if !v.Cgo {
				for _, k := range []struct{ key, val string }{{"cc", v.CC}, {"cxx", v.CXX}, {"cgo_cflags", v.CgoCFLAGS}, {"cgo_ldflags", v.CgoLDFLAGS}, {"pkg_config_sysroot", v.PkgConfigSysroot}, {"libc", v.Libc}, {"toolchain", v.Toolchain}, {"glibc", v.Glibc}} {
					if k.val != "" {
						add(v.KeyLoc(k.key), vp+"."+k.key, "%s has no effect with cgo off; add `cgo: true` to this variant", k.key)
					}
				}
			}
			checkTemplate(v.Ldflags, v.KeyLoc("ldflags"), vp+".ldflags", add)
			checkExpect(v.Expect, vp+".expect", add)
		}
		for j := range b.Toolchains {
			r := &b.Toolchains[j]
			rp := fmt.Sprintf("%s.toolchains[%d]", bp, j)
			if len(r.Targets) == 0 && len(r.Variants) == 0 {
				add(r.Loc(), rp, "rule selects nothing: give targets, variants, or both")
			}
			checkEnum(r.Libc, LibcValues, r.KeyLoc("libc"), rp+".libc", "libc", add)
			checkCToolchain(cToolchain{r.located, r.CC, r.Libc, r.Toolchain, r.Glibc}, rp, add)
			for k, name := range r.Variants {
				if !variantKnown(b, name) {
					add(r.ItemLoc("variants", k), rp+".variants", "no variant %q in this build", name)
				}
			}
		}
		for j := range b.Expectations {
			r := &b.Expectations[j]
			rp := fmt.Sprintf("%s.expectations[%d]", bp, j)
			if r.Expect == nil {
				add(r.Loc(), rp+".expect", "missing expect: a rule must say what the selected jobs must be")
			}
			if len(r.Targets) == 0 && len(r.Variants) == 0 && !notList(r.located, "targets") && !notList(r.located, "variants") {
				add(r.Loc(), rp, "rule selects nothing: give targets, variants, or both")
			}
			for k, name := range r.Variants {
				if !variantKnown(b, name) {
					msg := fmt.Sprintf("no variant %q in this build", name)
					if c := suggest.Closest(name, variantNames(b), 1); len(c) > 0 {
						msg += fmt.Sprintf(" (did you mean %q?)", c[0])
					}
					add(r.ItemLoc("variants", k), rp+".variants", "%s", msg)
				}
			}
			checkExpect(r.Expect, rp+".expect", add)
		}
	}
	checkRelease(m, add)
	return ps
}

func variantNames(b *Build) []string {
	if len(b.Variants) == 0 {
		return []string{DefaultVariant}
	}
	var out []string
	for _, v := range b.Variants {
		out = append(out, v.Name)
	}
	return out
}

func variantKnown(b *Build, name string) bool {
	return slices.Contains(variantNames(b), name)
}

// notList reports whether key holds something other than a list, which the
// shape check has reported already (so "selects nothing" would be noise).
func notList(l located, key string) bool {
	v := l.value(key)
	if v != nil && v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	return v != nil && v.Kind != yaml.SequenceNode && v.Tag != "!!null"
}

type adder func(l Loc, field, format string, args ...any)

// envNameRE is a portable environment variable name (POSIX: letters,
// digits and underscores, not starting with a digit).
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkEnv(env []string, at located, path string, add adder) {
	for j, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			add(at.ItemLoc("env", j), path+".env", "%q: want KEY=VALUE", kv)
			continue
		}
		if !envNameRE.MatchString(k) {
			add(at.ItemLoc("env", j), path+".env", "%q is not a variable name: use letters, digits and '_', not starting with a digit", k)
			continue
		}
		if key, reserved := reservedEnv[k]; reserved {
			add(at.ItemLoc("env", j), path+".env", "%s is set by portmatrix from %s; do not set it in env", k, key)
		}
	}
}

func checkPassthrough(names []string, at located, path string, add adder) {
	for j, name := range names {
		if err := CheckPassthrough(name); err != nil {
			add(at.ItemLoc("env_passthrough", j), path+"env_passthrough", "%v", err)
		}
	}
}

// tagRE is a build tag as the go command reads them: letters, digits, '_'
// and '.'.
var tagRE = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// checkTags rejects tags that would not reach the go command as one tag:
// -tags is a comma-separated list, so "x,y" is two tags and "a b" none.
func checkTags(tags []string, at located, path string, add adder) {
	for j, tag := range tags {
		if !tagRE.MatchString(tag) {
			add(at.ItemLoc("tags", j), path+".tags", "%q is not a build tag: use letters, digits, '_' and '.', one tag per list item", tag)
		}
	}
}

// checkMain accepts a package path relative to the module (".", "./cmd/x")
// or an import path; an absolute path or one that leaves the module is not
// a package of this build.
func checkMain(main string, l Loc, field string, add adder) {
	switch {
	case main == "":
	case strings.IndexFunc(main, unicode.IsControl) >= 0:
		add(l, field, "%q contains a control character", main)
	case path.IsAbs(main) || filepath.IsAbs(main):
		add(l, field, "main %q is absolute; give the package relative to the module directory, like ./cmd/server", main)
	case escapes(main):
		add(l, field, "main %q leaves the module directory; give a package inside it, like ./cmd/server (or set dir:)", main)
	}
}

// checkRelDir accepts a directory relative to the manifest.
func checkRelDir(dir string, l Loc, field string, add adder) {
	switch {
	case dir == "":
	case strings.IndexFunc(dir, unicode.IsControl) >= 0:
		add(l, field, "%q contains a control character", dir)
	case path.IsAbs(dir) || filepath.IsAbs(dir):
		add(l, field, "dir %q is absolute; give the module directory relative to the manifest", dir)
	}
}

// escapes says a relative path leaves its base directory.
func escapes(p string) bool {
	clean := path.Clean(filepath.ToSlash(p))
	return clean == ".." || strings.HasPrefix(clean, "../")
}

func checkTemplate(text string, l Loc, field string, add adder) (string, bool) {
	if text == "" {
		return "", true
	}
	out, err := Render(field, text, SampleData())
	if err != nil {
		add(l, field, "%v", err)
		return "", false
	}
	return out, true
}

// templateFields names the fields of TemplateData, in order.
func templateFields() []string {
	t := reflect.TypeOf(TemplateData{})
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Name
	}
	return names
}

func checkEnum(val string, allowed []string, l Loc, field, what string, add adder) {
	if val == "" || slices.Contains(allowed, val) {
		return
	}
	msg := fmt.Sprintf("unknown %s %q; use %s", what, val, orList(allowed))
	if c := suggest.Closest(val, allowed, 1); len(c) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", c[0])
	}
	add(l, field, "%s", msg)
}

// cToolchain is the part of a variant or toolchain rule that chooses the
// C toolchain.
type cToolchain struct {
	at                         located
	cc, libc, toolchain, glibc string
}

var glibcRE = regexp.MustCompile(`^2\.(0|[1-9][0-9]?)$`)

// checkCToolchain checks toolchain and glibc, and that they agree with cc
// and libc. Whether the zig on the machine serves the floor is the plan's
// business (it knows the zig).
func checkCToolchain(c cToolchain, path string, add adder) {
	checkEnum(c.toolchain, ToolchainValues, c.at.KeyLoc("toolchain"), path+".toolchain", "toolchain", add)
	ccZig := strings.TrimSpace(c.cc) == "zig"
	if c.toolchain == "gcc" && ccZig {
		add(c.at.KeyLoc("cc"), path+".cc", "cc: zig contradicts toolchain: gcc; drop one of them")
	}
	if c.toolchain == "zig" && c.cc != "" && !ccZig {
		add(c.at.KeyLoc("cc"), path+".cc", "cc: %q replaces the compiler that toolchain: zig picks; drop one of them", c.cc)
	}
	if c.glibc == "" {
		return
	}
	at, field := c.at.KeyLoc("glibc"), path+".glibc"
	switch {
	case !glibcRE.MatchString(c.glibc):
		add(at, field, "glibc %q: want a version like \"2.17\" (%s or later; quote it so YAML keeps it a string)", c.glibc, MinGlibc)
	case dotted.Compare(c.glibc, MinGlibc) < 0:
		add(at, field, "glibc %s: the oldest floor portmatrix builds for is %s (zig's glibc stubs, and the first glibc with arm64)", c.glibc, MinGlibc)
	}
	if c.libc == "musl" {
		add(at, field, "glibc %s with libc: musl: a musl binary has no glibc floor; drop one of them", c.glibc)
	}
	if c.cc != "" && !ccZig {
		add(at, field, "glibc %s with cc: %q: portmatrix sets a glibc floor only through zig; drop cc: (or write cc: zig)", c.glibc, c.cc)
	}
	if c.toolchain == "gcc" {
		add(at, field, "glibc %s with toolchain: gcc: gcc links against the build machine's glibc; use toolchain: zig or auto", c.glibc)
	}
}

var versionRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+){0,2}$`)

func checkExpect(e *Expect, field string, add adder) {
	if e == nil {
		return
	}
	if e.IsZero() {
		add(e.Loc(), field, "empty expect; use one of %s, or a mapping of policy keys (linkage, max_glibc, libs_allow, libs_deny, system_libs_only, min_macos, stripped, pie, cgo)", strings.Join(ExpectValues, ", "))
		return
	}
	if e.Linkage != "" {
		l := e.Loc()
		if e.node != nil && e.node.Kind == yaml.MappingNode { // point at the linkage value
			l = e.KeyLoc("linkage")
		}
		checkEnum(e.Linkage, ExpectValues, l, field, "expectation", add)
	}
	for _, v := range []struct{ key, val, example string }{{"max_glibc", e.MaxGlibc, "2.17"}, {"min_macos", e.MinMacOS, "11.0"}} {
		if v.val != "" && !versionRE.MatchString(v.val) {
			add(e.KeyLoc(v.key), field+"."+v.key, "%q is not a version; write it like %q", v.val, v.example)
		}
	}
	for _, key := range []string{"libs_allow", "libs_deny"} {
		globs := e.LibsAllow
		if key == "libs_deny" {
			globs = e.LibsDeny
		}
		for i, g := range globs {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				add(e.ItemLoc(key, i), field+"."+key, "bad glob %q", g)
			}
		}
	}
}

// orList renders "a, b or c".
func orList(ss []string) string {
	if len(ss) <= 1 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}

// checkArchive validates a build's archive: formats, a name template that
// renders to a plain file name, and well-formed globs.
func checkArchive(a *Archive, ap string, add adder) {
	if a == nil {
		return
	}
	for _, f := range []struct{ key, val string }{{"format", a.Format}, {"windows_format", a.WindowsFormat}} {
		if f.val != "" && !slices.Contains(ArchiveFormats, f.val) {
			msg := fmt.Sprintf("%q is not an archive format; use one of %s", f.val, strings.Join(ArchiveFormats, ", "))
			if c := suggest.Closest(f.val, ArchiveFormats, 1); len(c) > 0 {
				msg = fmt.Sprintf("%q is not an archive format (did you mean %q?)", f.val, c[0])
			}
			add(a.KeyLoc(f.key), ap+"."+f.key, "%s", msg)
		}
	}
	if out, ok := checkTemplate(a.Name, a.KeyLoc("name"), ap+".name", add); ok && a.Name != "" {
		if out == "" || strings.ContainsAny(out, `/\`) || out == "." || out == ".." {
			add(a.KeyLoc("name"), ap+".name", "the archive name renders to %q; it must be a plain file name (no directories), without extension", out)
		}
	}
	for i, g := range a.Files {
		switch {
		case strings.TrimSpace(g) == "":
			add(a.ItemLoc("files", i), ap+".files", "empty file name")
		case path.IsAbs(g) || filepath.IsAbs(g):
			add(a.ItemLoc("files", i), ap+".files", "%q is absolute; give it relative to the manifest", g)
		default:
			if _, err := path.Match(filepath.ToSlash(g), ""); err != nil {
				add(a.ItemLoc("files", i), ap+".files", "%q is not a valid glob: %v", g, err)
			}
		}
	}
}
