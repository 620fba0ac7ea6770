package typecheck

import (
	"bufio"
	"errors"
	"go/ast"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// importerFunc is a types.Importer from a function.
type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// errorsOf turns a parse error into Errors (a scanner.ErrorList has one
// per syntax error).
func errorsOf(err error, file string) []Error {
	var list scanner.ErrorList
	if errors.As(err, &list) {
		out := make([]Error, len(list))
		for i, e := range list {
			out[i] = Error{Pos: e.Pos, Msg: e.Msg}
		}
		return out
	}
	return []Error{{Pos: token.Position{Filename: file}, Msg: err.Error()}}
}

// limit sorts errors by position, as the compiler prints them, and keeps
// the first MaxErrors; more says some were dropped.
func limit(errs []Error) (kept []Error, more bool) {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	if len(errs) > MaxErrors {
		return errs[:MaxErrors], true
	}
	return errs, false
}

// directives are what the compiler reads of a package's //go: comments and
// function declarations that the type checker does not check.
type directives struct {
	errs []Error
	// unresolved are functions without a body (and no //go:linkname or,
	// on wasm, //go:wasmimport) with their positions.
	unresolved    []string
	unresolvedPos []token.Position
	// pulls are //go:linkname directives naming a symbol ("local target").
	pulls []string
}

// directivesOf reads the directives of a package's files. wasm says
// //go:wasmimport counts (the compiler honours it on wasm alone).
func directivesOf(fset *token.FileSet, files []*ast.File, wasm bool) directives {
	var d directives
	linknamed := map[string]bool{}
	for _, f := range files {
		imports := map[string]bool{}
		for _, imp := range f.Imports {
			if p, err := strconv.Unquote(imp.Path.Value); err == nil {
				imports[p] = true
			}
		}
		for _, g := range f.Comments {
			for _, c := range g.List {
				text, ok := strings.CutPrefix(c.Text, "//")
				if !ok {
					continue
				}
				switch {
				case strings.HasPrefix(text, "go:linkname "):
					fields := strings.Fields(text)
					if len(fields) < 2 || len(fields) > 3 {
						continue // the compiler's usage error; rare enough to leave to it
					}
					if !imports["unsafe"] {
						d.errs = append(d.errs, Error{Pos: fset.Position(c.Pos() + 2), Msg: `//go:linkname only allowed in Go files that import "unsafe"`})
						continue
					}
					linknamed[fields[1]] = true
					if len(fields) == 3 {
						d.pulls = append(d.pulls, fields[1]+" "+fields[2])
					}
				case text == "go:embed" || strings.HasPrefix(text, "go:embed "):
					if !imports["embed"] {
						d.errs = append(d.errs, Error{Pos: fset.Position(c.Pos() + 2), Msg: `go:embed requires import "embed" (or import _ "embed", if package is not used)`})
					}
				}
			}
		}
	}
	for _, f := range files {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body != nil || linknamed[fn.Name.Name] {
				continue
			}
			if wasm && hasDirective(fn.Doc, "go:wasmimport ") {
				continue
			}
			pos := fn.Name.Pos()
			if fn.Recv != nil {
				pos = fn.Recv.Opening
			}
			d.unresolved = append(d.unresolved, fn.Name.Name)
			d.unresolvedPos = append(d.unresolvedPos, fset.Position(pos))
		}
	}
	return d
}

func hasDirective(doc *ast.CommentGroup, prefix string) bool {
	if doc == nil {
		return false
	}
	for _, c := range doc.List {
		if strings.HasPrefix(c.Text, "//"+prefix) {
			return true
		}
	}
	return false
}

// complete says the compiler gets the whole package (the go command's
// -complete flag): no assembly, C, cgo, SWIG or syso files.
func complete(p *Package) bool {
	return len(p.CgoFiles)+len(p.CFiles)+len(p.CXXFiles)+len(p.MFiles)+len(p.FFiles)+
		len(p.SFiles)+len(p.SysoFiles)+len(p.SwigFiles)+len(p.SwigCXXFiles) == 0
}

// errors are the compiler's errors the directives give: the directive
// errors, and "missing function body" for a function without a body in a
// complete package (or any init without one).
func (d directives) errors(p *Package) []Error {
	out := append([]Error(nil), d.errs...)
	whole := complete(p)
	for i, name := range d.unresolved {
		if whole || name == "init" {
			out = append(out, Error{Pos: d.unresolvedPos[i], Msg: "missing function body"})
		}
	}
	return out
}

// linkHazards are what the linker decides for the programs among roots
// that the type checker cannot: functions without a body left to assembly,
// //go:linkname pulls and syso objects in packages outside the standard
// library.
func linkHazards(g *Graph, roots []string, entries map[string]*pkgEntry) []Hazard {
	var mains []string
	for _, r := range roots {
		if p, ok := g.Lookup(r); ok && p.Name == "main" {
			mains = append(mains, r)
		}
	}
	if len(mains) == 0 {
		return nil
	}
	var out []Hazard
	for _, p := range g.Closure(mains) {
		if p.Standard {
			continue
		}
		e := entries[p.ImportPath]
		if e == nil {
			continue
		}
		if !complete(p) && len(e.result.unresolved) > 0 {
			out = append(out, Hazard{p.ImportPath, "functions without a body for the linker to find in assembly: " + strings.Join(e.result.unresolved, ", ")})
		}
		if len(e.result.pulls) > 0 {
			out = append(out, Hazard{p.ImportPath, "//go:linkname for the linker to check: " + strings.Join(e.result.pulls, ", ")})
		}
		if len(p.SysoFiles) > 0 {
			out = append(out, Hazard{p.ImportPath, "syso objects for the linker: " + strings.Join(p.SysoFiles, " ")})
		}
	}
	return out
}

// textSym is an assembly function definition: "TEXT ·name(SB)" or "TEXT
// pkg∕path·name<ABIInternal>(SB)".
var textSym = regexp.MustCompile(`^\s*TEXT\s+([^\s(]*)\(SB\)`)

// maxAsmLine bounds a line of an assembly file the scan reads.
const maxAsmLine = 1 << 20

// asmDefined are the functions of package p its assembly files define (the
// names after "·" of its TEXT symbols, in p itself).
func asmDefined(p *Package) (map[string]bool, error) {
	out := map[string]bool{}
	for _, name := range p.SFiles {
		if err := scanAsm(filepath.Join(p.Dir, name), p.ImportPath, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanAsm(path, importPath string, out map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, MaxFileSize))
	sc.Buffer(make([]byte, 64<<10), maxAsmLine)
	for sc.Scan() {
		m := textSym.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		sym := m[1]
		if i := strings.IndexByte(sym, '<'); i >= 0 {
			sym = sym[:i]
		}
		pkg, name, ok := strings.Cut(sym, "·")
		if !ok {
			continue
		}
		if pkg != "" && strings.ReplaceAll(pkg, "∕", "/") != importPath {
			continue // another package's symbol
		}
		out[name] = true
	}
	return sc.Err()
}

// withoutAsm drops from d.unresolved the functions p's assembly defines.
func (d *directives) withoutAsm(p *Package) error {
	if len(d.unresolved) == 0 || len(p.SFiles) == 0 {
		return nil
	}
	defined, err := asmDefined(p)
	if err != nil {
		return err
	}
	var names []string
	var pos []token.Position
	for i, n := range d.unresolved {
		if !defined[n] {
			names, pos = append(names, n), append(pos, d.unresolvedPos[i])
		}
	}
	d.unresolved, d.unresolvedPos = names, pos
	return nil
}
