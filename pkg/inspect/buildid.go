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
	if off < 0 || off >= size {
		return ""
	}
	n = min(n, maxBuildIDScan, uint64(size-off))
	// The ID is the first thing in text: look in the first KiB, and read
	// the whole window only if it is not there (the answer is the same).
	for _, m := range []uint64{min(n, 1<<10), n} {
		b, err := readAt(r, size, off, m)
		if err != nil {
			return ""
		}
		if id := parseGoBuildID(b); id != "" || m == n {
			return id
		}
	}
	return ""
}

// parseGoBuildID finds the quoted build ID the linker frames with
// goBuildIDPrefix and goBuildIDSuffix in b, or returns "".
func parseGoBuildID(b []byte) string {
	i := bytes.Index(b, goBuildIDPrefix)
	if i < 0 {
		return ""
	}
	b = b[i+len(goBuildIDPrefix)-1:] // keep the opening quote
	j := bytes.Index(b, goBuildIDSuffix)
	if j < 0 {
		return ""
	}
	id, err := strconv.Unquote(string(b[:j+1]))
	if err != nil {
		return ""
	}
	return id
}
