package verify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
)

func ptr(b bool) *bool { return &b }

func glibcBinary() *inspect.Info {
	in := dynamicGlibc()
	in.Libc = "glibc"
	in.MaxGlibc = "2.34"
	in.GlibcSymbols = []string{"__libc_start_main", "pthread_create"}
	in.Libraries = []inspect.Library{{Name: "libc.so.6", System: true}}
	in.SystemLibsOnly = true
	return in
}

func mingwBinary() *inspect.Info {
	return &inspect.Info{Format: inspect.FormatPE, GOOS: "windows", GOARCH: "amd64", Linkage: inspect.LinkageDynamic,
		Needed:         []string{"kernel32.dll", "libwinpthread-1.dll"},
		Libraries:      []inspect.Library{{Name: "kernel32.dll", System: true}, {Name: "libwinpthread-1.dll", System: false}},
		SystemLibsOnly: false, PIE: true}
}

func TestPolicy(t *testing.T) {
	tests := []struct {
		name string
		exp  plan.Expectation
		info *inspect.Info
		want []string
	}{
		{"glibc floor above the limit", plan.Expectation{MaxGlibc: "2.17"}, glibcBinary(),
			[]string{"max_glibc: needs GLIBC_2.34 (for __libc_start_main, pthread_create); the limit is 2.17"}},
		{"glibc floor at the limit", plan.Expectation{MaxGlibc: "2.34"}, glibcBinary(), nil},
		{"glibc floor compares numerically", plan.Expectation{MaxGlibc: "2.4"}, glibcBinary(),
			[]string{"max_glibc: needs GLIBC_2.34 (for __libc_start_main, pthread_create); the limit is 2.4"}},
		{"no glibc needed", plan.Expectation{MaxGlibc: "2.17"}, &inspect.Info{Linkage: inspect.LinkageStatic}, nil},
		{"system libs only", plan.Expectation{SystemLibsOnly: ptr(true)}, mingwBinary(),
			[]string{"system_libs_only: needs libraries that do not ship with the OS: libwinpthread-1.dll"}},
		{"libs allow", plan.Expectation{LibsAllow: []string{"KERNEL32.dll"}}, mingwBinary(),
			[]string{"libs_allow: needs libwinpthread-1.dll, which libs_allow (KERNEL32.dll) does not list"}},
		{"libs deny", plan.Expectation{LibsDeny: []string{"libwinpthread*"}}, mingwBinary(),
			[]string{"libs_deny: needs libwinpthread-1.dll, which libs_deny (libwinpthread*) forbids"}},
		{"libs deny by base name", plan.Expectation{LibsDeny: []string{"libSystem*"}},
			&inspect.Info{Format: inspect.FormatMachO, Linkage: inspect.LinkageDynamic, Needed: []string{"/usr/lib/libSystem.B.dylib"}},
			[]string{"libs_deny: needs /usr/lib/libSystem.B.dylib, which libs_deny (libSystem*) forbids"}},
		{"min macos", plan.Expectation{MinMacOS: "10.15"},
			&inspect.Info{Format: inspect.FormatMachO, GOOS: "darwin", MinOS: "11.0", Linkage: inspect.LinkageDynamic},
			[]string{"min_macos: needs macOS 11.0 or later (LC_BUILD_VERSION minos); asked to run on 10.15"}},
		{"min macos from the Go runtime", plan.Expectation{MinMacOS: "11"},
			&inspect.Info{Format: inspect.FormatMachO, GOOS: "darwin", MinOS: "12.0", MinOSHeader: "11.0", MinOSSource: inspect.MinOSFromGoRuntime,
				MinOSReason: "go1.26.8: Go 1.25 and later require macOS 12 Monterey (go.dev/doc/go1.25#darwin)", Linkage: inspect.LinkageDynamic},
			[]string{"min_macos: needs macOS 12.0 or later (go1.26.8: Go 1.25 and later require macOS 12 Monterey (go.dev/doc/go1.25#darwin)); asked to run on 11"}},
		{"min macos holds", plan.Expectation{MinMacOS: "12"},
			&inspect.Info{Format: inspect.FormatMachO, GOOS: "darwin", MinOS: "11.0", Linkage: inspect.LinkageDynamic}, nil},
		{"stripped", plan.Expectation{Stripped: ptr(true)}, glibcBinary(),
			[]string{"stripped: asked for a stripped binary; it has a symbol table (build with -ldflags=-s)"}},
		{"pie", plan.Expectation{PIE: ptr(true)}, glibcBinary(),
			[]string{"pie: asked for a position-independent executable; got a fixed-address elf"}},
		{"cgo", plan.Expectation{Cgo: ptr(false)}, glibcBinary(),
			[]string{"cgo: expected CGO_ENABLED=0; the Go build info says CGO_ENABLED=1"}},
		{"everything holds", plan.Expectation{Linkage: "dynamic", MaxGlibc: "2.36", SystemLibsOnly: ptr(true), LibsAllow: []string{"libc.so.*"},
			Stripped: ptr(false), PIE: ptr(false), Cgo: ptr(true)}, glibcBinary(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, msgs(Policy(tt.exp, tt.info, "")))
		})
	}
}

func TestIntentVsOutcome(t *testing.T) {
	cgoJob := plan.Job{ID: "x", Target: linuxAMD64, Cgo: true, Linkmode: "external", Buildmode: "pie",
		Argv:   []string{"go", "build", "-o", "out", "-trimpath", "-buildmode=pie", "-tags=netgo,osusergo", "-ldflags=-linkmode=external -extldflags=-static-pie", "."},
		Expect: plan.Expectation{Linkage: "static-pie"}}
	info := &inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageDynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2",
		Go:          &inspect.GoInfo{Settings: map[string]string{"CGO_ENABLED": "0", "-ldflags": "-s", "-buildmode": "exe", "-tags": "netgo"}}}
	assert.Equal(t, []string{
		"cgo: asked for cgo, but the binary was built with CGO_ENABLED=0 (no C compiler found, or CGO_ENABLED overridden?)",
		`linkmode: asked for -linkmode=external, but the Go build info's -ldflags are "-s"`,
		"buildmode: asked for -buildmode=pie, but the Go build info says -buildmode=exe",
		"trimpath: asked for -trimpath, but the Go build info does not record it",
		`tags: asked for build tag "osusergo", but the Go build info's -tags are "netgo"`,
		"linkage: asked for static-pie via -linkmode external -extldflags=-static-pie -buildmode pie; got dynamic: PT_INTERP /lib64/ld-linux-x86-64.so.2",
	}, msgs(Check(cgoJob, info)))
	_ = target.Target{}
}

func TestPolicyFileTerms(t *testing.T) {
	terms, err := PolicyFileTerms([]byte("linkage: static\nmax_glibc: \"2.17\"\nlibs_deny: [\"libstdc++*\", libgcc_s*]\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"libs_deny=libstdc++*,libgcc_s*", "linkage=static", "max_glibc=2.17"}, terms)
	e, err := ParsePolicy(terms)
	require.NoError(t, err)
	assert.Equal(t, "static", string(e.Linkage))
	_, err = PolicyFileTerms([]byte("linkage: [unclosed"))
	assert.Error(t, err)
}
