package main

import (
	"fmt"
	"sort"
	"strings"
)

// Target is one platform of a matrix. Level is the GOARM value for arm
// ("7"), empty elsewhere: the bench sets no other level variable, so every
// contender builds with Go's default GOAMD64, GOARM64 and so on.
type Target struct {
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	GOARM  string `json:"goarm,omitempty"`
	Cgo    bool   `json:"cgo,omitempty"` // the cgo variant: CGO_ENABLED=1
}

// String is the target as portmatrix and the issue write it:
// linux/arm/v7, with "+cgo" for the cgo variant.
func (t Target) String() string {
	s := t.GOOS + "/" + t.GOARCH
	if t.GOARM != "" {
		s += "/v" + t.GOARM
	}
	if t.Cgo {
		s += "+cgo"
	}
	return s
}

// Slug is the output directory of the target, the same for portmatrix
// (its {{.Slug}}, with _cgo for the cgo variant) and the loop.
func (t Target) Slug() string {
	s := t.GOOS + "_" + t.GOARCH
	if t.GOARM != "" {
		s += "_v" + t.GOARM
	}
	if t.Cgo {
		s += "_cgo"
	}
	return s
}

// Ext is the file name extension Go's tools give executables of the target.
func (t Target) Ext() string {
	switch {
	case t.GOOS == "windows":
		return ".exe"
	case t.GOARCH == "wasm":
		return ".wasm"
	}
	return ""
}

// parseTarget reads goos/goarch or linux/arm/vN.
func parseTarget(s string) (Target, error) {
	p := strings.Split(s, "/")
	switch {
	case len(p) == 2 && p[0] != "" && p[1] != "":
		return Target{GOOS: p[0], GOARCH: p[1]}, nil
	case len(p) == 3 && p[1] == "arm" && (p[2] == "v5" || p[2] == "v6" || p[2] == "v7"):
		return Target{GOOS: p[0], GOARCH: p[1], GOARM: p[2][1:]}, nil
	}
	return Target{}, fmt.Errorf("target %q: want goos/goarch or goos/arm/v5|v6|v7", s)
}

// parseTargets reads a comma-separated list of targets.
func parseTargets(s string) ([]Target, error) {
	var out []Target
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		t, err := parseTarget(f)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no targets in %q", s)
	}
	return out, nil
}

// defaultTargets is the matrix of issue 5: the first-class ports, arm v7,
// the other linux server architectures, windows/arm64 and freebsd.
const defaultTargets = "linux/amd64,linux/386,linux/arm/v7,linux/arm64,linux/ppc64le,linux/s390x,linux/riscv64," +
	"darwin/amd64,darwin/arm64,windows/amd64,windows/arm64,freebsd/amd64"

// smokeTargets is the smoke test's matrix: the host and one cross target
// with another OS, architecture and executable extension.
const smokeTargets = "linux/amd64,windows/arm64"

// cgoTarget is the cgo variant the cgo scenario adds to the matrix.
var cgoTarget = Target{GOOS: "linux", GOARCH: "amd64", Cgo: true}

// allTargets turns `go tool dist list` output into the "all" matrix: every
// platform that links without cgo. ios and android (except android/arm64)
// need external linking, so Go refuses them with CGO_ENABLED=0 (and
// portmatrix rejects them before building); they are left out for both
// contenders.
func allTargets(distList string) []Target {
	var out []Target
	for _, line := range strings.Fields(distList) {
		goos, goarch, ok := strings.Cut(line, "/")
		if !ok {
			continue
		}
		if goos == "ios" || goos == "android" && goarch != "arm64" {
			continue
		}
		out = append(out, Target{GOOS: goos, GOARCH: goarch})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
