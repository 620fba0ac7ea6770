package inspect

import (
	"bytes"
	"io"
	"strconv"
)

// The Go linker writes the build ID as a quoted string at the start of the
// text segment of every non-ELF binary (cmd/internal/buildid reads it the
// same way); ELF binaries carry it in a note instead.
var (
	goBuildIDPrefix = []byte("\xff Go build ID: \"")
	goBuildIDSuffix = []byte("\"\n \xff")
)

// maxBuildIDScan is how far from the start of text the ID is looked for;
// cmd/go reads no further either.
const maxBuildIDScan = 32 << 10

// scanGoBuildID looks for the Go build ID in the first maxBuildIDScan bytes
// of the n bytes at off, and returns "" when it is not there.
func scanGoBuildID(r io.ReaderAt, size, off int64, n uint64) string {
	id, _, _ := scanGoBuildIDAt(r, size, off, n)
	return id
}

// findGoBuildID is where scanGoBuildID finds the ID: the file offset and
// length of the framed string, prefix and suffix included (the bytes the
// build ID alone decides).
func findGoBuildID(r io.ReaderAt, size, off int64, n uint64) (start, length int64, ok bool) {
	id, start, length := scanGoBuildIDAt(r, size, off, n)
	return start, length, id != ""
}

func scanGoBuildIDAt(r io.ReaderAt, size, off int64, n uint64) (id string, start, length int64) {
	if off < 0 || off >= size {
		return "", 0, 0
	}
	n = min(n, maxBuildIDScan, uint64(size-off))
	// The ID is the first thing in text: look in the first KiB, and read
	// the whole window only if it is not there (the answer is the same).
	for _, m := range []uint64{min(n, 1<<10), n} {
		b, err := readAt(r, size, off, m)
		if err != nil {
			return "", 0, 0
		}
		if id, i, j := locateGoBuildID(b); id != "" || m == n {
			return id, off + int64(i), int64(j - i)
		}
	}
	return "", 0, 0
}

// parseGoBuildID finds the quoted build ID the linker frames with
// goBuildIDPrefix and goBuildIDSuffix in b, or returns "".
func parseGoBuildID(b []byte) string {
	id, _, _ := locateGoBuildID(b)
	return id
}

// locateGoBuildID is parseGoBuildID with where the framed ID lies in b:
// b[i:j], prefix and suffix included.
func locateGoBuildID(b []byte) (id string, i, j int) {
	i = bytes.Index(b, goBuildIDPrefix)
	if i < 0 {
		return "", 0, 0
	}
	q := i + len(goBuildIDPrefix) - 1 // the opening quote
	k := bytes.Index(b[q:], goBuildIDSuffix)
	if k < 0 {
		return "", 0, 0
	}
	id, err := strconv.Unquote(string(b[q : q+k+1]))
	if err != nil || id == "" {
		return "", 0, 0
	}
	return id, i, q + k + len(goBuildIDSuffix)
}
