// Package goenv asks the go command in use about itself, once per run:
// its version and host platform for the report, GOROOT for the smoke
// runner's wasm helpers, and every setting that can change an output for
// the fingerprint of unchanged jobs. One `go env -json` answers all of
// them, so a run never asks twice, and never asks a different go command
// (the one on PATH) than the one that builds (--go).
package goenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Vars are asked of `go env -json`: the toolchain's identity and every
// setting the go command reads that can change an output. Their effective
// values include `go env -w` settings and GOROOT/go.env, which the
// inherited environment alone does not show. GOGCCFLAGS is left out: it is
// costly and holds a temporary directory that differs run to run.
var Vars = []string{
	"GOVERSION", "GOROOT", "GOTOOLDIR", "GOENV", "GOHOSTOS", "GOHOSTARCH",
	"GOOS", "GOARCH", "GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64",
	"GOPPC64", "GORISCV64", "GOWASM", "GOEXPERIMENT", "GOFIPS140", "GODEBUG",
	"GOFLAGS", "GOTOOLCHAIN", "GOWORK", "GO111MODULE", "GOPATH", "GOMODCACHE",
	"GOCACHE", "GO_EXTLINK_ENABLED", "GCCGO", "CGO_ENABLED", "CC", "CXX", "FC",
	"AR", "PKG_CONFIG", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_FFLAGS",
	"CGO_LDFLAGS",
}

// Env is what `go env -json` answered for Vars, by name.
type Env map[string]string

// Version is the toolchain's version, e.g. "go1.26.8".
func (e Env) Version() string { return e["GOVERSION"] }

// HostOS is GOHOSTOS.
func (e Env) HostOS() string { return e["GOHOSTOS"] }

// HostArch is GOHOSTARCH.
func (e Env) HostArch() string { return e["GOHOSTARCH"] }

// Host is "goos/goarch" of the machine.
func (e Env) Host() string { return e.HostOS() + "/" + e.HostArch() }

// GOROOT is the toolchain's root directory.
func (e Env) GOROOT() string { return e["GOROOT"] }

// Query runs `goBin env -json Vars...` ("go" when goBin is empty) with
// environ as its environment (os.Environ() when nil), in the filesystem
// root, so no go.mod or go.work of the caller's directory switches the
// toolchain or answers GOWORK: what comes back is the toolchain the
// settings alone select.
func Query(ctx context.Context, goBin string, environ []string) (Env, error) {
	if goBin == "" {
		goBin = "go"
	}
	if environ == nil {
		environ = os.Environ()
	}
	cmd := exec.CommandContext(ctx, goBin, append([]string{"env", "-json"}, Vars...)...)
	cmd.Env = environ
	if wd, err := os.Getwd(); err == nil {
		cmd.Dir = filepath.VolumeName(wd) + string(filepath.Separator)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("asking %s for its settings (go env): %w: %s", goBin, err, strings.TrimSpace(stderr.String()))
	}
	m := Env{}
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("reading %s env -json: %w", goBin, err)
	}
	if m.Version() == "" || m.HostOS() == "" || m.HostArch() == "" {
		return nil, fmt.Errorf("%s env gave no GOVERSION, GOHOSTOS or GOHOSTARCH: is it a go command?", goBin)
	}
	return m, nil
}
