package annotate

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/report"
)

// GitHubOutputs writes the step outputs of a run to w, in the format of
// the file $GITHUB_OUTPUT names, so that later steps and jobs can branch
// on the result without parsing the report:
//
//	ok=true|false     every job ok (rep.Failed() is false)
//	total=N           jobs in the report
//	ok_count=N        jobs with status ok
//	violated=N        built, but an expectation does not hold
//	failed=N          go build failed (or the output could not be read)
//	timeout=N         killed by the per-job timeout
//	cancelled=N       interrupted
//	skipped=N         never started (--fail-fast)
//	report=PATH       reportPath, the JSON report
//
// The counts add up to total for every status portmatrix knows. A value
// that holds a line break (only a path can) is written in the runner's
// NAME<<DELIMITER form with a delimiter the value does not contain;
// everything else is NAME=VALUE on one line.
func GitHubOutputs(w io.Writer, rep *report.Report, reportPath string) error {
	if rep == nil {
		return fmt.Errorf("annotate: no report to write outputs of")
	}
	s := rep.Summary
	if s == (report.Summary{}) && len(rep.Jobs) > 0 {
		s = report.Summarize(rep.Jobs)
	}
	var b bytes.Buffer
	for _, o := range []struct{ name, value string }{
		{"ok", strconv.FormatBool(!rep.Failed())},
		{"total", strconv.Itoa(s.Total)},
		{"ok_count", strconv.Itoa(s.OK)},
		{"violated", strconv.Itoa(s.Violated)},
		{"failed", strconv.Itoa(s.Failed)},
		{"timeout", strconv.Itoa(s.Timeout)},
		{"cancelled", strconv.Itoa(s.Cancelled)},
		{"skipped", strconv.Itoa(s.Skipped)},
		{"report", reportPath},
	} {
		writeOutput(&b, o.name, o.value)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeOutput writes one output. The runner (actions/runner,
// FileCommandManager.cs) ends a NAME=VALUE line at "\n" (at "\r\n" on
// Windows), so a value with either character takes the heredoc form,
// whose value is every byte between the two lines.
func writeOutput(b *bytes.Buffer, name, value string) {
	if !strings.ContainsAny(value, "\r\n") {
		fmt.Fprintf(b, "%s=%s\n", name, value)
		return
	}
	delim := "PORTMATRIX_EOF"
	for i := 1; strings.Contains(value, delim); i++ {
		delim = "PORTMATRIX_EOF_" + strconv.Itoa(i)
	}
	fmt.Fprintf(b, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
}
