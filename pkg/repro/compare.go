package repro

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
)

// File is one side of a comparison.
type File struct {
	Path   string
	Size   int64
	SHA256 string // hex
	// Format is "elf", "macho", "pe", "zip", "gzip", or "" for a file
	// compared as plain bytes.
	Format string
}

// Change is one Go build info field whose value differs between the two
// binaries; an empty value means the field is absent.
type Change struct {
	Key, A, B string
}

// String renders the change as "key: a → b", on one line.
func (c Change) String() string {
	return fmt.Sprintf("%s: %s → %s", oneLine(c.Key), orUnset(c.A), orUnset(c.B))
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return oneLine(s)
}

// oneLine quotes s when it holds control characters (a newline in a build
// setting or a debug string), so that every detail stays one line.
func oneLine(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// SectionDiff is a section whose contents differ, or that only one of the
// files has.
type SectionDiff struct {
	Name string
	// SizeA and SizeB are the section's sizes in the file; -1 when that file
	// has no such section.
	SizeA, SizeB int64
}

// Difference is why two builds of one job are not the same bytes, with the
// evidence that picks the flags to suggest. A is the first build, B the
// second.
type Difference struct {
	A, B File
	// BuildInfo lists the Go build info fields that differ ("go",
	// "path", "main", "dep <path>", and every build setting by its key).
	BuildInfo []Change
	// Sections lists the differing sections in the first file's order,
	// then those only the second file has.
	Sections []SectionDiff
	// Offset is the first file offset at which the bytes differ; Region
	// names what holds it in the first file (a section, a header table; ""
	// when nothing does) and RegionOffset is Offset relative to its start.
	Offset       int64
	Region       string
	RegionOffset int64
	// TrimPath and Cgo are the first binary's -trimpath and CGO_ENABLED
	// build settings.
	TrimPath, Cgo bool
	// BuildIDOnly says every differing byte lies in bytes derived from the
	// build ID (ELF build ID notes, the Go build ID string, Mach-O LC_UUID
	// and code signature).
	BuildIDOnly bool
	// DebugStringsA and DebugStringsB are the strings of differing ELF
	// DWARF string tables (.debug_line_str, .debug_str) that only the first
	// or only the second binary has. Go's DWARF does not use these tables;
	// C compilers record directories and file names there, so for cgo
	// builds they show which C paths differ.
	DebugStringsA, DebugStringsB []string
	// EmbeddedDir, when Check found it, is the second build's directory
	// as it appears inside the second binary: proof that paths leak in.
	EmbeddedDir string
}

// Compare compares the files at paths a and b and returns nil when their
// bytes are the same. It never panics: a file whose magic bytes name a
// format whose headers do not parse is an error naming that file.
func Compare(a, b string) (*Difference, error) {
	fa, la, err := open(a)
	if err != nil {
		return nil, err
	}
	defer fa.Close()
	fb, lb, err := open(b)
	if err != nil {
		return nil, err
	}
	defer fb.Close()

	d := &Difference{A: File{Path: a, Format: la.format}, B: File{Path: b, Format: lb.format}}
	same, err := d.scan(fa, fb, la, lb)
	if err != nil || same {
		return nil, err
	}
	if la.format == lb.format {
		if d.Sections, err = diffSections(fa, fb, la, lb); err != nil {
			return nil, err
		}
		if la.format == formatELF {
			d.DebugStringsA, d.DebugStringsB = diffDebugStrings(fa, fb, d.Sections)
		}
	}
	if r, ok := la.At(d.Offset); ok {
		d.Region, d.RegionOffset = r.Name, d.Offset-r.Off
	}
	d.BuildInfo, d.TrimPath, d.Cgo = diffBuildInfo(a, b)
	return d, nil
}

// open opens a regular file and reads its layout; errors name the file.
func open(path string) (*os.File, *layout, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fileErr(path, err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	if err != nil {
		f.Close()
		return nil, nil, fileErr(path, err)
	}
	l, err := readLayout(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fileErr(path, err)
	}
	return f, l, nil
}

// Formats of the files Compare understands beyond plain bytes: the
// binaries whose regions inspect maps, and the archives releases pack.
const (
	formatELF   = string(inspect.FormatELF)
	formatZip   = "zip"
	formatGzip  = "gzip"
	formatOther = ""
)

// layout is a file's regions, read by inspect.ReadLayout (none for a file
// compared as plain bytes), and the format Difference names it by.
type layout struct {
	*inspect.Layout
	format string
}

// readLayout reads the layout of the file in r. A file whose magic names
// a binary format whose headers do not parse is an error; the caller names
// the file.
func readLayout(r io.ReaderAt, size int64) (*layout, error) {
	l, err := inspect.ReadLayout(r, size)
	switch {
	case errors.Is(err, inspect.ErrUnknownFormat):
		return &layout{Layout: &inspect.Layout{}, format: archiveFormat(r)}, nil
	case err != nil:
		return nil, err
	}
	switch l.Format {
	case inspect.FormatELF, inspect.FormatMachO, inspect.FormatPE:
		return &layout{Layout: l, format: string(l.Format)}, nil
	}
	return &layout{Layout: l, format: formatOther}, nil // a format inspect names but does not map
}

// archiveFormat names a release archive by its magic bytes.
func archiveFormat(r io.ReaderAt) string {
	var ident [4]byte
	n, _ := r.ReadAt(ident[:], 0)
	switch {
	case bytes.HasPrefix(ident[:n], []byte("PK\x03\x04")):
		return formatZip
	case bytes.HasPrefix(ident[:n], []byte("\x1f\x8b")):
		return formatGzip
	}
	return formatOther
}

// fileErr names path once: *fs.PathError already does.
func fileErr(path string, err error) error {
	if _, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("repro: %w", err)
	}
	return fmt.Errorf("repro: %s: %w", path, err)
}

// scanChunk is how much of each file scan holds at once.
const scanChunk = 1 << 20

// scan reads both files once, in step: it hashes them, finds the first
// differing offset and decides BuildIDOnly. It reports whether the files
// are the same.
func (d *Difference) scan(fa, fb *os.File, la, lb *layout) (bool, error) {
	ha, hb := filehash.New(), filehash.New()
	bufA, bufB := make([]byte, scanChunk), make([]byte, scanChunk)
	d.Offset = -1
	d.BuildIDOnly = true
	var off int64
	for {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if err := readErr(d.A.Path, off, errA); err != nil {
			return false, err
		}
		if err := readErr(d.B.Path, off, errB); err != nil {
			return false, err
		}
		ha.Write(bufA[:na])
		hb.Write(bufB[:nb])
		n := min(na, nb)
		if d.BuildIDOnly || d.Offset < 0 {
			for i := 0; i < n; i++ {
				if bufA[i] == bufB[i] {
					continue
				}
				o := off + int64(i)
				if d.Offset < 0 {
					d.Offset = o
				}
				if !la.InBuildID(o) || !lb.InBuildID(o) {
					d.BuildIDOnly = false
					break
				}
			}
		}
		if na != nb && d.Offset < 0 {
			d.Offset = off + int64(n) // one file is a prefix of the other
		}
		if na != nb {
			d.BuildIDOnly = false
		}
		off += int64(max(na, nb))
		if na < scanChunk && nb < scanChunk {
			break
		}
	}
	d.A.Size, d.A.SHA256 = ha.Size(), ha.Sum()
	d.B.Size, d.B.SHA256 = hb.Size(), hb.Sum()
	if d.Offset < 0 {
		d.BuildIDOnly = false
		return d.A.SHA256 == d.B.SHA256, nil
	}
	return false, nil
}

func readErr(path string, off int64, err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return fileErr(path, fmt.Errorf("reading at offset %#x: %w", off, err))
}

// diffSections compares sections by name: those in both files whose bytes
// differ, in the first file's order, then those only one file has.
func diffSections(fa, fb *os.File, la, lb *layout) ([]SectionDiff, error) {
	sa, sb := la.Sections(), lb.Sections()
	inB := map[string]inspect.Region{}
	for _, s := range sb {
		inB[s.Name] = s
	}
	var out []SectionDiff
	seen := map[string]bool{}
	for _, s := range sa {
		seen[s.Name] = true
		t, ok := inB[s.Name]
		if !ok {
			out = append(out, SectionDiff{Name: s.Name, SizeA: s.Size, SizeB: -1})
			continue
		}
		same, err := sameBytes(fa, fb, s, t)
		if err != nil {
			return nil, err
		}
		if !same {
			out = append(out, SectionDiff{Name: s.Name, SizeA: s.Size, SizeB: t.Size})
		}
	}
	for _, t := range sb {
		if !seen[t.Name] {
			out = append(out, SectionDiff{Name: t.Name, SizeA: -1, SizeB: t.Size})
		}
	}
	return out, nil
}

func sameBytes(fa, fb *os.File, s, t inspect.Region) (bool, error) {
	if s.Size != t.Size {
		return false, nil
	}
	bufA, bufB := make([]byte, min(s.Size, scanChunk)), make([]byte, min(s.Size, scanChunk))
	for done := int64(0); done < s.Size; {
		n := min(int64(len(bufA)), s.Size-done)
		if _, err := fa.ReadAt(bufA[:n], s.Off+done); err != nil {
			return false, fileErr(fa.Name(), fmt.Errorf("reading %s at offset %#x: %w", s.Name, s.Off+done, err))
		}
		if _, err := fb.ReadAt(bufB[:n], t.Off+done); err != nil {
			return false, fileErr(fb.Name(), fmt.Errorf("reading %s at offset %#x: %w", t.Name, t.Off+done, err))
		}
		if !bytes.Equal(bufA[:n], bufB[:n]) {
			return false, nil
		}
		done += n
	}
	return true, nil
}

// findDir records dir in EmbeddedDir when the second binary contains it.
func (d *Difference) findDir(dir string) error {
	found, err := fileContains(d.B.Path, []byte(dir))
	if err != nil {
		return err
	}
	if found {
		d.EmbeddedDir = dir
	}
	return nil
}

// fileContains streams the file at path looking for needle.
func fileContains(path string, needle []byte) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fileErr(path, err)
	}
	defer f.Close()
	if len(needle) == 0 {
		return false, nil
	}
	buf := make([]byte, scanChunk+len(needle))
	keep := 0
	for {
		n, err := io.ReadFull(f, buf[keep:])
		if bytes.Contains(buf[:keep+n], needle) {
			return true, nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return false, nil
			}
			return false, fileErr(path, err)
		}
		keep = min(len(needle)-1, keep+n)
		copy(buf, buf[scanChunk+len(needle)-keep:])
	}
}
