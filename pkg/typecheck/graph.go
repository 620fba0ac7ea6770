// Package typecheck answers "does this package graph build for this
// platform?" without compiling: it type-checks the graph go list gives for
// a platform with go/types, from source, and adds the few checks the
// compiler and the go command make that the type checker does not (a
// function without a body in a package without assembly, //go:linkname and
// //go:embed without their imports, C files without cgo, load errors). A
// Session parses every file once across all platforms and shares whole
// checked packages between platforms whose file sets, language version,
// sizes and dependencies are identical.
//
// What it cannot see is reported as a Hazard, so that the caller can
// compile that platform instead: cgo, and in a program's dependencies a
// function without a body whose assembly or //go:linkname target only the
// linker can resolve.
package typecheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ListFields are the fields of `go list -json` that Parse reads; callers
// run `go list -e -deps -json=`+ListFields with the platform's environment.
const ListFields = "ImportPath,Name,Dir,Standard,DepOnly,GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,FFiles,SFiles,SysoFiles,SwigFiles,SwigCXXFiles,Imports,ImportMap,Module,Error,DepsErrors"

// Package is one package of a platform's graph, as go list printed it.
type Package struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	DepOnly    bool
	GoFiles    []string
	CgoFiles   []string
	// CFiles and the like are files the go command refuses without cgo.
	CFiles, CXXFiles, MFiles, FFiles []string
	SFiles, SysoFiles                []string
	SwigFiles, SwigCXXFiles          []string
	// Imports are the import paths of the packages it imports, resolved
	// (a vendored package's path starts with "vendor/").
	Imports []string
	// ImportMap maps an import path in the source to the resolved one
	// when they differ.
	ImportMap map[string]string
	Module    *Module
	Error     *LoadError
	// DepsErrors are the load errors of the package's dependencies.
	DepsErrors []*LoadError
}

// Module is the module a package is in.
type Module struct {
	Path, Version string
	// GoVersion is the go directive of its go.mod ("" when it has none).
	GoVersion string
}

// LoadError is a package's error as go list reports it.
type LoadError struct {
	ImportStack []string
	Pos         string
	Err         string
}

// String renders the error as go build prints it: "package A\n\timports
// B: message", or the message alone when there is no import stack.
func (e *LoadError) String() string {
	if len(e.ImportStack) == 0 {
		if e.Pos != "" {
			return e.Pos + ": " + e.Err
		}
		return e.Err
	}
	pos := ""
	if e.Pos != "" {
		pos = "\n\t" + e.Pos
	}
	return "package " + strings.Join(e.ImportStack, "\n\timports ") + pos + ": " + e.Err
}

// Graph is the package graph of one platform: every package in dependency
// order (each after all it imports), as `go list -deps` prints them.
type Graph struct {
	Packages []*Package
	byPath   map[string]*Package
}

// Lookup returns the package with the import path.
func (g *Graph) Lookup(path string) (*Package, bool) {
	p, ok := g.byPath[path]
	return p, ok
}

// ParseGraph reads the output of `go list -e -deps -json=`+ListFields.
func ParseGraph(data []byte) (*Graph, error) {
	g := &Graph{byPath: map[string]*Package{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		p := new(Package)
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list output: %w", err)
		}
		if _, dup := g.byPath[p.ImportPath]; dup {
			return nil, fmt.Errorf("reading go list output: %s listed twice", p.ImportPath)
		}
		g.byPath[p.ImportPath] = p
		g.Packages = append(g.Packages, p)
	}
	return g, nil
}

// Closure is every package roots need, in dependency order, roots included.
// An import go list could not resolve has no package and is left out (its
// load error is on the importer).
func (g *Graph) Closure(roots []string) []*Package {
	need := map[string]bool{}
	var visit func(string)
	visit = func(path string) {
		if need[path] {
			return
		}
		p, ok := g.byPath[path]
		if !ok {
			return
		}
		need[path] = true
		for _, imp := range p.Imports {
			visit(imp)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	var out []*Package
	for _, p := range g.Packages {
		if need[p.ImportPath] {
			out = append(out, p)
		}
	}
	return out
}
