package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/suggest"
)

// Platform is one row of `go tool dist list -json`.
type Platform struct {
	GOOS         string `json:"GOOS"`
	GOARCH       string `json:"GOARCH"`
	CgoSupported bool   `json:"CgoSupported"`
	FirstClass   bool   `json:"FirstClass"`
}

// Pair is "goos/goarch".
func (p Platform) Pair() string { return p.GOOS + "/" + p.GOARCH }

// Sets are the names that stand for a group of platforms in target lists.
var Sets = []string{"all", "first-class", "cgo"}

// Table is the set of platforms a Go toolchain can build for, in the
// toolchain's own order (sorted by GOOS then GOARCH).
type Table struct {
	platforms []Platform
	byPair    map[string]Platform
}

// LoadTable asks the given go command for its platform list. goBin is the
// go command to run ("go" when empty).
func LoadTable(ctx context.Context, goBin string) (*Table, error) {
	return LoadTableIn(ctx, goBin, nil)
}

// LoadTableIn is LoadTable with the go command run in environ (os.Environ()
// when nil): a build's environment, so that the platforms listed are those
// of the go command the builds run.
func LoadTableIn(ctx context.Context, goBin string, environ []string) (*Table, error) {
	if goBin == "" {
		goBin = "go"
	}
	cmd := exec.CommandContext(ctx, goBin, "tool", "dist", "list", "-json")
	cmd.Env = environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing platforms with %q: %w: %s", goBin+" tool dist list -json", err, strings.TrimSpace(stderr.String()))
	}
	return ParseTable(out)
}

// ParseTable reads the JSON that `go tool dist list -json` prints.
func ParseTable(data []byte) (*Table, error) {
	var ps []Platform
	if err := json.Unmarshal(data, &ps); err != nil {
		return nil, fmt.Errorf("reading platform list: %w", err)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("reading platform list: no platforms")
	}
	return NewTable(ps), nil
}

// NewTable builds a table from platforms (used by tests with a fixed list).
func NewTable(ps []Platform) *Table {
	t := &Table{byPair: map[string]Platform{}}
	for _, p := range ps {
		if _, dup := t.byPair[p.Pair()]; dup {
			continue
		}
		t.byPair[p.Pair()] = p
		t.platforms = append(t.platforms, p)
	}
	sort.SliceStable(t.platforms, func(i, j int) bool {
		if t.platforms[i].GOOS != t.platforms[j].GOOS {
			return t.platforms[i].GOOS < t.platforms[j].GOOS
		}
		return t.platforms[i].GOARCH < t.platforms[j].GOARCH
	})
	return t
}

// Platforms returns every platform in order.
func (t *Table) Platforms() []Platform { return append([]Platform(nil), t.platforms...) }

// Lookup finds one platform.
func (t *Table) Lookup(goos, goarch string) (Platform, bool) {
	p, ok := t.byPair[goos+"/"+goarch]
	return p, ok
}

// Closest names up to n valid pairs nearest to a mistyped one.
func (t *Table) Closest(pair string, n int) []string {
	var cands []string
	for _, p := range t.platforms {
		cands = append(cands, p.Pair())
	}
	return suggest.Closest(pair, cands, n)
}

// Expand turns one target pattern into targets, in table order. A pattern is
// a set name (all, first-class, cgo) or goos/goarch[/level], where goos,
// goarch and level may be globs ("linux/*", "*/arm64", "linux/arm/*").
func (t *Table) Expand(pattern string) ([]Target, error) {
	switch pattern {
	case "all", "first-class", "cgo":
		var out []Target
		for _, p := range t.platforms {
			if pattern == "all" || (pattern == "first-class" && p.FirstClass) || (pattern == "cgo" && p.CgoSupported) {
				out = append(out, Target{GOOS: p.GOOS, GOARCH: p.GOARCH})
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("target set %q matches no platform of this Go toolchain", pattern)
		}
		return out, nil
	}
	pt, err := Parse(pattern)
	if err != nil {
		return nil, fmt.Errorf("%w (or one of the sets %s)", err, strings.Join(Sets, ", "))
	}
	if err := checkGlob(pattern); err != nil {
		return nil, err
	}
	isGlob := hasMeta(pt.GOOS) || hasMeta(pt.GOARCH)
	if !isGlob {
		if _, ok := t.Lookup(pt.GOOS, pt.GOARCH); !ok {
			msg := fmt.Sprintf("unknown platform %q: `go tool dist list` does not have it", pt.Pair())
			if c := t.Closest(pt.Pair(), 3); len(c) > 0 {
				msg += "; did you mean " + quoteJoin(c) + "?"
			}
			return nil, fmt.Errorf("%s", msg)
		}
	}
	var out []Target
	for _, p := range t.platforms {
		if ok, _ := path.Match(pt.GOOS, p.GOOS); !ok {
			continue
		}
		if ok, _ := path.Match(pt.GOARCH, p.GOARCH); !ok {
			continue
		}
		if pt.Level == "" {
			out = append(out, Target{GOOS: p.GOOS, GOARCH: p.GOARCH})
			continue
		}
		if hasMeta(pt.Level) {
			for _, l := range levels[p.GOARCH] {
				if ok, _ := path.Match(pt.Level, l.Name); ok {
					out = append(out, Target{GOOS: p.GOOS, GOARCH: p.GOARCH, Level: l.Name})
				}
			}
			continue
		}
		if _, ok := FindLevel(p.GOARCH, pt.Level); !ok {
			if isGlob {
				continue // a level picks the architectures that have it
			}
			names := LevelNames(p.GOARCH)
			if len(names) == 0 {
				return nil, fmt.Errorf("target %q: %s has no sub-architecture levels", pattern, p.GOARCH)
			}
			return nil, fmt.Errorf("target %q: %s has no level %q; its levels are %s", pattern, p.GOARCH, pt.Level, strings.Join(names, ", "))
		}
		out = append(out, Target{GOOS: p.GOOS, GOARCH: p.GOARCH, Level: pt.Level})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("target pattern %q matches no platform of this Go toolchain", pattern)
	}
	return out, nil
}

// Matches reports whether target tg is selected by pattern, without the
// errors of Expand: used for excludes and per-target rules, where a pattern
// is checked for validity once, separately.
func (t *Table) Matches(pattern string, tg Target) bool {
	switch pattern {
	case "all":
		return true
	case "first-class", "cgo":
		p, ok := t.Lookup(tg.GOOS, tg.GOARCH)
		return ok && ((pattern == "first-class" && p.FirstClass) || (pattern == "cgo" && p.CgoSupported))
	}
	pt, err := Parse(pattern)
	if err != nil {
		return false
	}
	if ok, _ := path.Match(pt.GOOS, tg.GOOS); !ok {
		return false
	}
	if ok, _ := path.Match(pt.GOARCH, tg.GOARCH); !ok {
		return false
	}
	if pt.Level == "" {
		return true // "linux/arm" covers every level of linux/arm
	}
	ok, _ := path.Match(pt.Level, tg.Level)
	return ok
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

func checkGlob(pattern string) error {
	for _, part := range strings.Split(pattern, "/") {
		if _, err := path.Match(part, ""); err != nil {
			return fmt.Errorf("target %q: bad glob %q: %w", pattern, part, err)
		}
	}
	return nil
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// ExpandAll resolves several patterns (Expand) into targets without
// duplicates, sorted (Sort). It is an error when a pattern is bad or none
// is given.
func (t *Table) ExpandAll(patterns []string) ([]Target, error) {
	var out []Target
	for _, pat := range patterns {
		ts, err := t.Expand(pat)
		if err != nil {
			return nil, err
		}
		for _, tg := range ts {
			if !slices.Contains(out, tg) {
				out = append(out, tg)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no targets")
	}
	Sort(out)
	return out, nil
}
