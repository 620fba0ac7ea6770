package plan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const precedence = `version: 1
builds:
  - id: app
    targets: [linux/amd64, linux/arm/v6, linux/arm/v7, darwin/arm64, freebsd/amd64, windows/amd64]
    expect: static
    variants:
      - name: plain
      - {name: own, cgo: true, linkmode: external, buildmode: pie, extldflags: [-static-pie],
         expect: static-pie}
      - name: cgo
        cgo: true
        expect: dynamic
    expectations:
      - targets: [darwin/*, windows/*]
        expect: dynamic
      - targets: [linux/arm/v7]
        expect: any
      - targets: [freebsd/amd64]
        variants: [own]
        expect: dynamic
      - variants: [cgo]
        targets: [linux/arm]
        expect: static
      - variants: [cgo]
        targets: [linux/arm/v7]
        expect: {linkage: static}
  - id: bare
    targets: [linux/amd64]
`

// TestExpectationPrecedence: the build's expect, then the variant's, then
// every matching rule in order; the last one set wins.
func TestExpectationPrecedence(t *testing.T) {
	m := parseString(t, precedence)
	pl, ps := New(m, options(t))
	require.Empty(t, ps, ps.Error())
	got := map[string]Expectation{}
	for _, j := range pl.Jobs {
		got[j.ID] = j.Expect
	}
	tests := []struct {
		job, linkage, source string
	}{
		{"bare/linux/amd64/default", "any", "default"},
		{"app/linux/amd64/plain", "static", "portmatrix.yaml:5"},
		{"app/linux/amd64/own", "static-pie", "portmatrix.yaml:9"},
		{"app/linux/amd64/cgo", "dynamic", "portmatrix.yaml:12"},
		{"app/darwin/arm64/plain", "dynamic", "portmatrix.yaml:15"},
		{"app/darwin/arm64/cgo", "dynamic", "portmatrix.yaml:15"},
		{"app/windows/amd64/own", "dynamic", "portmatrix.yaml:15"},
		{"app/linux/arm/v7/plain", "any", "portmatrix.yaml:17"},
		{"app/linux/arm/v6/plain", "static", "portmatrix.yaml:5"},
		{"app/freebsd/amd64/own", "dynamic", "portmatrix.yaml:20"},
		{"app/freebsd/amd64/plain", "static", "portmatrix.yaml:5"},
		{"app/linux/arm/v6/cgo", "static", "portmatrix.yaml:23"},
		{"app/linux/arm/v7/cgo", "static", "portmatrix.yaml:26"},
	}
	for _, tt := range tests {
		t.Run(tt.job, func(t *testing.T) {
			e, ok := got[tt.job]
			require.True(t, ok, "no job %s", tt.job)
			assert.Equal(t, Expectation{Linkage: tt.linkage, Source: tt.source}, e)
			assert.Equal(t, tt.linkage+" ("+tt.source+")", e.String())
		})
	}
}

const staticEverywhere = `version: 1
builds:
  - id: app
    targets: [all]
    expect: static
    variants:
      - name: pure
        exclude: [ios/*, android/386, android/amd64, android/arm]
      - name: cgo
        cgo: true
        targets: [cgo]
`

// TestStaticImpossible: `expect: static` over every platform gives one
// problem per OS whose binaries can never be static, saying why and what to
// ask for instead, and none for the OSes where static binaries exist.
func TestStaticImpossible(t *testing.T) {
	m := parseString(t, staticEverywhere)
	pl, ps := New(m, options(t))
	require.Len(t, ps, 8, ps.Error())
	byOS := map[string]string{}
	for _, p := range ps {
		assert.Equal(t, 5, p.Line, p.Error())
		assert.Equal(t, 13, p.Col, p.Error())
		assert.Equal(t, "builds[app].expect", p.Field)
		_, rest, ok := strings.Cut(p.Msg, "expect static cannot hold for ")
		require.True(t, ok, p.Msg)
		goos, _, _ := strings.Cut(rest, "/")
		byOS[goos] = p.Msg
	}
	never := []struct {
		goos, targets, why string
	}{
		{"aix", "aix/ppc64", "libc.a(shr_64.o)"},
		{"android", "android/386, android/amd64, android/arm, android/arm64", "/system/bin/linker"},
		{"darwin", "darwin/amd64, darwin/arm64", "libSystem.B.dylib"},
		{"illumos", "illumos/amd64", "libc.so on illumos"},
		{"ios", "ios/amd64, ios/arm64", "libSystem through dyld"},
		{"openbsd", "openbsd/386, openbsd/amd64, openbsd/arm, openbsd/arm64, openbsd/ppc64, openbsd/riscv64", "OpenBSD only allows system calls from libc"},
		{"solaris", "solaris/amd64", "libc.so on Solaris"},
		{"windows", "windows/386, windows/amd64, windows/arm64", "kernel32.dll"},
	}
	for _, tt := range never {
		t.Run(tt.goos, func(t *testing.T) {
			msg, ok := byOS[tt.goos]
			require.True(t, ok, "no problem for %s", tt.goos)
			assert.Contains(t, msg, "cannot hold for "+tt.targets+": ")
			assert.Contains(t, msg, tt.why)
			assert.Contains(t, msg, "ask for `expect: dynamic` there (e.g. an expectations rule with `targets: ["+tt.goos+"/*]`)")
		})
	}
	for _, goos := range []string{"linux", "freebsd", "netbsd", "dragonfly", "plan9", "js", "wasip1"} {
		t.Run(goos+" accepted", func(t *testing.T) {
			assert.NotContains(t, byOS, goos)
			n := 0
			for _, j := range pl.Jobs {
				if j.Target.GOOS == goos {
					n++
					assert.Equal(t, "static", j.Expect.Linkage, j.ID)
				}
			}
			assert.Positive(t, n, "no %s job planned", goos)
		})
	}
}

// TestStaticImpossibleAtRule: the problem points at the expect that decided,
// and an expectation overridden later is no problem at all.
func TestStaticImpossibleAtRule(t *testing.T) {
	tests := []struct {
		name, rules string
		want        []string
	}{
		{
			name:  "rule decides",
			rules: "      - targets: [darwin/*]\n        expect: static-pie\n",
			want: []string{"portmatrix.yaml:9:17: builds[app].expectations[0].expect: expect static-pie cannot hold for darwin/arm64: " +
				"every darwin binary loads /usr/lib/libSystem.B.dylib (Apple supports no static executables); " +
				"ask for `expect: dynamic` there (e.g. an expectations rule with `targets: [darwin/*]`)"},
		},
		{
			name:  "later rule fixes it",
			rules: "      - targets: [all]\n        expect: static\n      - targets: [darwin/*]\n        expect: dynamic\n",
		},
		{
			name:  "variant decides",
			rules: "      - targets: [linux/*]\n        variants: [v]\n        expect: {linkage: static}\n",
			want: []string{"portmatrix.yaml:6:38: builds[app].variants[v].expect: expect static cannot hold for darwin/arm64: " +
				"every darwin binary loads /usr/lib/libSystem.B.dylib (Apple supports no static executables); " +
				"ask for `expect: dynamic` there (e.g. an expectations rule with `targets: [darwin/*]`)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64, darwin/arm64]\n    variants:\n" +
				"      - {name: v, cgo: true, expect: {linkage: static}}\n    expectations:\n" + tt.rules
			if tt.name != "variant decides" {
				src = strings.Replace(src, ", expect: {linkage: static}", "", 1)
			}
			m := parseString(t, src)
			_, ps := New(m, options(t))
			assert.Equal(t, tt.want, problemLines(ps, ""))
		})
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name, variant string
		want          string
	}{
		{"cgo off", "{name: v, extldflags: [-static]}", "portmatrix.yaml:6: build app, variant v: extldflags have no effect with cgo off (Go links internally and never runs a C linker)"},
		{"cgo off and internal", "{name: v, linkmode: internal, extldflags: [-static]}", "extldflags have no effect with cgo off"},
		{"internal linking", "{name: v, cgo: true, linkmode: internal, extldflags: [-static]}", "portmatrix.yaml:6: build app, variant v: extldflags have no effect under internal linking; use `linkmode: external` for them to reach the C linker"},
		{"external linking", "{name: v, cgo: true, linkmode: external, extldflags: [-static]}", ""},
		{"go decides", "{name: v, cgo: true, extldflags: [-static]}", ""},
		{"no extldflags", "{name: v, linkmode: internal}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseString(t, "version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n    variants:\n      - "+tt.variant+"\n")
			pl, ps := New(m, options(t))
			require.Empty(t, ps, ps.Error())
			if tt.want == "" {
				assert.Empty(t, pl.Warnings)
				assert.NotNil(t, pl.Warnings, "warnings is [] in JSON, not null")
				return
			}
			require.Len(t, pl.Warnings, 1)
			assert.Contains(t, pl.Warnings[0], tt.want)
		})
	}
}

// TestDynamicImpossible: plan9 and WebAssembly binaries never load
// libraries, so `expect: dynamic` there is a mistake caught before building.
func TestDynamicImpossible(t *testing.T) {
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [plan9/*, js/wasm, wasip1/wasm, linux/amd64]
    expect: dynamic
`)
	_, ps := New(m, options(t))
	require.Len(t, ps, 3, ps.Error())
	assert.Contains(t, ps.Error(), "expect dynamic cannot hold for plan9/386, plan9/amd64, plan9/arm: Plan 9 has no dynamic linking; ask for `expect: static` there")
	assert.Contains(t, ps.Error(), "expect dynamic cannot hold for js/wasm: a WebAssembly module imports host functions")
	assert.NotContains(t, ps.Error(), "linux")
}
