package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Matrix is the set of targets one scenario builds.
type Matrix struct {
	Name    string   `json:"name"` // "default", "cgo", "all"
	Targets []Target `json:"targets"`
}

// Contender is one way of building a matrix: portmatrix, the sequential
// go build loop, goreleaser.
type Contender interface {
	// Name is the contender's column in the tables.
	Name() string
	// Setup writes whatever the contender reads (a manifest, a script, a
	// .goreleaser.yaml) into cfgDir. It is not timed.
	Setup(w Workload, m Matrix, cfgDir, dist string) error
	// Command is the one process that builds the whole matrix into dist;
	// runFiles is a directory for per-run files such as reports.
	Command(w Workload, m Matrix, cfgDir, dist, runFiles string) []string
	// Missing lists the outputs of m that are not in dist after a run.
	Missing(w Workload, m Matrix, dist string) []string
	// KeepsOutputs is false when the contender deletes its outputs before
	// every build (goreleaser's --clean), so that "nothing changed" cannot
	// skip anything.
	KeepsOutputs() bool
}

// pmContender runs portmatrix built from this checkout.
type pmContender struct {
	bin     string
	variant string   // "" for the main one, else --variant's NAME
	extra   []string // flags from the bench's command line, after --, or the variant's
}

var _ Contender = (*pmContender)(nil)

func (p *pmContender) Name() string {
	if p.variant != "" {
		return "portmatrix " + p.variant
	}
	return "portmatrix"
}
func (*pmContender) KeepsOutputs() bool { return true }

func (p *pmContender) manifest(cfgDir string, m Matrix) string {
	return filepath.Join(cfgDir, "portmatrix-"+m.Name+".yaml")
}

// Setup writes a manifest with the matrix's targets and, for the cgo
// variant, a second variant on linux/amd64 only.
func (p *pmContender) Setup(w Workload, m Matrix, cfgDir, _ string) error {
	rel, err := filepath.Rel(cfgDir, w.Dir)
	if err != nil {
		return err
	}
	var plain, cgo []string
	for _, t := range m.Targets {
		if t.Cgo {
			cgo = append(cgo, quoteYAML(Target{GOOS: t.GOOS, GOARCH: t.GOARCH, GOARM: t.GOARM}.String()))
		} else {
			plain = append(plain, quoteYAML(t.String()))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by scripts/bench: %s, matrix %q (%d jobs).\nversion: 1\nbuilds:\n", w.Name, m.Name, len(m.Targets))
	fmt.Fprintf(&b, "  - id: %s\n    dir: %s\n    main: %s\n    binary: %s\n", quoteYAML(w.Name), quoteYAML(filepath.ToSlash(rel)), quoteYAML(w.Main), quoteYAML(w.Binary))
	b.WriteString("    trimpath: true\n    ldflags: \"-s -w\"\n    expect: any\n")
	if len(cgo) == 0 {
		b.WriteString("    output: \"{{.Slug}}/{{.Binary}}{{.Ext}}\"\n")
		fmt.Fprintf(&b, "    targets: [%s]\n", strings.Join(plain, ", "))
	} else {
		b.WriteString("    output: '{{.Slug}}{{if ne .Variant \"default\"}}_{{.Variant}}{{end}}/{{.Binary}}{{.Ext}}'\n")
		fmt.Fprintf(&b, "    targets: [%s]\n", strings.Join(union(plain, cgo), ", "))
		fmt.Fprintf(&b, "    variants:\n      - name: default\n        targets: [%s]\n      - name: cgo\n        cgo: true\n        targets: [%s]\n",
			strings.Join(plain, ", "), strings.Join(cgo, ", "))
	}
	return os.WriteFile(p.manifest(cfgDir, m), []byte(b.String()), 0o644)
}

func (p *pmContender) Command(_ Workload, m Matrix, cfgDir, dist, runFiles string) []string {
	args := []string{p.bin, "build", "-f", p.manifest(cfgDir, m), "--dist", dist,
		"--progress", "none", "--json", filepath.Join(runFiles, "portmatrix-report.json")}
	return append(args, p.extra...)
}

func (p *pmContender) Missing(w Workload, m Matrix, dist string) []string {
	return missingFiles(w, m, dist)
}

// loopContender is the baseline: one `go build` after another, as a shell
// script, so that it is measured as one process tree like the others.
type loopContender struct{}

var _ Contender = loopContender{}

func (loopContender) Name() string       { return "go build loop" }
func (loopContender) KeepsOutputs() bool { return true }

func (loopContender) script(cfgDir string, m Matrix) string {
	return filepath.Join(cfgDir, "loop-"+m.Name+".sh")
}

// Setup writes the loop: every target's go build with the same flags
// portmatrix passes, into the same paths. A failed build does not stop the
// loop (the "all" matrix has platforms a program does not compile for); the
// script exits 1 at the end if any failed.
func (l loopContender) Setup(w Workload, m Matrix, cfgDir, _ string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# Written by scripts/bench: the sequential go build loop for %s, matrix %q.\n# Usage: sh %s DIST\n",
		w.Name, m.Name, filepath.Base(l.script(cfgDir, m)))
	fmt.Fprintf(&b, "cd %s || exit 2\nstatus=0\n", shellQuote(w.Dir))
	for _, t := range m.Targets {
		env := "GOOS=" + t.GOOS + " GOARCH=" + t.GOARCH
		if t.GOARM != "" {
			env += " GOARM=" + t.GOARM
		}
		cgo := "0"
		if t.Cgo {
			cgo = "1"
		}
		fmt.Fprintf(&b, "%s CGO_ENABLED=%s go build -o \"$1\"/%s -trimpath -ldflags '-s -w' %s || status=1\n",
			env, cgo, shellQuote(t.Slug()+"/"+w.Binary+t.Ext()), shellQuote(w.Main))
	}
	b.WriteString("exit $status\n")
	return os.WriteFile(l.script(cfgDir, m), []byte(b.String()), 0o755)
}

func (l loopContender) Command(_ Workload, m Matrix, cfgDir, dist, _ string) []string {
	return []string{"sh", l.script(cfgDir, m), dist}
}

func (loopContender) Missing(w Workload, m Matrix, dist string) []string {
	return missingFiles(w, m, dist)
}

// missingFiles checks the layout portmatrix and the loop share:
// DIST/SLUG/BINARY[.exe].
func missingFiles(w Workload, m Matrix, dist string) []string {
	var missing []string
	for _, t := range m.Targets {
		p := filepath.Join(dist, t.Slug(), w.Binary+t.Ext())
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
			missing = append(missing, t.String())
		}
	}
	return missing
}

// grContender runs `goreleaser build --snapshot --clean` with a config of
// builds only.
type grContender struct {
	bin, version string
}

var _ Contender = (*grContender)(nil)

func (*grContender) Name() string       { return "goreleaser" }
func (*grContender) KeepsOutputs() bool { return false }

func (g *grContender) config(cfgDir string, m Matrix) string {
	return filepath.Join(cfgDir, "goreleaser-"+m.Name+".yaml")
}

// grTarget is goreleaser's spelling of a target in `targets:`
// (goos_goarch, and goos_arm_7); it adds the default level itself.
func grTarget(t Target) string {
	s := t.GOOS + "_" + t.GOARCH
	if t.GOARM != "" {
		s += "_" + t.GOARM
	}
	return s
}

// Setup writes a .goreleaser.yaml (version 2) with one build for the plain
// targets and, for the cgo matrix, one for the cgo variant: the same
// flags, ldflags and CGO_ENABLED as the others.
func (g *grContender) Setup(w Workload, m Matrix, cfgDir, dist string) error {
	var plain, cgo []string
	for _, t := range m.Targets {
		if t.Cgo {
			cgo = append(cgo, quoteYAML(grTarget(t)))
		} else {
			plain = append(plain, quoteYAML(grTarget(t)))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by scripts/bench: %s, matrix %q.\nversion: 2\nproject_name: %s\ndist: %s\nbuilds:\n",
		w.Name, m.Name, quoteYAML(w.Name), quoteYAML(dist))
	build := func(id, env string, targets []string) {
		fmt.Fprintf(&b, "  - id: %s\n    main: %s\n    binary: %s\n", quoteYAML(id), quoteYAML(w.Main), quoteYAML(w.Binary))
		fmt.Fprintf(&b, "    flags: [-trimpath]\n    ldflags: [\"-s -w\"]\n    env: [%s]\n    targets: [%s]\n", env, strings.Join(targets, ", "))
	}
	build(w.Name, "CGO_ENABLED=0", plain)
	if len(cgo) > 0 {
		build(w.Name+"-cgo", "CGO_ENABLED=1", cgo)
	}
	return os.WriteFile(g.config(cfgDir, m), []byte(b.String()), 0o644)
}

func (g *grContender) Command(_ Workload, m Matrix, cfgDir, _, _ string) []string {
	return []string{g.bin, "build", "--snapshot", "--clean", "-f", g.config(cfgDir, m)}
}

// Missing looks for goreleaser's layout, DIST/ID_GOOS_GOARCH[_LEVEL]/BINARY:
// the level suffix (v1, v8.0, 7, sse2, ...) depends on goreleaser's version,
// so a directory matches on its prefix.
func (g *grContender) Missing(w Workload, m Matrix, dist string) []string {
	ents, _ := os.ReadDir(dist)
	var missing []string
	for _, t := range m.Targets {
		id := w.Name
		if t.Cgo {
			id += "-cgo"
		}
		prefix := id + "_" + t.GOOS + "_" + t.GOARCH
		found := false
		for _, e := range ents {
			n := e.Name()
			if !e.IsDir() || !(n == prefix || strings.HasPrefix(n, prefix+"_")) {
				continue
			}
			if t.GOARM != "" && n != prefix+"_"+t.GOARM {
				continue
			}
			if fi, err := os.Stat(filepath.Join(dist, n, w.Binary+t.Ext())); err == nil && fi.Size() > 0 {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, t.String())
		}
	}
	return missing
}

// union is a followed by the elements of b that a lacks.
func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// quoteYAML writes s as a double-quoted YAML scalar.
func quoteYAML(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
