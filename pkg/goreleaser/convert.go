package goreleaser

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// Options tune Import.
type Options struct {
	// ProjectName is goreleaser's project name when the configuration
	// sets none (goreleaser's own default: the go.mod module's last path
	// element).
	ProjectName string
	// Table, when set, is the go command's platform list: targets it does
	// not have are left out, with a note.
	Table *target.Table
}

// Imported is one build of the manifest and the targets it builds, in
// goreleaser's names, for comparing with what goreleaser builds.
type Imported struct {
	ID      string
	Targets []string
}

// Result is an import: the manifest, what it builds, and what was left
// behind. Complete says nothing was.
type Result struct {
	Manifest []byte
	Builds   []Imported
	Notes    []Dropped
}

// Complete says the manifest carries everything the configuration's
// builds say.
func (r *Result) Complete() bool { return len(r.Notes) == 0 }

// Import turns cfg's Go builds into a portmatrix manifest. The manifest
// is checked with the manifest package before it is returned: an import
// never writes a manifest portmatrix would refuse.
func Import(cfg *Config, opt Options) (*Result, error) {
	project := cfg.ProjectName
	if project == "" {
		project = opt.ProjectName
	}
	res := &Result{Notes: slices.Clone(cfg.Dropped)}
	noted := map[Dropped]bool{}
	note := func(line int, format string, args ...any) {
		d := Dropped{File: cfg.File, Line: line, What: fmt.Sprintf(format, args...)}
		if !noted[d] {
			noted[d] = true
			res.Notes = append(res.Notes, d)
		}
	}
	builds := cfg.Builds
	if len(builds) == 0 {
		builds = []Build{{Line: 1, keyLines: map[string]int{}}} // goreleaser's one default build
	}
	var out []string
	ids := map[string]bool{}
	for i, b := range builds {
		text, imp, ok := convertBuild(b, i, project, opt, note)
		if !ok {
			continue
		}
		if ids[imp.ID] {
			note(b.Line, "builds[%d]: id %q is used twice; goreleaser refuses that too", i, imp.ID)
			continue
		}
		ids[imp.ID] = true
		out = append(out, text)
		res.Builds = append(res.Builds, imp)
	}
	if len(out) == 0 {
		return res, fmt.Errorf("%s: no Go build to import", cfg.File)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=https://raw.githubusercontent.com/portmatrix/portmatrix/main/configs/portmatrix.schema.json\n")
	fmt.Fprintf(&b, "# Imported from %s by `portmatrix import goreleaser`.\n", cfg.File)
	fmt.Fprintf(&b, "# The targets are exactly the ones goreleaser builds for each build id.\n")
	if len(res.Notes) > 0 {
		fmt.Fprintf(&b, "# Not carried over (see the notes by each build, and docs/migrating-from-goreleaser.md):\n")
		for _, n := range res.Notes {
			fmt.Fprintf(&b, "#   %s\n", n)
		}
	}
	b.WriteString("version: 1\nbuilds:\n")
	for _, t := range out {
		b.WriteString(t)
	}
	res.Manifest = []byte(b.String())
	m, ps := manifest.Parse(res.Manifest, "imported manifest")
	if m == nil || len(ps) > 0 {
		return res, fmt.Errorf("the imported manifest is not valid (a bug in the import, please report it):\n%s", ps.Error())
	}
	return res, nil
}

// convertBuild writes one build's manifest entry.
func convertBuild(b Build, i int, project string, opt Options, note func(int, string, ...any)) (string, Imported, bool) {
	at := func(key string) int {
		if l, ok := b.keyLines[key]; ok {
			return l
		}
		return b.Line
	}
	label := fmt.Sprintf("builds[%d]", i)
	if b.ID != "" {
		label = fmt.Sprintf("builds[%s]", b.ID)
	}
	if b.Builder != "" && b.Builder != "go" {
		note(at("builder"), "%s: builder %s: portmatrix builds Go only", label, b.Builder)
		return "", Imported{}, false
	}
	if s := strings.ToLower(b.Skip); s == "true" {
		note(at("skip"), "%s: skip: true: the build is left out", label)
		return "", Imported{}, false
	} else if b.Skip != "" && b.Skip != "false" {
		note(at("skip"), "%s: skip: %q (a template): imported as built; remove it from the manifest when it should be skipped", label, b.Skip)
	}
	for _, h := range b.Hooks {
		note(h.Line, "%s: %s", label, h.What)
	}
	id := b.ID
	if id == "" {
		id = project
	}
	if id == "" {
		id = "app"
		note(b.Line, "%s: no id and no project_name: named %q", label, id)
	}
	id = cleanName(id)
	var e entry
	e.line("  # %s", fmt.Sprintf("from %s (%s)", lineRef(b.Line), label))
	e.line("  - id: %s", q(id))
	if b.Main != "" && b.Main != "." {
		main := b.Main
		if strings.HasSuffix(main, ".go") {
			main = path.Dir(main)
			note(at("main"), "%s: main %q names a file; portmatrix builds its package %q", label, b.Main, main)
		}
		if !strings.HasPrefix(main, ".") && !strings.Contains(main, ".") {
			main = "./" + main
		}
		e.line("    main: %s", q(main))
	}
	if b.Dir != "" && b.Dir != "." {
		e.line("    dir: %s", q(b.Dir))
	}
	binary := b.Binary
	if binary == "" {
		binary = project
	}
	if binary != "" {
		tb, notes, ok := translate(binary, project)
		switch {
		case !ok || strings.ContainsAny(tb, "/\\"):
			note(at("binary"), "%s: binary %q cannot be carried over (a template portmatrix has no field for, or a path); the binary is named %q", label, b.Binary, id)
		case hasTemplate(tb):
			// A per-target name: the output template carries it.
			e.line("    output: %s", q("{{.Build}}/{{.Slug}}/{{.Variant}}/"+tb+"{{.Ext}}"))
			for _, n := range notes {
				note(at("binary"), "%s: binary: %s", label, n)
			}
		default:
			e.line("    binary: %s", q(cleanName(tb)))
		}
	}
	for _, k := range []struct{ key, val, what string }{
		{"tool", b.Tool, "tool"}, {"gobinary", b.GoBinary, "gobinary"},
	} {
		if k.val != "" {
			note(at(k.key), "%s: %s %q: give portmatrix the go command with --go or $GO", label, k.what, k.val)
		}
	}
	if b.ModTimestamp != "" {
		note(at("mod_timestamp"), "%s: mod_timestamp: portmatrix does not set a binary's mtime (archives take the commit time)", label)
	}
	if b.NoUniqueDistDir != "" && b.NoUniqueDistDir != "false" {
		note(at("no_unique_dist_dir"), "%s: no_unique_dist_dir: portmatrix writes each binary under its target's directory", label)
	}

	// Flags: -trimpath and -tags become keys; the rest stay flags.
	trimpath := false
	var flags, tags []string
	for _, f := range b.Flags {
		switch {
		case f == "-trimpath" || f == "--trimpath":
			trimpath = true
		case strings.HasPrefix(f, "-tags=") || strings.HasPrefix(f, "--tags="):
			tags = append(tags, splitTags(f[strings.Index(f, "=")+1:])...)
		case f == "-v" || f == "-x" || strings.HasPrefix(f, "-mod=") || strings.HasPrefix(f, "-p=") || f == "-a" || strings.HasPrefix(f, "-pgo="):
			flags = append(flags, f)
		case hasTemplate(f):
			note(at("flags"), "%s: flag %q holds a template; left out", label, f)
		default:
			if strings.HasPrefix(f, "-o") || strings.HasPrefix(f, "-ldflags") || strings.HasPrefix(f, "-buildmode") || strings.HasPrefix(f, "-C") {
				note(at("flags"), "%s: flag %q: portmatrix sets it; left out", label, f)
				continue
			}
			flags = append(flags, f)
		}
	}
	for _, a := range b.Asmflags {
		flags = append(flags, "-asmflags="+a)
	}
	for _, g := range b.Gcflags {
		flags = append(flags, "-gcflags="+g)
	}
	for _, t := range b.Tags {
		tags = append(tags, splitTags(t)...)
	}
	if trimpath {
		e.line("    trimpath: true")
	}
	if len(flags) > 0 {
		e.line("    flags: %s", qlist(flags))
	}
	if b.Buildmode != "" && b.Buildmode != "exe" {
		if b.Buildmode != "pie" {
			note(at("buildmode"), "%s: buildmode %s: portmatrix builds executables (exe, pie)", label, b.Buildmode)
			return "", Imported{}, false
		}
	}

	// Targets.
	targets, err := b.Expand()
	if err != nil {
		note(at("targets"), "%s: %v", label, err)
		return "", Imported{}, false
	}
	var pm, gr []string
	for _, t := range targets {
		p, ok := t.Portmatrix()
		if !ok {
			note(b.Line, "%s: target %s: portmatrix has no level for goarm64 features; left out", label, t)
			continue
		}
		if opt.Table != nil {
			if _, known := opt.Table.Lookup(t.Goos, t.Goarch); !known {
				note(b.Line, "%s: target %s: not a platform of this Go toolchain (go tool dist list); left out", label, t)
				continue
			}
		}
		pm = append(pm, p)
		gr = append(gr, t.String())
	}
	if len(pm) == 0 {
		note(b.Line, "%s: no target left", label)
		return "", Imported{}, false
	}

	// The variants: the build's details, and one per override.
	base := details{ldflags: b.Ldflags, tags: tags, env: b.Env, buildmode: b.Buildmode}
	type variant struct {
		name    string
		d       details
		targets []string
	}
	variants := []variant{{name: "default", d: base}}
	overridden := map[string]bool{}
	for oi, o := range b.Overrides {
		var ts []string
		for _, t := range targets {
			if o.Selector.matches(t) {
				p, _ := t.Portmatrix()
				if slices.Contains(pm, p) && !overridden[p] {
					ts = append(ts, p)
				}
			}
		}
		if len(ts) == 0 {
			note(o.Line, "%s: overrides[%d] matches no target of the build", label, oi)
			continue
		}
		if o.set["flags"] || o.set["asmflags"] || o.set["gcflags"] {
			note(o.Line, "%s: overrides[%d]: flags per target: portmatrix's flags are per build; left out", label, oi)
		}
		d := base.with(o)
		for _, t := range ts {
			overridden[t] = true
		}
		variants = append(variants, variant{name: fmt.Sprintf("override-%d", oi+1), d: d, targets: ts})
	}
	single := len(variants) == 1
	if single {
		writeDetails(&e, "    ", base, project, label, at, note)
	}
	e.line("    targets:")
	for _, t := range pm {
		e.line("      - %s", q(t))
	}
	cgo := func(d details) bool { return envValue(d.env, "CGO_ENABLED") == "1" }
	if single {
		if cgo(base) || base.buildmode == "pie" {
			e.line("    variants:")
			e.line("      - name: default")
			if cgo(base) {
				e.line("        cgo: true")
			}
			if base.buildmode == "pie" {
				e.line("        buildmode: pie")
			}
		}
	} else {
		e.line("    variants:")
		for vi, v := range variants {
			e.line("      - name: %s", v.name)
			if vi == 0 {
				var ex []string
				for _, t := range pm {
					if overridden[t] {
						ex = append(ex, t)
					}
				}
				e.line("        exclude: %s", qlist(ex))
			} else {
				e.line("        targets: %s", qlist(v.targets))
			}
			if cgo(v.d) {
				e.line("        cgo: true")
			}
			if v.d.buildmode == "pie" {
				e.line("        buildmode: pie")
			}
			writeDetails(&e, "        ", v.d, project, label, at, note)
		}
	}
	return e.String(), Imported{ID: id, Targets: gr}, true
}

// details are what an override can change.
type details struct {
	ldflags, tags, env []string
	buildmode          string
}

// with is d with an override's details: each one it sets replaces d's;
// env is merged, the override's variables winning (as goreleaser does).
func (d details) with(o Override) details {
	out := d
	if o.set["ldflags"] {
		out.ldflags = o.Ldflags
	}
	if o.set["tags"] {
		out.tags = nil
		for _, t := range o.Tags {
			out.tags = append(out.tags, splitTags(t)...)
		}
	}
	if o.set["buildmode"] {
		out.buildmode = o.Buildmode
	}
	if o.set["env"] {
		out.env = slices.Clone(d.env)
		for _, kv := range o.Env {
			k, _, _ := strings.Cut(kv, "=")
			out.env = slices.DeleteFunc(out.env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
			out.env = append(out.env, kv)
		}
	}
	return out
}

// writeDetails writes ldflags, tags and env at indent.
func writeDetails(e *entry, indent string, d details, project, label string, at func(string) int, note func(int, string, ...any)) {
	var ld []string
	for _, l := range d.ldflags {
		for _, f := range splitWords(l) {
			t, notes, ok := translate(f, project)
			if !ok {
				note(at("ldflags"), "%s: ldflags: %q holds a template portmatrix has no field for; left out", label, f)
				continue
			}
			for _, n := range notes {
				note(at("ldflags"), "%s: ldflags: %s", label, n)
			}
			ld = append(ld, t)
		}
	}
	// -X takes its value as the next word; keep pairs together.
	ld = dropDanglingX(ld)
	if len(ld) > 0 {
		e.line("%sldflags: %s", indent, q(strings.Join(ld, " ")))
	}
	if len(d.tags) > 0 {
		e.line("%stags: %s", indent, qlist(d.tags))
	}
	var env []string
	for _, kv := range d.env {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			note(at("env"), "%s: env %q is not KEY=VALUE; left out", label, kv)
		case k == "CGO_ENABLED":
			// A variant's cgo: key says it.
		case strings.ContainsAny(v, "$") || hasTemplate(v):
			note(at("env"), "%s: env %s takes its value from the environment or a template; pass the variable with env_passthrough instead", label, k)
		case manifest.CheckPassthrough(k) != nil || k == "GOFLAGS":
			note(at("env"), "%s: env %s: portmatrix sets it from the target or the flags; left out", label, k)
		default:
			env = append(env, kv)
		}
	}
	if len(env) > 0 {
		e.line("%senv: %s", indent, qlist(env))
	}
}

// dropDanglingX removes a trailing -X without its value (its value was
// left out).
func dropDanglingX(ld []string) []string {
	var out []string
	for i := 0; i < len(ld); i++ {
		if ld[i] == "-X" && (i+1 == len(ld) || strings.HasPrefix(ld[i+1], "-")) {
			continue
		}
		out = append(out, ld[i])
	}
	return out
}

// envValue is KEY's value in env ("" when absent).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// splitTags splits goreleaser's tags ("a,b" or "a b") into portmatrix's.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// cleanName makes s a portmatrix id or binary name.
func cleanName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	return strings.TrimLeft(string(b), "-._")
}

// entry builds a manifest entry line by line.
type entry struct{ strings.Builder }

func (e *entry) line(format string, args ...any) {
	fmt.Fprintf(&e.Builder, format+"\n", args...)
}

// q quotes a scalar for YAML.
func q(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// qlist writes a flow list of quoted scalars.
func qlist(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		out, _ := yaml.Marshal([]string{s})
		parts[i] = strings.TrimPrefix(strings.TrimSuffix(string(out), "\n"), "- ")
		if strings.ContainsAny(parts[i], ",[]{}") && !strings.HasPrefix(parts[i], `"`) && !strings.HasPrefix(parts[i], "'") {
			parts[i] = fmt.Sprintf("%q", s)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// lineRef is "line N".
func lineRef(n int) string { return fmt.Sprintf("line %d", n) }

// splitWords splits s at spaces outside template actions, so that
// "-X main.v={{ .Version }}" is two words.
func splitWords(s string) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "{{"):
			depth++
			cur.WriteString("{{")
			i++
		case strings.HasPrefix(s[i:], "}}") && depth > 0:
			depth--
			cur.WriteString("}}")
			i++
		case (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') && depth == 0:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(s[i])
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
