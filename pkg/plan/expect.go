package plan

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// expectation resolves what a job's binary must be: the build's expect, then
// the variant's, then every matching rule in order; the last one set wins.
// An expectation that can never hold on the target's OS is a problem reported
// at the expect that set it.
func (p *planner) expectation(b *manifest.Build, v *manifest.Variant, t target.Target) Expectation {
	e := Expectation{Linkage: manifest.ExpectAny, Source: "default"}
	var from *manifest.Expect // the expect that set the linkage
	var field string
	// last records, per policy key, the expect that set it, for messages.
	last := map[string]*manifest.Expect{}
	lastField := map[string]string{}
	set := func(x *manifest.Expect, path string) {
		if x == nil {
			return
		}
		if x.Linkage != "" {
			from, field = x, path
		}
		for key, isSet := range map[string]bool{"pie": x.PIE != nil, "cgo": x.Cgo != nil, "stripped": x.Stripped != nil} {
			if isSet {
				last[key], lastField[key] = x, path
			}
		}
		e.Merge(x, fileLine(p.m.File, x.Loc()))
	}
	bp := "builds[" + b.ID + "]"
	set(b.Expect, bp+".expect")
	set(v.Expect, bp+".variants["+v.Name+"].expect")
	for i := range b.Expectations {
		r := &b.Expectations[i]
		if len(r.Targets) > 0 && !slices.ContainsFunc(r.Targets, func(pat string) bool { return p.opt.Table.Matches(pat, t) }) {
			continue
		}
		if len(r.Variants) > 0 && !slices.Contains(r.Variants, v.Name) {
			continue
		}
		set(r.Expect, fmt.Sprintf("%s.expectations[%d].expect", bp, i))
	}
	add := func(x *manifest.Expect, f, why, instead string, linkage string) {
		p.impossible = append(p.impossible, impossible{from: x, field: f, target: t.String(), linkage: linkage, why: why, goos: t.GOOS, instead: instead})
	}
	if from != nil {
		if why, ok := neverStatic[t.GOOS]; ok && (e.Linkage == manifest.ExpectStatic || e.Linkage == manifest.ExpectStaticPIE) {
			add(from, field, why, "`expect: dynamic`", "expect "+e.Linkage)
		} else if e.Linkage == manifest.ExpectStaticPIE && (v.Buildmode != "pie" || v.Linkmode != "external" || !v.Cgo) {
			add(from, field, "a static PIE needs the C linker: `cgo: true`, `linkmode: external`, `buildmode: pie` and `extldflags: [-static-pie]`", "those variant keys, or `expect: static`", "expect static-pie")
		}
		if why, ok := neverDynamic[t.GOOS]; ok && e.Linkage == manifest.ExpectDynamic {
			add(from, field, why, "`expect: static`", "expect dynamic")
		}
	}
	if x := last["cgo"]; x != nil && *e.Cgo != v.Cgo {
		add(x, lastField["cgo"]+".cgo", fmt.Sprintf("the variant %q builds with `cgo: %v`", v.Name, v.Cgo), fmt.Sprintf("`cgo: %v` in the variant or the expect", *e.Cgo), fmt.Sprintf("cgo: %v", *e.Cgo))
	}
	if x := last["pie"]; x != nil {
		pie := v.Buildmode == "pie" || (v.Buildmode == "" && DefaultPIE(t))
		if *e.PIE != pie {
			why := fmt.Sprintf("the variant %q builds with -buildmode=%s", v.Name, cmp.Or(v.Buildmode, "default"))
			if v.Buildmode == "" {
				why += fmt.Sprintf(", which is %s on %s", map[bool]string{true: "pie", false: "exe"}[pie], t.GOOS)
			}
			add(x, lastField["pie"]+".pie", why, fmt.Sprintf("`buildmode: %s` in the variant", map[bool]string{true: "pie", false: "exe"}[*e.PIE]), fmt.Sprintf("pie: %v", *e.PIE))
		}
	}
	if x := last["stripped"]; x != nil && *e.Stripped && !hasFlag(b.Ldflags+" "+v.Ldflags, "-s") {
		add(x, lastField["stripped"]+".stripped", "only -ldflags=-s removes the symbol table, and this build's ldflags lack it", "`-s` in ldflags", "stripped: true")
	}
	return e
}

// DefaultPIE reports whether Go builds a position-independent executable
// for the target when no -buildmode is given (cmd/internal/platform.DefaultPIE).
func DefaultPIE(t target.Target) bool {
	switch t.GOOS {
	case "android", "ios", "darwin", "windows":
		return true
	}
	return false
}

func hasFlag(ldflags, flag string) bool {
	for _, f := range strings.Fields(ldflags) {
		if f == flag || f == flag+"=true" || f == "-"+flag {
			return true
		}
	}
	return false
}

type impossible struct {
	from    *manifest.Expect
	field   string
	target  string
	goos    string
	linkage string
	why     string
	instead string
}

// neverDynamic says, for each GOOS whose binaries can never load shared
// libraries, why; a dynamic expectation there can never hold.
var neverDynamic = map[string]string{
	"plan9":  "Plan 9 has no dynamic linking",
	"js":     "a WebAssembly module imports host functions, not libraries (portmatrix reports it as static)",
	"wasip1": "a WebAssembly module imports host functions, not libraries (portmatrix reports it as static)",
}

// reportImpossible folds impossible expectations into one problem per expect
// and OS, so `expect: static` over `all` does not print forty lines.
func (p *planner) reportImpossible() {
	type key struct {
		from      *manifest.Expect
		goos      string
		what, why string
	}
	groups := map[key][]string{}
	var order []key
	first := map[key]impossible{}
	for _, im := range p.impossible {
		k := key{im.from, im.goos, im.linkage, im.why}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
			first[k] = im
		}
		if !slices.Contains(groups[k], im.target) {
			groups[k] = append(groups[k], im.target)
		}
	}
	for _, k := range order {
		im := first[k]
		ts := groups[k]
		sort.Strings(ts)
		p.add(im.from.Loc(), im.field, "%s cannot hold for %s: %s; ask for %s there (e.g. an expectations rule with `targets: [%s/*]`)",
			im.linkage, strings.Join(ts, ", "), im.why, im.instead, k.goos)
	}
}

// checkOutputs reports jobs that would write the same file, once per build.
func (p *planner) checkOutputs() {
	byPath := map[string]string{}
	clashes := map[string][]string{}
	var order []string
	for _, j := range p.plan.Jobs {
		if j.Archive != nil {
			if other, dup := byPath[j.Archive.Path]; dup {
				p.add(p.build(j.Build).Archive.KeyLoc("name"), "builds["+j.Build+"].archive.name",
					"jobs %s and %s both write %s; put {{.GOOS}}, {{.GOARCH}}, {{.Level}} and {{.Variant}} in the archive name", other, j.ID, j.Archive.Path)
			} else {
				byPath[j.Archive.Path] = j.ID
			}
		}
		if other, dup := byPath[j.Output]; dup {
			if _, seen := clashes[j.Build]; !seen {
				order = append(order, j.Build)
			}
			clashes[j.Build] = append(clashes[j.Build], fmt.Sprintf("%s and %s both write %s", other, j.ID, j.Output))
			continue
		}
		byPath[j.Output] = j.ID
	}
	for _, id := range order {
		c := clashes[id]
		more := ""
		if len(c) > 1 {
			more = fmt.Sprintf(" (and %d more clashes)", len(c)-1)
		}
		p.add(p.build(id).KeyLoc("output"), "builds["+id+"].output",
			"jobs %s%s; put {{.Slug}} (or {{.GOOS}}, {{.GOARCH}} and {{.Level}}) and {{.Variant}} in the output template", c[0], more)
	}
}

func (p *planner) build(id string) *manifest.Build {
	for i := range p.m.Builds {
		if p.m.Builds[i].ID == id {
			return &p.m.Builds[i]
		}
	}
	return &manifest.Build{}
}

// String renders an expectation for humans.
func (e Expectation) String() string { return fmt.Sprintf("%s (%s)", e.Linkage, e.Source) }
