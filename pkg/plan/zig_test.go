package plan

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// testZig is zig 0.11.0 as toolchain.FindZig reads it (the libcs these
// tests use).
var testZig = &toolchain.Zig{Path: "/usr/local/bin/zig", Version: "0.11.0", MaxGlibc: "2.34", Libcs: []string{
	"x86_64-linux-gnu", "x86_64-linux-musl", "aarch64-linux-gnu", "aarch64-linux-musl", "riscv64-linux-musl", "aarch64-windows-gnu",
}}

// zigOptions plans on a machine with gcc (glibc 2.36), Debian's arm64 cross
// gcc and zig 0.11.0: the real selection, with the machine faked.
func zigOptions(t *testing.T) Options {
	opt := options(t)
	m := toolchain.Machine{Host: opt.Host, Zig: testZig, ZigCache: "/cache/zig",
		LookPath: func(name string) (string, error) {
			switch name {
			case "gcc", "aarch64-linux-gnu-gcc", "zig":
				return "/usr/bin/" + name, nil
			}
			return "", exec.ErrNotFound
		},
		GlibcOf: func(toolchain.Toolchain) string { return "2.36" }}
	opt.SelectToolchain, opt.Zig, opt.ZigCache = m.Select, testZig, "/cache/zig"
	return opt
}

func TestZigJobs(t *testing.T) {
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/amd64, linux/arm64]
    ldflags: "-s -w"
    variants:
      - name: old
        cgo: true
        glibc: "2.17"
      - name: policy
        cgo: true
        targets: [linux/arm64]
        expect: {max_glibc: "2.28"}
      - name: musl
        cgo: true
        targets: [linux/arm64]
        libc: musl
        extldflags: [-static]
      - name: plain
        cgo: true
        targets: [linux/amd64]
      - name: zig-policy
        cgo: true
        targets: [linux/amd64]
        toolchain: zig
        expect: {max_glibc: "2.17"}
`)
	opt := zigOptions(t)
	pl, ps := New(m, opt)
	require.Empty(t, ps, ps.Error())
	byID := map[string]Job{}
	for _, j := range pl.Jobs {
		byID[j.ID] = j
	}
	old := byID["app/linux/amd64/old"]
	require.NotNil(t, old.Toolchain)
	assert.Equal(t, []string{"zig", "cc", "-target", "x86_64-linux-gnu.2.17"}, old.Toolchain.CC)
	assert.Equal(t, "2.17", old.Expect.MaxGlibc, "the floor asked is the floor the verifier proves")
	assert.Contains(t, old.Env, "CC=zig cc -target x86_64-linux-gnu.2.17")
	assert.Contains(t, old.Env, "ZIG_GLOBAL_CACHE_DIR=/cache/zig")
	assert.Contains(t, old.Argv, "-ldflags=-s -w -extldflags=-Wl,--strip-all", "zig cc ignores -s: the plan strips with the linker's own flag")

	pol := byID["app/linux/arm64/policy"]
	assert.Equal(t, "zig 0.11.0 aarch64-linux-gnu.2.28 (expect.max_glibc: 2.28 is below what aarch64-linux-gnu-gcc can give (GLIBC_2.34))", pol.Toolchain.Describe())

	musl := byID["app/linux/arm64/musl"]
	assert.Equal(t, []string{"zig", "cc", "-target", "aarch64-linux-musl"}, musl.Toolchain.CC)
	assert.True(t, musl.StaticC)
	assert.Contains(t, musl.Argv, "-ldflags=-s -w '-extldflags=-static -Wl,--strip-all'")

	plain := byID["app/linux/amd64/plain"]
	assert.Equal(t, []string{"gcc"}, plain.Toolchain.CC)
	assert.Equal(t, "-ldflags=-s -w", plain.Argv[len(plain.Argv)-2], "gcc jobs are left alone")

	zp := byID["app/linux/amd64/zig-policy"]
	assert.Equal(t, []string{"zig", "cc", "-target", "x86_64-linux-gnu.2.17"}, zp.Toolchain.CC, "toolchain: zig builds at the policy's floor")

	var text bytes.Buffer
	require.NoError(t, pl.WriteText(&text, "", 0))
	assert.Contains(t, text.String(), "#   C toolchain: zig 0.11.0 x86_64-linux-gnu.2.17 (glibc: 2.17)\n")
}

func TestZigPlanErrors(t *testing.T) {
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/amd64, darwin/arm64]
    variants:
      - name: static
        cgo: true
        targets: [linux/amd64]
        glibc: "2.17"
        extldflags: [-static]
      - name: new
        cgo: true
        targets: [linux/amd64]
        glibc: "2.38"
      - name: mac
        cgo: true
        targets: [darwin/arm64]
        toolchain: zig
      - name: above
        cgo: true
        targets: [linux/amd64]
        glibc: "2.28"
        expect: {max_glibc: "2.17"}
      - name: own-extld
        cgo: true
        targets: [linux/amd64]
        toolchain: zig
        ldflags: "-s -linkmode=external -extldflags=-static"
`)
	_, ps := New(m, zigOptions(t))
	got := ps.Error()
	assert.Contains(t, got, "portmatrix.yaml:10:21: builds[app].variants[static].extldflags: for linux/amd64/static: -static with glibc through zig (x86_64-linux-gnu.2.17): zig cannot link glibc statically")
	assert.Contains(t, got, "use libc: musl")
	assert.Contains(t, got, "portmatrix.yaml:14:16: builds[app].variants[new].glibc: glibc 2.38: zig 0.11.0 ships glibc 2.17 to 2.34")
	assert.Contains(t, got, "builds[app].variants[mac].cgo: no C toolchain for cgo: darwin/arm64: zig ships no macOS SDK")
	assert.Contains(t, got, "portmatrix.yaml:22:16: builds[app].variants[above].glibc: for linux/amd64/above: glibc 2.28 is above this job's expect.max_glibc 2.17")
	assert.Contains(t, got, "portmatrix.yaml:28:18: builds[app].variants[own-extld].ldflags: for linux/amd64/own-extld: -extldflags inside ldflags on a zig job")
	assert.Equal(t, 5, strings.Count(got, "\n")+1, got)
}

func TestZigMissing(t *testing.T) {
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/amd64, linux/arm64]
    variants:
      - name: old
        cgo: true
        glibc: "2.17"
`)
	opt := zigOptions(t)
	m2 := toolchain.Machine{Host: opt.Host, LookPath: func(string) (string, error) { return "/usr/bin/x", nil },
		GlibcOf: func(toolchain.Toolchain) string { return "2.36" }}
	opt.SelectToolchain, opt.Zig = m2.Select, nil
	_, ps := New(m, opt)
	require.Len(t, ps, 1)
	assert.Contains(t, ps[0].Error(), "no C toolchain for cgo: linux/amd64, linux/arm64: needs zig for glibc: 2.17, since the installed gcc links against glibc 2.36; install zig")
	assert.Contains(t, ps[0].Error(), "install zig 0.11.0")
}
