package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/portmatrix/portmatrix/pkg/checksum"
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

// Kind is a kind of file portmatrix writes for a user-given path, which it
// recognises by its first bytes, so that it replaces only its own earlier
// output of the same kind and never clobbers anything else.
type Kind string

// The kinds of files a report flag names.
const (
	KindJSON     Kind = "JSON report"
	KindMarkdown Kind = "Markdown report"
	KindJUnit    Kind = "JUnit report"
	KindHTML     Kind = "HTML report"
	KindSums     Kind = "SHA256SUMS file"
)

// signatures are what the first bytes of each kind hold.
var signatures = map[Kind]func(head []byte) bool{
	KindJSON: func(h []byte) bool {
		return bytes.Contains(h, []byte(`"schema_version"`)) && bytes.Contains(h, []byte(`"tool": "portmatrix`))
	},
	KindMarkdown: func(h []byte) bool { return bytes.HasPrefix(h, []byte("## portmatrix report")) },
	KindJUnit:    func(h []byte) bool { return bytes.Contains(h, []byte(`<testsuites name="portmatrix"`)) },
	KindHTML:     func(h []byte) bool { return bytes.Contains(h, []byte(`<meta name="generator" content="portmatrix">`)) },
	KindSums:     func(h []byte) bool { _, err := checksum.Parse(bytes.NewReader(h), ""); return err == nil },
}

// CheckWrite says whether writing a file of kind to path (given with flag,
// for messages) could destroy something: a file named in protected (its
// absolute path, symbolic links resolved, to what it is: "the manifest",
// "the binary of job X"), or an existing file that is not an earlier
// file of the same kind (a binary, a source file). A missing or empty
// file is fine. The check runs before anything is built.
func CheckWrite(flag, path string, kind Kind, protected map[string]string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if what, ok := protected[abs]; ok {
		return fmt.Errorf("%s %s would overwrite %s; give the %s a path of its own", flag, path, what, kind)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s %s: %w", flag, path, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s %s is not a regular file (%s); give the %s a file name", flag, path, fi.Mode().Type(), kind)
	case fi.Size() == 0:
		return nil
	}
	// The first 4 KiB tell every kind apart; a SHA256SUMS file is read
	// whole (up to 16 MiB), since every line of it must parse.
	limit := int64(4096)
	if kind == KindSums {
		limit = 16 << 20
	}
	f, err := os.Open(abs)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	if !signatures[kind](head) {
		return fmt.Errorf("%s %s exists and is not a %s portmatrix wrote; refusing to overwrite it (remove it, or give another path)", flag, path, kind)
	}
	return nil
}

// Check runs CheckWrite on every file named (a "-" or empty name is the
// standard output or nothing), and refuses two flags that name one file.
// StepSummary is GitHub's file, appended to: it is not checked.
func (f Files) Check(protected map[string]string) error {
	seen := map[string]string{}
	for _, x := range []struct {
		flag, path string
		kind       Kind
	}{{"--json", f.JSON, KindJSON}, {"--markdown", f.Markdown, KindMarkdown}, {"--junit", f.JUnit, KindJUnit}, {"--html", f.HTML, KindHTML}} {
		if x.path == "" || x.path == "-" {
			continue
		}
		if err := CheckWrite(x.flag, x.path, x.kind, protected); err != nil {
			return err
		}
		abs, _ := filepath.Abs(x.path)
		if other, dup := seen[abs]; dup {
			return fmt.Errorf("%s and %s name the same file %s", other, x.flag, x.path)
		}
		seen[abs] = x.flag
	}
	return nil
}
