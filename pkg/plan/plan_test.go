package plan

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlanGolden plans the manifests under testdata/plans and compares each
// plan, job by job as a shell line with its expectation and log, with a
// golden file. The same manifest can be planned with different options.
func TestPlanGolden(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		dirs     []string // directories to create under the manifest directory
		targets  []string // --targets
		builds   []string // --build
	}{
		{name: "default-variant", manifest: "default-variant"},
		{name: "targets", manifest: "targets"},
		{name: "variants", manifest: "variants", dirs: []string{"server"}},
		{name: "expectations", manifest: "expectations"},
		{name: "filters", manifest: "filters"},
		{name: "filters-targets", manifest: "filters", targets: []string{"linux/arm64", "windows/*"}},
		{name: "filters-build", manifest: "filters", builds: []string{"daemon"}},
		{name: "filters-both", manifest: "filters", targets: []string{"*/arm64"}, builds: []string{"cli", "daemon"}},
		{name: "output", manifest: "output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join("testdata", "plans", tt.manifest+".yaml")
			m := parse(t, file)
			opt := options(t, tt.dirs...)
			opt.Targets, opt.Builds = tt.targets, tt.builds
			pl, ps := New(m, opt)
			require.NotNil(t, pl)
			assert.Empty(t, ps, "a plan under testdata/plans must have no problems:\n%s", ps.Error())
			for i, j := range pl.Jobs {
				assert.Equal(t, i, j.Index)
				assert.Equal(t, "-o", j.Argv[OutputArg-1])
				assert.Equal(t, j.Output, j.Argv[OutputArg])
				assert.True(t, strings.HasPrefix(j.Output, pl.DistDir+string(filepath.Separator)), "%s is outside the dist directory", j.Output)
			}
			golden(t, filepath.Join("testdata", "plans", tt.name+".golden"), render(pl, ps, opt.ManifestDir))
		})
	}
}

// TestJobOrder checks the documented order: builds as listed, then targets
// sorted by goos, goarch and level, then variants as listed.
func TestJobOrder(t *testing.T) {
	m := parseString(t, `version: 1
builds:
  - id: zeta
    targets: [windows/amd64, linux/arm/v7, linux/amd64, linux/arm/v5, darwin/arm64, linux/arm]
    variants: [{name: second}, {name: first}]
  - id: alpha
    targets: [linux/amd64]
`)
	pl, ps := New(m, options(t))
	require.Empty(t, ps, ps.Error())
	assert.Equal(t, []string{
		"zeta/darwin/arm64/second", "zeta/darwin/arm64/first",
		"zeta/linux/amd64/second", "zeta/linux/amd64/first",
		"zeta/linux/arm/second", "zeta/linux/arm/first",
		"zeta/linux/arm/v5/second", "zeta/linux/arm/v5/first",
		"zeta/linux/arm/v7/second", "zeta/linux/arm/v7/first",
		"zeta/windows/amd64/second", "zeta/windows/amd64/first",
		"alpha/linux/amd64/default",
	}, jobIDs(pl))
}

// TestLevelOrder: levels sort in their documented order, not as strings
// (power10 after power9, v8.10 does not exist but v9.0 follows v8.9).
func TestLevelOrder(t *testing.T) {
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/ppc64le/power10, linux/ppc64le/power8, linux/ppc64le/power9, linux/arm64/v9.0, linux/arm64/v8.9, linux/arm64]
`)
	pl, ps := New(m, options(t))
	require.Empty(t, ps, ps.Error())
	assert.Equal(t, []string{
		"app/linux/arm64/default", "app/linux/arm64/v8.9/default", "app/linux/arm64/v9.0/default",
		"app/linux/ppc64le/power8/default", "app/linux/ppc64le/power9/default", "app/linux/ppc64le/power10/default",
	}, jobIDs(pl))
}

func TestDeterministic(t *testing.T) {
	for _, name := range []string{"targets", "variants", "expectations", "filters"} {
		t.Run(name, func(t *testing.T) {
			opt := options(t, "server")
			var runs []string
			for range 3 {
				// A fresh decode each time, so nothing is shared between runs.
				m := parse(t, filepath.Join("testdata", "plans", name+".yaml"))
				pl, ps := New(m, opt)
				require.Empty(t, ps, ps.Error())
				data, err := json.Marshal(pl)
				require.NoError(t, err)
				runs = append(runs, string(data))
			}
			assert.Equal(t, runs[0], runs[1])
			assert.Equal(t, runs[0], runs[2])
		})
	}
}

// TestJobFields checks one job of the variants manifest field by field, the
// way `portmatrix build` will use it.
func TestJobFields(t *testing.T) {
	m := parse(t, "testdata/plans/variants.yaml")
	opt := options(t, "server")
	opt.GoBin = "/opt/go/bin/go"
	pl, ps := New(m, opt)
	require.Empty(t, ps, ps.Error())
	var job *Job
	for i := range pl.Jobs {
		if pl.Jobs[i].ID == "srv/linux/arm64/pie" {
			job = &pl.Jobs[i]
		}
	}
	require.NotNil(t, job, "no job srv/linux/arm64/pie in %v", jobIDs(pl))
	dist := filepath.Join(opt.ManifestDir, "out")
	assert.Equal(t, "srv", job.Build)
	assert.Equal(t, "pie", job.Variant)
	assert.Equal(t, "linux/arm64", job.Target.String())
	assert.True(t, job.Cgo)
	assert.Equal(t, "external", job.Linkmode)
	assert.Equal(t, "pie", job.Buildmode)
	assert.Equal(t, filepath.Join(opt.ManifestDir, "server"), job.Dir)
	assert.Equal(t, filepath.Join(dist, "srv", "linux_arm64", "pie", "server"), job.Output)
	assert.Equal(t, filepath.Join(dist, ".portmatrix", "logs", "srv_linux_arm64_pie.log"), job.Log)
	assert.Equal(t, []string{
		"/opt/go/bin/go", "build", "-o", job.Output, "-trimpath", "-buildmode=pie", "-tags=netgo,osusergo",
		"-ldflags=-s -w -X main.version=1.2.3 -X main.commit=abc1234 -X main.date=2024-05-06T07:08:09Z -X main.platform=linux/arm64" +
			` -X main.flavor=pie -linkmode=external '-extldflags=-static-pie -Wl,-z,relro "-L/opt/my lib"'`,
		"-v", "-mod=readonly", "./cmd/srv",
	}, job.Argv)
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=arm64", "GOARM64=v8.0", "CGO_ENABLED=1", "GOFLAGS=", "GOTOOLCHAIN=local", "CC=cc", "CC_FOR_TARGET=gcc", "B=2"}, job.Env)
	assert.Equal(t, Expectation{Linkage: "any", Source: "default"}, job.Expect)
	require.NotNil(t, job.Toolchain)
	assert.Equal(t, "fake", job.Toolchain.Name)
	assert.True(t, job.StaticC, "-extldflags -static-pie asks the C linker for a static link")
}

// TestWithThreads: every job gets GOMAXPROCS, without writing into the
// backing array of an environment jobs share, and Threads reads it back.
func TestWithThreads(t *testing.T) {
	shared := make([]string, 1, 8) // spare capacity: appending in place would clobber it
	shared[0] = "CGO_ENABLED=0"
	jobs := []Job{{ID: "a", Env: shared}, {ID: "b", Env: shared}}
	got := WithThreads(jobs, 3)
	for _, j := range got {
		assert.Equal(t, []string{"CGO_ENABLED=0", "GOMAXPROCS=3"}, j.Env)
		assert.Equal(t, 3, j.Threads())
	}
	assert.Empty(t, shared[:2][1], "the shared env's backing array is not written")
	assert.Equal(t, []string{"CGO_ENABLED=0"}, jobs[0].Env, "the jobs given are not changed")
	assert.Equal(t, 0, jobs[0].Threads())
	assert.Equal(t, jobs, WithThreads(jobs, 0), "0 sets nothing")
	own := []Job{{ID: "c", Env: []string{"GOMAXPROCS=4"}}}
	assert.Equal(t, own, WithThreads(own, 3), "a job's own GOMAXPROCS is kept")
	assert.Equal(t, 4, own[0].Threads())
}
