package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/reportschema"
)

func TestWriteJSON(t *testing.T) {
	tests := []struct {
		name   string
		report *Report
		golden string
	}{
		{name: "mixed", report: newReport(mixedJobs()), golden: "json_mixed.golden"},
		{name: "multi build", report: newReport(multiJobs()), golden: "json_multi.golden"},
		{name: "empty", report: newReport(nil), golden: "json_empty.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteJSON(&b, tt.report))
			golden(t, tt.golden, b.Bytes())
			assert.NoError(t, reportschema.Validate(b.Bytes()))
			assert.True(t, strings.HasSuffix(b.String(), "}\n"), "trailing newline")
			assert.True(t, strings.HasPrefix(b.String(), "{\n  \"schema_version\": 1,\n"), "two-space indent")
		})
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		report *Report
	}{
		{name: "mixed", report: newReport(mixedJobs())},
		{name: "multi build", report: newReport(multiJobs())},
		{name: "empty", report: newReport(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteJSON(&b, tt.report))
			var got Report
			require.NoError(t, json.Unmarshal(b.Bytes(), &got))
			// The decoded value equals the report with nil slices
			// replaced by empty ones, which is all WriteJSON changes.
			assert.Equal(t, normalize(tt.report), &got)
			assert.True(t, got.Started.Equal(started))
		})
	}
}

func TestWriteJSONEmptyArrays(t *testing.T) {
	r := newReport([]Job{
		{ID: "a/linux/amd64/static", Status: StatusOK, Linkage: "static"},                          // nil slices
		{ID: "a/linux/arm64/static", Status: StatusOK, Needed: []string{}, Violations: []string{}}, // empty slices
	})
	r.Jobs[0].Needed, r.Jobs[0].Violations = nil, nil

	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, r))
	assert.NotContains(t, b.String(), "null")

	var doc struct {
		Jobs []map[string]json.RawMessage `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	require.Len(t, doc.Jobs, 2)
	for _, j := range doc.Jobs {
		assert.JSONEq(t, "[]", string(j["needed"]))
		assert.JSONEq(t, "[]", string(j["violations"]))
		assert.NotContains(t, j, "log_tail", "log_tail is omitted when empty")
	}
	// The caller's value is not modified.
	assert.Nil(t, r.Jobs[0].Needed)
	assert.Nil(t, r.Jobs[0].Violations)

	var empty bytes.Buffer
	require.NoError(t, WriteJSON(&empty, &Report{}))
	assert.Contains(t, empty.String(), "\"jobs\": []")
	assert.Contains(t, empty.String(), "\"schema_version\": 1,", "unset schema version is filled in")
}

func TestWriteJSONFillsUnsetSummary(t *testing.T) {
	r := newReport(mixedJobs())
	want := r.Summary
	r.Summary = Summary{}
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, r))
	var got Report
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	assert.Equal(t, want, got.Summary)
	assert.Equal(t, Summary{}, r.Summary, "caller's value is not modified")
}

func TestWriteJSONNothingWrittenOnError(t *testing.T) {
	r := newReport(mixedJobs())
	r.DurationSec = math.NaN()
	var b bytes.Buffer
	assert.Error(t, WriteJSON(&b, r))
	assert.Zero(t, b.Len())
}
