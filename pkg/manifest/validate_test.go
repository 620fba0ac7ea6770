package manifest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manyErrors has one mistake on every line marked "# want: <text>"; the text
// must appear in the problem reported on that line.
const manyErrors = `version: 2                          # want: want ` + "`version: 1`" + `
dist: /abs                          # want: dist directory "/abs"
colour: red                         # want: (known keys: version, dist, env_passthrough, builds, release)
builds:
  - id: app
    mian: ./cmd/app                 # want: (did you mean "main"?)
    binary: bin/app                 # want: must be a plain file name
    flags: [-o]                     # want: flag "-o" is set by portmatrix
    env: [GOOS=linux]               # want: GOOS is set by portmatrix
    ldflags: "{{.Verison}}"         # want: unknown template field .Verison (did you mean .Version?)
    output: ../{{.Binary}}          # want: escapes the dist directory
    trimpath: yes                   # want: want true or false, got "yes"
    targets: [linux/amd64]
    variants:
      - name: static
        linkmode: external          # want: external linking needs cgo
        buildmode: pei              # want: (did you mean "pie"?)
        expect: statci              # want: (did you mean "static"?)
      - name: static                # want: variant "static" is defined twice
    expectations:
      - variants: [statik]          # want: no variant "statik" in this build (did you mean "static"?)
        expect:
          linkag: static            # want: unknown key "linkag" (did you mean "linkage"?)
  - id: app                         # want: id "app" is used by another build
    targets: []                     # want: no targets
`

var wantRE = regexp.MustCompile(`# want: (.*)$`)

func TestAllProblemsInOnePass(t *testing.T) {
	type want struct {
		line int
		text string
	}
	var wants []want
	for i, l := range strings.Split(manyErrors, "\n") {
		if m := wantRE.FindStringSubmatch(l); m != nil {
			wants = append(wants, want{i + 1, strings.TrimSpace(m[1])})
		}
	}
	require.Len(t, wants, 18, "the test manifest changed; update the count")

	m, ps := Parse([]byte(manyErrors), "many.yaml")
	require.NotNil(t, m)
	require.Len(t, ps, len(wants), "want exactly one problem per marked line, got:\n%s", ps.Error())
	assert.True(t, sorted(ps), "problems are not in file order:\n%s", ps.Error())
	for i, w := range wants {
		t.Run(strings.Fields(w.text)[0], func(t *testing.T) {
			assert.Equal(t, w.line, ps[i].Line, "problem %d: %s", i, ps[i].Error())
			assert.Contains(t, ps[i].Error(), w.text)
			assert.Greater(t, ps[i].Col, 0, "every problem has a column")
			assert.True(t, strings.HasPrefix(ps[i].Error(), "many.yaml:"))
		})
	}
}

// TestGoodManifests are small manifests that must produce no problem at all.
func TestGoodManifests(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"minimal", "builds:\n  - id: app\n    targets: [linux/amd64]\n"},
		{"dist relative", "dist: out/bin\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n"},
		{"sets and globs", "builds:\n  - id: app\n    targets: [all, first-class, cgo, linux/*, '*/arm64', linux/arm/*]\n"},
		{"allowed flags", "builds:\n  - id: app\n    targets: [linux/amd64]\n    flags: [-race, -mod=vendor, -gcflags=all=-N, -v, -x]\n"},
		{"allowed env", "builds:\n  - id: app\n    targets: [linux/amd64]\n    env: [CC=clang, CGO_CFLAGS=-O2 -g, EMPTY=, GOEXPERIMENT=x]\n"},
		{"templates", "builds:\n  - id: app\n    targets: [linux/amd64]\n" +
			"    ldflags: -X main.v={{.Version}} -X main.c={{.Commit}} -X main.d={{.Date}} -X main.t={{.Target}}\n" +
			"    output: '{{.GOOS}}-{{.GOARCH}}{{if .Level}}-{{.Level}}{{end}}/{{.Variant}}/{{.Binary}}{{.Ext}}'\n"},
		{"ids and names", "builds:\n  - id: my-app_2.0\n    binary: app.bin\n    targets: [linux/amd64]\n    variants: [{name: v1.2_x-y}]\n"},
		{"external with cgo", "builds:\n  - id: app\n    targets: [linux/amd64]\n    variants:\n      - {name: ext, cgo: true, linkmode: external, extldflags: [-static]}\n      - {name: int, linkmode: internal, buildmode: exe}\n"},
		{"rules", "builds:\n  - id: app\n    targets: [linux/amd64]\n    expectations:\n      - {targets: [linux/*], expect: static}\n      - {variants: [default], expect: any}\n"},
		{"every expect value", "builds:\n  - id: app\n    targets: [linux/amd64]\n    variants:\n" +
			"      - {name: a, expect: static}\n      - {name: b, expect: static-pie}\n      - {name: c, expect: dynamic}\n      - {name: d, expect: any}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ps := Parse([]byte("version: 1\n"+tt.body), "m.yaml")
			require.NotNil(t, m)
			assert.Empty(t, lines(ps))
		})
	}
}

// TestValidateInCode checks a manifest built in code, with no YAML behind it:
// problems come without positions and nothing panics.
func TestValidateInCode(t *testing.T) {
	m := &Manifest{File: "code", Version: 1, Builds: []Build{{
		ID: "app", Targets: []string{"linux/amd64"},
		Variants:     []Variant{{Name: "x", Linkmode: "external"}},
		Expectations: []Rule{{Expect: &Expect{}}},
	}}}
	assert.Equal(t, []string{
		"code: builds[app].variants[x].linkmode: external linking needs cgo: add `cgo: true` to this variant (Go refuses -linkmode=external with CGO_ENABLED=0)",
		"code: builds[app].expectations[0]: rule selects nothing: give targets, variants, or both",
		"code: builds[app].expectations[0].expect: empty expect; use one of static, static-pie, dynamic, any, or a mapping of policy keys (linkage, max_glibc, libs_allow, libs_deny, system_libs_only, min_macos, stripped, pie, cgo)",
	}, lines(Validate(m)))
	assert.Equal(t, []string{"code: version: missing version: start the manifest with `version: 1`"},
		lines(Validate(&Manifest{File: "code", Builds: m.Builds[:1:1]})[:1]))
}

// TestInputsThatBreakJobs: values that used to pass validation and then
// failed every job at build time, broke the pasteable plan line, or were
// silently mangled (issue 14, item 8). Each is one problem at its own
// line and column.
func TestInputsThatBreakJobs(t *testing.T) {
	tests := []struct {
		name, body, want string
		line, col        int
	}{
		{"NUL in an env value", `    env: ["FOO=a\u0000b"]`, `builds[app].env[0]: "FOO=a\x00b" contains a NUL character`, 4, 11},
		{"newline in an env name", `    env: ["BAD\nNAME=x"]`, `builds[app].env: "BAD\nNAME" is not a variable name`, 4, 11},
		{"env name with a dash", `    env: [MY-VAR=1]`, `"MY-VAR" is not a variable name`, 4, 11},
		{"output ending in a newline", `    output: "{{.Binary}}\n"`, `output path "app\n" contains a control character (U+000A)`, 4, 13},
		{"tag with a space", `    tags: ["a b"]`, `builds[app].tags: "a b" is not a build tag`, 4, 12},
		{"tags joined by a comma", `    tags: ["x,y"]`, `"x,y" is not a build tag: use letters, digits, '_' and '.', one tag per list item`, 4, 12},
		{"variant tag", "    variants: [{name: v, tags: [\"\"]}]", `builds[app].variants[v].tags: "" is not a build tag`, 4, 33},
		{"absolute main", `    main: /etc`, `builds[app].main: main "/etc" is absolute`, 4, 11},
		{"main outside the module", `    main: ../other`, `main "../other" leaves the module directory`, 4, 11},
		{"absolute dir", `    dir: /srv`, `builds[app].dir: dir "/srv" is absolute`, 4, 10},
		{"NUL in a flag", `    flags: ["-gcflags=\u0000"]`, `contains a NUL character`, 4, 13},
		{"passing a level through", `    env_passthrough: [GOAMD64]`, `builds[app].env_passthrough: GOAMD64 cannot be passed through: portmatrix sets it from a target level such as linux/amd64/v3`, 4, 23},
		{"passing GOTOOLCHAIN through", `    env_passthrough: [GOTOOLCHAIN]`, `GOTOOLCHAIN cannot be passed through: portmatrix sets it from --go`, 4, 23},
		{"a passthrough that is no name", `    env_passthrough: [MY-VAR]`, `"MY-VAR" is not a variable name`, 4, 23},
		{"GOTOOLCHAIN in env", `    env: [GOTOOLCHAIN=go1.22.0]`, `GOTOOLCHAIN is set by portmatrix from --go`, 4, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "version: 1\nbuilds:\n  - id: app\n" + tt.body + "\n    targets: [linux/amd64]\n"
			_, ps := Parse([]byte(body), "m.yaml")
			require.Len(t, ps, 1, "want one problem, got:\n%s", ps.Error())
			assert.Contains(t, ps[0].Error(), tt.want)
			assert.Equal(t, [2]int{tt.line, tt.col}, [2]int{ps[0].Line, ps[0].Col}, ps[0].Error())
		})
	}
	t.Run("dist is the manifest's directory", func(t *testing.T) {
		for _, d := range []string{".", "./", "a/.."} {
			_, ps := Parse([]byte("version: 1\ndist: "+d+"\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n"), "m.yaml")
			require.Len(t, ps, 1, d)
			assert.Equal(t, `m.yaml:2:7: dist: dist directory "`+d+`" is the manifest's own directory; use a directory below it, such as dist (portmatrix writes binaries, logs and state there)`, ps[0].Error())
		}
	})
	t.Run("a second document", func(t *testing.T) {
		_, ps := Parse([]byte("version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n---\nversion: 1\n"), "m.yaml")
		require.Len(t, ps, 1, ps.Error())
		assert.Equal(t, "m.yaml:5:1: a second YAML document starts here; a manifest is one document (remove the `---` line and what follows, or merge it into the first)", ps[0].Error())
		_, ps = Parse([]byte("version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n---\n"), "m.yaml")
		assert.Empty(t, ps, "a trailing --- with nothing after it is no second document")
	})
}

func TestCheckOutputPath(t *testing.T) {
	tests := []struct {
		in, wantErr string
	}{
		{"app/linux_amd64/default/app", ""},
		{"app.exe", ""},
		{"./a/b", ""},
		{"a/../b", ""},
		{"", "output path is empty"},
		{"/srv/app", "is absolute"},
		{"..", "escapes the dist directory"},
		{"../app", "escapes the dist directory"},
		{"a/../../app", "escapes the dist directory"},
		{"a/", "names a directory"},
		{".", "names a directory"},
		{"a/..", "names a directory"},
		{"app\n", "contains a control character (U+000A)"},
		{"a\tb", "contains a control character (U+0009)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := CheckOutputPath(tt.in)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, text, want, wantErr string
	}{
		{"default output", DefaultOutput, "app/linux_arm_v7/default/app", ""},
		{"stamp", "-X v={{.Version}} -X c={{.Commit}} -X d={{.Date}}", "-X v=1.2.3 -X c=0123abc4567 -X d=2006-01-02T15:04:05Z", ""},
		{"target fields", "{{.GOOS}} {{.GOARCH}} {{.Level}} {{.Target}}", "linux arm v7 linux/arm/v7", ""},
		{"unknown field", "{{.Nope}}", "", "unknown template field .Nope (did you mean .Date?); fields are .Version"},
		{"syntax", "{{.Version", "", "unclosed action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.name, tt.text, SampleData())
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestTemplateFieldsDocumented keeps the list in messages equal to the
// fields of TemplateData.
func TestTemplateFieldsDocumented(t *testing.T) {
	assert.Equal(t, []string{"Version", "Commit", "ShortCommit", "Tag", "Date", "Build", "Binary", "GOOS", "GOARCH", "Level", "Target", "Slug", "Variant", "Ext"},
		templateFields())
}
