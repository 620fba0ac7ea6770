package merge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
)

func shipped() *report.Report {
	sum := strings.Repeat("ab", 32)
	return &report.Report{Jobs: []report.Job{{ID: "a", Status: report.StatusOK, File: "app", SHA256: sum}}}
}

func TestPublishWritesSums(t *testing.T) {
	dist := t.TempDir()
	rep := shipped()
	require.NoError(t, Publish(context.Background(), rep, PublishOptions{Dist: dist, NoVerify: true}))
	assert.Equal(t, filepath.Join(dist, "SHA256SUMS"), rep.Checksums)
	data, err := os.ReadFile(rep.Checksums)
	require.NoError(t, err)
	assert.Contains(t, string(data), "  app\n")
}

func TestPublishWithoutDist(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	var ie *InputError
	err := Publish(context.Background(), shipped(), PublishOptions{Dist: missing})
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "--dist "+missing+" does not exist")

	err = Publish(context.Background(), shipped(), PublishOptions{Dist: missing, Checksums: "none", Release: &plan.Release{Provenance: filepath.Join(missing, "p.intoto.jsonl")}})
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "the provenance is written there")

	var warned []string
	rep := &report.Report{}
	rel := &plan.Release{Provenance: "p.intoto.jsonl"}
	require.NoError(t, Publish(context.Background(), rep, PublishOptions{Dist: missing, Release: rel, Warn: func(s string) { warned = append(warned, s) }}))
	assert.Equal(t, []string{"no provenance: no job shipped an artifact"}, warned)
}

func TestReleaseOfMovesTheProvenanceIntoDist(t *testing.T) {
	rep := &report.Report{Release: &plan.Release{Provenance: "out/p.intoto.jsonl"}}
	rel, err := ReleaseOf(rep, plan.ReleaseFlags{}, "dist")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("dist", "p.intoto.jsonl"), rel.Provenance)
	assert.Same(t, rel, rep.Release)
	rel, err = ReleaseOf(&report.Report{}, plan.ReleaseFlags{}, "dist")
	require.NoError(t, err)
	assert.Nil(t, rel)
}
