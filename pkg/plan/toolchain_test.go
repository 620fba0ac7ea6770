package plan

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// TestToolchainSelection plans cgo jobs with the real toolchain table on a
// machine that has gcc and mingw but no arm64 cross compiler: the plan sets
// CC per target, and a missing compiler is a problem that names the exact
// package, before anything is built.
func TestToolchainSelection(t *testing.T) {
	installed := map[string]bool{"gcc": true, "x86_64-w64-mingw32-gcc": true, "x86_64-w64-mingw32-g++-posix": true, "musl-gcc": true, "o64-clang": true}
	lookPath := func(name string) (string, error) {
		if installed[name] {
			return "/usr/bin/" + name, nil
		}
		return "", errors.New("not found")
	}
	opt := options(t)
	opt.SelectToolchain = func(n toolchain.Need, ov toolchain.Overrides) (toolchain.Toolchain, error) {
		return toolchain.Select(n, target.Target{GOOS: "linux", GOARCH: "amd64"}, ov, lookPath)
	}
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/amd64, windows/amd64, linux/arm64, darwin/arm64]
    variants:
      - name: cgo
        cgo: true
      - name: musl
        cgo: true
        libc: musl
        targets: [linux/amd64]
      - name: own
        cgo: true
        cc: gcc -m64
        cgo_cflags: -O1
        targets: [linux/amd64]
    toolchains:
      - targets: [darwin/*]
        variants: [cgo]
        cc: o64-clang
`)
	pl, ps := New(m, opt)
	require.Len(t, ps, 1, ps.Error())
	assert.Contains(t, ps[0].Error(), "builds[app].variants[cgo].cgo: no C toolchain for cgo: ")
	assert.Contains(t, ps[0].Error(), "linux/arm64 needs a C cross compiler for cgo: apt-get install gcc-aarch64-linux-gnu")
	assert.NotContains(t, ps[0].Error(), "darwin", "the toolchains rule gives darwin its compiler")

	env := map[string][]string{}
	for _, j := range pl.Jobs {
		env[j.ID] = j.Env
	}
	assert.Contains(t, env["app/linux/amd64/cgo"], "CC=gcc")
	assert.Contains(t, env["app/windows/amd64/cgo"], "CC=x86_64-w64-mingw32-gcc")
	assert.Contains(t, env["app/windows/amd64/cgo"], "CXX=x86_64-w64-mingw32-g++-posix")
	assert.Contains(t, env["app/linux/amd64/musl"], "CC=musl-gcc")
	assert.Contains(t, env["app/linux/amd64/own"], "CC=gcc -m64")
	assert.Contains(t, env["app/linux/amd64/own"], "CGO_CFLAGS=-O1")
	assert.Contains(t, env["app/darwin/arm64/cgo"], "CC=o64-clang")
}
