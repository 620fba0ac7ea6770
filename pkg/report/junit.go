package report

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteJUnit writes r as JUnit XML, the test-report format every CI system
// renders (GitHub Actions reporters, GitLab, Jenkins, Azure Pipelines,
// Buildkite), so a matrix shows up as test results without a plugin.
//
// Each build is a <testsuite> named after it; each job is a <testcase>
// with classname "portmatrix.<build>" and name "<target>/<variant>":
//
//   - ok: a passing test case; <system-out> has one summary line
//     (linkage, libraries, floor, reproducibility);
//   - violated: <failure type="violation"> listing the violations;
//   - failed, timeout: <failure type="build-failed"|"timeout">, message the
//     first line of the error, text the error and the log tail. A failed
//     build is a failure, not an error: it is the thing under test that
//     broke, not the test harness;
//   - cancelled, skipped: <skipped>;
//   - any other status: <error type="unknown-status">, so it is never
//     mistaken for a pass.
//
// The output validates against Jenkins' junit-10.xsd (testdata/junit-10.xsd).
// Characters XML 1.0 forbids are replaced (see printable).
func WriteJUnit(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(newJUnit(r)); err != nil {
		return fmt.Errorf("report: encode junit: %w", err)
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitOutcome `xml:"failure,omitempty"`
	Error     *junitOutcome `xml:"error,omitempty"`
	Skipped   *junitOutcome `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitOutcome is a <failure>, <error> or <skipped> element.
type junitOutcome struct {
	Type    string `xml:"type,attr,omitempty"`
	Message string `xml:"message,attr"`
	Text    string `xml:",cdata"` // CDATA keeps multi-line output readable
}

func newJUnit(r *Report) junitSuites {
	out := junitSuites{Name: "portmatrix", Time: junitTime(r.DurationSec)}
	var props []junitProperty
	for _, p := range [][2]string{
		{"tool", r.Tool}, {"go", r.GoVersion}, {"host", r.Host}, {"manifest", r.Manifest},
		{"version", r.Version}, {"commit", r.Commit},
	} {
		if p[1] != "" {
			props = append(props, junitProperty{Name: p[0], Value: printable(p[1])})
		}
	}
	timestamp := ""
	if !r.Started.IsZero() {
		// ISO 8601 without a zone, as Ant and Surefire write it; UTC.
		timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	index := map[string]int{}
	var seconds []float64
	for _, j := range r.Jobs {
		i, ok := index[j.Build]
		if !ok {
			i = len(out.Suites)
			index[j.Build] = i
			out.Suites = append(out.Suites, junitSuite{
				Name: printable(j.Build), Timestamp: timestamp, Properties: props,
			})
			seconds = append(seconds, 0)
		}
		s := &out.Suites[i]
		c := newJUnitCase(j)
		s.Cases = append(s.Cases, c)
		s.Tests++
		seconds[i] += j.DurationSec
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	for i := range out.Suites {
		s := &out.Suites[i]
		// Jobs run in parallel: a suite's time is its jobs' total, the
		// document's is the wall-clock time of the run.
		s.Time = junitTime(seconds[i])
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
	}
	return out
}

func newJUnitCase(j Job) junitCase {
	c := junitCase{
		Name:      printable(j.Target + "/" + j.Variant),
		Classname: printable("portmatrix." + j.Build),
		Time:      junitTime(j.DurationSec),
	}
	switch j.Status {
	case StatusOK:
	case StatusViolated:
		vs := j.Violations
		if len(vs) == 0 {
			vs = []string{"expectation does not hold"}
		}
		msg := splitLines(vs[0])[0]
		if len(vs) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(vs)-1)
		}
		c.Failure = &junitOutcome{Type: "violation", Message: printable(msg), Text: printable(strings.Join(vs, "\n"))}
	case StatusFailed, StatusTimeout:
		p, _ := statusProblem(j)
		text := []string{p.messages[0]}
		if len(p.tail) > 0 {
			text = append(text, "", "last lines of the build output:")
			text = append(text, p.tail...)
		}
		if p.logFile != "" {
			text = append(text, "", "full log: "+p.logFile)
		}
		typ := "build-failed"
		if j.Status == StatusTimeout {
			typ = "timeout"
		}
		c.Failure = &junitOutcome{Type: typ, Message: printable(splitLines(p.messages[0])[0]), Text: printable(strings.Join(text, "\n"))}
	case StatusCancelled:
		msg := "cancelled"
		if j.Error != "" {
			msg += ": " + splitLines(j.Error)[0]
		}
		c.Skipped = &junitOutcome{Message: printable(msg)}
	case StatusSkipped:
		c.Skipped = &junitOutcome{Message: "skipped: never started (an earlier job failed with --fail-fast)"}
	default:
		c.Error = &junitOutcome{Type: "unknown-status", Message: printable(fmt.Sprintf("unknown status %q", j.Status)), Text: printable(j.Error)}
	}
	if built(j.Status) {
		c.SystemOut = printable(junitSummary(j))
	}
	return c
}

// junitSummary is the one-line <system-out> of a built job, e.g.
// "dynamic · libc.so.6, libfoo.so.1* (* third-party) · glibc 2.34 ·
// reproducible: no".
func junitSummary(j Job) string {
	segs := []string{cmp.Or(j.Linkage, "-")}
	libs := librariesCell(j.Needed, j.ThirdParty)
	if libs == "-" {
		libs = "no libraries"
	} else if len(j.ThirdParty) > 0 {
		libs += " (* third-party)"
	}
	segs = append(segs, libs)
	if f := floorCell(j); f != "-" {
		segs = append(segs, f)
	}
	if j.Reproducible != "" {
		segs = append(segs, "reproducible: "+j.Reproducible)
	}
	return strings.Join(segs, " · ")
}

// junitTime formats seconds as JUnit wants them: a plain decimal with
// millisecond precision (Surefire's schema rejects exponents and NaN).
func junitTime(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		s = 0
	}
	return fmt.Sprintf("%.3f", s)
}
