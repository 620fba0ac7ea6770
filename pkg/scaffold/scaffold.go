// Package scaffold writes a starter portmatrix.yaml for a Go module: it asks
// the go command for the module's main packages and renders one commented
// build per package, so that a new user starts from a manifest that plans
// and builds, not from a blank page.
package scaffold

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Package is one main package of a module.
type Package struct {
	// ImportPath is the package's import path, e.g. example.com/app/cmd/server.
	ImportPath string
	// Dir is the package directory relative to the module root,
	// slash-separated: "cmd/server", or "." for the root.
	Dir string
	// Binary is the file name go build gives the program: the last element
	// of the import path that is not a major version (v2, v3, ...).
	Binary string
}

// Module is a Go module and its main packages.
type Module struct {
	// Path is the module path from go.mod ("" when the module has no
	// packages to take it from).
	Path string
	// Dir is the absolute module root, the directory holding go.mod.
	Dir string
	// Packages are the main packages under the directory that was
	// scanned, in import path order.
	Packages []Package
}

// ErrNoMainPackage is the cause of Manifest's error when the module has no
// main package: there is nothing for portmatrix to build.
var ErrNoMainPackage = errors.New("no main package")

// MainPackages asks the go command (goBin, run without a shell) for the main
// packages in dir and below, and for the module they belong to. Dependencies
// are not resolved (go list -find), so it needs no network and works on a
// module whose requirements are not downloaded yet. An error names dir when
// it is not inside a module.
func MainPackages(ctx context.Context, goBin, dir string) (Module, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Module{}, err
	}
	if fi, err := os.Stat(abs); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		return Module{}, fmt.Errorf("cannot scan %s: %w", abs, err)
	} else if !fi.IsDir() {
		return Module{}, fmt.Errorf("cannot scan %s: not a directory", abs)
	}
	out, err := goCmd(ctx, goBin, abs, "env", "GOMOD")
	if err != nil {
		return Module{}, err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return Module{}, fmt.Errorf("%s is not in a Go module (no go.mod in it or any directory above it): run \"go mod init\" there first", abs)
	}
	mod := Module{Dir: filepath.Dir(gomod)}

	out, err = goCmd(ctx, goBin, abs, "list", "-e", "-find", "-json=ImportPath,Name,Dir,Module", "./...")
	if err != nil {
		return Module{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Name, Dir string
			Module                *struct{ Path, Dir string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return Module{}, fmt.Errorf("reading go list output in %s: %w", abs, err)
		}
		if p.Module == nil || !sameDir(p.Module.Dir, mod.Dir) {
			continue // another module of a workspace
		}
		mod.Path = p.Module.Path
		if p.Name != "main" {
			continue
		}
		rel, err := filepath.Rel(p.Module.Dir, p.Dir)
		if err != nil {
			return Module{}, fmt.Errorf("package %s: %w", p.ImportPath, err)
		}
		mod.Packages = append(mod.Packages, Package{ImportPath: p.ImportPath, Dir: filepath.ToSlash(rel), Binary: execName(p.ImportPath)})
	}
	return mod, nil
}

// goCmd runs the go command in dir and returns its standard output; a
// failure carries the command and what it printed on stderr.
func goCmd(ctx context.Context, goBin, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			msg = ": " + msg
		}
		return nil, fmt.Errorf("%s %s in %s: %w%s", goBin, strings.Join(args, " "), dir, err, msg)
	}
	return out, nil
}

func sameDir(a, b string) bool {
	return filepath.Clean(a) == filepath.Clean(b)
}

// execName is the name go build gives the executable of a main package: the
// last element of its import path, skipping a major version suffix, so that
// example.com/tool/v2 builds "tool" (cmd/go's DefaultExecName).
func execName(importPath string) string {
	elem := path.Base(importPath)
	if elem != importPath && isVersionElement(elem) {
		elem = path.Base(path.Dir(importPath))
	}
	return elem
}

func isVersionElement(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || s[1] == '1' && len(s) == 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Options shape the starter manifest.
type Options struct {
	// ModuleDir is the module root relative to the directory the manifest
	// is written to, slash-separated; "" or "." when the manifest sits in
	// the module root (then the build has no dir key).
	ModuleDir string
}

// targets is the target list of every starter build: Go's first-class
// ports (linux, darwin and windows on the common architectures).
var targets = []string{"first-class"}

// nameRE is what the manifest accepts as a build id (and binary); badChar
// is a character it does not.
var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	badChar = regexp.MustCompile(`[^A-Za-z0-9._-]`)
)

// Manifest renders a commented starter manifest for mod: one build per main
// package, pure Go (cgo off) for the first-class ports, trimmed paths,
// stripped, and expected static except on darwin and windows, whose
// binaries always load system libraries. It fails with ErrNoMainPackage
// when mod has no main package.
func Manifest(mod Module, opts Options) ([]byte, error) {
	if len(mod.Packages) == 0 {
		where := mod.Dir
		if mod.Path != "" {
			where = fmt.Sprintf("module %s (%s)", mod.Path, mod.Dir)
		}
		return nil, fmt.Errorf("%w in %s: portmatrix builds programs, so add a package main (for example cmd/NAME/main.go) first", ErrNoMainPackage, where)
	}
	ids := buildIDs(mod.Packages)
	dir := opts.ModuleDir
	if dir == "" {
		dir = "."
	}

	var b strings.Builder
	b.WriteString(header)
	if mod.Path != "" {
		fmt.Fprintf(&b, "#\n# Written by `portmatrix init` for module %s.\n", mod.Path)
	}
	b.WriteString(top)
	for i, p := range mod.Packages {
		main := "."
		if p.Dir != "." {
			main = "./" + p.Dir
		}
		// The first build explains its keys; the others repeat them bare.
		line := func(text, comment string) {
			if i > 0 || comment == "" {
				fmt.Fprintf(&b, "%s\n", text)
				return
			}
			fmt.Fprintf(&b, "%-26s # %s\n", text, comment)
		}
		if i > 0 {
			b.WriteString("\n")
		}
		line("  # "+p.ImportPath, "")
		line("  - id: "+scalar(ids[i]), "unique name of the build; it names jobs and output directories")
		if dir != "." {
			line("    dir: "+scalar(dir), "the module root, relative to this file")
		}
		line("    main: "+scalar(main), "the package to build, relative to the module root")
		if p.Binary != planBinary(ids[i], main) {
			line("    binary: "+scalar(safeName(p.Binary)), "file name of the binary, without .exe")
		}
		line("    trimpath: true", "no paths of this machine in the binaries: reproducible builds")
		line(`    ldflags: "-s -w"`, "no symbol table or DWARF: smaller binaries")
		line("    targets: ["+strings.Join(targets, ", ")+"]", "Go's first-class ports: `portmatrix targets --first-class`")
		if i == 0 {
			b.WriteString(firstBuildNotes)
		}
		line("    expect: static", "every binary must be statically linked...")
		line("    expectations:", "")
		if i == 0 {
			b.WriteString(expectationNotes)
		}
		line("      - targets: [darwin/*, windows/*]", "")
		line("        expect: dynamic", "")
	}
	return []byte(b.String()), nil
}

const header = `# A portmatrix manifest: which programs to build, for which platforms,
# and what every binary must be. Every key (variants with cgo, C
# toolchains, smoke runs, ...) is described in the README:
# https://github.com/portmatrix/portmatrix#manifest-reference-portmatrixyaml
`

const top = `#
# portmatrix plan     prints every job's exact go build command
# portmatrix build    builds them all, then inspects every binary
version: 1  # the manifest format; 1 is the only one so far
# dist: dist  # output directory, relative to this file (the default)

builds:
`

const firstBuildNotes = `    # No variants: one variant named "default", with cgo off (CGO_ENABLED=0).
    # Add variants (cgo: true, linkmode: external, extldflags: [-static], ...)
    # to build the same program with other link settings.
`

const expectationNotes = `      # ...except on darwin and windows, whose binaries always load system
      # libraries (libSystem, kernel32.dll). Later rules win.
`

// buildIDs gives every package a unique build id: its binary name, or, when
// several packages share one, its directory with "-" for "/".
func buildIDs(pkgs []Package) []string {
	count := map[string]int{}
	for _, p := range pkgs {
		count[p.Binary]++
	}
	ids := make([]string, len(pkgs))
	used := map[string]bool{}
	for i, p := range pkgs {
		id := p.Binary
		if count[p.Binary] > 1 && p.Dir != "." {
			id = strings.ReplaceAll(p.Dir, "/", "-")
		}
		id = safeName(id)
		for base, n := id, 2; used[id]; n++ {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		used[id] = true
		ids[i] = id
	}
	return ids
}

// safeName makes s a valid manifest name: characters other than letters,
// digits, '.', '_' and '-' become '-', and it starts with a letter or digit.
func safeName(s string) string {
	if nameRE.MatchString(s) {
		return s
	}
	s = badChar.ReplaceAllString(s, "-")
	s = strings.TrimLeft(s, "._-")
	if s == "" {
		return "app"
	}
	return s
}

// planBinary is the binary name the plan derives when a build sets none.
func planBinary(id, main string) string {
	if main != "." {
		return path.Base(main)
	}
	return id
}

// scalar renders s as a YAML scalar, quoted only when it must be.
func scalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}
