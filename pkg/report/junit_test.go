package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nastyJobs carry every string that breaks naive XML or HTML writers:
// quotes, markup characters, control characters XML 1.0 forbids, terminal
// colour codes, a non-character and invalid UTF-8.
func nastyJobs() []Job {
	return []Job{
		{
			ID: `a"b<&>'/linux/amd64/x<y>`, Build: `a"b<&>'`, Target: "linux/amd64", GOOS: "linux", GOARCH: "amd64",
			Variant: "x<y>", Status: StatusFailed, DurationSec: 0.25,
			Error:   "go build: \x1b[31mexit status 2\x1b[0m\x00 \"quoted\" & <b>bold</b>\nsecond ]]> line",
			LogTail: []string{"\x1b[1m./main.go:3:1:\x1b[0m syntax error \x07\x0b\x0c", "bad utf-8 \xff\xfe and \uFFFE and \uFFFF end"},
		},
		{
			ID: `a"b<&>'/linux/arm64/v`, Build: `a"b<&>'`, Target: "linux/arm64", GOOS: "linux", GOARCH: "arm64",
			Variant: "v", Status: StatusViolated, Linkage: "dynamic", Needed: []string{"lib<x>.so"}, ThirdParty: []string{"lib<x>.so"},
			Violations: []string{"needs lib<x>.so & \"more\"\x01", "second\tviolation"}, DurationSec: 1,
		},
		{
			ID: "b/windows/amd64/default", Build: "b", Target: "windows/amd64", GOOS: "windows", GOARCH: "amd64",
			Variant: "default", Status: StatusTimeout, DurationSec: 300, Error: "killed after 5m0s",
		},
		{
			ID: "b/plan9/386/default", Build: "b", Target: "plan9/386", GOOS: "plan9", GOARCH: "386",
			Variant: "default", Status: StatusSkipped,
		},
		{
			ID: "b/aix/ppc64/default", Build: "b", Target: "aix/ppc64", GOOS: "aix", GOARCH: "ppc64",
			Variant: "default", Status: "exploded", Error: "\x1b[31mboom\x1b[0m", DurationSec: 1e-9,
		},
	}
}

func junitReports() []struct {
	name   string
	report *Report
	golden string
} {
	return []struct {
		name   string
		report *Report
		golden string
	}{
		{"mixed", newReport(mixedJobs()), "junit_mixed.golden"},
		{"multi build", newReport(multiJobs()), "junit_multi.golden"},
		{"showcase", newReport(showcaseJobs()), "junit_showcase.golden"},
		{"nasty strings", newReport(nastyJobs()), "junit_nasty.golden"},
		{"empty", newReport(nil), "junit_empty.golden"},
	}
}

func TestWriteJUnit(t *testing.T) {
	for _, tt := range junitReports() {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteJUnit(&b, tt.report))
			golden(t, tt.golden, b.Bytes())

			out := b.String()
			assert.True(t, strings.HasPrefix(out, xml.Header), "XML declaration first")
			assert.True(t, utf8.ValidString(out))
			for _, r := range out {
				assert.True(t, r == '\t' || r == '\n' || r == '\r' || r >= 0x20, "control character %U in output", r)
				assert.NotContains(t, []rune{0xFFFE, 0xFFFF}, r)
			}

			var doc junitSuites
			require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
			assert.Equal(t, len(tt.report.Jobs), doc.Tests)
			cases := 0
			for _, s := range doc.Suites {
				assert.Equal(t, len(s.Cases), s.Tests, "suite %s", s.Name)
				var failures, errs, skipped int
				for _, c := range s.Cases {
					assert.Equal(t, "portmatrix."+s.Name, c.Classname)
					if c.Failure != nil {
						failures++
					}
					if c.Error != nil {
						errs++
					}
					if c.Skipped != nil {
						skipped++
					}
				}
				assert.Equal(t, failures, s.Failures, "suite %s", s.Name)
				assert.Equal(t, errs, s.Errors, "suite %s", s.Name)
				assert.Equal(t, skipped, s.Skipped, "suite %s", s.Name)
				cases += len(s.Cases)
			}
			assert.Equal(t, len(tt.report.Jobs), cases)
		})
	}
}

func TestWriteJUnitMapping(t *testing.T) {
	var b bytes.Buffer
	r := newReport(append(showcaseJobs(), nastyJobs()...))
	require.NoError(t, WriteJUnit(&b, r))
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
	byName := map[string]junitCase{}
	suites := map[string]junitSuite{}
	for _, s := range doc.Suites {
		suites[s.Name] = s
		for _, c := range s.Cases {
			byName[c.Classname+" "+c.Name] = c
		}
	}
	require.Contains(t, suites, "app")
	app := suites["app"]
	assert.Equal(t, "2026-03-14T15:09:26", app.Timestamp)
	assert.Equal(t, 13, app.Tests)
	assert.Equal(t, 3, app.Failures) // failed, violated, timeout
	assert.Equal(t, 2, app.Skipped)  // cancelled, skipped
	assert.Contains(t, app.Properties, junitProperty{Name: "go", Value: "go1.26.8"})

	tests := []struct {
		name  string
		check func(t *testing.T, c junitCase)
	}{
		{"portmatrix.app linux/amd64/default", func(t *testing.T, c junitCase) {
			assert.Nil(t, c.Failure)
			assert.Nil(t, c.Skipped)
			assert.Equal(t, "static · no libraries · reproducible: yes", c.SystemOut)
			assert.Equal(t, "1.234", c.Time)
		}},
		{"portmatrix.app linux/amd64/cgo", func(t *testing.T, c junitCase) {
			assert.Nil(t, c.Failure, "reproducibility does not fail a test case")
			assert.Equal(t, "dynamic · libc.so.6, libfoo.so.1* (* third-party) · glibc 2.34 · reproducible: no", c.SystemOut)
		}},
		{"portmatrix.app linux/amd64/v3/default", func(t *testing.T, c junitCase) {
			assert.Nil(t, c.Failure)
		}},
		{"portmatrix.app linux/arm/v7/cgo", func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Failure)
			assert.Equal(t, "build-failed", c.Failure.Type)
			assert.Equal(t, "go build: exit status 1", c.Failure.Message)
			assert.Contains(t, c.Failure.Text, "cgo: C compiler not found\n\nlast lines of the build output:\n# runtime/cgo\n")
			assert.Contains(t, c.Failure.Text, "full log: dist/logs/app_linux_arm_v7_cgo.log")
		}},
		{"portmatrix.app darwin/amd64/default", func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Failure)
			assert.Equal(t, "violation", c.Failure.Type)
			assert.Equal(t, "expected static, got dynamic", c.Failure.Message)
			assert.NotEmpty(t, c.SystemOut)
		}},
		{"portmatrix.app windows/arm64/default", func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Failure)
			assert.Equal(t, "timeout", c.Failure.Type)
			assert.Equal(t, "killed after 5m0s", c.Failure.Message)
			assert.Equal(t, "300.000", c.Time)
		}},
		{"portmatrix.app freebsd/amd64/default", func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Skipped)
			assert.Equal(t, "cancelled: context canceled", c.Skipped.Message)
		}},
		{"portmatrix.app plan9/386/default", func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Skipped)
			assert.Contains(t, c.Skipped.Message, "never started")
		}},
		{"portmatrix.b aix/ppc64/default", func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Error, "an unknown status is an error, never a pass")
			assert.Equal(t, `unknown status "exploded"`, c.Error.Message)
			assert.Equal(t, "boom", c.Error.Text, "colour codes stripped")
			assert.Equal(t, "0.000", c.Time)
		}},
		{`portmatrix.a"b<&>' linux/amd64/x<y>`, func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Failure)
			assert.Equal(t, "go build: exit status 2\uFFFD \"quoted\" & <b>bold</b>", c.Failure.Message,
				"first line only, colour stripped, NUL replaced, markup kept as text")
			assert.Contains(t, c.Failure.Text, "second ]]> line")
			assert.Contains(t, c.Failure.Text, "./main.go:3:1: syntax error \uFFFD\uFFFD\uFFFD")
			assert.Contains(t, c.Failure.Text, "bad utf-8 \uFFFD and \uFFFD and \uFFFD end")
		}},
		{`portmatrix.a"b<&>' linux/arm64/v`, func(t *testing.T, c junitCase) {
			require.NotNil(t, c.Failure)
			assert.Equal(t, "needs lib<x>.so & \"more\"\uFFFD (and 1 more)", c.Failure.Message)
			assert.Equal(t, "needs lib<x>.so & \"more\"\uFFFD\nsecond\tviolation", c.Failure.Text)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := byName[tt.name]
			require.True(t, ok, "no test case %q", tt.name)
			tt.check(t, c)
		})
	}
}

// TestWriteJUnitSchema validates the output against the schema Jenkins (and
// the CI systems that copied it) use, so a change that breaks their parsers
// fails here.
func TestWriteJUnitSchema(t *testing.T) {
	xmllint := needtool.Path(t, "apt-get install libxml2-utils", "xmllint")
	schema, err := filepath.Abs(filepath.Join("testdata", "junit-10.xsd"))
	require.NoError(t, err)
	for _, tt := range junitReports() {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteJUnit(&b, tt.report))
			file := filepath.Join(t.TempDir(), "junit.xml")
			require.NoError(t, os.WriteFile(file, b.Bytes(), 0o644))

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, xmllint, "--noout", "--schema", schema, file).CombinedOutput()
			require.NoError(t, err, "xmllint:\n%s", out)
			assert.Contains(t, string(out), "validates")
		})
	}
}

// TestJUnitSchemaRejects makes sure the schema check is not vacuous: xmllint
// must reject what CI parsers reject.
func TestJUnitSchemaRejects(t *testing.T) {
	xmllint := needtool.Path(t, "apt-get install libxml2-utils", "xmllint")
	schema, err := filepath.Abs(filepath.Join("testdata", "junit-10.xsd"))
	require.NoError(t, err)
	tests := []struct {
		name, doc string
	}{
		{"suite without name", `<testsuites><testsuite tests="1" failures="0" errors="0"/></testsuites>`},
		{"time with exponent", `<testsuites><testsuite name="a" tests="0" failures="0" errors="0" time="1e-09"/></testsuites>`},
		{"skipped count on testsuites", `<testsuites skipped="1"></testsuites>`},
		{"control character", "<testsuites name=\"a\x01\"></testsuites>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "bad.xml")
			require.NoError(t, os.WriteFile(file, []byte(xml.Header+tt.doc), 0o644))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, xmllint, "--noout", "--schema", schema, file).CombinedOutput()
			assert.Error(t, err, "xmllint accepted:\n%s", out)
		})
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "go build ./...", "go build ./..."},
		{"tabs and newlines kept", "a\tb\nc\r\n", "a\tb\nc\r\n"},
		{"markup untouched", `<a href="x">&amp;</a>`, `<a href="x">&amp;</a>`},
		{"colour stripped", "\x1b[1;31merror\x1b[0m: x", "error: x"},
		{"lone escape replaced", "a\x1bb", "a\uFFFDb"},
		{"controls replaced", "\x00\x01\x07\x0b\x0c\x1f\x7f", strings.Repeat("\uFFFD", 7)},
		{"non-characters replaced", "\uFFFE\uFFFF", "\uFFFD\uFFFD"},
		{"invalid utf-8 replaced", "a\xffb", "a\uFFFDb"},
		{"emoji kept", "🟢 ok", "🟢 ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, printable(tt.in))
		})
	}
}
