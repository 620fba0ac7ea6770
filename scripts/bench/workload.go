package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Workload is a Go program to build for the matrix: a pinned module copied
// out of the module cache into the work directory (so that the edit
// scenario can change it), or the smoke test's generated hello world.
type Workload struct {
	Name    string `json:"name"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Main    string `json:"main"`   // package to build, relative to the module root
	Binary  string `json:"binary"` // output file name without extension
	Sum     string `json:"sum,omitempty"`
	Dir     string `json:"-"` // the work copy
}

// knownWorkloads are the real third-party CLIs of issue 5: a medium one
// (fzf: tcell, x/sys, x/term; about 80 packages) and a small one (shfmt).
var knownWorkloads = map[string]Workload{
	"fzf":   {Name: "fzf", Module: "github.com/junegunn/fzf", Version: "v0.65.2", Main: ".", Binary: "fzf"},
	"shfmt": {Name: "shfmt", Module: "mvdan.cc/sh/v3", Version: "v3.14.1", Main: "./cmd/shfmt", Binary: "shfmt"},
}

// parseWorkload takes a known name (fzf, shfmt) or MODULE@VERSION[:MAIN],
// e.g. github.com/junegunn/fzf@v0.66.0 or mvdan.cc/sh/v3@v3.14.1:./cmd/shfmt.
func parseWorkload(s string) (Workload, error) {
	if w, ok := knownWorkloads[s]; ok {
		return w, nil
	}
	spec, main, _ := strings.Cut(s, ":")
	mod, ver, ok := strings.Cut(spec, "@")
	if !ok || mod == "" || ver == "" {
		return Workload{}, fmt.Errorf("workload %q: want fzf, shfmt or MODULE@VERSION[:MAIN]", s)
	}
	if main == "" {
		main = "."
	}
	if !strings.HasPrefix(main, ".") {
		return Workload{}, fmt.Errorf("workload %q: main package %q must be relative to the module root, like ./cmd/tool", s, main)
	}
	bin := filepath.Base(filepath.Clean(main))
	if bin == "." {
		bin = filepath.Base(mod)
		if len(bin) > 1 && bin[0] == 'v' && strings.Trim(bin[1:], "0123456789") == "" { // .../v3
			bin = filepath.Base(filepath.Dir(mod))
		}
	}
	return Workload{Name: bin, Module: mod, Version: ver, Main: main, Binary: bin}, nil
}

// modDownload is the part of `go mod download -json` the bench reads.
type modDownload struct {
	Path, Version, Dir, Sum, Error string
}

// prepareWorkload fetches w through the module proxy the go command is
// configured with, copies its source into dir and downloads its
// dependencies: everything a build needs from the network happens here,
// outside the timed region. The timed runs then use GOPROXY=off, so a
// missed download fails a run instead of silently slowing it.
//
// Every platform of targets must load; one of extra (the "all" matrix,
// where some platforms are expected to fail) that does not is returned as a
// warning.
func prepareWorkload(ctx context.Context, g *goTool, w Workload, dir string, targets, extra []Target) (Workload, []string, error) {
	out, err := g.output(ctx, "", []string{"GOFLAGS=-mod=mod"}, "mod", "download", "-json", w.Module+"@"+w.Version)
	var md modDownload
	if jerr := json.Unmarshal(out, &md); jerr == nil && md.Error != "" {
		return w, nil, fmt.Errorf("workload %s: %s@%s does not resolve through the module proxy: %s", w.Name, w.Module, w.Version, md.Error)
	}
	if err != nil {
		return w, nil, fmt.Errorf("workload %s: go mod download %s@%s: %w", w.Name, w.Module, w.Version, err)
	}
	if err := json.Unmarshal(out, &md); err != nil || md.Dir == "" {
		return w, nil, fmt.Errorf("workload %s: go mod download -json %s@%s: no directory in %q", w.Name, w.Module, w.Version, out)
	}
	w.Version, w.Sum = md.Version, md.Sum
	if err := copyTree(md.Dir, dir); err != nil {
		return w, nil, fmt.Errorf("workload %s: copy source: %w", w.Name, err)
	}
	w.Dir = dir
	if _, err := g.output(ctx, dir, []string{"GOFLAGS=-mod=mod"}, "mod", "download"); err != nil {
		return w, nil, fmt.Errorf("workload %s: download dependencies: %w", w.Name, err)
	}
	// go mod download of the whole graph can leave go.sum short of what
	// loading the packages wants, and a package may import other modules on
	// another GOOS; go list for every platform of the matrix fills go.sum in
	// (still -mod=mod) and fails early, naming the package and platform, if
	// the program does not load there.
	seen := map[string]bool{}
	var warnings []string
	for i, t := range append(append([]Target(nil), targets...), extra...) {
		key := t.GOOS + "/" + t.GOARCH
		if seen[key] {
			continue
		}
		seen[key] = true
		env := []string{"GOFLAGS=-mod=mod", "GOOS=" + t.GOOS, "GOARCH=" + t.GOARCH, "CGO_ENABLED=0"}
		if _, err := g.output(ctx, dir, env, "list", "-deps", w.Main); err != nil {
			if i < len(targets) {
				return w, nil, fmt.Errorf("workload %s: load %s for %s: %w", w.Name, w.Main, key, err)
			}
			warnings = append(warnings, fmt.Sprintf("%s does not load for %s: its builds in the all matrix will fail", w.Name, key))
		}
	}
	return w, warnings, nil
}

// smokeWorkload writes the smoke test's module: a hello world with no
// dependencies and no imports, so that even its cold builds take seconds.
func smokeWorkload(dir, goVersion string) (Workload, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Workload{}, err
	}
	gomod := "module example.com/hello\n\ngo " + goLangVersion(goVersion) + "\n"
	src := "// Command hello is the bench's smoke workload.\npackage main\n\nfunc main() { println(\"hello\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return Workload{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		return Workload{}, err
	}
	return Workload{Name: "hello", Module: "example.com/hello", Version: "(generated)", Main: ".", Binary: "hello", Dir: dir}, nil
}

// goLangVersion turns "go1.26.8" into "1.26" for a go.mod go line.
func goLangVersion(v string) string {
	v = strings.TrimPrefix(v, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' })
	}
	return "1.22"
}

// copyTree copies a module directory (read-only in the module cache) to
// dst, writable.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		default:
			return nil // module zips hold no symlinks; skip anything else
		}
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// editTarget returns the file the edit scenario appends to: main.go of the
// main package if there is one, else its first non-test .go file. Either is
// compiled for every target unless it has build constraints, which main.go
// of a CLI rarely has.
func editTarget(w Workload) (string, error) {
	dir := filepath.Join(w.Dir, filepath.FromSlash(w.Main))
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err == nil {
		return filepath.Join(dir, "main.go"), nil
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	sort.Strings(m)
	for _, f := range m {
		if !strings.HasSuffix(f, "_test.go") {
			return f, nil
		}
	}
	return "", fmt.Errorf("workload %s: no .go file in %s to edit", w.Name, dir)
}

// appendEdit changes file so that its package must be compiled and the
// program linked again: a new unexported package-level variable (a comment
// alone could leave the object file byte-identical, and the go command would
// then skip the link).
func appendEdit(file string, n int) error {
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n// Added by scripts/bench (edit scenario, run %d).\nvar portmatrixBenchEdit%d = %d\n", n, n, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("edit %s: %w", file, err)
	}
	return nil
}
