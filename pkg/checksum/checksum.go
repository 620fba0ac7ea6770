// Package checksum reads and writes SHA256SUMS files, so that a release's
// users can check what they downloaded with nothing but `sha256sum -c`.
//
// The format written is exactly what GNU sha256sum prints in text mode: one
// line per file, "<64 lowercase hex digits><two spaces><name>\n", sorted by
// name. Names that sha256sum would have to escape (a newline, a carriage
// return or a backslash) are refused rather than escaped, because not every
// checker understands the escaped form.
package checksum

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
	"github.com/portmatrix/portmatrix/pkg/internal/relname"
)

// Entry is one line of a SHA256SUMS file: the checksum of the file Name,
// a forward-slash path relative to the SHA256SUMS file's directory.
type Entry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Write writes entries to w in SHA256SUMS form, sorted by name, so that
// the same set of files always gives the same bytes whatever order they
// were built in. Every entry is checked before anything is written; all
// problems (empty, duplicate, absolute or escaped names, checksums that are
// not 64 lowercase hex digits) are returned at once and nothing is written.
func Write(w io.Writer, entries []Entry) error {
	sorted := slices.Clone(entries)
	slices.SortStableFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	var errs []error
	for i, e := range sorted {
		if err := checkName(e.Name); err != nil {
			errs = append(errs, fmt.Errorf("checksum entry %q: %w", e.Name, err))
		}
		if !isHex(e.SHA256, false) {
			errs = append(errs, fmt.Errorf("checksum entry %q: sha256 %q is not 64 lowercase hex digits", e.Name, e.SHA256))
		}
		if i > 0 && e.Name == sorted[i-1].Name && (i == 1 || sorted[i-2].Name != e.Name) {
			errs = append(errs, fmt.Errorf("checksum entry %q: listed more than once", e.Name))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	bw := bufio.NewWriter(w)
	for _, e := range sorted {
		bw.WriteString(e.SHA256)
		bw.WriteString("  ")
		bw.WriteString(e.Name)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing checksums: %w", err)
	}
	return nil
}

// WriteFile writes entries to path (mode 0644) through a temporary file in
// the same directory that is renamed into place, so that a reader, or a
// failed run, never leaves a half-written SHA256SUMS next to the release.
func WriteFile(path string, entries []Entry) error { return WriteFileIn(nil, path, entries) }

// WriteFileIn is WriteFile confined to root (atomicfile.WriteIn): the file
// SHA256SUMS of a dist directory is written through its root.
func WriteFileIn(root *os.Root, path string, entries []Entry) error {
	var buf strings.Builder
	if err := Write(&buf, entries); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := atomicfile.WriteIn(root, path, 0o644, func(f *os.File) error { _, err := f.WriteString(buf.String()); return err }); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Parse reads a SHA256SUMS file named name (used only in errors, which read
// "name:line: problem"). It accepts what sha256sum prints in text mode
// ("  ") and binary mode (" *"), upper- or lowercase hex (returned
// lowercase) and CRLF line ends (as sha256sum -c does), and skips empty
// lines; entries are returned in file order.
// Escaped lines (starting with a backslash), BSD-style "SHA256 (name) = ..."
// lines, unsafe names and names listed twice are errors.
func Parse(r io.Reader, name string) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var entries []Entry
	seen := map[string]int{}
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" {
			continue
		}
		e, err := parseLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if first, ok := seen[e.Name]; ok {
			return nil, fmt.Errorf("%s:%d: %q is already listed on line %d", name, line, e.Name, first)
		}
		seen[e.Name] = line
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return entries, nil
}

// ReadFile parses the SHA256SUMS file at path; errors name path and line.
func ReadFile(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

func parseLine(text string) (Entry, error) {
	switch {
	case strings.HasPrefix(text, `\`):
		return Entry{}, errors.New("escaped names (a line starting with a backslash) are not supported")
	case strings.HasPrefix(text, "SHA256 ("):
		return Entry{}, errors.New("BSD-style lines (sha256sum --tag) are not supported")
	case len(text) < 64+2:
		return Entry{}, fmt.Errorf("line %q is too short for \"<sha256>  <name>\"", text)
	}
	sum, sep, name := text[:64], text[64:66], text[66:]
	if !isHex(sum, true) {
		return Entry{}, fmt.Errorf("%q is not 64 hex digits", sum)
	}
	if sep != "  " && sep != " *" {
		return Entry{}, fmt.Errorf("want two spaces or \" *\" after the checksum, got %q", sep)
	}
	if err := checkName(name); err != nil {
		return Entry{}, fmt.Errorf("name %q: %w", name, err)
	}
	return Entry{Name: name, SHA256: strings.ToLower(sum)}, nil
}

// File returns the SHA-256 (lowercase hex) and size of the regular file at
// path, reading it as a stream so that large archives need no memory. It is
// filehash.File, portmatrix's one file hasher, under the name release code
// and SHA256SUMS users look for.
func File(path string) (sum string, size int64, err error) {
	return filehash.File(path)
}

// checkName refuses names sha256sum would escape or that do not stay
// inside the directory of the SHA256SUMS file.
func checkName(name string) error {
	switch {
	case strings.ContainsAny(name, "\n\r"):
		return errors.New("name contains a newline or carriage return (sha256sum would escape it)")
	case strings.Contains(name, `\`):
		return errors.New("name contains a backslash (sha256sum would escape it; use forward slashes)")
	}
	return relname.Check(name, "the SHA256SUMS file")
}

// isHex reports whether s is 64 hex digits, lowercase unless upper is set.
func isHex(s string, upper bool) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || upper && 'A' <= c && c <= 'F'
		if !ok {
			return false
		}
	}
	return true
}
