// Package annotate turns portmatrix's results into the annotations of a CI
// system: GitHub Actions workflow commands (::error and ::warning lines on
// stdout, which the runner shows on the run, the commit and a pull
// request's diff) and the step outputs a later step reads from
// $GITHUB_OUTPUT.
//
// GitLab has no equivalent of workflow commands: a job's log lines are
// never turned into annotations. GitLab users get the same findings from
// the JUnit report (--junit FILE, declared as artifacts:reports:junit),
// which GitLab shows in the merge request and the pipeline's Tests tab;
// this package writes nothing for GitLab on purpose.
//
// Limits, from the runner's source (actions/runner, ExecutionContext.cs:
// _maxCountPerIssueType = 10): GitHub keeps at most 10 error, 10 warning
// and 10 notice annotations per step (a composite action's steps count as
// one), and 50 per job; every line still appears, highlighted, in the log.
// GitHub therefore writes at most MaxPerKind of each kind, and then one
// notice saying how many more there are: a notice has its own quota of 10,
// so it is shown even when the errors before it are not.
//
// The file of an annotation is the path portmatrix was given (the
// manifest's, as in Report.Manifest and Problem.File). The runner makes an
// absolute path inside the workspace relative to the repository and takes
// a relative one as relative to the repository root, so run portmatrix
// from the repository root or give it absolute paths. A row of the report
// has no line: the report does not record where in the manifest a job
// came from, and an invented line would point the reader at the wrong
// place.
package annotate

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// MaxPerKind is how many annotations of one kind (error, warning) GitHub
// writes before it summarises the rest in one notice. It is above the 10
// GitHub shows per step so that the log highlights more findings, and
// bounded so that a matrix of 500 failed jobs does not bury the log.
const MaxPerKind = 50

// Kinds of annotation, the workflow commands that make them.
const (
	kindError   = "error"
	kindWarning = "warning"
	kindNotice  = "notice"
)

// annotation is one workflow command before it is written.
type annotation struct {
	kind  string
	file  string
	line  int
	col   int
	title string
	msg   string
}

// GitHub writes one GitHub Actions workflow command per finding to w:
//
//   - every manifest problem, an error at its file, line and column;
//   - every report row that is violated (an error per violation), failed or
//     timed out (an error with the error and the compiler's last lines), or
//     has a status portmatrix does not know (an error), at the report's
//     manifest (no file for a check's rows), titled "portmatrix: JOB-ID";
//   - every cancelled or skipped row, a warning: they follow from another
//     failure or from the user, but the report is incomplete.
//
// Problems come first, sorted by position, then the rows in report order,
// because GitHub shows only the first 10 of each kind. At most MaxPerKind
// of each kind are written, then a notice counts the rest. rep or problems
// may be nil. Nothing is written for a clean run.
func GitHub(w io.Writer, rep *report.Report, problems manifest.Problems) error {
	var as []annotation
	ps := append(manifest.Problems(nil), problems...)
	ps.Sort()
	for _, p := range ps {
		as = append(as, problemAnnotation(p))
	}
	if rep != nil {
		for _, j := range rep.Jobs {
			as = append(as, jobAnnotations(rep.Manifest, j)...)
		}
	}
	var b bytes.Buffer
	written := map[string]int{}
	dropped := map[string]int{}
	for _, a := range as {
		if written[a.kind] == MaxPerKind {
			dropped[a.kind]++
			continue
		}
		written[a.kind]++
		a.write(&b)
	}
	for _, kind := range []string{kindError, kindWarning} {
		if n := dropped[kind]; n > 0 {
			summary := annotation{kind: kindNotice, title: "portmatrix",
				msg: fmt.Sprintf("%d more %s not annotated (at most %d of each kind); the report lists every job", n, plural(n, kind), MaxPerKind)}
			summary.write(&b)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// problemAnnotation is the error of one manifest problem, titled with its
// field so that the message reads as the validator wrote it.
func problemAnnotation(p manifest.Problem) annotation {
	title := "portmatrix: manifest"
	if p.Field != "" {
		title = "portmatrix: " + p.Field
	}
	return annotation{kind: kindError, file: p.File, line: p.Line, col: p.Col, title: title, msg: p.Msg}
}

// jobAnnotations are the annotations of one report row: none for an ok
// row. A `portmatrix check` row (Package set) has no file: its report's
// Manifest names the module or pattern checked, which is not a file.
func jobAnnotations(file string, j report.Job) []annotation {
	if j.Package != "" {
		file = ""
	}
	a := annotation{kind: kindError, file: file, title: "portmatrix: " + j.ID}
	with := func(kind, msg string) annotation {
		a.kind, a.msg = kind, msg
		return a
	}
	switch j.Status {
	case report.StatusOK:
		return nil
	case report.StatusViolated:
		if len(j.Violations) == 0 {
			return []annotation{with(kindError, "the binary does not meet the manifest's expectations")}
		}
		out := make([]annotation, 0, len(j.Violations))
		for _, v := range j.Violations {
			out = append(out, with(kindError, withDetails(v, j)))
		}
		return out
	case report.StatusFailed:
		return []annotation{with(kindError, orDefault(j.Error, "the build failed")+tail(j.LogTail))}
	case report.StatusTimeout:
		return []annotation{with(kindError, orDefault(j.Error, "the per-job timeout killed the build")+tail(j.LogTail))}
	case report.StatusCancelled:
		return []annotation{with(kindWarning, "cancelled: "+orDefault(j.Error, "the run was interrupted before this job finished"))}
	case report.StatusSkipped:
		return []annotation{with(kindWarning, "skipped: "+orDefault(j.Error, "the job never started (--fail-fast stopped the run)"))}
	default:
		return []annotation{with(kindError, fmt.Sprintf("unknown status %q: portmatrix cannot say whether this job succeeded", j.Status))}
	}
}

// withDetails adds a reproducibility violation's details (which build
// settings, sections and offsets differ) on the lines after it.
func withDetails(v string, j report.Job) string {
	if (v == report.MsgNotReproducible || v == report.MsgReproError) && len(j.ReproDetails) > 0 {
		return v + "\n" + strings.Join(j.ReproDetails, "\n")
	}
	return v
}

// tail is the compiler's last lines, on the lines after the error.
func tail(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return "\n" + strings.Join(lines, "\n")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func plural(n int, kind string) string {
	if n == 1 {
		return kind
	}
	return kind + "s"
}

// write writes the workflow command, one line: properties that are unknown
// (no file, line 0) are left out rather than written empty, and a column
// only with a line, as the runner drops it otherwise.
func (a annotation) write(b *bytes.Buffer) {
	var props []string
	if a.file != "" {
		props = append(props, "file="+escapeProperty(a.file))
	}
	if a.line > 0 {
		props = append(props, "line="+strconv.Itoa(a.line))
		if a.col > 0 {
			props = append(props, "col="+strconv.Itoa(a.col))
		}
	}
	if a.title != "" {
		props = append(props, "title="+escapeProperty(a.title))
	}
	b.WriteString("::" + a.kind)
	if len(props) > 0 {
		b.WriteString(" " + strings.Join(props, ","))
	}
	b.WriteString("::" + escapeData(a.msg) + "\n")
}

// The runner's escaping (actions/runner, ActionCommand.cs). A Replacer
// makes one pass, so the "%" of an escape is never escaped again. A
// property also escapes ":" and ",", which would end the properties or
// split them.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
