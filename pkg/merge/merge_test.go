package merge

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/report"
)

var planIDs = []string{"app/linux/amd64/default", "app/linux/arm64/default", "app/windows/amd64/default", "app/darwin/arm64/default"}

func frag(name string, shard *report.Shard, start time.Time, dur float64, ids ...string) Fragment {
	r := &report.Report{
		SchemaVersion: report.SchemaVersion, Tool: "portmatrix 1.0", GoVersion: "go1.26.8", Host: "linux/amd64",
		Manifest: "portmatrix.yaml", Started: start, DurationSec: dur,
		Version: "1.2.3", Commit: "abc", ManifestSHA256: "m1", Plan: planIDs, Shard: shard,
	}
	for _, id := range ids {
		r.Jobs = append(r.Jobs, report.Job{ID: id, Status: report.StatusOK, Linkage: "static", SHA256: "h-" + id})
	}
	return Fragment{Name: name, Report: r}
}

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestMergeShardsInPlanOrder(t *testing.T) {
	a := frag("a.json", &report.Shard{Index: 1, Count: 2}, t0.Add(5*time.Second), 10, planIDs[3], planIDs[0])
	b := frag("b.json", &report.Shard{Index: 2, Count: 2}, t0, 7, planIDs[2], planIDs[1])
	got, err := Merge([]Fragment{a, b})
	require.NoError(t, err)
	var ids []string
	for _, j := range got.Jobs {
		ids = append(ids, j.ID)
	}
	assert.Equal(t, planIDs, ids)
	assert.Nil(t, got.Shard)
	assert.Equal(t, 4, got.Summary.Total)
	assert.Equal(t, 4, got.Summary.Static)
	assert.Equal(t, t0, got.Started)
	assert.InDelta(t, 15, got.DurationSec, 1e-9, "span from the earliest start to the latest end")
	assert.Equal(t, "h-"+planIDs[2], got.Jobs[2].SHA256)
}

func TestMergeRefuses(t *testing.T) {
	s := func(i, n int) *report.Shard { return &report.Shard{Index: i, Count: n} }
	for _, tc := range []struct {
		name  string
		frags func() []Fragment
		err   string
	}{
		{"nothing", func() []Fragment { return nil }, "no report fragments"},
		{"missing job", func() []Fragment {
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[0], planIDs[1]), frag("b", s(2, 2), t0, 1, planIDs[2])}
		}, "1 job of the plan missing from the fragments (a shard not merged?): app/darwin/arm64/default"},
		{"duplicate job", func() []Fragment {
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[0], planIDs[1]), frag("b", s(2, 2), t0, 1, planIDs[1], planIDs[2], planIDs[3])}
		}, "job app/linux/arm64/default is in both a and b"},
		{"missing shard", func() []Fragment {
			return []Fragment{frag("a", s(1, 3), t0, 1, planIDs...), frag("b", s(2, 3), t0, 1)}
		}, "shard 3/3 missing"},
		{"shard twice", func() []Fragment {
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[:2]...), frag("b", s(1, 2), t0, 1, planIDs[2:]...)}
		}, "shard 1/2 is given twice: a and b"},
		{"different counts", func() []Fragment {
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[:2]...), frag("b", s(2, 3), t0, 1, planIDs[2:]...)}
		}, "b is shard 2/3 but others are of 2 parts"},
		{"different commit", func() []Fragment {
			b := frag("b", s(2, 2), t0, 1, planIDs[2:]...)
			b.Report.Commit = "def"
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[:2]...), b}
		}, `a and b come from different releases: commit "abc" vs "def"`},
		{"different manifest", func() []Fragment {
			b := frag("b", s(2, 2), t0, 1, planIDs[2:]...)
			b.Report.ManifestSHA256 = "m2"
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[:2]...), b}
		}, "manifest (manifest_sha256)"},
		{"different go", func() []Fragment {
			b := frag("b", s(2, 2), t0, 1, planIDs[2:]...)
			b.Report.GoVersion = "go1.26.7"
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[:2]...), b}
		}, "Go toolchain"},
		{"different plan", func() []Fragment {
			b := frag("b", s(2, 2), t0, 1, planIDs[2:]...)
			b.Report.Plan = planIDs[:3]
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[:2]...), b}
		}, "different plans (4 vs 3 jobs)"},
		{"job not in plan", func() []Fragment {
			return []Fragment{frag("a", s(1, 2), t0, 1, planIDs[:2]...), frag("b", s(2, 2), t0, 1, append(planIDs[2:], "app/plan9/386/default")...)}
		}, "1 job not in the plan of the fragments: app/plan9/386/default"},
		{"whole run with a shard", func() []Fragment {
			return []Fragment{frag("a", nil, t0, 1, planIDs...), frag("b", s(1, 1), t0, 1)}
		}, "a is a whole run, not a shard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(tc.frags())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}

func TestMergeOneWholeRun(t *testing.T) {
	got, err := Merge([]Fragment{frag("all.json", nil, t0, 3, planIDs...)})
	require.NoError(t, err)
	assert.Len(t, got.Jobs, 4)
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	r := frag("x", &report.Shard{Index: 1, Count: 1}, t0, 1, planIDs...).Report
	data, err := json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(good, data, 0o644))
	f, err := Read(good)
	require.NoError(t, err)
	assert.Equal(t, good, f.Name)
	assert.Equal(t, planIDs, f.Report.Plan)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\n\"schema_version\": 1,\n oops}"), 0o644))
	_, err = Read(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.json:3: not a portmatrix JSON report")

	old := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(old, []byte(`{"schema_version": 99}`), 0o644))
	_, err = Read(old)
	assert.ErrorContains(t, err, "old.json: schema_version 99, this portmatrix reads 1")

	noplan := filepath.Join(dir, "noplan.json")
	require.NoError(t, os.WriteFile(noplan, []byte(`{"schema_version": 1, "jobs": [{"id": "a"}]}`), 0o644))
	_, err = Read(noplan)
	assert.ErrorContains(t, err, `noplan.json: the report has no "plan"`)

	_, err = Read(filepath.Join(dir, "absent.json"))
	assert.ErrorContains(t, err, "absent.json")
}
