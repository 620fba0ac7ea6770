package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/report"
)

// TestSeedExample builds the bundled example (the one `make demo` runs) for
// a subset of its targets and checks every claim it makes, row by row, so
// CI proves the demo's table and not just that it exits 0.
func TestSeedExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example with the real toolchain")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc is not installed and CI=true: run scripts/install-deps.sh")
		}
		t.Skip("needs gcc: apt-get install gcc libc6-dev")
	}
	dist := t.TempDir()
	jsonFile := filepath.Join(dist, "report.json")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"build",
		"-f", "../../examples/seed/portmatrix.yaml", "--dist", dist, "--json", jsonFile, "--progress", "none",
		"--targets", "linux/amd64,linux/arm64,windows/amd64,darwin/arm64,openbsd/amd64,plan9/amd64,js/wasm",
	}, Stdio{Out: &out, Err: &errb})
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())

	data, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
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
}
