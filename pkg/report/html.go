package report

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/repro"
)

// htmlTemplate is the page WriteHTML fills. It is a template rather than
// code so the markup can be read in one piece; html/template escapes every
// string from the report for the context it lands in.
var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// WriteHTML renders r as one self-contained HTML5 page, to publish as a CI
// artifact or attach to a release: the summary, the OS × architecture grid
// in colour with its legend, and every job's details in a <details>
// element (open for problems). It needs no network, no script and no other
// file; styles are inline and honour prefers-color-scheme.
//
// Grid cells carry their class for tools and tests: each job in the grid is
// an element with class "cell <class>" and data-target, data-class and
// data-job attributes, linking to the details with id "job-<index>".
func WriteHTML(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, newHTMLPage(r)); err != nil {
		return fmt.Errorf("report: render html: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// htmlPage is the data of htmlTemplate.
type htmlPage struct {
	Title   string
	Summary string
	Meta    []htmlField
	CSS     template.CSS
	Grid    Grid
	Legend  []Class
	Jobs    []htmlJob
}

// htmlJob is one job's <details> element.
type htmlJob struct {
	Anchor string
	ID     string
	Class  Class
	Status string
	Brief  string // after the id in <summary>
	Open   bool
	Fields []htmlField
}

// htmlField is one row of a <dl>: Text, List or Pre, whichever is set.
type htmlField struct {
	Name string
	Text string
	Code bool // Text is an identifier or hash, shown in monospace
	List []string
	Pre  string
}

func newHTMLPage(r *Report) htmlPage {
	title := "portmatrix report"
	if r.Version != "" {
		title += " · " + r.Version
	}
	p := htmlPage{
		Title:   printable(title),
		Summary: printable(summaryLine(r)),
		CSS:     htmlCSS(),
		Grid:    NewGrid(r.Jobs),
	}
	p.Legend = p.Grid.Legend()
	started := ""
	if !r.Started.IsZero() {
		started = r.Started.UTC().Format(time.RFC3339)
	}
	shard := ""
	if r.Shard != nil {
		shard = r.Shard.String()
	}
	p.Meta = fields(
		htmlField{Name: "tool", Text: r.Tool},
		htmlField{Name: "go", Text: r.GoVersion},
		htmlField{Name: "host", Text: r.Host},
		htmlField{Name: "manifest", Text: r.Manifest, Code: true},
		htmlField{Name: "manifest sha256", Text: r.ManifestSHA256, Code: true},
		htmlField{Name: "version", Text: r.Version},
		htmlField{Name: "commit", Text: r.Commit, Code: true},
		htmlField{Name: "date", Text: r.Date},
		htmlField{Name: "started", Text: started},
		htmlField{Name: "shard", Text: shard},
		htmlField{Name: "checksums", Text: r.Checksums, Code: true},
	)
	// Ids and labels are shown as text; sanitize them like everything else.
	for _, row := range p.Grid.Cells {
		for _, cell := range row {
			for i, e := range cell.Entries {
				cell.Entries[i].ID, cell.Entries[i].Label = printable(e.ID), printable(e.Label)
			}
		}
	}
	for i, j := range r.Jobs {
		p.Jobs = append(p.Jobs, newHTMLJob(i, j))
	}
	return p
}

// jobAnchor is the id of job i's <details>, the target of its grid cell.
func jobAnchor(i int) string { return fmt.Sprintf("job-%d", i) }

func newHTMLJob(i int, j Job) htmlJob {
	c := ClassOf(j)
	h := htmlJob{
		Anchor: jobAnchor(i),
		ID:     printable(j.ID),
		Class:  c,
		Status: printable(string(j.Status)),
		Open: c == ClassFailed || c == ClassUnknown ||
			j.Reproducible == repro.VerdictNo || j.Reproducible == repro.VerdictError,
	}
	brief := []string{statusLabel(j.Status)}
	if built(j.Status) && j.Linkage != "" {
		brief = append(brief, j.Linkage)
	}
	if j.Size > 0 {
		brief = append(brief, humanSize(j.Size))
	}
	h.Brief = printable(strings.Join(brief, " · "))

	linkage := j.Linkage
	if j.LinkageRule != "" {
		linkage += " (" + j.LinkageRule + ")"
	}
	var libs []string
	for _, n := range j.Needed {
		if slices.Contains(j.ThirdParty, n) {
			n += " (third-party)"
		}
		libs = append(libs, n)
	}
	floor := ""
	if j.MaxGlibc != "" {
		floor = "glibc " + j.MaxGlibc
		if a := askedGlibc(j); a != "" {
			floor += " (asked " + a + ")"
		}
	}
	ctc := ""
	if c := j.CToolchain; c != nil {
		ctc = strings.Join(c.CC, " ")
		if c.Zig != "" {
			ctc += " (zig " + c.Zig + ")"
		}
		if c.Reason != "" {
			ctc += "; chosen because " + c.Reason
		}
	}
	minOS := ""
	if j.MinOS != "" {
		minOS = cmp.Or(inspect.Floor(j.GOOS, "", j.MinOS), j.MinOS)
		if j.MinOSSource == inspect.MinOSFromGoRuntime {
			minOS += fmt.Sprintf(" (%s; the header says %s)", j.MinOSReason, cmp.Or(j.MinOSHeader, "nothing"))
		}
	}
	size := ""
	if j.Size > 0 {
		size = fmt.Sprintf("%s (%d bytes)", humanSize(j.Size), j.Size)
	}
	archive := ""
	if a := j.Archive; a != nil {
		archive = fmt.Sprintf("%s, %s, sha256 %s", a.File, humanSize(a.Size), a.SHA256)
	}
	runs := ""
	if j.Runs != nil {
		runs = j.Runs.String()
	}
	var tail string
	if len(j.LogTail) > 0 {
		tail = strings.Join(j.LogTail[max(len(j.LogTail)-maxLogTail, 0):], "\n")
	}
	h.Fields = fields(
		htmlField{Name: "id", Text: j.ID, Code: true},
		htmlField{Name: "status", Text: string(j.Status)},
		htmlField{Name: "expect", Text: j.Expect},
		htmlField{Name: "cgo", Text: cgoMode(j)},
		htmlField{Name: "C toolchain", Text: ctc, Code: true},
		htmlField{Name: "format", Text: j.Format},
		htmlField{Name: "linkage", Text: linkage},
		htmlField{Name: "interpreter", Text: j.Interpreter, Code: true},
		htmlField{Name: "libraries", List: libs},
		htmlField{Name: "third-party", List: j.ThirdParty},
		htmlField{Name: "libc", Text: j.Libc},
		htmlField{Name: "glibc floor", Text: floor},
		htmlField{Name: "glibc symbols", List: j.GlibcSymbols},
		htmlField{Name: "min OS", Text: minOS},
		htmlField{Name: "size", Text: size},
		htmlField{Name: "time", Text: jobTime(j)},
		htmlField{Name: "output", Text: j.Output, Code: true},
		htmlField{Name: "sha256", Text: j.SHA256, Code: true},
		htmlField{Name: "archive", Text: archive},
		htmlField{Name: "reproducible", Text: j.Reproducible},
		htmlField{Name: "reproducibility details", List: j.ReproDetails},
		htmlField{Name: "runs", Text: runs},
		htmlField{Name: "violations", List: j.Violations},
		htmlField{Name: "error", Pre: j.Error},
		htmlField{Name: "log tail", Pre: tail},
		htmlField{Name: "log file", Text: j.LogFile, Code: true},
	)
	return h
}

// cgoMode says whether the job used cgo and how it was linked, e.g.
// "yes, external linking".
func cgoMode(j Job) string {
	mode := "no"
	if j.Cgo {
		mode = "yes"
	}
	if j.Linkmode != "" {
		mode += ", " + j.Linkmode + " linking"
	}
	return mode
}

// fields drops empty fields and makes the rest printable, so the page shows
// only what the report knows.
func fields(in ...htmlField) []htmlField {
	var out []htmlField
	for _, f := range in {
		if f.Text == "" && len(f.List) == 0 && f.Pre == "" {
			continue
		}
		f.Text, f.Pre = printable(f.Text), printable(f.Pre)
		list := make([]string, len(f.List))
		for i, s := range f.List {
			list[i] = printable(s)
		}
		f.List = list
		out = append(out, f)
	}
	return out
}

// htmlCSS is the style sheet: the page layout, then one rule per class
// built from classStyles so the page and the legend always agree.
func htmlCSS() template.CSS {
	var b strings.Builder
	b.WriteString(htmlBaseCSS)
	for _, c := range Classes() {
		fmt.Fprintf(&b, ".cell.%[1]s,.swatch.%[1]s{background-color:%[2]s}.job.%[1]s{border-left-color:%[2]s}\n", c, c.Color())
	}
	// Only constants from this file and classStyles: safe as CSS.
	return template.CSS(b.String())
}

const htmlBaseCSS = `:root{color-scheme:light dark;--fg:#1f2328;--bg:#ffffff;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--code:#151b23}}
body{margin:2rem auto;max-width:80rem;padding:0 1rem;font:15px/1.5 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.6rem;margin:0 0 .5rem}h2{font-size:1.2rem;margin:2rem 0 .75rem}
.summary{font-size:1.05rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}
dt{color:var(--muted)}dd{margin:0;min-width:0}dd ul{margin:0;padding-left:1.2rem}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em}
pre{background:var(--code);padding:.5rem .75rem;margin:0;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
table.grid{border-collapse:collapse;margin:.5rem 0}
table.grid th,table.grid td{border:1px solid var(--line);padding:.3rem;vertical-align:top;text-align:center}
table.grid th[scope=row]{text-align:left;padding:.3rem .6rem}
table.grid td{min-width:5.5rem}
.cell{display:block;margin:.15rem 0;padding:.25rem .5rem;border-radius:.3rem;color:#1f2328;text-decoration:none;white-space:nowrap}
.cell:hover,.cell:focus{outline:2px solid var(--fg)}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;list-style:none;padding:0;margin:.5rem 0 1rem}
.swatch{display:inline-block;min-width:1.6em;margin-right:.35rem;padding:0 .2rem;border-radius:.3rem;text-align:center;color:#1f2328}
details.job{border:1px solid var(--line);border-left:.4rem solid var(--line);border-radius:.3rem;margin:.4rem 0;padding:.3rem .75rem}
details.job summary{cursor:pointer}
.brief{color:var(--muted)}
`

// printable returns s without what a document must not carry: terminal
// escape sequences (compiler output may be coloured), NUL and the other
// control characters XML 1.0 forbids (replaced by U+FFFD) and invalid
// UTF-8 (replaced by U+FFFD). Tabs and newlines are kept. Both WriteHTML
// and WriteJUnit use it, so the two show the same text.
func printable(s string) string {
	s = ansiEscape.ReplaceAllString(s, "")
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0x7f, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

// ansiEscape matches a terminal control sequence (CSI), e.g. "\x1b[31m".
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]")

// htmlSource is the page. Grid entries link to their details; the details
// of problems are open, so a reader sees them without a click.
const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="portmatrix">
<title>{{.Title}}</title>
<style>
{{.CSS}}</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="summary">{{.Summary}}</p>
{{- if .Meta}}
<dl class="meta">
{{- range .Meta}}
<dt>{{.Name}}</dt><dd>{{if .Code}}<code>{{.Text}}</code>{{else}}{{.Text}}{{end}}</dd>
{{- end}}
</dl>
{{- end}}
</header>
<main>
{{- if .Jobs}}
<h2>Targets</h2>
<table class="grid">
<thead>
<tr><th scope="col"></th>{{range .Grid.Arches}}<th scope="col">{{.}}</th>{{end}}</tr>
</thead>
<tbody>
{{- range $r, $goos := .Grid.OSes}}
<tr><th scope="row">{{$goos}}</th>
{{- range index $.Grid.Cells $r}}{{$target := .Target}}
{{- if not .Entries}}
<td class="empty"></td>
{{- else}}
<td class="target" data-target="{{$target}}">
{{- range .Entries}}<a class="cell {{.Class}}" href="#job-{{.Index}}" data-target="{{$target}}" data-class="{{.Class}}" data-job="{{.ID}}" title="{{.ID}}: {{.Class.Description}}"><span class="symbol" aria-hidden="true">{{.Class.Symbol}}</span>{{if .Label}} <span class="label">{{.Label}}</span>{{end}}</a>{{end -}}
</td>
{{- end}}
{{- end}}
</tr>
{{- end}}
</tbody>
</table>
<ul class="legend">
{{- range .Legend}}
<li data-class="{{.}}"><span class="swatch {{.}}" data-class="{{.}}">{{.Symbol}}</span>{{.Description}}</li>
{{- end}}
</ul>
<h2>Jobs</h2>
{{- range .Jobs}}
<details class="job {{.Class}}" id="{{.Anchor}}" data-job="{{.ID}}" data-class="{{.Class}}" data-status="{{.Status}}"{{if .Open}} open{{end}}>
<summary><span aria-hidden="true">{{.Class.Symbol}}</span> <code>{{.ID}}</code> <span class="brief">{{.Brief}}</span></summary>
<dl>
{{- range .Fields}}
<dt>{{.Name}}</dt><dd>
{{- if .List}}<ul>{{range .List}}<li>{{.}}</li>{{end}}</ul>
{{- else if .Pre}}<pre>{{.Pre}}</pre>
{{- else if .Code}}<code>{{.Text}}</code>
{{- else}}{{.Text}}{{end}}</dd>
{{- end}}
</dl>
</details>
{{- end}}
{{- else}}
<p>No jobs.</p>
{{- end}}
</main>
</body>
</html>
`
