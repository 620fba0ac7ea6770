package typecheck

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxFileSize bounds a source file the Session reads: a larger one is an
// error of its package, not a way to exhaust memory.
const MaxFileSize = 64 << 20

// Session checks the graphs of many platforms, sharing what they have in
// common: each source file is read and parsed once, and a package whose
// files, language version, sizes and dependencies are the same on two
// platforms is checked once. It is safe for concurrent use.
type Session struct {
	// ToolchainVersion is the language version of the standard library
	// ("go1.26"), as the go command gives it to the compiler.
	ToolchainVersion string

	// MaxPackages bounds the checked packages the session keeps for
	// sharing (DefaultMaxPackages when 0): past it, the least recently used
	// are dropped, and checked again if a platform needs them later. Parsed
	// files are all kept.
	MaxPackages int

	fset  *token.FileSet
	files sync.Map // absolute path -> *fileEntry

	mu   sync.Mutex
	pkgs map[string]*pkgEntry // key -> entry
	tick int64

	parsed, checked, shared, dropped atomic.Int64

	blockOnce sync.Once
	blockList map[string]bool
	blockErr  error
}

// DefaultMaxPackages is Session.MaxPackages when unset: the standard
// library of a command-line program for about five platforms, enough for
// the jobs of the platforms under way to share (the jobs of one platform
// run one after the other), while a matrix of 47 platforms stays at a
// fraction of the memory keeping everything takes (448 against 816 MiB
// peak for github.com/cespare/reflex, in about the same time).
const DefaultMaxPackages = 500

// NewSession is a Session for a toolchain of the language version goVersion
// ("go1.26").
func NewSession(goVersion string) *Session {
	return &Session{ToolchainVersion: goVersion, fset: token.NewFileSet(), pkgs: map[string]*pkgEntry{}}
}

// Stats are counts of what a Session did.
type Stats struct {
	// Parsed is the number of files parsed; Checked the number of packages
	// type-checked; Shared the number of times a package checked for one
	// platform was reused for another (or another job of the same one);
	// Dropped the number of checked packages let go (MaxPackages).
	Parsed, Checked, Shared, Dropped int64
}

// Stats returns the counts so far.
func (s *Session) Stats() Stats {
	return Stats{Parsed: s.parsed.Load(), Checked: s.checked.Load(), Shared: s.shared.Load(), Dropped: s.dropped.Load()}
}

type fileEntry struct {
	once sync.Once
	file *ast.File
	err  error
}

// parse returns the file at path, parsed once for every platform. The
// function bodies of a standard library file (std) are emptied once
// parsed: they are not checked (Config.IgnoreFuncBodies), and keeping them
// would hold most of the memory a session uses.
func (s *Session) parse(path string, std bool) (*ast.File, error) {
	v, _ := s.files.LoadOrStore(path, &fileEntry{})
	e := v.(*fileEntry)
	e.once.Do(func() {
		s.parsed.Add(1)
		e.file, e.err = s.parseFile(path)
		if e.err == nil && std {
			for _, d := range e.file.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
					fn.Body = &ast.BlockStmt{Lbrace: fn.Body.Lbrace, Rbrace: fn.Body.Rbrace}
				}
			}
		}
	})
	return e.file, e.err
}

func (s *Session) parseFile(path string) (*ast.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a source file may have", path, fi.Size(), MaxFileSize)
	}
	src := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, src); err != nil {
		return nil, err
	}
	return parser.ParseFile(s.fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
}

// Platform is what a platform's check depends on besides its graph.
type Platform struct {
	// GOARCH decides the sizes (types.SizesFor) and whether
	// //go:wasmimport counts. The OS, cgo and the level are in the graph
	// already: they select the files go list lists.
	GOARCH string
}

// Error is one error of a package, with its position.
type Error struct {
	Pos token.Position
	Msg string
}

// String is "file:line:col: message", as the compiler prints it.
func (e Error) String() string {
	if !e.Pos.IsValid() {
		return e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg)
}

// PackageResult is the outcome of one package: its errors (at most
// MaxErrors, sorted by position, as the compiler prints them), none when it
// checked clean or when a dependency failed (DepFailed: the go command does
// not compile a package whose dependency failed).
type PackageResult struct {
	ImportPath string
	Errors     []Error
	// More says there were more errors than MaxErrors.
	More      bool
	DepFailed bool

	// unresolved are the functions without a body and without a
	// //go:linkname that the package's assembly does not define; pulls,
	// pushes, foreign and dynamic are its directives (directives).
	unresolved      []string
	calls           calls
	pulls           []pull
	pushes, foreign []string
	dynamic         map[string]bool
}

// Failed reports whether the package or a dependency failed.
func (r *PackageResult) Failed() bool { return len(r.Errors) > 0 || r.DepFailed }

// MaxErrors is how many errors of a package are kept, as the compiler
// prints ten before "too many errors".
const MaxErrors = 10

// Hazard is something the check cannot decide for a platform: the caller
// should compile it instead.
type Hazard struct {
	Package string
	Reason  string
}

// Result is the outcome of checking some roots of a platform's graph.
type Result struct {
	// LoadErrors are the load errors of the closure, rendered as the go
	// command prints them: when there are any, the go command compiles
	// nothing, and Packages is empty.
	LoadErrors []string
	// Packages are the packages that failed, in dependency order.
	Packages []*PackageResult
	// Hazards, when not empty, say the verdict is not the type checker's
	// to give.
	Hazards []Hazard
}

// OK reports whether the roots build.
func (r *Result) OK() bool {
	if len(r.LoadErrors) > 0 {
		return false
	}
	for _, p := range r.Packages {
		if p.Failed() {
			return false
		}
	}
	return true
}

type pkgEntry struct {
	done    chan struct{}
	pkg     *types.Package
	result  *PackageResult
	lastUse int64 // Session.tick when last asked for, under Session.mu
}

// Check type-checks roots and what they import in g, for the platform. A
// program (package main) among the roots is also checked for what the
// linker needs that the type checker cannot see (Hazards). Cancelling ctx
// stops between packages.
func (s *Session) Check(ctx context.Context, g *Graph, pl Platform, roots []string) (*Result, error) {
	closure := g.Closure(roots)
	res := &Result{}
	seen := map[string]bool{}
	for _, p := range closure {
		errs := append([]*LoadError(nil), p.DepsErrors...)
		if p.Error != nil {
			errs = append([]*LoadError{p.Error}, errs...)
		}
		for _, e := range errs {
			if msg := e.String(); !seen[msg] {
				seen[msg] = true
				res.LoadErrors = append(res.LoadErrors, msg)
			}
		}
		if !p.Standard && len(p.CgoFiles) > 0 {
			res.Hazards = append(res.Hazards, Hazard{p.ImportPath, "cgo files (" + strings.Join(p.CgoFiles, " ") + ")"})
		}
	}
	if len(res.LoadErrors) > 0 {
		return res, nil
	}
	keys := map[string]string{}
	entries := map[string]*pkgEntry{}
	for _, p := range closure {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key := s.key(p, pl, keys)
		keys[p.ImportPath] = key
		e, err := s.checkShared(ctx, key, p, pl, entries)
		if err != nil {
			return nil, err
		}
		entries[p.ImportPath] = e
		if e.result.Failed() {
			res.Packages = append(res.Packages, e.result)
		}
	}
	if res.OK() {
		res.Hazards = append(res.Hazards, s.linkHazards(g, roots, entries)...)
	}
	return res, nil
}

// key identifies what a package's check depends on: its files, language
// version, sizes, whether bodies are checked, and its dependencies' keys.
func (s *Session) key(p *Package, pl Platform, keys map[string]string) string {
	h := sha256.New()
	// wasm alone honours //go:wasmimport, which lets a function have no body.
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00%v\x00%v\x00", p.ImportPath, p.Dir, s.lang(p), sizesKey(pl.GOARCH), pl.GOARCH == "wasm", p.Standard)
	fmt.Fprintf(h, "%q\x00%q\x00", p.GoFiles, p.SFiles)
	deps := make([]string, 0, len(p.Imports))
	for _, imp := range p.Imports {
		deps = append(deps, imp+"="+keys[imp])
	}
	for src, to := range p.ImportMap {
		deps = append(deps, src+"->"+to)
	}
	sort.Strings(deps)
	fmt.Fprintf(h, "%q", deps)
	return hex.EncodeToString(h.Sum(nil))
}

// sizesKey is what of the platform the gc sizes depend on.
func sizesKey(goarch string) string {
	sz := types.SizesFor("gc", goarch)
	if sz == nil {
		return "?" + goarch
	}
	return fmt.Sprintf("%d/%d", sz.Sizeof(types.Typ[types.Uintptr]), sz.Alignof(types.Typ[types.Float64]))
}

// lang is the language version the go command gives the compiler for p:
// the toolchain's for the standard library, else the go directive of the
// package's module (go1.16 when it has none).
func (s *Session) lang(p *Package) string {
	if p.Standard || p.Module == nil {
		return s.ToolchainVersion
	}
	v := p.Module.GoVersion
	if v == "" {
		v = "1.16"
	}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		v = parts[0] + "." + parts[1]
	}
	return "go" + v
}

// checkShared checks p once per key across every platform of the session;
// a platform that needs a package another one is checking waits for it.
func (s *Session) checkShared(ctx context.Context, key string, p *Package, pl Platform, deps map[string]*pkgEntry) (*pkgEntry, error) {
	s.mu.Lock()
	s.tick++
	e, loaded := s.pkgs[key]
	if !loaded {
		e = &pkgEntry{done: make(chan struct{}), lastUse: s.tick}
		s.pkgs[key] = e
		s.evictLocked()
	}
	e.lastUse = s.tick
	s.mu.Unlock()
	if loaded {
		select {
		case <-e.done:
			s.shared.Add(1)
			return e, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer close(e.done)
	e.pkg, e.result = s.checkOne(p, pl, deps)
	return e, nil
}

// evictLocked drops the least recently used quarter of the kept packages
// when there are more than MaxPackages. A check under way keeps what it
// holds; a later one checks a dropped package again.
func (s *Session) evictLocked() {
	limit := s.MaxPackages
	if limit <= 0 {
		limit = DefaultMaxPackages
	}
	if len(s.pkgs) <= limit {
		return
	}
	type aged struct {
		key string
		use int64
	}
	all := make([]aged, 0, len(s.pkgs))
	for k, e := range s.pkgs {
		all = append(all, aged{k, e.lastUse})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].use < all[j].use })
	for _, a := range all[:len(all)/4] {
		delete(s.pkgs, a.key)
		s.dropped.Add(1)
	}
}

// checkOne type-checks one package whose dependencies are checked.
func (s *Session) checkOne(p *Package, pl Platform, deps map[string]*pkgEntry) (*types.Package, *PackageResult) {
	res := &PackageResult{ImportPath: p.ImportPath}
	if p.ImportPath == "unsafe" {
		return types.Unsafe, res
	}
	// Imports are resolved import paths; ImportMap maps what the source
	// says (vendored paths in the standard library) to them.
	imported := map[string]*types.Package{}
	for _, imp := range p.Imports {
		d, ok := deps[imp]
		if !ok {
			continue
		}
		if d.result.Failed() {
			res.DepFailed = true
			return nil, res
		}
		imported[imp] = d.pkg
	}
	for src, to := range p.ImportMap {
		if pkg, ok := imported[to]; ok {
			imported[src] = pkg
		}
	}
	var files []*ast.File
	var parseErrs []Error
	for _, name := range p.GoFiles {
		f, err := s.parse(filepath.Join(p.Dir, name), p.Standard)
		if err != nil {
			parseErrs = append(parseErrs, errorsOf(err, filepath.Join(p.Dir, name))...)
			continue
		}
		files = append(files, f)
	}
	if len(parseErrs) > 0 {
		res.Errors, res.More = limit(parseErrs)
		return nil, res
	}
	s.checked.Add(1)
	var errs []Error
	conf := types.Config{
		GoVersion: s.lang(p),
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			if pkg, ok := imported[path]; ok && pkg != nil {
				return pkg, nil
			}
			return nil, fmt.Errorf("could not import %s (no package for it in the graph)", path)
		}),
		Sizes: types.SizesFor("gc", pl.GOARCH),
		// The standard library builds on every port the toolchain lists
		// (the Go project builds it for each): only its declarations are
		// needed here.
		IgnoreFuncBodies: p.Standard,
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) {
				errs = append(errs, Error{Pos: te.Fset.Position(te.Pos), Msg: te.Msg})
				return
			}
			errs = append(errs, Error{Msg: err.Error()})
		},
	}
	var info *types.Info
	if !p.Standard {
		info = &types.Info{Uses: map[*ast.Ident]types.Object{}}
	}
	pkg, _ := conf.Check(p.ImportPath, s.fset, files, info)
	if info != nil {
		res.calls = callsOf(p.ImportPath, files, info)
	}
	d := directivesOf(s.fset, p.ImportPath, files, pl.GOARCH == "wasm")
	if p.Standard {
		res.pushes = d.pushes // what a program may pull from the library
	} else {
		if len(errs) == 0 {
			// The compiler stops after type errors, before it reads the
			// directives and bodies these come from.
			errs = append(errs, d.errors(p)...)
		}
		if err := d.withoutAsm(p); err != nil {
			errs = append(errs, Error{Msg: "reading its assembly: " + err.Error()})
		}
		res.unresolved, res.pulls, res.pushes, res.foreign, res.dynamic = d.unresolved, d.pulls, d.pushes, d.foreign, d.dynamic
	}
	res.Errors, res.More = limit(errs)
	return pkg, res
}
