package annotate

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/report"
)

func TestGitHubOutputs(t *testing.T) {
	mixed := []report.Job{
		{ID: "a", Status: report.StatusOK}, {ID: "b", Status: report.StatusOK},
		{ID: "c", Status: report.StatusViolated}, {ID: "d", Status: report.StatusFailed},
		{ID: "e", Status: report.StatusTimeout}, {ID: "f", Status: report.StatusCancelled},
		{ID: "g", Status: report.StatusSkipped},
	}
	for _, tc := range []struct {
		name string
		rep  *report.Report
		path string
		want string
	}{
		{
			name: "mixed, summary computed from the rows",
			rep:  &report.Report{Jobs: mixed},
			path: "/tmp/runner/portmatrix-report.json",
			want: "ok=false\ntotal=7\nok_count=2\nviolated=1\nfailed=1\ntimeout=1\ncancelled=1\nskipped=1\n" +
				"report=/tmp/runner/portmatrix-report.json\n",
		},
		{
			name: "the report's summary is used as written",
			rep:  &report.Report{Summary: report.Summary{Total: 3, OK: 3}, Jobs: []report.Job{{Status: report.StatusOK}, {Status: report.StatusOK}, {Status: report.StatusOK}}},
			path: "report.json",
			want: "ok=true\ntotal=3\nok_count=3\nviolated=0\nfailed=0\ntimeout=0\ncancelled=0\nskipped=0\nreport=report.json\n",
		},
		{
			name: "no jobs is ok",
			rep:  &report.Report{},
			want: "ok=true\ntotal=0\nok_count=0\nviolated=0\nfailed=0\ntimeout=0\ncancelled=0\nskipped=0\nreport=\n",
		},
		{
			name: "a path with a newline takes the heredoc form",
			rep:  &report.Report{},
			path: "odd\nname.json",
			want: "ok=true\ntotal=0\nok_count=0\nviolated=0\nfailed=0\ntimeout=0\ncancelled=0\nskipped=0\n" +
				"report<<PORTMATRIX_EOF\nodd\nname.json\nPORTMATRIX_EOF\n",
		},
		{
			name: "the delimiter is not in the value",
			rep:  &report.Report{},
			path: "a\nPORTMATRIX_EOF\nPORTMATRIX_EOF_1",
			want: "ok=true\ntotal=0\nok_count=0\nviolated=0\nfailed=0\ntimeout=0\ncancelled=0\nskipped=0\n" +
				"report<<PORTMATRIX_EOF_2\na\nPORTMATRIX_EOF\nPORTMATRIX_EOF_1\nPORTMATRIX_EOF_2\n",
		},
		{
			name: "a carriage return alone also takes the heredoc form",
			rep:  &report.Report{},
			path: "a\rb",
			want: "ok=true\ntotal=0\nok_count=0\nviolated=0\nfailed=0\ntimeout=0\ncancelled=0\nskipped=0\n" +
				"report<<PORTMATRIX_EOF\na\rb\nPORTMATRIX_EOF\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, GitHubOutputs(&b, tc.rep, tc.path))
			assert.Equal(t, tc.want, b.String())
		})
	}
}

func TestGitHubOutputsNilReport(t *testing.T) {
	var b bytes.Buffer
	assert.Error(t, GitHubOutputs(&b, nil, "r.json"))
	assert.Zero(t, b.Len())
}

func TestGitHubOutputsWriteError(t *testing.T) {
	assert.ErrorIs(t, GitHubOutputs(failingWriter{}, &report.Report{}, "r.json"), errWrite)
}
