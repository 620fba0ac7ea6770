package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/portmatrix/portmatrix/pkg/report"
)

// reportFlags are the report files build and merge can write besides the
// table on stdout.
type reportFlags struct {
	jsonFile  string
	mdFile    string
	junitFile string
	htmlFile  string
	noColor   bool
}

func (f *reportFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.jsonFile, "json", "", "also write the report as JSON to this file (- for stdout instead of the table)")
	fs.StringVar(&f.mdFile, "markdown", "", "also write the report as Markdown (summary, OS × arch grid, details) to this file; appended to $GITHUB_STEP_SUMMARY when that is set")
	fs.StringVar(&f.junitFile, "junit", "", "also write the report as JUnit XML (one test case per job) to this file")
	fs.StringVar(&f.htmlFile, "html", "", "also write the report as one self-contained HTML page to this file")
	fs.BoolVar(&f.noColor, "no-color", false, "no colour in the table (also when NO_COLOR is set)")
}

// write renders rep to stdout (table, or JSON with --json -) and to every
// report file asked for, each written atomically. When GITHUB_STEP_SUMMARY
// names a file (GitHub Actions), the Markdown report is appended to it, so
// a workflow shows the grid without any extra step.
func (f *reportFlags) write(rep *report.Report, stdio Stdio) error {
	if f.jsonFile == "-" {
		if err := report.WriteJSON(stdio.Out, rep); err != nil {
			return err
		}
	} else {
		color := isTerminal(stdio.Out) && !f.noColor && stdio.getenv("NO_COLOR") == ""
		if err := report.WriteTable(stdio.Out, rep, report.TableOptions{Color: color, Width: terminalWidth(stdio.Out)}); err != nil {
			return err
		}
	}
	files := []struct {
		flag, path string
		write      func(io.Writer, *report.Report) error
	}{
		{"--json", f.jsonFile, report.WriteJSON},
		{"--markdown", f.mdFile, report.WriteMarkdown},
		{"--junit", f.junitFile, report.WriteJUnit},
		{"--html", f.htmlFile, report.WriteHTML},
	}
	for _, x := range files {
		if x.path == "" || x.path == "-" {
			continue
		}
		if err := writeFileAtomic(x.path, func(w *os.File) error { return x.write(w, rep) }); err != nil {
			return fmt.Errorf("writing %s %s: %w", x.flag, x.path, err)
		}
	}
	if sum := stdio.getenv("GITHUB_STEP_SUMMARY"); sum != "" {
		if err := appendFile(sum, func(w io.Writer) error { return report.WriteMarkdown(w, rep) }); err != nil {
			return fmt.Errorf("appending to GITHUB_STEP_SUMMARY %s: %w", sum, err)
		}
	}
	return nil
}

// appendFile appends what write renders to path, creating it. The text is
// rendered first so that a failing writer appends nothing.
func appendFile(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.Write(b.Bytes()); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
