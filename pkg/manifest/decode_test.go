package manifest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unlocated drops the YAML nodes so that decoded values compare with plain
// struct literals.
func unlocated(m *Manifest) *Manifest {
	c := *m
	c.located = located{}
	c.Builds = append([]Build(nil), m.Builds...)
	for i := range c.Builds {
		b := &c.Builds[i]
		b.located = located{}
		b.Expect = unlocatedExpect(b.Expect)
		b.Variants = append([]Variant(nil), b.Variants...)
		for j := range b.Variants {
			b.Variants[j].located = located{}
			b.Variants[j].Expect = unlocatedExpect(b.Variants[j].Expect)
		}
		b.Expectations = append([]Rule(nil), b.Expectations...)
		for j := range b.Expectations {
			b.Expectations[j].located = located{}
			b.Expectations[j].Expect = unlocatedExpect(b.Expectations[j].Expect)
		}
	}
	return &c
}

func unlocatedExpect(e *Expect) *Expect {
	if e == nil {
		return nil
	}
	return &Expect{Linkage: e.Linkage}
}

const fullManifest = `version: 1
dist: out/bin
builds:
  - id: server
    dir: ./srv
    main: ./cmd/server
    binary: srv
    flags: [-v, -mod=readonly]
    ldflags: "-s -w -X main.version={{.Version}}"
    tags: [netgo, osusergo]
    env: [CGO_CFLAGS=-O2]
    trimpath: true
    output: "{{.Build}}/{{.Slug}}/{{.Variant}}/{{.Binary}}{{.Ext}}"
    targets: [linux/amd64, linux/arm/v7, "*/arm64"]
    exclude: [windows/*]
    expect: static
    variants:
      - name: pure
      - name: glibc
        cgo: true
        linkmode: external
        extldflags: [-static, -lm]
        buildmode: pie
        tags: [sqlite]
        ldflags: "-X main.flavor=glibc"
        env: [CC=gcc]
        targets: [linux/*]
        exclude: [linux/arm]
        expect:
          linkage: static-pie
    expectations:
      - targets: [darwin/*]
        expect: dynamic
      - variants: [glibc]
        targets: [linux/arm64]
        expect: {linkage: any}
  - id: tool
    targets: [first-class]
`

func TestDecodeFull(t *testing.T) {
	m, ps := Parse([]byte(fullManifest), "portmatrix.yaml")
	require.Empty(t, ps, ps.Error())
	require.NotNil(t, m)
	want := &Manifest{
		Version: 1,
		Dist:    "out/bin",
		File:    "portmatrix.yaml",
		Builds: []Build{
			{
				ID: "server", Dir: "./srv", Main: "./cmd/server", Binary: "srv",
				Flags:    []string{"-v", "-mod=readonly"},
				Ldflags:  "-s -w -X main.version={{.Version}}",
				Tags:     []string{"netgo", "osusergo"},
				Env:      []string{"CGO_CFLAGS=-O2"},
				Trimpath: true,
				Output:   "{{.Build}}/{{.Slug}}/{{.Variant}}/{{.Binary}}{{.Ext}}",
				Targets:  []string{"linux/amd64", "linux/arm/v7", "*/arm64"},
				Exclude:  []string{"windows/*"},
				Expect:   &Expect{Linkage: "static"},
				Variants: []Variant{
					{Name: "pure"},
					{
						Name: "glibc", Cgo: true, Linkmode: "external",
						Extldflags: []string{"-static", "-lm"}, Buildmode: "pie",
						Tags: []string{"sqlite"}, Ldflags: "-X main.flavor=glibc",
						Env: []string{"CC=gcc"}, Targets: []string{"linux/*"}, Exclude: []string{"linux/arm"},
						Expect: &Expect{Linkage: "static-pie"},
					},
				},
				Expectations: []Rule{
					{Targets: []string{"darwin/*"}, Expect: &Expect{Linkage: "dynamic"}},
					{Variants: []string{"glibc"}, Targets: []string{"linux/arm64"}, Expect: &Expect{Linkage: "any"}},
				},
			},
			{ID: "tool", Targets: []string{"first-class"}},
		},
	}
	assert.Equal(t, want, unlocated(m))
}

func TestDecodePositions(t *testing.T) {
	m, ps := Parse([]byte(fullManifest), "portmatrix.yaml")
	require.Empty(t, ps, ps.Error())
	require.Len(t, m.Builds, 2)
	b := m.Builds[0]
	require.Len(t, b.Variants, 2)
	require.Len(t, b.Expectations, 2)

	tests := []struct {
		name string
		got  Loc
		want Loc
	}{
		{"manifest", m.Loc(), Loc{1, 1}},
		{"dist value", m.KeyLoc("dist"), Loc{2, 7}},
		{"build", b.Loc(), Loc{4, 5}},
		{"build id value", b.KeyLoc("id"), Loc{4, 9}},
		{"absent key falls back to the mapping", m.Builds[1].KeyLoc("main"), Loc{37, 5}},
		{"second target item", b.ItemLoc("targets", 1), Loc{14, 28}},
		{"item past the end falls back to the key", b.ItemLoc("targets", 9), Loc{14, 14}},
		{"item of a missing key falls back to the mapping", m.Builds[1].ItemLoc("flags", 0), Loc{37, 5}},
		{"scalar expect", b.Expect.Loc(), Loc{16, 13}},
		{"mapping expect starts at its first key", b.Variants[1].Expect.Loc(), Loc{30, 11}},
		{"mapping expect linkage", b.Variants[1].Expect.KeyLoc("linkage"), Loc{30, 20}},
		{"flow mapping expect", b.Expectations[1].Expect.Loc(), Loc{36, 17}},
		{"rule", b.Expectations[0].Loc(), Loc{32, 9}},
		{"variant", b.Variants[1].Loc(), Loc{19, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
	assert.Equal(t, Loc{}, (&Build{}).KeyLoc("id"), "a build made in code has no position")
}

// TestExpectForms checks that the scalar shorthand and the mapping form of
// expect decode to the same linkage, wherever expect is allowed.
func TestExpectForms(t *testing.T) {
	tests := []struct {
		name, expect string
		line         int
	}{
		{"scalar", "expect: static-pie", 5},
		{"quoted scalar", `expect: "static-pie"`, 5},
		{"block mapping", "expect:\n      linkage: static-pie", 6},
		{"flow mapping", "expect: {linkage: static-pie}", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n    " + tt.expect + "\n"
			m, ps := Parse([]byte(src), "m.yaml")
			require.Empty(t, ps, ps.Error())
			require.Len(t, m.Builds, 1)
			require.NotNil(t, m.Builds[0].Expect)
			assert.Equal(t, ExpectStaticPIE, m.Builds[0].Expect.Linkage)
			assert.Equal(t, tt.line, m.Builds[0].Expect.Loc().Line)
		})
	}
	t.Run("empty expect is no expect", func(t *testing.T) {
		m, ps := Parse([]byte("version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n    expect:\n"), "m.yaml")
		require.Empty(t, ps, ps.Error())
		assert.Nil(t, m.Builds[0].Expect)
	})
}

func TestDecodeAliases(t *testing.T) {
	src := `version: 1
builds:
  - id: a
    targets: &targets [linux/amd64, linux/arm64]
    variants:
      - &static {name: static, cgo: true, linkmode: external, extldflags: [-static]}
  - id: b
    targets: *targets
    variants: [*static]
`
	m, ps := Parse([]byte(src), "m.yaml")
	require.Empty(t, ps, ps.Error())
	require.Len(t, m.Builds, 2)
	assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, m.Builds[1].Targets)
	require.Len(t, m.Builds[1].Variants, 1)
	assert.Equal(t, "external", m.Builds[1].Variants[0].Linkmode)
	assert.Equal(t, []string{"-static"}, m.Builds[1].Variants[0].Extldflags)
}

// TestDecodeKeepsBrokenItems: a build, variant or rule with a value of the
// wrong shape or a repeated key stays in its list, with its other values and
// its position, so the rest of it is still validated and nothing claims
// "no builds".
func TestDecodeKeepsBrokenItems(t *testing.T) {
	src := `version: 1
builds:
  - id: app
    targets: linux/amd64
    trimpath: maybe
    main: ./a
    main: ./b
    variants:
      - name: v
        cgo: perhaps
        tags: [x]
        tags: [y]
    expectations:
      - variants: v
        expect: static
`
	m, ps := Parse([]byte(src), "m.yaml")
	require.NotNil(t, m)
	require.Len(t, m.Builds, 1, ps.Error())
	b := m.Builds[0]
	assert.Equal(t, "app", b.ID)
	assert.Equal(t, "./a", b.Main, "the first of a repeated key is kept")
	assert.Equal(t, Loc{3, 5}, b.Loc())
	require.Len(t, b.Variants, 1)
	assert.Equal(t, []string{"x"}, b.Variants[0].Tags)
	assert.Equal(t, Loc{9, 9}, b.Variants[0].Loc())
	require.Len(t, b.Expectations, 1)
	require.NotNil(t, b.Expectations[0].Expect)
	assert.Equal(t, "static", b.Expectations[0].Expect.Linkage)
	assert.Equal(t, []string{
		`m.yaml:4:14: builds[app].targets: want a list, got "linux/amd64"`,
		`m.yaml:5:15: builds[app].trimpath: want true or false, got "maybe"`,
		`m.yaml:7:5: builds[app].main: key given twice`,
		`m.yaml:10:14: builds[app].variants[v].cgo: want true or false, got "perhaps"`,
		`m.yaml:12:9: builds[app].variants[v].tags: key given twice`,
		`m.yaml:14:19: builds[app].expectations[0].variants: want a list, got "v"`,
	}, lines(ps))
}

func TestLoad(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.yaml")
		m, ps := Load(path)
		assert.Nil(t, m)
		assert.Equal(t, []string{path + ": cannot read manifest: no such file or directory"}, lines(ps))
	})
	t.Run("good file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), DefaultFile)
		require.NoError(t, os.WriteFile(path, []byte(fullManifest), 0o644))
		m, ps := Load(path)
		require.Empty(t, ps, ps.Error())
		assert.Equal(t, path, m.File)
		assert.Len(t, m.Builds, 2)
	})
	t.Run("syntax error gives no manifest", func(t *testing.T) {
		m, ps := Parse([]byte("version: [1\n"), "m.yaml")
		assert.Nil(t, m)
		require.Len(t, ps, 1)
		assert.Equal(t, 1, ps[0].Line)
		assert.Contains(t, ps[0].Msg, "YAML syntax: ")
	})
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"full", Problem{File: "m.yaml", Line: 3, Col: 7, Field: "builds[a].id", Msg: "bad"}, "m.yaml:3:7: builds[a].id: bad"},
		{"no column", Problem{File: "m.yaml", Line: 3, Msg: "bad"}, "m.yaml:3: bad"},
		{"no position", Problem{File: "m.yaml", Field: "--build", Msg: "bad"}, "m.yaml: --build: bad"},
		{"column without line is dropped", Problem{File: "m.yaml", Col: 4, Msg: "bad"}, "m.yaml: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.Error())
		})
	}
}

func TestProblemsSortAndErr(t *testing.T) {
	assert.NoError(t, Problems(nil).Err())
	ps := Problems{
		{File: "b.yaml", Line: 1, Col: 1, Msg: "z"},
		{File: "a.yaml", Line: 9, Col: 1, Msg: "y"},
		{File: "a.yaml", Line: 2, Col: 5, Msg: "x"},
		{File: "a.yaml", Line: 2, Col: 5, Msg: "w"},
		{File: "a.yaml", Line: 2, Col: 1, Msg: "v"},
		{File: "a.yaml", Line: 9, Col: 1, Msg: "y"},
	}
	err := ps.Err()
	require.Error(t, err)
	assert.Equal(t, "a.yaml:2:1: v\na.yaml:2:5: w\na.yaml:2:5: x\na.yaml:9:1: y\nb.yaml:1:1: z", err.Error())
	assert.Equal(t, "z", ps[0].Msg, "Err sorts a copy")
	ps.Sort()
	assert.Len(t, ps, 5, "exact repeats are dropped")
}
