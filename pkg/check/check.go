// Package check computes the portability matrix of any Go module or
// package pattern, with no manifest: a published module fetched through the
// module proxy into a temporary workspace, or a local directory or pattern.
// Every main package is built for every target (and inspected by the
// caller); the other packages are compile-checked per target with one
// `go build PKG…`, which writes nothing. The first compiler error of every
// failing target is extracted from its log and failures are grouped by that
// error, so that "undefined: syscall.SIGWINCH" on eleven targets reads as
// one line.
//
// The package is pure where it can be: Platforms and Jobs compute the job
// list from values, FirstError and Summarize work on text and report rows.
// Open (source.go) and List (list.go) run the go command, Runner
// (runner.go) hands every job that can run to build.GoRunner (compile
// checks in its no-output mode) and Annotate (annotate.go) reads the build
// logs.
package check

import (
	"errors"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
	"github.com/portmatrix/portmatrix/pkg/typecheck"
)

// Mode is how a job answers whether its packages build.
type Mode string

// The modes.
const (
	// ModeCompile runs go build.
	ModeCompile Mode = report.CheckModeCompile
	// ModeTypeCheck type-checks the platform's package graph with go/types
	// (package typecheck), and compiles instead when the type checker
	// cannot decide (a Hazard).
	ModeTypeCheck Mode = report.CheckModeTypeCheck
)

// Kind is what a job of the matrix checks.
type Kind string

// The kinds of jobs.
const (
	// KindBinary builds a main package into a binary, to be inspected.
	KindBinary Kind = "binary"
	// KindCompile compiles the non-main packages of one target, writing
	// nothing.
	KindCompile Kind = "compile"
)

// LibraryBuild is the build name of the compile-check rows (the report's
// BUILD column); main packages are named after their binaries.
const LibraryBuild = "lib"

// ErrExcluded is the error of a target where the build constraints exclude
// every file of every package: there is nothing to build there.
var ErrExcluded = errors.New("build constraints exclude all Go files in every package")

// Platform is one target of the matrix and how it is built.
type Platform struct {
	Target target.Target
	// Cgo is CGO_ENABLED=1 (--cgo, where the platform supports cgo).
	Cgo bool
	// Toolchain is the C toolchain of a cgo platform.
	Toolchain *toolchain.Toolchain
	// Env is everything the go commands of this platform set on top of
	// the inherited environment, in order: GOOS, GOARCH (and a level),
	// CGO_ENABLED, the workspace's variables, the C toolchain's.
	Env []string
	// Skip, when set, is why nothing is built for the platform (no C
	// toolchain for cgo); its rows fail with this error.
	Skip error
	// TypeCheck says the platform is type-checked (ModeTypeCheck) rather
	// than compiled: the default for pure-Go platforms.
	TypeCheck bool
}

// Variant is the report's variant name of the platform's jobs.
func (p Platform) Variant() string {
	if p.Cgo {
		return "cgo"
	}
	return manifest.DefaultVariant
}

// PlatformOptions are the inputs of Platforms.
type PlatformOptions struct {
	Table *target.Table
	// Cgo asks for CGO_ENABLED=1 on every platform that supports cgo.
	Cgo bool
	// WorkspaceEnv is Workspace.Env.
	WorkspaceEnv []string
	// SelectToolchain picks the C toolchain of a cgo platform (the CLI
	// passes toolchain.Select with the host and exec.LookPath).
	SelectToolchain func(toolchain.Need) (toolchain.Toolchain, error)
	// TypeCheck type-checks the pure-Go platforms instead of compiling
	// them (a cgo platform is always compiled: the type checker cannot
	// see C).
	TypeCheck bool
}

// Platforms decides, per target, cgo or not and the environment of its go
// commands, in the order of targets.
func Platforms(targets []target.Target, opt PlatformOptions) []Platform {
	out := make([]Platform, len(targets))
	for i, t := range targets {
		p := Platform{Target: t}
		if plat, ok := opt.Table.Lookup(t.GOOS, t.GOARCH); ok && opt.Cgo && plat.CgoSupported {
			p.Cgo = true
			if opt.SelectToolchain != nil {
				tc, err := opt.SelectToolchain(toolchain.Need{Target: t})
				if err != nil {
					p.Skip = err
				} else {
					p.Toolchain = &tc
				}
			}
		}
		p.TypeCheck = opt.TypeCheck && !p.Cgo
		cgo := "0"
		if p.Cgo {
			cgo = "1"
		}
		p.Env = append(t.Env(), "CGO_ENABLED="+cgo)
		p.Env = append(p.Env, opt.WorkspaceEnv...)
		if p.Toolchain != nil {
			p.Env = append(p.Env, p.Toolchain.Env()...)
		}
		out[i] = p
	}
	return out
}

// Job is one row of the matrix: a plan.Job (exact argv and environment, as
// `portmatrix plan` would show it) and what it checks.
type Job struct {
	plan.Job
	Kind Kind
	// Package is the import path of a binary's main package, or the
	// pattern the compile checks cover (the report's "package").
	Package string
	// Packages are the import paths a compile check builds on this target.
	Packages []string
	// Skip, when set, is why the job is not run: it fails with this error
	// (ErrExcluded, or the platform's Skip).
	Skip error
	// Mode is how the job is checked. A ModeTypeCheck job's Argv is the go
	// list that loaded its Graph (what ran besides the type checker, once
	// per platform); Roots are the packages it checks in it, and
	// CompileArgv and CompileOutput the go build it runs instead when the
	// type checker cannot decide.
	Mode          Mode
	Graph         *typecheck.Graph
	Roots         []string
	CompileArgv   []string
	CompileOutput string
}

// JobOptions are the inputs of Jobs besides the platforms and packages.
type JobOptions struct {
	// GoBin is argv[0] ("go" when empty).
	GoBin string
	// Dir is the directory the go commands run in (Workspace.Dir).
	Dir string
	// OutDir holds the binaries; LogDir the logs of every job.
	OutDir, LogDir string
	// Pattern is the workspace's package pattern; Graphs the graphs of the
	// type-checked platforms (Listing.Graphs, indexed like the platforms).
	Pattern string
	Graphs  []*typecheck.Graph
	// Link builds the main packages of type-checked platforms into
	// binaries (compiled and inspected) instead of type-checking them.
	Link bool
}

// matrixRow is one row name of the matrix: a main package, or the library.
type matrixRow struct {
	name   string
	kind   Kind
	pkg    string // import path of the main package, or the library pattern
	binary string
}

// Jobs makes the matrix: per platform, in order, one KindBinary job per
// main package with files there and one KindCompile job over every other
// package with files there (none when there are none). A platform where no
// package has files gets one job per build, failing with ErrExcluded, so
// that every build has a row on every target it could not build; a platform
// with Skip set gets the same with its Skip. pkgs is indexed like
// platforms.
func Jobs(platforms []Platform, pkgs [][]Package, opt JobOptions) []Job {
	if opt.GoBin == "" {
		opt.GoBin = "go"
	}
	builds := buildsOf(pkgs)
	var jobs []Job
	for i, p := range platforms {
		var here []Package
		if i < len(pkgs) {
			here = pkgs[i]
		}
		skip := p.Skip
		if skip == nil && len(here) == 0 {
			skip = ErrExcluded
		}
		var libs []string
		for _, pkg := range here {
			if !pkg.Main() {
				libs = append(libs, pkg.ImportPath)
			}
		}
		sort.Strings(libs)
		for _, b := range builds {
			present := false
			switch b.kind {
			case KindBinary:
				present = slices.ContainsFunc(here, func(pkg Package) bool { return pkg.ImportPath == b.pkg })
			case KindCompile:
				present = len(libs) > 0
			}
			if !present && skip == nil {
				continue // like go build ./..., a package excluded here is not built here
			}
			j := Job{Kind: b.kind, Package: b.pkg, Skip: skip}
			j.Job = plan.Job{
				ID: b.name + "/" + p.Target.String() + "/" + p.Variant(), Build: b.name, Variant: p.Variant(),
				Target: p.Target, Cgo: p.Cgo, Dir: opt.Dir, Env: append([]string(nil), p.Env...),
				Expect:    plan.Expectation{Linkage: manifest.ExpectAny, Source: "default"},
				Toolchain: p.Toolchain,
				Log:       filepath.Join(opt.LogDir, strings.ReplaceAll(b.name, "/", "_")+"_"+p.Target.Slug()+"_"+p.Variant()+".log"),
			}
			j.Mode = ModeCompile
			switch b.kind {
			case KindBinary:
				j.Output = filepath.Join(opt.OutDir, filepath.FromSlash(b.name), p.Target.Slug(), p.Variant(), b.binary+plan.Ext(p.Target))
				j.Argv = []string{opt.GoBin, "build", "-o", j.Output, b.pkg}
				j.Roots = []string{b.pkg}
			case KindCompile:
				j.Packages = libs
				j.Argv = append([]string{opt.GoBin, "build"}, libs...)
				j.Roots = libs
			}
			if p.TypeCheck && i < len(opt.Graphs) && opt.Graphs[i] != nil && !(b.kind == KindBinary && opt.Link) {
				j.Mode, j.Graph = ModeTypeCheck, opt.Graphs[i]
				j.CompileArgv, j.CompileOutput = j.Argv, j.Output
				j.Argv, j.Output = append([]string{opt.GoBin}, ListDepsArgs(opt.Pattern)...), ""
			}
			j.Index = len(jobs)
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// buildsOf names the rows of the matrix from the packages of every target:
// the main packages, each named after its binary (or its path in the
// module when two share a binary name, or one is named like the library
// row), then the library row when there are other packages.
func buildsOf(pkgs [][]Package) []matrixRow {
	mains := map[string]Package{}
	var libs []string
	seenLib := map[string]bool{}
	for _, ps := range pkgs {
		for _, p := range ps {
			switch {
			case p.Main():
				mains[p.ImportPath] = p
			case !seenLib[p.ImportPath]:
				seenLib[p.ImportPath] = true
				libs = append(libs, p.ImportPath)
			}
		}
	}
	count := map[string]int{}
	for ip := range mains {
		count[ExecName(ip)]++
	}
	var out []matrixRow
	for ip, p := range mains {
		name := ExecName(ip)
		if count[name] > 1 || name == LibraryBuild {
			name = strings.TrimPrefix(strings.TrimPrefix(ip, p.Module), "/")
			if name == "" {
				name = ExecName(ip) + "-main"
			}
		}
		out = append(out, matrixRow{name: name, kind: KindBinary, pkg: ip, binary: ExecName(ip)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if len(libs) > 0 {
		out = append(out, matrixRow{name: LibraryBuild, kind: KindCompile, pkg: Pattern(libs)})
	}
	return out
}

// Pattern names a set of import paths in one string: the path itself for
// one, else the longest common path prefix with "/..." ("golang.org/x/sys/..."),
// or "..." when they share nothing.
func Pattern(paths []string) string {
	switch len(paths) {
	case 0:
		return ""
	case 1:
		return paths[0]
	}
	prefix := strings.Split(paths[0], "/")
	for _, p := range paths[1:] {
		elems := strings.Split(p, "/")
		n := 0
		for n < len(prefix) && n < len(elems) && prefix[n] == elems[n] {
			n++
		}
		prefix = prefix[:n]
	}
	if len(prefix) == 0 {
		return "..."
	}
	return strings.Join(prefix, "/") + "/..."
}

// ExecName is the file name go build gives a main package's binary: the
// last element of its import path, skipping a major version suffix
// (example.com/tool/v2 builds "tool"), as cmd/go's DefaultExecName.
func ExecName(importPath string) string {
	elem := path.Base(importPath)
	if elem != importPath && isMajorVersion(elem) {
		elem = path.Base(path.Dir(importPath))
	}
	return elem
}

func isMajorVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || (s[1] == '1' && len(s) == 2) {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// PlanJobs returns the plan.Job of every job, for the worker pool.
func PlanJobs(jobs []Job) []plan.Job {
	out := make([]plan.Job, len(jobs))
	for i, j := range jobs {
		out[i] = j.Job
	}
	return out
}
