package report

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
)

// Files are the files a report is written to besides the standard output.
// An empty name (or "-") writes nothing.
type Files struct {
	JSON, Markdown, JUnit, HTML string
	// StepSummary is a file the Markdown report is appended to: GitHub
	// Actions' $GITHUB_STEP_SUMMARY, so a workflow shows the grid without
	// an extra step.
	StepSummary string
}

// Write renders rep into every file named, each written atomically (a
// reader sees the old file or the whole new one, and a failed write leaves
// the old one), and appends the Markdown report to StepSummary.
func (f Files) Write(rep *Report) error {
	files := []struct {
		flag, path string
		write      func(io.Writer, *Report) error
	}{
		{"--json", f.JSON, WriteJSON},
		{"--markdown", f.Markdown, WriteMarkdown},
		{"--junit", f.JUnit, WriteJUnit},
		{"--html", f.HTML, WriteHTML},
	}
	for _, x := range files {
		if x.path == "" || x.path == "-" {
			continue
		}
		err := atomicfile.Write(x.path, 0o644, func(w *os.File) error { return x.write(w, rep) })
		if err != nil {
			return fmt.Errorf("writing %s %s: %w", x.flag, x.path, err)
		}
	}
	if f.StepSummary != "" {
		if err := appendFile(f.StepSummary, func(w io.Writer) error { return WriteMarkdown(w, rep) }); err != nil {
			return fmt.Errorf("appending to GITHUB_STEP_SUMMARY %s: %w", f.StepSummary, err)
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
