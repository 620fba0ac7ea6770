package plan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/quoted"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
)

func TestShellLine(t *testing.T) {
	j := Job{
		Dir:  "/src/my app",
		Env:  []string{"GOOS=linux", "GOFLAGS=", "CGO_CFLAGS=-O2 -g", "Q=it's"},
		Argv: []string{"go", "build", "-o", "/d/x", "-ldflags=-s -w", "-tags=a,b", "./cmd/x"},
	}
	assert.Equal(t, `cd '/src/my app' && GOOS=linux GOFLAGS='' CGO_CFLAGS='-O2 -g' Q='it'\''s' go build -o /d/x '-ldflags=-s -w' -tags=a,b ./cmd/x`, j.ShellLine())
}

func TestExt(t *testing.T) {
	tests := []struct {
		target, want string
	}{
		{"windows/amd64", ".exe"},
		{"windows/arm64", ".exe"},
		{"js/wasm", ".wasm"},
		{"wasip1/wasm", ".wasm"},
		{"linux/amd64", ""},
		{"darwin/arm64", ""},
		{"plan9/386", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			tg, err := target.Parse(tt.target)
			require.NoError(t, err)
			assert.Equal(t, tt.want, Ext(tg))
		})
	}
}

func TestDistDir(t *testing.T) {
	abs, err := filepath.Abs("rel/out")
	require.NoError(t, err)
	tests := []struct {
		name, dist, override, want string
	}{
		{"default", "", "", "/m/dist"},
		{"manifest dist", "out/bin", "", "/m/out/bin"},
		{"override absolute", "out", "/elsewhere", "/elsewhere"},
		{"override relative to the working directory", "out", "rel/out", abs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DistDir(&manifest.Manifest{Dist: tt.dist}, "/m", tt.override))
		})
	}
}

// TestExtldflagsReachTheLinker splits -ldflags the way the go command does,
// then -extldflags the way the linker does, and gets the manifest's flags.
func TestExtldflagsReachTheLinker(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		arg   string
	}{
		{"one flag", []string{"-static"}, "-extldflags=-static"},
		{"several flags", []string{"-static", "-lm"}, "'-extldflags=-static -lm'"},
		{"flag with a space", []string{"-static", "-L/opt/my lib"}, `'-extldflags=-static "-L/opt/my lib"'`},
		{"flag with a single quote", []string{"-Wl,-rpath,'$ORIGIN'"}, `"-extldflags=-Wl,-rpath,'$ORIGIN'"`},
		{"flag with a line break", []string{"-static", "-L/a\nb"}, "'-extldflags=-static \"-L/a\nb\"'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arg, err := extldflagsArg(tt.flags)
			require.NoError(t, err)
			assert.Equal(t, tt.arg, arg)
			ldflags := "-s -w " + arg + " -X main.v=1"
			fields, err := quoted.Split(ldflags)
			require.NoError(t, err)
			require.Len(t, fields, 5, "%q", fields)
			value, ok := strings.CutPrefix(fields[2], "-extldflags=")
			require.True(t, ok, fields[2])
			got, err := quoted.Split(value)
			require.NoError(t, err)
			assert.Equal(t, tt.flags, got)
		})
	}
}

// TestExtldflagsThatCannotReachTheLinker: flags no quoting carries through
// -ldflags and -extldflags intact are refused instead of being split into
// other flags.
func TestExtldflagsThatCannotReachTheLinker(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"white space and a double quote", []string{`-DNAME="a b"`}, `flag "-DNAME=\"a b\"" holds both white space and a double quote`},
		{"a space and a single quote", []string{"-Wl,-rpath,'/opt/my lib'"}, "contains both single and double quotes and cannot be quoted"},
		{"both quote kinds", []string{`-DA="x"`, "-Wl,-rpath,'$ORIGIN'"}, "contains both single and double quotes and cannot be quoted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extldflagsArg(tt.flags)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestMergeTags(t *testing.T) {
	tests := []struct {
		name        string
		build, vari []string
		want        string
	}{
		{"none", nil, nil, ""},
		{"build only", []string{"a", "b"}, nil, "a,b"},
		{"variant only", nil, []string{"c"}, "c"},
		{"merged in order without repeats", []string{"netgo", "osusergo"}, []string{"osusergo", "sqlite", "netgo"}, "netgo,osusergo,sqlite"},
		{"empty tags dropped", []string{""}, []string{"", "x"}, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, mergeTags(tt.build, tt.vari))
		})
	}
}

func TestSortTargets(t *testing.T) {
	var ts []target.Target
	for _, s := range []string{"windows/amd64", "linux/arm/v7", "linux/amd64/v3", "linux/arm", "linux/amd64", "darwin/arm64", "linux/arm/v5", "linux/amd64/v1"} {
		tg, err := target.Parse(s)
		require.NoError(t, err)
		ts = append(ts, tg)
	}
	target.Sort(ts)
	var got []string
	for _, tg := range ts {
		got = append(got, tg.String())
	}
	assert.Equal(t, []string{"darwin/arm64", "linux/amd64", "linux/amd64/v1", "linux/amd64/v3", "linux/arm", "linux/arm/v5", "linux/arm/v7", "windows/amd64"}, got)
}

// TestLdflagsFailOnlyForSomeTargets: a template that renders with the sample
// values (so the manifest is valid) can still fail for a real target; the
// problem names the template it came from and the job.
func TestLdflagsFailOnlyForSomeTargets(t *testing.T) {
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/amd64, windows/amd64]
    variants:
      - name: v
        ldflags: '{{if eq .GOOS "windows"}}{{.Nope}}{{end}}'
`)
	pl, ps := New(m, options(t))
	require.Len(t, ps, 1, ps.Error())
	assert.Equal(t, 7, ps[0].Line)
	assert.Equal(t, "builds[app].variants[v].ldflags", ps[0].Field)
	assert.Contains(t, ps[0].Msg, "for windows/amd64/v: ")
	assert.Contains(t, ps[0].Msg, "unknown template field .Nope (did you mean .Date?)")
	assert.NotContains(t, ps[0].Msg, "manifest.TemplateData", "no Go type names in messages")
	assert.Equal(t, []string{"app/linux/amd64/v"}, jobIDs(pl))
}

// TestEnvPassthrough: a variable is passed through only when the manifest
// or --env-passthrough names it, with its value at plan time, after
// everything else; an unset one is left out; a bad name is a problem.
func TestEnvPassthrough(t *testing.T) {
	m := parseString(t, "version: 1\nenv_passthrough: [GOEXPERIMENT, UNSET]\nbuilds:\n  - id: app\n    env_passthrough: [CGO_CFLAGS, GOEXPERIMENT]\n    targets: [linux/amd64]\n")
	opt := options(t)
	env := map[string]string{"GOEXPERIMENT": "jsonv2", "CGO_CFLAGS": "-O3", "GOFLAGS": "-race", "GOAMD64": "v3"}
	opt.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	opt.Passthrough = []string{"GOFLAGS"}
	pl, ps := New(m, opt)
	require.Empty(t, ps, ps.Error())
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0", "GOFLAGS=", "GOTOOLCHAIN=local",
		"GOEXPERIMENT=jsonv2", "CGO_CFLAGS=-O3", "GOFLAGS=-race"}, pl.Jobs[0].Env, "GOAMD64 is not passed through: the plan sets it")

	opt.Passthrough = []string{"GOARM"}
	_, ps = New(m, opt)
	require.Len(t, ps, 1)
	assert.Equal(t, "--env-passthrough: GOARM cannot be passed through: portmatrix sets it from a target level such as linux/arm/v7", ps[0].Error())
}

func TestGoBinAndArgv(t *testing.T) {
	m := parseString(t, "version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64]\n")
	opt := options(t)
	pl, ps := New(m, opt)
	require.Empty(t, ps, ps.Error())
	require.Len(t, pl.Jobs, 1)
	j := pl.Jobs[0]
	assert.Equal(t, []string{"go", "build", "-o", filepath.Join(opt.ManifestDir, "dist", "app", "linux_amd64", "default", "app"), "."}, j.Argv)
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0", "GOFLAGS=", "GOTOOLCHAIN=local"}, j.Env)
	assert.Equal(t, "app/linux/amd64/default", j.ID)
	assert.Equal(t, opt.ManifestDir, j.Dir)

	opt.DistDir = "/abs/out"
	pl, ps = New(m, opt)
	require.Empty(t, ps, ps.Error())
	assert.Equal(t, "/abs/out", pl.DistDir)
	assert.Equal(t, "/abs/out/app/linux_amd64/default/app", pl.Jobs[0].Output)
	assert.Equal(t, "/abs/out/.portmatrix/logs/app_linux_amd64_default.log", pl.Jobs[0].Log)
}
