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
}

// List asks go list, once per platform and with that platform's environment,
// which packages of the workspace's pattern have files to compile there. It
// uses -find (no dependency resolution), which answers in a fraction of a
// second per target, so that a target the build constraints exclude whole
// costs no compile. Platforms with Skip set are not listed. Any go list
// failure is an error: it means the module cannot be loaded at all (a bad
// go.mod, a go directive newer than the toolchain), whatever the target.
func List(ctx context.Context, ws *Workspace, platforms []Platform, opt ListOptions) ([][]Package, error) {
	if opt.GoBin == "" {
		opt.GoBin = "go"
	}
	if opt.Env == nil {
		opt.Env = os.Environ()
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultFetchTimeout
	}
	out := make([][]Package, len(platforms))
	var g errgroup.Group
	g.SetLimit(max(opt.Jobs, 1))
	for i, p := range platforms {
		if p.Skip != nil {
			continue
		}
		g.Go(func() error {
			env := append(append([]string(nil), opt.Env...), p.Env...)
			data, stderr, err := runGo(ctx, opt.Timeout, opt.GoBin, ws.Dir, env, "list", "-e", "-find", "-json="+listFields, ws.Pattern)
			if err != nil {
				return fmt.Errorf("listing the packages of %s for %s: %s", ws.Name, p.Target, failure(err, stderr))
			}
			pkgs, err := ParseList(data)
			if err != nil {
				return fmt.Errorf("listing the packages of %s for %s: %w", ws.Name, p.Target, err)
			}
			out[i] = pkgs
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
