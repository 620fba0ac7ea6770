package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// htmlElement is an element of a parsed page with its attributes and text.
type htmlElement struct {
	name  string
	attrs map[string]string
	text  string
}

// parseHTML reads the page with encoding/xml in its lenient HTML mode,
// enough to check the structure WriteHTML promises without a browser.
func parseHTML(t *testing.T, page []byte) []*htmlElement {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var all, open []*htmlElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &htmlElement{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			all = append(all, e)
			open = append(open, e)
		case xml.EndElement:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case xml.CharData:
			for _, e := range open {
				e.text += string(tok)
			}
		}
	}
	return all
}

func hasClass(e *htmlElement, c string) bool {
	return strings.Contains(" "+e.attrs["class"]+" ", " "+c+" ")
}

func TestWriteHTML(t *testing.T) {
	tests := []struct {
		name   string
		report *Report
		golden string
	}{
		{name: "showcase", report: newReport(showcaseJobs()), golden: "html_showcase.golden"},
		{name: "multi build", report: newReport(multiJobs()), golden: "html_multi.golden"},
		{name: "nasty strings", report: newReport(nastyJobs()), golden: "html_nasty.golden"},
		{name: "empty", report: newReport(nil), golden: "html_empty.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, WriteHTML(&b, tt.report))
			golden(t, tt.golden, b.Bytes())
			out := b.String()

			assert.True(t, strings.HasPrefix(out, "<!DOCTYPE html>\n<html lang=\"en\">\n"))
			assert.Contains(t, out, `<meta charset="utf-8">`)
			// Self-contained: nothing to fetch, nothing to run.
			for _, bad := range []string{"<script", "<link", "src=", "http://", "https://", "url(", "@import"} {
				assert.NotContains(t, out, bad)
			}
			assert.NotContains(t, out, "ZgotmplZ", "html/template rejected a value")

			els := parseHTML(t, b.Bytes())
			grid := NewGrid(tt.report.Jobs)
			var cells, details []*htmlElement
			legend := map[string]bool{}
			for _, e := range els {
				switch {
				case hasClass(e, "cell"):
					cells = append(cells, e)
				case e.name == "details":
					details = append(details, e)
				case hasClass(e, "swatch"):
					legend[e.attrs["data-class"]] = true
				}
			}
			// One cell element per job, in grid order, carrying the
			// class, target and id, and linking to the job's details.
			var want []GridEntry
			var targets []string
			for _, row := range grid.Cells {
				for _, c := range row {
					for _, e := range c.Entries {
						want = append(want, e)
						targets = append(targets, c.Target)
					}
				}
			}
			require.Len(t, cells, len(want))
			for i, e := range want {
				c := cells[i]
				assert.True(t, hasClass(c, string(e.Class)), "cell %d class %q", i, c.attrs["class"])
				assert.Equal(t, string(e.Class), c.attrs["data-class"])
				assert.Equal(t, targets[i], c.attrs["data-target"])
				assert.Equal(t, printable(e.ID), c.attrs["data-job"])
				assert.Equal(t, "#"+jobAnchor(e.Index), c.attrs["href"])
				assert.Equal(t, strings.TrimSpace(e.Class.Symbol()+" "+printable(e.Label)), strings.TrimSpace(c.text))
			}
			// Every class in the grid has a legend entry.
			for _, e := range want {
				assert.True(t, legend[string(e.Class)], "no legend for %s", e.Class)
			}
			// One <details> per job, in report order, open for problems.
			require.Len(t, details, len(tt.report.Jobs))
			for i, d := range details {
				j := tt.report.Jobs[i]
				assert.Equal(t, jobAnchor(i), d.attrs["id"])
				assert.Equal(t, printable(j.ID), d.attrs["data-job"])
				_, open := d.attrs["open"]
				assert.Equal(t, ClassOf(j) == ClassFailed || ClassOf(j) == ClassUnknown ||
					j.Reproducible == repro.VerdictNo || j.Reproducible == repro.VerdictError, open, "open for %s", j.ID)
			}
			if len(tt.report.Jobs) == 0 {
				assert.Contains(t, out, "<p>No jobs.</p>")
			}
		})
	}
}

func TestWriteHTMLDetails(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, newReport(append(showcaseJobs(), nastyJobs()...))))
	out := b.String()
	for _, want := range []string{
		// The fields the details promise.
		"<dt>linkage</dt><dd>dynamic (ET_DYN with PT_INTERP)</dd>",
		"<dt>libraries</dt><dd><ul><li>libc.so.6</li><li>libfoo.so.1 (third-party)</li></ul></dd>",
		"<dt>third-party</dt><dd><ul><li>libfoo.so.1</li></ul></dd>",
		"<dt>libc</dt><dd>glibc</dd>",
		"<dt>glibc floor</dt><dd>glibc 2.34</dd>",
		"<li>__libc_start_main@GLIBC_2.34</li>",
		"<dt>min OS</dt><dd>macOS 11.0</dd>",
		"<dt>min OS</dt><dd>Windows 6.1</dd>",
		"<dt>size</dt><dd>2.1 MiB (2202009 bytes)</dd>",
		"<dt>sha256</dt><dd><code>9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</code></dd>",
		"<dt>archive</dt><dd>app_1.2.3_linux_amd64.tar.gz, 1.0 MiB, sha256 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752</dd>",
		"<dt>reproducible</dt><dd>no</dd>",
		"<li>section .note.go.buildid differs at offset 0x1000</li>",
		"<dt>violations</dt><dd><ul><li>expected static, got dynamic</li></ul></dd>",
		"<dt>error</dt><dd><pre>go build: exit status 1\ncgo: C compiler not found</pre></dd>",
		"<dt>log tail</dt><dd><pre># runtime/cgo\ncgo: C compiler &#34;arm-linux-gnueabihf-gcc&#34; not found</pre></dd>",
		// Nasty strings are escaped text, colour codes and control
		// characters are gone.
		"exit status 2\uFFFD &#34;quoted&#34; &amp; &lt;b&gt;bold&lt;/b&gt;",
		"./main.go:3:1: syntax error \uFFFD\uFFFD\uFFFD",
		`data-job="a&#34;b&lt;&amp;&gt;&#39;/linux/amd64/x&lt;y&gt;"`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "<b>bold</b>")
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\x00")
}
