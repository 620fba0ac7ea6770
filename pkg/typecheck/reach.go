package typecheck

import (
	"go/ast"
	"go/types"
)

// calls are the package-level functions a package refers to, by name
// ("path.name"; by name, not by object, since a package shared from
// another check may refer to an earlier copy of its dependency): what each
// of its package-level functions refers to in its body, and what the rest
// of it refers to (methods, which an interface may call, variable
// initializers, init functions and main), which the linker always keeps.
type calls struct {
	from map[string][]string
	root []string
}

// callsOf reads the calls of a checked package.
func callsOf(path string, files []*ast.File, info *types.Info) calls {
	c := calls{from: map[string][]string{}}
	in := map[*ast.Ident]string{} // an identifier in the body of the function named
	for _, f := range files {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || fn.Name.Name == "init" || (fn.Name.Name == "main" && f.Name.Name == "main") {
				continue
			}
			name := fn.Name.Name
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					in[id] = name
				}
				return true
			})
		}
	}
	for id, obj := range info.Uses {
		fn, ok := obj.(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Signature().Recv() != nil {
			continue
		}
		sym := fn.Pkg().Path() + "." + fn.Name()
		if caller, ok := in[id]; ok {
			c.from[path+"."+caller] = append(c.from[path+"."+caller], sym)
		} else {
			c.root = append(c.root, sym)
		}
	}
	return c
}

// reachable are the package-level functions of the program's packages
// outside the standard library that the linker keeps: what their roots
// refer to, and on (a conservative reading of its dead-code pass: every
// method counts as called).
func reachable(closure []*Package, entries map[string]*pkgEntry) map[string]bool {
	seen := map[string]bool{}
	var queue []string
	from := map[string][]string{}
	for _, p := range closure {
		e := entries[p.ImportPath]
		if p.Standard || e == nil {
			continue
		}
		for k, v := range e.result.calls.from {
			from[k] = v
		}
		queue = append(queue, e.result.calls.root...)
		if p.Name == "main" {
			queue = append(queue, p.ImportPath+".main")
		}
	}
	for len(queue) > 0 {
		sym := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[sym] {
			continue
		}
		seen[sym] = true
		queue = append(queue, from[sym]...)
	}
	return seen
}
