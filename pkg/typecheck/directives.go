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

// limit keeps the errors the compiler would print, in its order: the first
// MaxErrors in the order they were found (the compiler stops there, with
// "too many errors"), sorted by position, where a file comes before another
// when an error in it was found first (the compiler numbers files as it
// first meets them, and sorts by that number, then line and column); more
// says some were dropped.
func limit(errs []Error) (kept []Error, more bool) {
	if len(errs) > MaxErrors {
		errs, more = errs[:MaxErrors], true
	}
	order := map[string]int{}
	for _, e := range errs {
		if _, ok := order[e.Pos.Filename]; !ok {
			order[e.Pos.Filename] = len(order)
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.Filename != b.Filename {
			return order[a.Filename] < order[b.Filename]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return errs, more
}

// directives are what the compiler reads of a package's //go: comments and
// function declarations that the type checker does not check.
type directives struct {
	errs []Error
	// unresolved are functions without a body (and no //go:linkname or,
	// on wasm, //go:wasmimport) with their positions.
	unresolved    []string
	unresolvedPos []token.Position
	// pulls are //go:linkname directives that make a function without a
	// body or a variable stand for another symbol; pushes the symbols the
	// package's //go:linkname directives define under a link name
	// ("path.name"); foreign are 3-argument //go:linkname directives on a
	// function with a body outside the standard library (a definition
	// under another package's name).
	pulls   []pull
	pushes  []string
	foreign []string
	// dynamic are the symbols //go:cgo_import_dynamic brings in.
	dynamic map[string]bool
}

// pull is "//go:linkname local target" on a declaration without a body.
type pull struct{ local, target string }

func (p pull) String() string { return p.local + " " + p.target }

// directivesOf reads the directives of a package's files. wasm says
// //go:wasmimport counts (the compiler honours it on wasm alone).
func directivesOf(fset *token.FileSet, importPath string, files []*ast.File, wasm bool) directives {
	d := directives{dynamic: map[string]bool{}}
	type link struct{ local, target string }
	var links []link
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
					l := link{local: fields[1], target: importPath + "." + fields[1]}
					if len(fields) == 3 {
						l.target = fields[2]
					}
					links = append(links, l)
				case strings.HasPrefix(text, "go:cgo_import_dynamic "):
					if fields := strings.Fields(text); len(fields) >= 2 {
						d.dynamic[fields[1]] = true
					}
				case text == "go:embed" || strings.HasPrefix(text, "go:embed "):
					if !imports["embed"] {
						d.errs = append(d.errs, Error{Pos: fset.Position(c.Pos() + 2), Msg: `go:embed requires import "embed" (or import _ "embed", if package is not used)`})
					}
				}
			}
		}
	}
	bodies := map[string]bool{} // package-level functions and variables: true when a function has a body
	for _, f := range files {
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.GenDecl:
				if decl.Tok != token.VAR {
					continue
				}
				for _, spec := range decl.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						bodies[n.Name] = false
					}
				}
			case *ast.FuncDecl:
				if decl.Recv == nil {
					bodies[decl.Name.Name] = decl.Body != nil
				}
				if decl.Body != nil || linknamed[decl.Name.Name] {
					continue
				}
				if wasm && hasDirective(decl.Doc, "go:wasmimport ") {
					continue
				}
				pos := decl.Name.Pos()
				if decl.Recv != nil {
					pos = decl.Recv.Opening
				}
				d.unresolved = append(d.unresolved, decl.Name.Name)
				d.unresolvedPos = append(d.unresolvedPos, fset.Position(pos))
			}
		}
	}
	for _, l := range links {
		body, declared := bodies[l.local]
		switch {
		case !declared:
			// Names nothing of the package: the compiler ignores it.
		case l.target == importPath+"."+l.local:
			d.pushes = append(d.pushes, l.target) // "//go:linkname name": callable by that name
		case body:
			d.pushes = append(d.pushes, l.target)
			d.foreign = append(d.foreign, l.local+" "+l.target)
		default:
			d.pulls = append(d.pulls, pull(l))
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
// that the type checker cannot: outside the standard library, functions
// without a body that the package's assembly does not define, //go:linkname
// pulls the linker may refuse, definitions under another package's name,
// and syso objects.
func (s *Session) linkHazards(g *Graph, roots []string, entries map[string]*pkgEntry) []Hazard {
	var mains []string
	for _, r := range roots {
		if p, ok := g.Lookup(r); ok && p.Name == "main" {
			mains = append(mains, r)
		}
	}
	if len(mains) == 0 {
		return nil
	}
	closure := g.Closure(mains)
	pushed := map[string]bool{}
	goroot := ""
	for _, p := range closure {
		if e := entries[p.ImportPath]; p.Standard && e != nil {
			for _, sym := range e.result.pushes {
				pushed[sym] = true
			}
		}
		if p.ImportPath == "runtime" {
			goroot = filepath.Dir(filepath.Dir(p.Dir))
		}
	}
	var out []Hazard
	var reached map[string]bool
	for _, p := range closure {
		e := entries[p.ImportPath]
		if p.Standard || e == nil {
			continue
		}
		if !complete(p) && len(e.result.unresolved) > 0 {
			if reached == nil {
				reached = reachable(closure, entries)
			}
			if missing := referenced(p, e, reached); len(missing) > 0 {
				out = append(out, Hazard{p.ImportPath, "functions without a body for the linker to find in assembly: " + strings.Join(missing, ", ")})
			}
		}
		var refused []string
		for _, pl := range e.result.pulls {
			if why := s.pullRefused(pl, e.result.dynamic, pushed, goroot); why != "" {
				refused = append(refused, pl.String()+" ("+why+")")
			}
		}
		if len(refused) > 0 {
			out = append(out, Hazard{p.ImportPath, "//go:linkname for the linker to decide: " + strings.Join(refused, ", ")})
		}
		if len(e.result.foreign) > 0 {
			out = append(out, Hazard{p.ImportPath, "//go:linkname defining another package's symbol: " + strings.Join(e.result.foreign, ", ")})
		}
		if len(p.SysoFiles) > 0 {
			out = append(out, Hazard{p.ImportPath, "syso objects for the linker: " + strings.Join(p.SysoFiles, " ")})
		}
	}
	return out
}

// referenced are the functions of p left without a body (its assembly
// does not define them) that the program can reach (reached, from
// reachable). One it cannot is dead code: the linker drops it without
// looking for its body. (A call from assembly is not seen.)
func referenced(p *Package, e *pkgEntry, reached map[string]bool) []string {
	var out []string
	for _, name := range e.result.unresolved {
		isFunc := false
		if e.pkg != nil {
			_, isFunc = e.pkg.Scope().Lookup(name).(*types.Func)
		}
		// A method, or not found: assume it is needed.
		if !isFunc || reached[p.ImportPath+"."+name] {
			out = append(out, name)
		}
	}
	return out
}

// pullRefused says why the linker might refuse a //go:linkname pull, or ""
// when it allows it for sure: a symbol //go:cgo_import_dynamic brings in,
// or a symbol of the standard library that the library itself gives a
// link name (a "push") and that the linker's block list (blockedLinknames
// in cmd/link, read from GOROOT) does not hold. A symbol of another
// module's package is not checked here.
func (s *Session) pullRefused(pl pull, dynamic, pushed map[string]bool, goroot string) string {
	slash := strings.LastIndex(pl.target, "/")
	dot := strings.LastIndex(pl.target, ".")
	if dot <= slash {
		if dynamic[pl.target] {
			return ""
		}
		return "not a package's symbol"
	}
	pkg := pl.target[:dot]
	if first, _, _ := strings.Cut(pkg, "/"); strings.Contains(first, ".") {
		return "a symbol outside the standard library"
	}
	if !pushed[pl.target] {
		return "the standard library gives it no link name"
	}
	blocked, err := s.blocked(goroot)
	if err != nil {
		return "cannot read the linker's block list: " + err.Error()
	}
	if blocked[pl.target] {
		return "blocked by the linker"
	}
	return ""
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
