package plan

import (
	"cmp"
	"errors"
	"os/exec"
	"time"

	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/toolchain"

	"github.com/portmatrix/portmatrix/pkg/internal/dotted"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/internal/quoted"
	"github.com/portmatrix/portmatrix/pkg/internal/suggest"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// neverStatic says, for each GOOS whose binaries always load system
// libraries, why; a static expectation there can never hold.
var neverStatic = map[string]string{
	"darwin":  "every darwin binary loads /usr/lib/libSystem.B.dylib (Apple supports no static executables)",
	"ios":     "every ios binary loads libSystem through dyld",
	"windows": "every Windows binary imports system DLLs such as kernel32.dll",
	"openbsd": "Go links OpenBSD binaries against libc.so through /usr/libexec/ld.so (OpenBSD only allows system calls from libc)",
	"solaris": "Go calls the system through libc.so on Solaris",
	"illumos": "Go calls the system through libc.so on illumos",
	"aix":     "Go calls the system through libc.a(shr_64.o) on AIX",
	"android": "Go builds Android binaries as PIE loaded by /system/bin/linker",
}

// MustLinkExternal reports whether Go can only link the target with the C
// linker, so that CGO_ENABLED=0 cannot build it (the go command's own rule,
// cmd/internal/platform.MustLinkExternal, as of Go 1.26): every ios target,
// and android on every architecture but arm64.
func MustLinkExternal(t target.Target) bool {
	return t.GOOS == "ios" || (t.GOOS == "android" && t.GOARCH != "arm64")
}

type planner struct {
	m    *manifest.Manifest
	opt  Options
	ps   manifest.Problems
	plan Plan

	impossible []impossible
	perJob     []jobProblem
	// tooMany is set once the plan passed MaxJobs: planning stops.
	tooMany bool
}

// MaxJobs bounds one plan. The largest real matrix is a few hundred jobs
// (every platform, every level, a few variants); the bound stops a typo
// such as `targets: [all]` under a hundred variants from planning and
// scheduling a hundred thousand builds.
const MaxJobs = 10000

// selection names the flags that selected part of the manifest, as the
// "file" of a problem with the selection.
func selection(opt Options) string {
	var flags []string
	if len(opt.Targets) > 0 {
		flags = append(flags, "--targets "+strings.Join(opt.Targets, ","))
	}
	if len(opt.Builds) > 0 {
		flags = append(flags, "--build "+strings.Join(opt.Builds, ","))
	}
	return strings.Join(flags, " ")
}

// checkDist refuses a dist directory that is, or holds, a build's module
// directory: every run would write into the sources it builds from, so no
// job could ever be proved unchanged, and a stray output could end up in
// an archive's files.
func (p *planner) checkDist() {
	dist := filepath.Clean(p.plan.DistDir)
	for i := range p.m.Builds {
		b := &p.m.Builds[i]
		dir := filepath.Join(p.opt.ManifestDir, filepath.FromSlash(b.Dir))
		rel, err := filepath.Rel(dist, dir)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		at, field := p.m.KeyLoc("dist"), "dist"
		if p.opt.DistDir != "" {
			p.ps = append(p.ps, manifest.Problem{File: "--dist", Msg: fmt.Sprintf("%s holds the module directory %s of build %s; give a directory of its own, such as dist", p.opt.DistDir, dir, b.ID)})
			return
		}
		p.add(at, field, "the dist directory %s holds the module directory %s of build %s; use a directory of its own, such as dist", dist, dir, b.ID)
		return
	}
}

// jobProblem is a problem of one job (target/variant) at a place of the
// manifest: a template that renders badly for it. The jobs of one place are
// reported as one problem (reportJobProblems): an output template that
// escapes the dist directory is one mistake, not one per target.
type jobProblem struct {
	at         manifest.Loc
	field, job string
	msg        string
}

func (p *planner) jobProblem(at manifest.Loc, field, job, format string, args ...any) {
	p.perJob = append(p.perJob, jobProblem{at: at, field: field, job: job, msg: fmt.Sprintf(format, args...)})
}

// reportJobProblems adds one problem per place: "for linux/386/default:
// MSG" for one job; "for 13 jobs (a, b, c and 10 more): MSG" when they
// share the message; else the first job's message and how many others have
// one of their own.
func (p *planner) reportJobProblems() {
	type place struct {
		at    manifest.Loc
		field string
	}
	byPlace := map[place][]jobProblem{}
	var order []place
	for _, jp := range p.perJob {
		k := place{jp.at, jp.field}
		if _, ok := byPlace[k]; !ok {
			order = append(order, k)
		}
		byPlace[k] = append(byPlace[k], jp)
	}
	for _, k := range order {
		jps := byPlace[k]
		var jobs []string
		same := true
		for _, jp := range jps {
			jobs = append(jobs, jp.job)
			same = same && jp.msg == jps[0].msg
		}
		switch {
		case len(jps) == 1:
			p.add(k.at, k.field, "for %s: %s", jps[0].job, jps[0].msg)
		case same:
			p.add(k.at, k.field, "for %d jobs (%s): %s", len(jps), listSome(jobs, 3), jps[0].msg)
		default:
			p.add(k.at, k.field, "for %s: %s; likewise for %s (%s), each with a value of its own", jps[0].job, jps[0].msg, plural.Count(len(jps)-1, "more job"), listSome(jobs[1:], 3))
		}
	}
}

// byReason groups targets by a reason that starts with them: "linux/arm/v6
// needs x, which is not on PATH" for three targets reads once, with the
// three in front, not three times.
type byReason struct {
	order   []string
	targets map[string][]string
}

// add files target under msg, a sentence that starts with the target.
func (b *byReason) add(target, msg string) {
	reason := strings.TrimPrefix(msg, target+" ")
	if r, ok := strings.CutPrefix(msg, target+": "); ok {
		reason = ": " + r
	}
	if b.targets == nil {
		b.targets = map[string][]string{}
	}
	if _, ok := b.targets[reason]; !ok {
		b.order = append(b.order, reason)
	}
	if !slices.Contains(b.targets[reason], target) {
		b.targets[reason] = append(b.targets[reason], target)
	}
}

// String is "t1, t2: REASON; t3 OTHER REASON" (a lone target keeps its
// sentence).
func (b byReason) String() string {
	parts := make([]string, len(b.order))
	for i, r := range b.order {
		colon := strings.HasPrefix(r, ": ") // "target: msg" rather than "target msg"
		switch ts := b.targets[r]; {
		case colon:
			parts[i] = strings.Join(ts, ", ") + r
		case len(ts) == 1:
			parts[i] = ts[0] + " " + r
		default:
			parts[i] = strings.Join(ts, ", ") + ": " + r
		}
	}
	return strings.Join(parts, "; ")
}

// listSome lists the first n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

func (p *planner) add(l manifest.Loc, field, format string, args ...any) {
	p.ps = append(p.ps, manifest.Problem{File: p.m.File, Line: l.Line, Col: l.Col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *planner) run() (*Plan, manifest.Problems) {
	if p.opt.GoBin == "" {
		p.opt.GoBin = "go"
	}
	p.plan.Manifest = p.m.File
	p.plan.DistDir = DistDir(p.m, p.opt.ManifestDir, p.opt.DistDir)
	p.plan.Warnings = []string{}

	filter := p.checkFilter()
	for _, name := range p.opt.Passthrough {
		if err := manifest.CheckPassthrough(name); err != nil {
			p.ps = append(p.ps, manifest.Problem{File: "--env-passthrough", Msg: err.Error()})
		}
	}
	for _, id := range p.opt.Builds {
		if !slices.ContainsFunc(p.m.Builds, func(b manifest.Build) bool { return b.ID == id }) {
			var ids []string
			for _, b := range p.m.Builds {
				ids = append(ids, b.ID)
			}
			msg := fmt.Sprintf("no build with id %q", id)
			if c := suggest.Closest(id, ids, 1); len(c) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", c[0])
			} else {
				msg += "; the builds are " + strings.Join(ids, ", ")
			}
			p.ps = append(p.ps, manifest.Problem{File: "--build", Msg: msg})
		}
	}
	p.checkDist()
	planned := map[string]bool{}
	for i := range p.m.Builds {
		b := &p.m.Builds[i]
		if len(p.opt.Builds) > 0 && !slices.Contains(p.opt.Builds, b.ID) {
			continue
		}
		if planned[b.ID] {
			continue // a duplicate id, which validation reports; its jobs would only clash
		}
		planned[b.ID] = true
		if p.tooMany {
			break
		}
		p.planBuild(b, filter)
	}
	p.reportImpossible()
	p.reportJobProblems()
	p.checkOutputs()
	p.planRelease()
	if len(p.plan.Jobs) == 0 && len(p.ps) == 0 {
		switch {
		case len(p.opt.Targets) > 0 || len(p.opt.Builds) > 0:
			p.ps = append(p.ps, manifest.Problem{File: selection(p.opt), Msg: "no job of the manifest matches; the plan is empty"})
		default:
			p.add(p.m.KeyLoc("builds"), "builds", "the plan has no jobs: the excludes (and the variants' targets) leave nothing to build")
		}
	}
	for i := range p.plan.Jobs {
		p.plan.Jobs[i].Index = i
	}
	p.ps.Sort()
	return &p.plan, p.ps
}

// checkFilter validates the --targets patterns.
func (p *planner) checkFilter() []string {
	var ok []string
	for _, pat := range p.opt.Targets {
		if _, err := p.opt.Table.Expand(pat); err != nil {
			p.ps = append(p.ps, manifest.Problem{File: "--targets", Msg: err.Error()})
			continue
		}
		ok = append(ok, pat)
	}
	return ok
}

// expand resolves a list of target patterns with excludes, reporting each
// bad pattern at its own list item.
func (p *planner) expand(at interface {
	ItemLoc(string, int) manifest.Loc
}, key string, patterns []string, field string) []target.Target {
	var out []target.Target
	seen := map[target.Target]bool{}
	for i, pat := range patterns {
		ts, err := p.opt.Table.Expand(pat)
		if err != nil {
			p.add(at.ItemLoc(key, i), field, "%v", err)
			continue
		}
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

func (p *planner) excluded(t target.Target, excludes []string) bool {
	for _, pat := range excludes {
		if p.opt.Table.Matches(pat, t) {
			return true
		}
	}
	return false
}

func (p *planner) planBuild(b *manifest.Build, filter []string) {
	bp := "builds[" + b.ID + "]"
	dir := filepath.Join(p.opt.ManifestDir, filepath.FromSlash(b.Dir))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		p.add(b.KeyLoc("dir"), bp+".dir", "module directory %s does not exist", dir)
	}
	targets := p.expand(b, "targets", b.Targets, bp+".targets")
	p.expand(b, "exclude", b.Exclude, bp+".exclude") // validity only
	target.Sort(targets)
	first := len(p.plan.Jobs)

	for i := range b.Expectations {
		r := &b.Expectations[i]
		p.expand(r, "targets", r.Targets, fmt.Sprintf("%s.expectations[%d].targets", bp, i)) // validity only
	}
	for i := range b.Toolchains {
		r := &b.Toolchains[i]
		p.expand(r, "targets", r.Targets, fmt.Sprintf("%s.toolchains[%d].targets", bp, i)) // validity only
		p.checkGlibc(r.Glibc, r.KeyLoc("glibc"), fmt.Sprintf("%s.toolchains[%d].glibc", bp, i))
	}
	for i := range b.Variants {
		v := &b.Variants[i]
		p.checkGlibc(v.Glibc, v.KeyLoc("glibc"), bp+".variants["+v.Name+"].glibc")
	}

	variants := b.Variants
	if len(variants) == 0 {
		variants = []manifest.Variant{{Name: manifest.DefaultVariant}}
	}
	for vi := range variants {
		v := &variants[vi]
		vp := bp + ".variants[" + v.Name + "]"
		p.expand(v, "targets", v.Targets, vp+".targets") // validity only

		p.expand(v, "exclude", v.Exclude, vp+".exclude")
		var extld string
		if len(v.Extldflags) > 0 {
			var err error
			if extld, err = extldflagsArg(v.Extldflags); err != nil {
				p.add(v.KeyLoc("extldflags"), vp+".extldflags", "%v", err)
				continue
			}
		}
		var noCgo, needCgo []string
		var noCC byReason
		for _, t := range targets {
			if p.tooMany {
				return
			}
			if p.excluded(t, b.Exclude) || p.excluded(t, v.Exclude) {
				continue
			}
			if len(v.Targets) > 0 && !slices.ContainsFunc(v.Targets, func(pat string) bool { return p.opt.Table.Matches(pat, t) }) {
				continue
			}
			if len(filter) > 0 && !slices.ContainsFunc(filter, func(pat string) bool { return p.opt.Table.Matches(pat, t) }) {
				continue
			}
			plat, _ := p.opt.Table.Lookup(t.GOOS, t.GOARCH)
			if v.Cgo && !plat.CgoSupported {
				noCgo = append(noCgo, t.String())
				continue
			}
			if !v.Cgo && MustLinkExternal(t) {
				needCgo = append(needCgo, t.String())
				continue
			}
			tc, err := p.selectToolchain(b, v, t)
			if errors.Is(err, errReported) {
				continue
			}
			if err != nil {
				noCC.add(t.String(), err.Error())
				continue
			}
			p.addJob(b, v, t, dir, tc, extld)
		}
		if len(noCC.order) > 0 {
			p.add(v.KeyLoc("cgo"), vp+".cgo", "no C toolchain for cgo: %s", noCC)
		}
		if len(needCgo) > 0 {
			at, field := v.Loc(), vp+".cgo"
			if len(b.Variants) == 0 { // the implicit default variant has no place in the file
				at, field = b.KeyLoc("targets"), bp+".targets"
			}
			p.add(at, field, "%s: requires external (cgo) linking, and Go refuses to build it with CGO_ENABLED=0; use a variant with `cgo: true` (and a C toolchain for the target: Android NDK, Apple SDK) or exclude these targets",
				strings.Join(needCgo, ", "))
		}
		if len(noCgo) > 0 {
			what := "cgo: true"
			if v.Linkmode == "external" {
				what = "cgo: true with external linking"
			}
			p.add(v.KeyLoc("cgo"), vp+".cgo", "%s on %s, where `go tool dist list` says CgoSupported is false; limit the variant with `targets: [cgo]` or exclude these targets",
				what, strings.Join(noCgo, ", "))
		}
		p.warnings(b, v)
	}

	// Jobs were made variant by variant; the plan lists them target by
	// target, with the variants of each target as listed.
	rank := map[target.Target]int{}
	for i, t := range targets {
		rank[t] = i
	}
	jobs := p.plan.Jobs[first:]
	sort.SliceStable(jobs, func(i, j int) bool { return rank[jobs[i].Target] < rank[jobs[j].Target] })
}

func (p *planner) warnings(b *manifest.Build, v *manifest.Variant) {
	if len(v.Extldflags) == 0 {
		return
	}
	where := fmt.Sprintf("%s: build %s, variant %s", fileLine(p.m.File, v.KeyLoc("extldflags")), b.ID, v.Name)
	switch {
	case !v.Cgo:
		p.plan.Warnings = append(p.plan.Warnings, where+": extldflags have no effect with cgo off (Go links internally and never runs a C linker)")
	case v.Linkmode == "internal":
		p.plan.Warnings = append(p.plan.Warnings, where+": extldflags have no effect under internal linking; use `linkmode: external` for them to reach the C linker")
	}
}

// passthrough is NAME=value for every variable passed through to build b's
// jobs (the manifest's env_passthrough, the build's, Options.Passthrough)
// that is set in the environment, each once, in that order.
func (p *planner) passthrough(b *manifest.Build) []string {
	if p.opt.LookupEnv == nil {
		return nil
	}
	var env, seen []string
	for _, names := range [][]string{p.m.EnvPassthrough, b.EnvPassthrough, p.opt.Passthrough} {
		for _, name := range names {
			if slices.Contains(seen, name) {
				continue
			}
			seen = append(seen, name)
			if v, ok := p.opt.LookupEnv(name); ok {
				env = append(env, name+"="+v)
			}
		}
	}
	return env
}

// selectToolchain picks the C toolchain of a cgo job; nil for pure-Go jobs.
func (p *planner) selectToolchain(b *manifest.Build, v *manifest.Variant, t target.Target) (*toolchain.Toolchain, error) {
	if !v.Cgo {
		return nil, nil
	}
	ov := toolchain.Overrides{
		CC: v.CC, CXX: v.CXX, CgoCFLAGS: v.CgoCFLAGS, CgoLDFLAGS: v.CgoLDFLAGS, PkgConfigSysroot: v.PkgConfigSysroot, Libc: v.Libc,
		Toolchain: v.Toolchain, Glibc: v.Glibc,
	}
	for i := range b.Toolchains {
		r := &b.Toolchains[i]
		if len(r.Targets) > 0 && !slices.ContainsFunc(r.Targets, func(pat string) bool { return p.opt.Table.Matches(pat, t) }) {
			continue
		}
		if len(r.Variants) > 0 && !slices.Contains(r.Variants, v.Name) {
			continue
		}
		ov.CC = cmp.Or(r.CC, ov.CC)
		ov.CXX = cmp.Or(r.CXX, ov.CXX)
		ov.CgoCFLAGS = cmp.Or(r.CgoCFLAGS, ov.CgoCFLAGS)
		ov.CgoLDFLAGS = cmp.Or(r.CgoLDFLAGS, ov.CgoLDFLAGS)
		ov.PkgConfigSysroot = cmp.Or(r.PkgConfigSysroot, ov.PkgConfigSysroot)
		ov.Libc = cmp.Or(r.Libc, ov.Libc)
		ov.Toolchain = cmp.Or(r.Toolchain, ov.Toolchain)
		ov.Glibc = cmp.Or(r.Glibc, ov.Glibc)
	}
	if ov.Glibc != "" && t.GOOS == "linux" && p.badGlibc(ov.Glibc) {
		return nil, errReported
	}
	sel := p.opt.SelectToolchain
	if sel == nil {
		m := toolchain.Machine{Host: p.opt.Host, LookPath: exec.LookPath, Zig: p.opt.Zig, ZigCache: p.opt.ZigCache}
		sel = m.Select
	}
	need := toolchain.Need{Target: t, Libc: ov.Libc, MaxGlibc: p.expectation(b, v, t).MaxGlibc}
	tc, err := sel(need, ov)
	if err != nil {
		return nil, err
	}
	return &tc, nil
}

// addJob plans the job of build b, variant v on target t; extld is the
// variant's -extldflags argument ("" when it has none).
func (p *planner) addJob(b *manifest.Build, v *manifest.Variant, t target.Target, dir string, tc *toolchain.Toolchain, extld string) {
	bp := "builds[" + b.ID + "]"
	binary := b.Binary
	if binary == "" {
		binary = b.ID
		if main := strings.TrimSuffix(b.Main, "/"); main != "" && main != "." && !strings.HasSuffix(main, "...") {
			binary = filepath.Base(main)
		}
	}
	data := manifest.TemplateData{
		Version: p.opt.Stamp.Version, Commit: p.opt.Stamp.Commit, ShortCommit: p.opt.Stamp.ShortCommit,
		Tag: p.opt.Stamp.Tag, Date: p.opt.Stamp.Date,
		Build: b.ID, Binary: binary, GOOS: t.GOOS, GOARCH: t.GOARCH, Level: t.Level,
		Target: t.String(), Slug: t.Slug(), Variant: v.Name, Ext: Ext(t),
	}
	outTmpl := b.Output
	if outTmpl == "" {
		outTmpl = manifest.DefaultOutput
	}
	job := t.String() + "/" + v.Name
	rel, err := manifest.Render("output", outTmpl, data)
	if err == nil {
		err = manifest.CheckOutputPath(rel)
	}
	if err != nil {
		p.jobProblem(b.KeyLoc("output"), bp+".output", job, "%v", err)
		return
	}
	var ldflags []string
	for _, src := range []struct {
		text  string
		loc   manifest.Loc
		field string
	}{{b.Ldflags, b.KeyLoc("ldflags"), bp + ".ldflags"}, {v.Ldflags, v.KeyLoc("ldflags"), bp + ".variants[" + v.Name + "].ldflags"}} {
		if src.text == "" {
			continue
		}
		s, err := manifest.Render("ldflags", src.text, data)
		if err != nil {
			p.jobProblem(src.loc, src.field, job, "%v", err)
			return
		}
		if s = strings.TrimSpace(s); s != "" {
			ldflags = append(ldflags, s)
		}
	}
	if v.Linkmode != "" {
		ldflags = append(ldflags, "-linkmode="+v.Linkmode)
	}
	staticC := tc != nil && slices.ContainsFunc(v.Extldflags, func(f string) bool { return f == "-static" || f == "-static-pie" })
	if tc != nil && tc.Name == "zig" {
		if extldflagsIn(ldflags) {
			p.jobProblem(v.KeyLoc("ldflags"), bp+".variants["+v.Name+"].ldflags", job,
				"-extldflags inside ldflags on a zig job: give them as the variant's extldflags: key, which portmatrix checks (-static needs musl with zig) and extends (-Wl,--strip-all for -s); the linker would keep only one -extldflags")
			return
		}
		if staticC && strings.Contains(tc.Target, "-linux-gnu") {
			p.jobProblem(v.KeyLoc("extldflags"), bp+".variants["+v.Name+"].extldflags", job,
				"-static with glibc through zig (%s): zig cannot link glibc statically (nor should anyone: glibc's NSS and dlopen need the shared libc); use libc: musl for a static cgo binary", tc.Target)
			return
		}
		if zigKeepsSymbols(t, ldflags) {
			var err error
			if extld, err = extldflagsArg(append(slices.Clip(v.Extldflags), "-Wl,--strip-all")); err != nil {
				p.jobProblem(v.KeyLoc("extldflags"), bp+".variants["+v.Name+"].extldflags", job, "%v", err)
				return
			}
		}
	}
	if extld != "" {
		ldflags = append(ldflags, extld)
	}

	out := filepath.Join(p.plan.DistDir, filepath.FromSlash(rel))
	id := b.ID + "/" + t.String() + "/" + v.Name
	argv := []string{p.opt.GoBin, "build", "-o", out}
	if b.Trimpath {
		argv = append(argv, "-trimpath")
	}
	if v.Buildmode != "" {
		argv = append(argv, "-buildmode="+v.Buildmode)
	}
	if tags := mergeTags(b.Tags, v.Tags); tags != "" {
		argv = append(argv, "-tags="+tags)
	}
	if len(ldflags) > 0 {
		argv = append(argv, "-ldflags="+strings.Join(ldflags, " "))
	}
	argv = append(argv, b.Flags...)
	main := b.Main
	if main == "" {
		main = "."
	}
	argv = append(argv, main)

	cgo := "0"
	if v.Cgo {
		cgo = "1"
	}
	// GOFLAGS is cleared for a shell the line is pasted into (a job
	// inherits no GOFLAGS); GOTOOLCHAIN=local: the go command portmatrix
	// asked about builds, never one a go.mod's toolchain line picks.
	env := append(t.Env(), "CGO_ENABLED="+cgo, "GOFLAGS=", "GOTOOLCHAIN=local")
	if tc != nil {
		env = append(env, tc.Env()...)
	}
	env = append(env, b.Env...)
	env = append(env, v.Env...)
	env = append(env, p.passthrough(b)...)

	arch, ok := p.archive(b, t, v, data)
	if !ok {
		return
	}
	expect := p.expectation(b, v, t)
	if tc != nil && tc.Glibc != "" {
		switch {
		case expect.MaxGlibc == "":
			// The floor asked is the floor proved: the verifier reads it.
			expect.MaxGlibc = tc.Glibc
		case dotted.Compare(tc.Glibc, expect.MaxGlibc) > 0:
			p.jobProblem(v.KeyLoc("glibc"), bp+".variants["+v.Name+"].glibc", job,
				"glibc %s is above this job's expect.max_glibc %s: the binary could need up to GLIBC_%s; lower glibc: to %s (or raise max_glibc)",
				tc.Glibc, expect.MaxGlibc, tc.Glibc, expect.MaxGlibc)
			return
		}
	}
	if len(p.plan.Jobs) >= MaxJobs {
		if !p.tooMany {
			p.tooMany = true
			p.add(b.KeyLoc("targets"), bp+".targets", "the plan passes %d jobs here (build %s, %s); portmatrix builds at most %d jobs in one run: narrow the targets or variants, or split the manifest", MaxJobs, b.ID, job, MaxJobs)
		}
		return
	}
	p.plan.Jobs = append(p.plan.Jobs, Job{
		ID: id, Build: b.ID, Variant: v.Name, Target: t,
		Cgo: v.Cgo, Linkmode: v.Linkmode, Buildmode: v.Buildmode,
		Dir: dir, Argv: argv, Env: env, Output: out,
		Log:       filepath.Join(p.plan.DistDir, filepath.FromSlash(LogDir), b.ID+"_"+t.Slug()+"_"+v.Name+".log"),
		Expect:    expect,
		Toolchain: tc,
		StaticC:   staticC,
		Smoke:     smokeSpec(b.Smoke),
		Archive:   arch,
	})
}

// errReported is a job's problem already reported elsewhere (at a key of
// the manifest): the job is left out, and nothing more is said of it.
var errReported = errors.New("reported at its key")

// badGlibc says a glibc floor is one validation or checkGlibc reports: not
// a version, below toolchain.MinGlibc, or above what the zig here ships.
// A floor above zig's is refused even where the host's gcc would meet it:
// the plan must not depend on the build machine's glibc.
func (p *planner) badGlibc(glibc string) bool {
	switch {
	case !toolchain.ValidGlibc(glibc), dotted.Compare(glibc, toolchain.MinGlibc) < 0:
		return true
	case p.opt.Zig != nil && dotted.Compare(glibc, p.opt.Zig.MaxGlibc) > 0:
		return true
	}
	return false
}

// checkGlibc reports, at its key, a glibc floor the zig on this machine
// cannot give (the manifest already checked the form and the lower bound).
// Without zig the jobs that need it say so.
func (p *planner) checkGlibc(glibc string, at manifest.Loc, field string) {
	z := p.opt.Zig
	if glibc == "" || z == nil || !toolchain.ValidGlibc(glibc) {
		return
	}
	if dotted.Compare(glibc, z.MaxGlibc) > 0 {
		p.add(at, field, "glibc %s: zig %s ships glibc %s to %s; ask for %s or lower (a lower floor runs on more systems)", glibc, z.Version, toolchain.MinGlibc, z.MaxGlibc, z.MaxGlibc)
	}
}

// extldflagsIn says some -ldflags argument sets -extldflags itself.
func extldflagsIn(ldflags []string) bool {
	for _, l := range ldflags {
		f, err := quoted.Split(l)
		if err != nil {
			continue
		}
		for _, a := range f {
			if strings.HasPrefix(a, "-extldflags") || strings.HasPrefix(a, "--extldflags") {
				return true
			}
		}
	}
	return false
}

// zigKeepsSymbols says a zig job's binary would keep its symbol table
// although -ldflags asks for -s: under external linking the Go linker
// passes -s to the C linker, which `zig cc` (0.11) accepts and ignores on
// ELF targets. -Wl,--strip-all does it instead. Windows (PE) is left
// alone: zig's mingw link writes no COFF symbol table anyway.
func zigKeepsSymbols(t target.Target, ldflags []string) bool {
	if t.GOOS != "linux" {
		return false
	}
	for _, l := range ldflags {
		f, err := quoted.Split(l)
		if err != nil {
			continue
		}
		for _, a := range f {
			if a == "-s" || a == "-s=true" || a == "--s" {
				return true
			}
		}
	}
	return false
}

func smokeSpec(s *manifest.Smoke) *Smoke {
	if s == nil {
		return nil
	}
	sp := &Smoke{Args: append([]string{}, s.Args...), Timeout: DefaultSmokeTimeout}
	if d, err := time.ParseDuration(s.Timeout); err == nil && d > 0 {
		sp.Timeout = d
	}
	return sp
}

// extldflagsArg is the -extldflags argument inside -ldflags. The go
// command splits -ldflags with quoted.Split, so the argument is quoted as a
// whole with quoted.Join (quotes further inside do not count:
// -extldflags='-a -b' would reach the linker as "-extldflags='-a" and
// "-b'"). The linker splits its value again the same way, so a flag with
// white space is quoted inside it with double quotes, since the whole
// argument gets single ones. A flag that cannot travel intact (white space
// and a double quote; both quote kinds in the argument) is an error.
func extldflagsArg(flags []string) (string, error) {
	inner := make([]string, len(flags))
	for i, f := range flags {
		inner[i] = f
		if strings.ContainsAny(f, " \t\n\r") {
			if strings.Contains(f, `"`) {
				return "", fmt.Errorf("flag %q holds both white space and a double quote, which the linker would split", f)
			}
			inner[i] = `"` + f + `"`
		}
	}
	arg, err := quoted.Join([]string{"-extldflags=" + strings.Join(inner, " ")})
	if err != nil {
		return "", fmt.Errorf("cannot pass %q through -ldflags: %w", flags, err)
	}
	return arg, nil
}

func mergeTags(a, b []string) string {
	var out []string
	for _, t := range append(append([]string(nil), a...), b...) {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, ",")
}
