package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/typecheck"
)

// Package is one package of the checked pattern as go list sees it for one
// target.
type Package struct {
	ImportPath string
	Name       string
	// Module is the path of the module the package is in.
	Module string
	// Error is go list's error for the package (a syntax error, say), which
	// the build will report again; "" when none.
	Error string
}

// Main reports whether the package is a program.
func (p Package) Main() bool { return p.Name == "main" }

// listFields are the fields the probe asks go list for.
const listFields = "ImportPath,Name,Module,GoFiles,CgoFiles,Error"

// noGoFiles are go list's errors for a package that has nothing to compile
// for a target; `go build ./...` passes over such packages, and so does
// check.
var noGoFiles = []string{"build constraints exclude all Go files", "no non-test Go files", "no Go files"}

// ParseList reads `go list -e -find -json` output and returns the packages
// that have Go files for the target listed with: packages whose files the
// build constraints all exclude, and packages with only tests, are left
// out, as `go build ./...` leaves them out. An error of the pattern itself
// (a directory that does not exist) is returned as the error.
func ParseList(data []byte) ([]Package, error) {
	var out []Package
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var p struct {
			ImportPath, Name  string
			Module            *struct{ Path string }
			GoFiles, CgoFiles []string
			Error             *struct{ Err string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list output: %w", err)
		}
		pkg := Package{ImportPath: p.ImportPath, Name: p.Name}
		if p.Module != nil {
			pkg.Module = p.Module.Path
		}
		if p.Error != nil {
			pkg.Error = p.Error.Err
			if strings.Contains(p.ImportPath, "...") {
				// Not a package: the pattern itself ("lstat ./x/: no such file or directory").
				return nil, errors.New(pkg.Error)
			}
		}
		if len(p.GoFiles)+len(p.CgoFiles) == 0 && (pkg.Error == "" || isNoGoFiles(pkg.Error)) {
			continue
		}
		out = append(out, pkg)
	}
	return out, nil
}

func isNoGoFiles(msg string) bool {
	for _, s := range noGoFiles {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// ListOptions tune List.
type ListOptions struct {
	// GoBin is the go command ("go" when empty).
	GoBin string
	// Env is the environment the go commands inherit (os.Environ() when nil).
	Env []string
	// Jobs is how many go list commands run at once (at least 1).
	Jobs int
	// Timeout bounds each go list (0: 2 minutes).
	Timeout time.Duration
	// Deps lists the platforms that are type-checked (Platform.TypeCheck)
	// with their whole package graph (ListDepsArgs) instead of -find.
	Deps bool
}

// ListArgs are the arguments of the go list that finds which packages of
// pattern have files for a platform, without resolving dependencies.
func ListArgs(pattern string) []string {
	return []string{"list", "-e", "-find", "-json=" + listFields, pattern}
}

// ListDepsArgs are the arguments of the go list that loads a platform's
// whole package graph for the type checker: every package of pattern and
// everything it imports, in dependency order.
func ListDepsArgs(pattern string) []string {
	return []string{"list", "-e", "-deps", "-json=" + typecheck.ListFields, pattern}
}

// Listing is what List found for every platform (indexed like them).
type Listing struct {
	// Packages are, per platform, the packages of the pattern with files
	// to build there.
	Packages [][]Package
	// Graphs are, per type-checked platform, its whole package graph (nil
	// for the others).
	Graphs []*typecheck.Graph
}

// RootsOf are the packages of the pattern with files to compile in a
// platform's graph, as ParseList would list them.
func RootsOf(g *typecheck.Graph) []Package {
	var out []Package
	for _, p := range g.Packages {
		if p.DepOnly {
			continue
		}
		pkg := Package{ImportPath: p.ImportPath, Name: p.Name}
		if p.Module != nil {
			pkg.Module = p.Module.Path
		}
		if p.Error != nil {
			pkg.Error = p.Error.Err
		}
		if len(p.GoFiles)+len(p.CgoFiles) == 0 && (pkg.Error == "" || isNoGoFiles(pkg.Error)) {
			continue
		}
		out = append(out, pkg)
	}
	return out
}

// List asks go list, once per platform and with that platform's environment,
// which packages of the workspace's pattern have files to compile there. For
// a compiled platform it uses -find (no dependency resolution), which
// answers in a fraction of a second per target, so that a target the build
// constraints exclude whole costs no compile; a type-checked one
// (Platform.TypeCheck, with opt.Deps) is listed with -deps, its whole graph
// kept for the type checker. Platforms with Skip set are not listed. Any go
// list failure is an error: it means the module cannot be loaded at all (a
// bad go.mod, a go directive newer than the toolchain), whatever the target.
func List(ctx context.Context, ws *Workspace, platforms []Platform, opt ListOptions) (*Listing, error) {
	if opt.GoBin == "" {
		opt.GoBin = "go"
	}
	if opt.Env == nil {
		opt.Env = os.Environ()
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultFetchTimeout
	}
	out := &Listing{Packages: make([][]Package, len(platforms)), Graphs: make([]*typecheck.Graph, len(platforms))}
	var g errgroup.Group
	g.SetLimit(max(opt.Jobs, 1))
	for i, p := range platforms {
		if p.Skip != nil {
			continue
		}
		g.Go(func() error {
			env := append(append([]string(nil), opt.Env...), p.Env...)
			deps := opt.Deps && p.TypeCheck
			args := ListArgs(ws.Pattern)
			if deps {
				args = ListDepsArgs(ws.Pattern)
			}
			data, stderr, err := runGo(ctx, opt.Timeout, opt.GoBin, ws.Dir, env, args...)
			if err != nil {
				return fmt.Errorf("listing the packages of %s for %s: %s", ws.Name, p.Target, failure(err, stderr))
			}
			if deps {
				graph, err := typecheck.ParseGraph(data)
				if err != nil {
					return fmt.Errorf("listing the packages of %s for %s: %w", ws.Name, p.Target, err)
				}
				for _, pkg := range graph.Packages {
					if !pkg.DepOnly && pkg.Error != nil && strings.Contains(pkg.ImportPath, "...") {
						return fmt.Errorf("listing the packages of %s for %s: %s", ws.Name, p.Target, pkg.Error.Err)
					}
				}
				out.Graphs[i], out.Packages[i] = graph, RootsOf(graph)
				return nil
			}
			pkgs, err := ParseList(data)
			if err != nil {
				return fmt.Errorf("listing the packages of %s for %s: %w", ws.Name, p.Target, err)
			}
			out.Packages[i] = pkgs
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
