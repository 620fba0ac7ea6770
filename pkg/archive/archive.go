// Package archive writes release archives (.tar.gz and .zip) that are
// byte-for-byte reproducible: the same files with the same options give
// the same archive, whatever the machine, the clock, the umask, the owner
// or the timestamps of the sources, so that checksums of a release can be
// checked by rebuilding it.
//
// What is fixed, and why:
//
//   - Entries are sorted by name; every parent directory (Root and any
//     directory in a name) gets an explicit entry with mode 0755, so that
//     extraction does not invent directories with the extractor's umask.
//   - Every entry has the same modification time, Options.ModTime truncated
//     to whole seconds, in UTC. A zero ModTime means 1980-01-01T00:00:00Z,
//     the earliest time a zip file can hold.
//   - Files get mode 0755 when executable and 0644 otherwise: nothing else
//     of the source's permissions, owner or times is recorded. Owners are
//     uid/gid 0 with empty user and group names.
//   - tar entries use the PAX format (USTAR headers, with PAX records only
//     for what USTAR cannot hold, such as long or non-ASCII names); no
//     access or change times and no extended attributes are written. The
//     gzip header has no file name, the OS byte 255 ("unknown"), the fixed
//     level gzip.BestCompression and a modification time of
//     Options.ModTime, or 0 ("no time") when ModTime is zero.
//   - zip entries use Deflate at flate.BestCompression, a Unix creator
//     version and the Unix mode in the external attributes (so unzip
//     restores the executable bit), and the modification time both as MS-DOS
//     date and time and as an "extended timestamp" (0x5455) extra field.
//     MS-DOS time has two-second resolution and no time zone: the package
//     writes the UTC wall clock there, rounded down to an even second, and
//     the exact second in the extended timestamp, which Info-ZIP's unzip and
//     Go's archive/zip prefer. A zip cannot hold a time before 1980, so
//     earlier times (SOURCE_DATE_EPOCH=0, say) are written as 1980-01-01;
//     times after 2106-02-07 are refused (the extended timestamp is 32
//     bits), as are times outside 1970 to 2106 for tar.gz (the gzip
//     header's 32 bits).
//
// Deflate output is a function of the Go release's compress/flate, so
// archives are reproducible with the same Go toolchain; a different Go
// release may compress differently.
package archive

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
	"github.com/portmatrix/portmatrix/pkg/internal/relname"
)

// The formats Options.Format names.
const (
	// TarGz is a gzip-compressed tar archive, the usual archive for Unix
	// targets.
	TarGz = "tar.gz"
	// Zip is a zip archive, the usual archive for Windows targets.
	Zip = "zip"
)

// DefaultModTime is the time of every entry when Options.ModTime is zero:
// the zip epoch, the earliest time both formats can hold.
var DefaultModTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// maxModTime is the last second a 32-bit Unix time (the gzip header and the
// zip extended timestamp) can hold.
var maxModTime = time.Unix(1<<32-1, 0).UTC()

// File is one file to put in an archive.
type File struct {
	// Src is the file's path on disk. It must be a regular file (symbolic
	// links are followed); its content is read when the archive is written.
	Src string
	// Name is the path inside the archive, with forward slashes, relative
	// and clean (no "..", "." or empty elements), below Options.Root.
	Name string
	// Mode, when not zero, says whether the entry is executable (any of
	// 0111 set) regardless of Src's permissions, for sources that have no
	// executable bit (a binary built on Windows, a file from a checkout
	// that lost it). When zero, Src's executable bits decide. Either way
	// the entry's mode is 0755 or 0644.
	Mode fs.FileMode
}

// Options say how to write an archive.
type Options struct {
	// Format is TarGz or Zip.
	Format string
	// ModTime is the modification time of every entry (and of the gzip
	// header); a zero ModTime means DefaultModTime. Usually the commit time
	// or SOURCE_DATE_EPOCH, so that rebuilds of one commit agree.
	ModTime time.Time
	// Root, when not empty, is a directory every file is put under, such
	// as "tool_1.0_linux_amd64", so that extracting the archive makes one
	// directory instead of scattering files.
	Root string
	// In, when set, confines writing the archive (atomicfile.WriteIn): the
	// dist directory's root.
	In *os.Root
}

// entry is one member of the archive as it will be written.
type entry struct {
	name string // full name in the archive; directories end in "/"
	src  string // "" for directories
	exec bool
	size int64
}

func (e entry) dir() bool { return e.src == "" }

func (e entry) mode() fs.FileMode {
	if e.dir() || e.exec {
		return 0o755
	}
	return 0o644
}

// Write writes files into a new archive at path and returns the archive's
// SHA-256 (lowercase hex) and size, for SHA256SUMS and release notes.
// Every file and option is checked first, and all problems are returned at
// once before anything is written. The archive is written to a temporary
// file in path's directory and renamed into place only when complete, so a
// failed write never leaves half an archive and never replaces a previous
// one.
func Write(path string, files []File, opt Options) (sha256sum string, size int64, err error) {
	entries, mtime, err := prepare(path, files, opt)
	if err != nil {
		return "", 0, err
	}
	var write func(io.Writer) error
	switch opt.Format {
	case TarGz:
		gzTime := mtime
		if opt.ModTime.IsZero() {
			gzTime = time.Time{} // gzip's "no time stamp"
		}
		write = func(w io.Writer) error { return writeTarGz(w, entries, mtime, gzTime) }
	case Zip:
		write = func(w io.Writer) error { return writeZip(w, entries, mtime) }
	}
	sha256sum, size, err = writeAtomic(opt.In, path, write)
	if err != nil {
		return "", 0, fmt.Errorf("archive %s: %w", path, err)
	}
	return sha256sum, size, nil
}

// prepare checks the options and files and returns the sorted entries,
// directories included, and the entries' modification time.
func prepare(path string, files []File, opt Options) ([]entry, time.Time, error) {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("archive %s: "+format, append([]any{path}, args...)...))
	}

	mtime := opt.ModTime.UTC().Truncate(time.Second)
	if opt.ModTime.IsZero() {
		mtime = DefaultModTime
	}
	switch opt.Format {
	case TarGz:
		if mtime.Before(time.Unix(0, 0)) || mtime.After(maxModTime) {
			fail("mod time %s is outside what a gzip header can hold (1970-01-01 to %s)", mtime.Format(time.RFC3339), maxModTime.Format(time.RFC3339))
		}
	case Zip:
		if mtime.Before(DefaultModTime) {
			mtime = DefaultModTime // SOURCE_DATE_EPOCH=0 is common; zip cannot say 1970
		}
		if mtime.After(maxModTime) {
			fail("mod time %s is outside what a zip file can hold (1980-01-01 to %s)", mtime.Format(time.RFC3339), maxModTime.Format(time.RFC3339))
		}
	default:
		fail("unknown format %q (want %q or %q)", opt.Format, TarGz, Zip)
	}
	prefix := ""
	if opt.Root != "" {
		if err := checkName(opt.Root); err != nil {
			fail("root %q: %v", opt.Root, err)
		} else {
			prefix = opt.Root + "/"
		}
	}

	entries := make([]entry, 0, len(files))
	seen := map[string]string{} // full name -> Src of its first file
	dirs := map[string]bool{}   // full names of directories, with the "/"
	for _, f := range files {
		if err := checkName(f.Name); err != nil {
			fail("%q: %v", f.Name, err)
			continue
		}
		name := prefix + f.Name
		if first, ok := seen[name]; ok {
			fail("%q (from %s): listed more than once (first from %s)", f.Name, f.Src, first)
			continue
		}
		seen[name] = f.Src
		if f.Mode&^fs.ModePerm != 0 {
			fail("%q: mode %v has more than permission bits", f.Name, f.Mode)
		}
		e := entry{name: name, src: f.Src}
		switch fi, err := os.Stat(f.Src); {
		case f.Src == "":
			fail("%q: no source file", f.Name)
		case err != nil:
			fail("%q: %w", f.Name, err)
		case !fi.Mode().IsRegular():
			fail("%q: source %s is not a regular file (%v)", f.Name, f.Src, fi.Mode().Type())
		default:
			e.size = fi.Size()
			e.exec = fi.Mode()&0o111 != 0
			if f.Mode != 0 {
				e.exec = f.Mode&0o111 != 0
			}
		}
		entries = append(entries, e)
		for d := name; ; {
			i := strings.LastIndexByte(d, '/')
			if i < 0 {
				break
			}
			d = d[:i]
			dirs[d+"/"] = true
		}
	}
	for _, e := range entries {
		if dirs[e.name+"/"] {
			fail("%q is both a file and a directory", strings.TrimPrefix(e.name, prefix))
		}
	}
	if len(errs) > 0 {
		return nil, time.Time{}, errors.Join(errs...)
	}
	for d := range dirs {
		entries = append(entries, entry{name: d})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return entries, mtime, nil
}

// checkName refuses names that could land outside the extraction directory
// or that mean different things to different extractors.
func checkName(name string) error { return relname.Check(name, "the archive's top") }

// copySource copies e's source into w, failing if it no longer has the
// size it had when checked: a tar header already promised that size, and
// an archive of a file caught mid-write is not worth keeping.
func copySource(w io.Writer, e entry) error {
	f, err := os.Open(e.src)
	if err != nil {
		return fmt.Errorf("%q: %w", e.name, err)
	}
	defer f.Close()
	n, err := io.CopyN(w, f, e.size)
	if err == io.EOF {
		return fmt.Errorf("%q: %s shrank from %d to %d bytes while being archived", e.name, e.src, e.size, n)
	}
	if err != nil {
		return fmt.Errorf("%q (from %s): %w", e.name, e.src, err)
	}
	var one [1]byte
	if m, _ := f.Read(one[:]); m > 0 {
		return fmt.Errorf("%q: %s grew beyond %d bytes while being archived", e.name, e.src, e.size)
	}
	return nil
}

// writeAtomic runs write on a temporary file beside path, then renames it
// to path (mode 0644); on failure the temporary file is removed and path is
// untouched. It returns the SHA-256 and size of what write wrote, hashed as
// it went by.
func writeAtomic(root *os.Root, path string, write func(io.Writer) error) (sum string, size int64, err error) {
	h := filehash.New()
	err = atomicfile.WriteIn(root, path, 0o644, func(f *os.File) error {
		bw := bufio.NewWriterSize(f, 256<<10)
		if err := write(io.MultiWriter(bw, h)); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return "", 0, err
	}
	return h.Sum(), h.Size(), nil
}
