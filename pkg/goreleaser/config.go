// Package goreleaser reads the builds of a goreleaser configuration (v2,
// and v1 where the builds section is the same) and turns them into a
// portmatrix manifest: the door for projects that already ship with
// goreleaser.
//
// The expansion of goos × goarch × levels, ignore lists, explicit targets
// and goreleaser's defaults is written here from goreleaser's documented
// behaviour (v2.15: default goos linux, darwin, windows; goarch amd64,
// arm64, 386; goarm 6; goamd64 v1; go386 sse2; goarm64 v8.0; gomips
// hardfloat; goppc64 power8; goriscv64 rva20u64; only goos/goarch pairs
// goreleaser knows are built; explicit targets get the default level of
// their architecture and are not filtered), and a test proves it against
// goreleaser itself on real configurations (import_test.go): the imported
// plan builds exactly the targets goreleaser builds, per build id.
//
// What cannot be carried over (other builders, hooks, archives, packages,
// publishers, templates portmatrix has no field for) is listed, each with
// its file and line, so the user knows what the import left behind.
package goreleaser

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxBytes bounds a configuration file.
const MaxBytes = 4 << 20

// Config is the part of a goreleaser configuration the import reads.
type Config struct {
	// File names the configuration in messages.
	File string
	// Version is the config's `version:` (2 for v2; 0 when absent, v1).
	Version int
	// ProjectName is project_name ("" when absent).
	ProjectName string
	// Builds are the builds, in file order.
	Builds []Build
	// Dropped are the top-level sections the import does not carry.
	Dropped []Dropped
}

// Build is one entry of builds:.
type Build struct {
	Line int // where the entry starts

	ID, Main, Dir, Binary, Builder, Tool, GoBinary string
	ModTimestamp, Skip, NoUniqueDistDir, Buildmode string

	Goos, Goarch, Goamd64, Go386, Goarm, Goarm64, Gomips, Goppc64, Goriscv64 []string
	Targets                                                                  []string
	Ignore                                                                   []Selector

	Ldflags, Tags, Flags, Asmflags, Gcflags, Env []string
	Overrides                                    []Override
	Hooks                                        []Dropped

	// lines of the keys, for notes.
	keyLines map[string]int
}

// Selector picks targets: an ignore entry (empty fields match anything).
type Selector struct {
	Goos, Goarch, Goamd64, Go386, Goarm, Goarm64, Gomips, Goppc64, Goriscv64 string
}

// Override is one entry of overrides: the build details of one target.
type Override struct {
	Line int
	Selector
	Buildmode                                    string
	Ldflags, Tags, Flags, Asmflags, Gcflags, Env []string
	set                                          map[string]bool
}

// Dropped is something of the configuration the import does not carry
// over, where it is and why.
type Dropped struct {
	File string
	Line int
	What string
}

// String is "file:line: what".
func (d Dropped) String() string { return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.What) }

// why says, for top-level keys the import leaves behind, what portmatrix
// does instead (or that it does not).
var why = map[string]string{
	"archives":  "archives: portmatrix packs deterministic archives with `archive:` per build (docs/releases.md#archives); formats and files are not translated",
	"checksum":  "checksum: portmatrix always writes SHA256SUMS",
	"sboms":     "sboms: portmatrix writes CycloneDX and SPDX SBOMs with `release.sbom`",
	"signs":     "signs: portmatrix signs SHA256SUMS and the provenance with `release.sign`",
	"before":    "before hooks: portmatrix runs no shell commands; run them before portmatrix",
	"includes":  "includes: included files are not read; import them by hand",
	"env":       "env: global environment; give it per build under `env:` or pass it with `env_passthrough`",
	"snapshot":  "snapshot: portmatrix's version stamp comes from git describe (docs/releases.md#version-stamping)",
	"changelog": "changelog: not a build concern; keep goreleaser for publishing",
}

// Parse reads a goreleaser configuration. Errors name the file and line.
func Parse(data []byte, file string) (*Config, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB", file, MaxBytes>>20)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a goreleaser configuration (a YAML mapping)", file)
	}
	top := root.Content[0]
	cfg := &Config{File: file}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "version":
			if err := v.Decode(&cfg.Version); err != nil {
				return nil, fmt.Errorf("%s:%d: version: %v", file, v.Line, err)
			}
		case "project_name":
			cfg.ProjectName = v.Value
		case "builds":
			if v.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("%s:%d: builds: want a list", file, v.Line)
			}
			for _, item := range v.Content {
				b, err := parseBuild(item, file)
				if err != nil {
					return nil, err
				}
				cfg.Builds = append(cfg.Builds, b)
			}
		default:
			if strings.HasPrefix(k.Value, "x-") || k.Value == "variables" || k.Value == "dist" || k.Value == "report_sizes" || k.Value == "git" || k.Value == "gomod" || k.Value == "metadata" {
				continue // anchors, template variables, goreleaser's own settings
			}
			w := why[k.Value]
			if w == "" {
				w = k.Value + ": not a build; portmatrix does not publish (keep goreleaser for it, and verify its output with portmatrix verify-goreleaser)"
			}
			cfg.Dropped = append(cfg.Dropped, Dropped{File: file, Line: k.Line, What: w})
		}
	}
	return cfg, nil
}

// parseBuild reads one build, keeping each key's line.
func parseBuild(n *yaml.Node, file string) (Build, error) {
	b := Build{Line: n.Line, keyLines: map[string]int{}}
	if n.Kind != yaml.MappingNode {
		return b, fmt.Errorf("%s:%d: a build must be a mapping", file, n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		b.keyLines[k.Value] = k.Line
		var err error
		str := func(dst *string) { err = scalar(v, dst) }
		list := func(dst *[]string) { err = stringList(v, dst) }
		switch k.Value {
		case "id":
			str(&b.ID)
		case "main":
			str(&b.Main)
		case "dir":
			str(&b.Dir)
		case "binary":
			str(&b.Binary)
		case "builder":
			str(&b.Builder)
		case "tool":
			str(&b.Tool)
		case "gobinary":
			str(&b.GoBinary)
		case "mod_timestamp":
			str(&b.ModTimestamp)
		case "skip":
			str(&b.Skip)
		case "no_unique_dist_dir":
			str(&b.NoUniqueDistDir)
		case "buildmode":
			str(&b.Buildmode)
		case "goos":
			list(&b.Goos)
		case "goarch":
			list(&b.Goarch)
		case "goamd64":
			list(&b.Goamd64)
		case "go386":
			list(&b.Go386)
		case "goarm":
			list(&b.Goarm)
		case "goarm64":
			list(&b.Goarm64)
		case "gomips":
			list(&b.Gomips)
		case "goppc64":
			list(&b.Goppc64)
		case "goriscv64":
			list(&b.Goriscv64)
		case "targets":
			list(&b.Targets)
		case "ldflags":
			list(&b.Ldflags)
		case "tags":
			list(&b.Tags)
		case "flags":
			list(&b.Flags)
		case "asmflags":
			list(&b.Asmflags)
		case "gcflags":
			list(&b.Gcflags)
		case "env":
			list(&b.Env)
		case "ignore":
			err = selectors(v, &b.Ignore)
		case "overrides":
			err = overrides(v, &b.Overrides)
		case "hooks":
			b.Hooks = append(b.Hooks, Dropped{File: file, Line: k.Line, What: "hooks: portmatrix runs no shell commands around a build"})
		case "no_main_check", "command":
		default:
			b.Hooks = append(b.Hooks, Dropped{File: file, Line: k.Line, What: k.Value + ": not known to the import"})
		}
		if err != nil {
			return b, fmt.Errorf("%s:%d: builds: %s: %v", file, v.Line, k.Value, err)
		}
	}
	return b, nil
}

// scalar reads a string (or a number or boolean, as its text).
func scalar(n *yaml.Node, dst *string) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a single value")
	}
	*dst = n.Value
	return nil
}

// stringList reads a list of scalars, or one scalar as a list of one (as
// goreleaser's StringArray and FlagArray do).
func stringList(n *yaml.Node, dst *[]string) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value != "" {
			*dst = []string{n.Value}
		}
		return nil
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return errors.New("want a list of values")
			}
			*dst = append(*dst, c.Value)
		}
		return nil
	}
	return errors.New("want a value or a list of values")
}

func selectorFrom(n *yaml.Node) (Selector, map[string]bool, error) {
	var s Selector
	set := map[string]bool{}
	if n.Kind != yaml.MappingNode {
		return s, set, errors.New("want a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		var dst *string
		switch k {
		case "goos":
			dst = &s.Goos
		case "goarch":
			dst = &s.Goarch
		case "goamd64":
			dst = &s.Goamd64
		case "go386":
			dst = &s.Go386
		case "goarm":
			dst = &s.Goarm
		case "goarm64":
			dst = &s.Goarm64
		case "gomips":
			dst = &s.Gomips
		case "goppc64":
			dst = &s.Goppc64
		case "goriscv64":
			dst = &s.Goriscv64
		default:
			continue
		}
		if err := scalar(v, dst); err != nil {
			return s, set, fmt.Errorf("%s: %v", k, err)
		}
		set[k] = true
	}
	return s, set, nil
}

func selectors(n *yaml.Node, dst *[]Selector) error {
	if n.Kind != yaml.SequenceNode {
		return errors.New("want a list")
	}
	for _, c := range n.Content {
		s, _, err := selectorFrom(c)
		if err != nil {
			return err
		}
		*dst = append(*dst, s)
	}
	return nil
}

func overrides(n *yaml.Node, dst *[]Override) error {
	if n.Kind != yaml.SequenceNode {
		return errors.New("want a list")
	}
	for _, c := range n.Content {
		s, _, err := selectorFrom(c)
		if err != nil {
			return err
		}
		o := Override{Line: c.Line, Selector: s, set: map[string]bool{}}
		for i := 0; i+1 < len(c.Content); i += 2 {
			k, v := c.Content[i].Value, c.Content[i+1]
			var err error
			switch k {
			case "buildmode":
				err = scalar(v, &o.Buildmode)
			case "ldflags":
				err = stringList(v, &o.Ldflags)
			case "tags":
				err = stringList(v, &o.Tags)
			case "flags":
				err = stringList(v, &o.Flags)
			case "asmflags":
				err = stringList(v, &o.Asmflags)
			case "gcflags":
				err = stringList(v, &o.Gcflags)
			case "env":
				err = stringList(v, &o.Env)
			default:
				continue
			}
			if err != nil {
				return fmt.Errorf("overrides: %s: %v", k, err)
			}
			o.set[k] = true
		}
		*dst = append(*dst, o)
	}
	return nil
}
