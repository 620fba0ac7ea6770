package check

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/platforms"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

func tg(s string) target.Target {
	t, err := target.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPlatforms(t *testing.T) {
	table := platforms.Table()
	targets := []target.Target{tg("linux/amd64"), tg("linux/arm64"), tg("plan9/amd64"), tg("linux/arm/v7")}
	ws := []string{"GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off"}

	t.Run("pure Go", func(t *testing.T) {
		ps := Platforms(targets, PlatformOptions{Table: table, WorkspaceEnv: ws})
		require.Len(t, ps, 4)
		assert.Equal(t, []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0", "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off"}, ps[0].Env)
		assert.Equal(t, []string{"GOOS=linux", "GOARCH=arm", "GOARM=7", "CGO_ENABLED=0", "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off"}, ps[3].Env)
		for _, p := range ps {
			assert.False(t, p.Cgo)
			assert.Equal(t, "default", p.Variant())
		}
	})

	t.Run("cgo where supported, with the toolchain's environment", func(t *testing.T) {
		sel := func(n toolchain.Need) (toolchain.Toolchain, error) {
			if n.Target.GOARCH == "arm64" {
				return toolchain.Toolchain{}, errors.New("linux/arm64 needs a C cross compiler for cgo: apt-get install gcc-aarch64-linux-gnu")
			}
			return toolchain.Toolchain{Name: "gcc", CC: []string{"gcc"}}, nil
		}
		ps := Platforms(targets, PlatformOptions{Table: table, Cgo: true, WorkspaceEnv: ws, SelectToolchain: sel})
		assert.True(t, ps[0].Cgo)
		assert.Equal(t, "cgo", ps[0].Variant())
		assert.Contains(t, ps[0].Env, "CGO_ENABLED=1")
		assert.Contains(t, ps[0].Env, "CC=gcc")
		assert.EqualError(t, ps[1].Skip, "linux/arm64 needs a C cross compiler for cgo: apt-get install gcc-aarch64-linux-gnu")
		assert.False(t, ps[2].Cgo, "plan9 has no cgo: pure Go there")
		assert.Contains(t, ps[2].Env, "CGO_ENABLED=0")
		assert.NoError(t, ps[2].Skip)
	})
}

func TestJobs(t *testing.T) {
	table := platforms.Table()
	targets := []target.Target{tg("linux/amd64"), tg("plan9/amd64"), tg("windows/amd64"), tg("js/wasm")}
	ps := Platforms(targets, PlatformOptions{Table: table, WorkspaceEnv: localEnv})
	ps[3].Skip = errors.New("no toolchain") // as if cgo had no C compiler there
	tool := Package{ImportPath: "example.com/fx/cmd/tool", Name: "main", Module: "example.com/fx"}
	term := Package{ImportPath: "example.com/fx/term", Name: "term", Module: "example.com/fx"}
	win := Package{ImportPath: "example.com/fx/winonly", Name: "winonly", Module: "example.com/fx"}
	pkgs := [][]Package{
		{tool, term},
		nil, // the build constraints exclude everything on plan9
		{term, win, tool},
		nil,
	}
	jobs := Jobs(ps, pkgs, JobOptions{Dir: "/m", OutDir: "/o", LogDir: "/l"})

	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	assert.Equal(t, []string{
		"tool/linux/amd64/default", "lib/linux/amd64/default",
		"tool/plan9/amd64/default", "lib/plan9/amd64/default",
		"tool/windows/amd64/default", "lib/windows/amd64/default",
		"tool/js/wasm/default", "lib/js/wasm/default",
	}, ids)

	bin := jobs[0]
	assert.Equal(t, KindBinary, bin.Kind)
	assert.Equal(t, "example.com/fx/cmd/tool", bin.Package)
	assert.Equal(t, []string{"go", "build", "-o", "/o/tool/linux_amd64/default/tool", "example.com/fx/cmd/tool"}, bin.Argv)
	assert.Equal(t, "-o", bin.Argv[plan.OutputArg-1], "GoRunner finds the output where plan puts it")
	assert.Equal(t, "/o/tool/linux_amd64/default/tool", bin.Output)
	assert.Equal(t, "/l/tool_linux_amd64_default.log", bin.Log)
	assert.Equal(t, "/m", bin.Dir)
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local"}, bin.Env)
	assert.Equal(t, "any", bin.Expect.Linkage)
	assert.NoError(t, bin.Skip)

	lib := jobs[1]
	assert.Equal(t, KindCompile, lib.Kind)
	assert.Equal(t, "example.com/fx/...", lib.Package, "the pattern over every target's packages")
	assert.Equal(t, []string{"go", "build", "example.com/fx/term"}, lib.Argv, "no -o: nothing is written")
	assert.Equal(t, "", lib.Output)

	assert.ErrorIs(t, jobs[2].Skip, ErrExcluded)
	assert.ErrorIs(t, jobs[3].Skip, ErrExcluded)

	assert.Equal(t, "/o/tool/windows_amd64/default/tool.exe", jobs[4].Output)
	assert.Equal(t, []string{"go", "build", "example.com/fx/term", "example.com/fx/winonly"}, jobs[5].Argv, "sorted")

	assert.EqualError(t, jobs[6].Skip, "no toolchain")
	for i, j := range jobs {
		assert.Equal(t, i, j.Index)
	}
}

func TestJobsPartialPresence(t *testing.T) {
	ps := Platforms([]target.Target{tg("linux/amd64"), tg("windows/amd64")}, PlatformOptions{Table: platforms.Table()})
	unixTool := Package{ImportPath: "example.com/m/cmd/unixtool", Name: "main"}
	lib := Package{ImportPath: "example.com/m", Name: "m"}
	jobs := Jobs(ps, [][]Package{{unixTool, lib}, {lib}}, JobOptions{})
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	assert.Equal(t, []string{"unixtool/linux/amd64/default", "lib/linux/amd64/default", "lib/windows/amd64/default"}, ids,
		"like go build ./..., a program the constraints exclude on windows has no windows row")
	assert.Equal(t, "example.com/m", jobs[1].Package)
}

func TestBuildNames(t *testing.T) {
	pkgs := [][]Package{{
		{ImportPath: "example.com/m/cmd/foo", Name: "main", Module: "example.com/m"},
		{ImportPath: "example.com/m/tools/foo", Name: "main", Module: "example.com/m"},
		{ImportPath: "example.com/m/v2", Name: "main", Module: "example.com/m/v2"},
		{ImportPath: "example.com/m/cmd/lib", Name: "main", Module: "example.com/m"},
		{ImportPath: "example.com/m/internal/x", Name: "x", Module: "example.com/m"},
	}}
	var names []string
	for _, b := range buildsOf(pkgs) {
		names = append(names, b.name+"="+b.binary)
	}
	assert.Equal(t, []string{"cmd/foo=foo", "cmd/lib=lib", "m=m", "tools/foo=foo", "lib="}, names)
}

func TestPattern(t *testing.T) {
	tests := []struct {
		paths []string
		want  string
	}{
		{nil, ""},
		{[]string{"golang.org/x/term"}, "golang.org/x/term"},
		{[]string{"golang.org/x/sys/unix", "golang.org/x/sys/cpu"}, "golang.org/x/sys/..."},
		{[]string{"example.com/m", "example.com/m/sub"}, "example.com/m/..."},
		{[]string{"a.com/x", "b.com/y"}, "..."},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, Pattern(tt.paths))
		})
	}
}

func TestExecName(t *testing.T) {
	for in, want := range map[string]string{
		"example.com/tool":          "tool",
		"example.com/tool/v2":       "tool",
		"example.com/tool/v1":       "v1",
		"example.com/cmd/v2x":       "v2x",
		"tool":                      "tool",
		"github.com/cespare/reflex": "reflex",
	} {
		assert.Equal(t, want, ExecName(in), in)
	}
}
