package merge

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/reportschema"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// TestMergedReportMatchesSchema writes two shard fragments as a shard does
// (report.WriteJSON), reads them back with Read, merges them and writes the
// merged report: every document validates against configs/report.schema.json.
func TestMergedReportMatchesSchema(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, r *report.Report) string {
		t.Helper()
		for i := range r.Jobs {
			r.Jobs[i].Expect = manifest.ExpectAny // what the plan fills in
		}
		var b bytes.Buffer
		require.NoError(t, report.WriteJSON(&b, r))
		require.NoError(t, reportschema.Validate(b.Bytes()), "fragment %s", name)
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
		return path
	}
	a := write("a.json", frag("a.json", &report.Shard{Index: 1, Count: 2}, t0.Add(5*time.Second), 10, planIDs[3], planIDs[0]).Report)
	b := write("b.json", frag("b.json", &report.Shard{Index: 2, Count: 2}, t0, 7, planIDs[2], planIDs[1]).Report)

	var frags []Fragment
	for _, path := range []string{a, b} {
		f, err := Read(path)
		require.NoError(t, err)
		frags = append(frags, f)
	}
	merged, err := Merge(frags)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, report.WriteJSON(&out, merged))
	assert.NoError(t, reportschema.Validate(out.Bytes()), "the merged report")
}
