package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/reportschema"
	"github.com/portmatrix/portmatrix/pkg/internal/sbomschema"
	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// TestSeedExample builds the bundled example (the one `make demo` runs) for
// a subset of its targets and checks every claim it makes, row by row, so
// CI proves the demo's table and not just that it exits 0.
func TestSeedExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example with the real toolchain")
	}
	for _, tool := range []string{"gcc", "aarch64-linux-gnu-gcc", "x86_64-w64-mingw32-gcc", "musl-gcc", "qemu-aarch64", "qemu-riscv64", "zig"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed and CI=true: run scripts/install-toolchains.sh", tool)
			}
			t.Skipf("needs %s: run scripts/install-toolchains.sh", tool)
		}
	}
	dist := t.TempDir()
	jsonFile := filepath.Join(dist, "report.json")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"build",
		"-f", "../../examples/seed/portmatrix.yaml", "--dist", dist, "--json", jsonFile, "--progress", "none",
		"--sbom", "cyclonedx,spdx",
	}, Stdio{Out: &out, Err: &errb})
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())

	data, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	require.NoError(t, reportschema.Validate(data))
	var rep report.Report
	require.NoError(t, json.Unmarshal(data, &rep))

	want := map[string]string{
		"hello/linux/amd64/nocgo":                      "static",
		"hello/linux/amd64/cgo":                        "static",
		"hello/linux/amd64/static-pie":                 "static-pie",
		"fileserver/linux/amd64/nocgo":                 "static",
		"fileserver/linux/amd64/cgo":                   "dynamic",
		"fileserver/linux/amd64/cgo-extldflags-static": "dynamic",
		"fileserver/linux/amd64/cgo-external-static":   "static",
		"whoami/linux/amd64/cgo":                       "dynamic",
		"whoami/linux/amd64/cgo-external-static":       "static",
		"echoserver/linux/amd64/cgo":                   "dynamic",
		"echoserver/linux/amd64/cgo-extldflags-static": "dynamic",
		"cgohello/linux/amd64/cgo":                     "dynamic",
		"cgohello/linux/amd64/cgo-extldflags-static":   "static",
		"hello-cross/linux/arm64/nocgo":                "static",
		"hello-cross/windows/amd64/nocgo":              "dynamic",
		"hello-cross/darwin/arm64/nocgo":               "dynamic",
		"hello-cross/openbsd/amd64/nocgo":              "dynamic",
		"hello-cross/plan9/amd64/nocgo":                "static",
		"hello-cross/js/wasm/nocgo":                    "static",
		// A chosen glibc floor, through zig.
		"fileserver-glibc217/linux/amd64/glibc217":    "dynamic",
		"fileserver-glibc217/linux/arm64/glibc217":    "dynamic",
		"whoami-glibc217/linux/amd64/glibc217":        "dynamic",
		"whoami-glibc217/linux/arm64/glibc217":        "dynamic",
		"whoami-musl-cross/linux/arm64/musl-static":   "static",
		"whoami-musl-cross/linux/riscv64/musl-static": "static",
		"cgohello-windows-arm64/windows/arm64/cgo":    "dynamic",
	}
	got := map[string]report.Job{}
	for _, j := range rep.Jobs {
		got[j.ID] = j
	}
	for id, linkage := range want {
		j, ok := got[id]
		if assert.True(t, ok, "job %s missing from the report", id) {
			assert.Equal(t, report.StatusOK, j.Status, id)
			assert.Equal(t, linkage, j.Linkage, id)
			assert.Equal(t, linkage, j.Expect, "%s: the manifest's expectation should be the seed's claim", id)
		}
	}
	assert.Contains(t, got["fileserver/linux/amd64/cgo"].Needed, "libc.so.6")
	assert.Contains(t, got["hello-cross/windows/amd64/nocgo"].Needed, "kernel32.dll")
	assert.Contains(t, got["hello-cross/openbsd/amd64/nocgo"].Needed, "libc.so")
	assert.Equal(t, "/lib64/ld-linux-x86-64.so.2", got["whoami/linux/amd64/cgo"].Interpreter)
	assert.Equal(t, len(rep.Jobs), rep.Summary.OK)
	snapshot.Check(t, "../../examples/seed/report.golden", stableReport(rep))

	// Third-party DLLs of the C++ build, gone when linked -static.
	assert.Contains(t, got["cgocpp-windows/windows/amd64/cgo"].ThirdParty, "libstdc++-6.dll")
	assert.Empty(t, got["cgocpp-windows/windows/amd64/cgo-extldflags-static"].ThirdParty)
	assert.True(t, got["cgocpp-windows/windows/amd64/cgo-extldflags-static"].SystemLibsOnly)
	assert.Equal(t, "2.34", got["fileserver/linux/amd64/cgo"].MaxGlibc)

	// A chosen glibc floor: asked 2.17, proved from the bytes (readelf -V
	// agrees: TestZigFloorsAgreeWithReadelf), and zig chose for the
	// targets Debian cannot serve.
	for _, id := range []string{"fileserver-glibc217/linux/amd64/glibc217", "fileserver-glibc217/linux/arm64/glibc217",
		"whoami-glibc217/linux/amd64/glibc217", "whoami-glibc217/linux/arm64/glibc217"} {
		j := got[id]
		require.NotNil(t, j.CToolchain, id)
		assert.Equal(t, "zig", j.CToolchain.Name, id)
		assert.Equal(t, "2.17", j.CToolchain.Glibc, id)
		assert.NotEmpty(t, j.MaxGlibc, id)
		assert.LessOrEqual(t, inspect.CompareVersions(j.MaxGlibc, "2.17"), 0, "%s needs glibc %s", id, j.MaxGlibc)
		assert.Contains(t, j.Needed, "libc.so.6", id) // before 2.34 libpthread and libresolv were apart
		assert.True(t, j.SystemLibsOnly, id)
	}
	for _, id := range []string{"whoami-musl-cross/linux/arm64/musl-static", "whoami-musl-cross/linux/riscv64/musl-static", "cgohello-windows-arm64/windows/arm64/cgo"} {
		require.NotNil(t, got[id].CToolchain, id)
		assert.Equal(t, "zig", got[id].CToolchain.Name, id)
	}
	assert.Equal(t, "aarch64", got["cgohello-windows-arm64/windows/arm64/cgo"].CToolchain.Target[:7])

	checkSeedSBOMs(t, dist, got)

	// Smoke runs: static cross binaries start under qemu with no sysroot,
	// dynamic ones with the cross sysroot.
	for id, how := range map[string]string{
		"cgohello-cross/linux/arm64/cgo-extldflags-static": "qemu-aarch64",
		"whoami-cross/linux/arm64/cgo-external-static":     "qemu-aarch64",
		"cgohello-cross/linux/arm64/cgo":                   "qemu-aarch64 -L /usr/aarch64-linux-gnu",
		"cgohello-musl/linux/amd64/musl-static":            "native",
		"hello/linux/amd64/static-pie":                     "native",
		"whoami-glibc217/linux/amd64/glibc217":             "native",
		"whoami-glibc217/linux/arm64/glibc217":             "qemu-aarch64 -L /usr/aarch64-linux-gnu",
		"whoami-musl-cross/linux/arm64/musl-static":        "qemu-aarch64",
		"whoami-musl-cross/linux/riscv64/musl-static":      "qemu-riscv64",
	} {
		r := got[id].Runs
		if assert.NotNil(t, r, "%s was not smoke-run", id) {
			assert.Equal(t, "ok", string(r.Status), "%s: %s", id, r.String())
			assert.Equal(t, how, r.How, id)
		}
	}
}

// stableReport is the part of a report that does not change from run to
// run on the same kind of machine: no times, sizes or paths.
func stableReport(rep report.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# examples/seed on %s: what `make demo` proves (regenerate: go test ./pkg/cli -run TestSeedExample -update)\n", rep.Host)
	for _, j := range rep.Jobs {
		libs := "-"
		if len(j.Needed) > 0 {
			var names []string
			for _, n := range j.Needed {
				name := path.Base(n)
				if slices.Contains(j.ThirdParty, n) {
					name += "*"
				}
				names = append(names, name)
			}
			libs = strings.Join(names, ",")
		}
		floor := "-"
		if j.MaxGlibc != "" {
			floor = "glibc-" + j.MaxGlibc
		}
		runs := "-"
		if j.Runs != nil {
			runs = string(j.Runs.Status) + "(" + j.Runs.How + ")"
		}
		fmt.Fprintf(&b, "%-52s %-8s %-10s %-50s %-11s %s\n", j.ID, j.Status, j.Linkage, libs, floor, runs)
	}
	return b.String()
}

// checkSeedSBOMs checks the SBOMs the seed build wrote beside every binary:
// schema-valid, and saying what each binary links. A static cgo binary
// carries its C library as a component (glibc from Debian's gcc, musl
// from musl-gcc or zig, with the versions those toolchains link); a
// dynamic one lists libc.so.6 with its glibc floor and carries none.
func checkSeedSBOMs(t *testing.T, dist string, got map[string]report.Job) {
	t.Helper()
	for id, j := range got {
		if j.File == "" {
			continue
		}
		require.Len(t, j.SBOMs, 2, id)
		for _, s := range j.SBOMs {
			require.NoError(t, sbomschema.ValidateFile(filepath.Join(dist, filepath.FromSlash(s.File))), id)
		}
	}
	type libc struct{ name, version string }
	hostGlibc := toolchain.SysrootGlibc(toolchain.Toolchain{Libc: "glibc", Name: "native"})
	require.NotEmpty(t, hostGlibc)
	for id, want := range map[string]*libc{
		"cgohello/linux/amd64/cgo-extldflags-static":       {"glibc", hostGlibc},
		"cgohello-cross/linux/arm64/cgo-extldflags-static": {"glibc", toolchain.SysrootGlibc(toolchain.Toolchain{Libc: "glibc", Name: "aarch64-linux-gnu", Sysroot: "/usr/aarch64-linux-gnu"})},
		"cgohello-musl/linux/amd64/musl-static":            {"musl", "1.2.3"},
		"whoami-musl-cross/linux/arm64/musl-static":        {"musl", "1.2.4"},
		"whoami-glibc217/linux/amd64/glibc217":             nil,
		"fileserver/linux/amd64/cgo":                       nil,
		"hello/linux/amd64/nocgo":                          nil,
	} {
		j := got[id]
		require.NotEmpty(t, j.File, id)
		data, err := os.ReadFile(filepath.Join(dist, filepath.FromSlash(j.File)+".cdx.json"))
		require.NoError(t, err, id)
		var doc struct {
			Components []struct {
				Name, Version string
				Properties    []struct{ Name, Value string }
			}
		}
		require.NoError(t, json.Unmarshal(data, &doc), id)
		var runtimes []libc
		floor := ""
		for _, c := range doc.Components {
			for _, p := range c.Properties {
				if p.Name == "portmatrix:role" && p.Value == "c-runtime" {
					runtimes = append(runtimes, libc{c.Name, c.Version})
				}
				if c.Name == "libc.so.6" && p.Name == "portmatrix:glibc_floor" {
					floor = p.Value
				}
			}
		}
		if want == nil {
			assert.Empty(t, runtimes, "%s: no C library inside", id)
		} else {
			assert.Equal(t, []libc{*want}, runtimes, "%s: the C library linked in", id)
		}
		if j.MaxGlibc != "" {
			assert.Equal(t, j.MaxGlibc, floor, "%s: the glibc floor on libc.so.6", id)
		}
	}
}
