package typecheck

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
)

// blockList is where cmd/link keeps the symbols it refuses to link by
// //go:linkname from outside the packages it names (checkLinkname).
const blockList = "src/cmd/link/internal/loader/loader.go"

// blocked returns the linker's block list (the keys of blockedLinknames in
// GOROOT's cmd/link), read once per session.
func (s *Session) blocked(goroot string) (map[string]bool, error) {
	s.blockOnce.Do(func() {
		if goroot == "" {
			s.blockErr = errors.New("no GOROOT: the program does not import runtime")
			return
		}
		s.blockList, s.blockErr = readBlockList(filepath.Join(goroot, filepath.FromSlash(blockList)))
	})
	return s.blockList, s.blockErr
}

// readBlockList reads the keys of the map literal blockedLinknames in the
// Go file at path.
func readBlockList(path string) (map[string]bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) != 1 || vs.Names[0].Name != "blockedLinknames" || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.CompositeLit)
			if !ok {
				break
			}
			out := map[string]bool{}
			for _, elt := range lit.Elts {
				kv, ok := elt.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				if b, ok := kv.Key.(*ast.BasicLit); ok && b.Kind == token.STRING {
					if k, err := strconv.Unquote(b.Value); err == nil {
						out[k] = true
					}
				}
			}
			if len(out) == 0 {
				return nil, errors.New(path + ": blockedLinknames is empty")
			}
			return out, nil
		}
	}
	return nil, errors.New(path + ": no blockedLinknames")
}
