package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// The floor a row shows is the one the binary needs: a go1.26 Windows
// program says Windows 6.1 in its header but its runtime needs Windows 10.
// The report carries both and says which one is the floor, and why.
func TestCollectMinOSFromGoRuntime(t *testing.T) {
	tg, err := target.Parse("windows/amd64")
	require.NoError(t, err)
	// The fields as inspect.Read sets them for such a binary
	// (pkg/inspect's TestRealMinOS checks Read itself).
	info := &inspect.Info{
		Format: inspect.FormatPE, GOOS: "windows", GOARCH: "amd64", Linkage: inspect.LinkageDynamic,
		Needed: []string{"kernel32.dll"}, Go: &inspect.GoInfo{GoVersion: "go1.26.8"},
		MinOS: "10.0", MinOSHeader: "6.1", MinOSSource: inspect.MinOSFromGoRuntime,
		MinOSReason: "go1.26.8: Go 1.21 and later require Windows 10 or Windows Server 2016 (go.dev/doc/go1.21#windows)",
	}

	rows := Collect(Stages{
		Results:  []build.Result{{Job: plan.Job{ID: "app/windows/amd64/default", Target: tg}, Status: build.StatusOK}},
		Outcomes: []verify.Outcome{{Info: info}},
	})
	require.Len(t, rows, 1)
	row := rows[0]
	assert.Equal(t, "10.0", row.MinOS)
	assert.Equal(t, "6.1", row.MinOSHeader)
	assert.Equal(t, inspect.MinOSFromGoRuntime, row.MinOSSource)
	assert.Equal(t, info.MinOSReason, row.MinOSReason)
	assert.Equal(t, "Windows 10.0", floorCell(row), "the FLOOR column shows the effective floor")

	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, newReport(rows)))
	var doc struct {
		Jobs []map[string]any `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &doc))
	require.Len(t, doc.Jobs, 1)
	assert.Equal(t, "10.0", doc.Jobs[0]["min_os"])
	assert.Equal(t, "6.1", doc.Jobs[0]["min_os_header"])
	assert.Equal(t, "go-runtime", doc.Jobs[0]["min_os_source"])
	assert.Contains(t, doc.Jobs[0]["min_os_reason"], "Windows 10")

	var html bytes.Buffer
	require.NoError(t, WriteHTML(&html, newReport(rows)))
	assert.Contains(t, html.String(), "<dt>min OS</dt><dd>Windows 10.0 (go1.26.8: Go 1.21 and later require Windows 10 or Windows Server 2016 (go.dev/doc/go1.21#windows); the header says 6.1)</dd>")
}
