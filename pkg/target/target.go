// Package target owns the Target value (GOOS, GOARCH and an optional
// sub-architecture level) and the platform table read live from the Go
// toolchain, so that a new Go release needs no code change here.
package target

import (
	"fmt"
	"strings"
)

// Target is one platform a job builds for. Level is empty when the job uses
// the toolchain's default sub-architecture (GOARM, GOAMD64, ...).
type Target struct {
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	Level  string `json:"level,omitempty"`
}

// String renders the target the way users spell it: "linux/arm/v7".
func (t Target) String() string {
	s := t.GOOS + "/" + t.GOARCH
	if t.Level != "" {
		s += "/" + t.Level
	}
	return s
}

// Pair is the target without its level, the key of the platform table.
func (t Target) Pair() string { return t.GOOS + "/" + t.GOARCH }

// Slug is a file-name-safe form of the target ("linux_arm_v7"), used in
// default output paths and job IDs where slashes would create directories.
func (t Target) Slug() string {
	s := t.GOOS + "_" + t.GOARCH
	if t.Level != "" {
		s += "_" + strings.NewReplacer(",", "_", ".", "_").Replace(t.Level)
	}
	return s
}

// Env returns the environment the go command needs for this target, in a
// fixed order: GOOS, GOARCH, then the level variable (EffectiveLevel).
func (t Target) Env() []string {
	env := []string{"GOOS=" + t.GOOS, "GOARCH=" + t.GOARCH}
	if l, ok := t.EffectiveLevel(); ok {
		env = append(env, l.Var+"="+l.Value)
	}
	return env
}

// EffectiveLevel is the target's level, or its architecture's default when
// it names none: the value the level variable is always set to, so that
// neither the environment nor `go env -w` can change it behind the plan's
// back. False for an architecture without levels.
func (t Target) EffectiveLevel() (Level, bool) {
	if t.Level != "" {
		return FindLevel(t.GOARCH, t.Level)
	}
	return DefaultLevel(t.GOARCH)
}

// Parse reads "goos/goarch" or "goos/goarch/level". It checks only the shape;
// whether the platform exists is the Table's business.
func Parse(s string) (Target, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Target{}, fmt.Errorf("target %q: want goos/goarch or goos/goarch/level", s)
	}
	for _, p := range parts {
		if p == "" {
			return Target{}, fmt.Errorf("target %q: empty element", s)
		}
	}
	t := Target{GOOS: parts[0], GOARCH: parts[1]}
	if len(parts) == 3 {
		t.Level = parts[2]
	}
	return t, nil
}
