package verify

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
)

func job(tg target.Target, cgo bool, expect string) plan.Job {
	return plan.Job{ID: "x", Target: tg, Cgo: cgo, Expect: plan.Expectation{Linkage: expect}}
}

var linuxAMD64 = target.Target{GOOS: "linux", GOARCH: "amd64"}

func dynamicGlibc() *inspect.Info {
	return &inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageDynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Needed: []string{"libc.so.6"},
		Go: &inspect.GoInfo{Settings: map[string]string{"GOOS": "linux", "GOARCH": "amd64", "CGO_ENABLED": "1"}}}
}

func msgs(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Check+": "+v.Msg)
	}
	return out
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		job  plan.Job
		info *inspect.Info
		want []string
	}{
		{"static asked, dynamic got", job(linuxAMD64, true, "static"), dynamicGlibc(),
			[]string{"linkage: asked for static; got dynamic: PT_INTERP /lib64/ld-linux-x86-64.so.2, needs libc.so.6"}},
		{"dynamic asked, dynamic got", job(linuxAMD64, true, "dynamic"), dynamicGlibc(), nil},
		{"any", job(linuxAMD64, true, "any"), dynamicGlibc(), nil},
		{"dynamic asked, static got", job(linuxAMD64, false, "dynamic"),
			&inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageStatic, LinkageRule: "ET_EXEC without PT_INTERP"},
			[]string{"linkage: asked for dynamic; got static (ET_EXEC without PT_INTERP)"}},
		{"wrong arch and cgo", job(target.Target{GOOS: "linux", GOARCH: "arm64"}, false, "any"), dynamicGlibc(),
			[]string{"target: built for linux/arm64 but the binary's machine is amd64",
				"target: Go build info says GOARCH=amd64, the job asked for arm64",
				"cgo: asked for CGO_ENABLED=0, but the binary was built with CGO_ENABLED=1"}},
		{"wrong os", job(target.Target{GOOS: "freebsd", GOARCH: "amd64"}, true, "any"), dynamicGlibc(),
			[]string{"target: built for freebsd/amd64 but the binary is for linux (from its elf headers)",
				"target: Go build info says GOOS=linux, the job asked for freebsd"}},
		{"level", job(target.Target{GOOS: "linux", GOARCH: "arm", Level: "v7"}, false, "static"),
			&inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "arm", Linkage: inspect.LinkageStatic,
				Go: &inspect.GoInfo{Settings: map[string]string{"GOARM": "6"}}},
			[]string{"target: Go build info says GOARM=6, the job asked for GOARM=7"}},
		// GOAMD64=v2 leaked from the environment into a job that names no
		// level: the default, v1, is what it asked for (issue 14, item 1).
		{"level from elsewhere", job(linuxAMD64, false, "static"),
			&inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageStatic,
				Go: &inspect.GoInfo{Settings: map[string]string{"GOAMD64": "v2"}}},
			[]string{"target: Go build info says GOAMD64=v2, the job asked for GOAMD64=v1"}},
		{"default level", job(linuxAMD64, false, "static"),
			&inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageStatic,
				Go: &inspect.GoInfo{Settings: map[string]string{"GOAMD64": "v1"}}}, nil},
		// -trimpath leaves -ldflags out of the build info: no violation.
		{"linkmode under trimpath", plan.Job{ID: "x", Target: linuxAMD64, Cgo: true, Linkmode: "external", Expect: plan.Expectation{Linkage: "any"}},
			&inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageStatic,
				Go: &inspect.GoInfo{Settings: map[string]string{"CGO_ENABLED": "1", "-trimpath": "true"}}}, nil},
		{"linkmode not as asked", plan.Job{ID: "x", Target: linuxAMD64, Cgo: true, Linkmode: "external", Expect: plan.Expectation{Linkage: "any"}},
			&inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageStatic,
				Go: &inspect.GoInfo{Settings: map[string]string{"CGO_ENABLED": "1", "-ldflags": "-s -w"}}},
			[]string{`linkmode: asked for -linkmode=external, but the Go build info's -ldflags are "-s -w"`}},
		{"pe dlls", job(target.Target{GOOS: "windows", GOARCH: "amd64"}, false, "static"),
			&inspect.Info{Format: inspect.FormatPE, GOOS: "windows", GOARCH: "amd64", Linkage: inspect.LinkageDynamic, Needed: []string{"kernel32.dll"}},
			[]string{"linkage: asked for static; got dynamic: needs kernel32.dll"}},
		{"macho paths shortened", job(target.Target{GOOS: "darwin", GOARCH: "arm64"}, false, "static"),
			&inspect.Info{Format: inspect.FormatMachO, GOOS: "darwin", GOARCH: "arm64", Linkage: inspect.LinkageDynamic, Needed: []string{"/usr/lib/libSystem.B.dylib"}},
			[]string{"linkage: asked for static; got dynamic: needs libSystem.B.dylib"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, msgs(Check(tt.job, tt.info)))
		})
	}
}
