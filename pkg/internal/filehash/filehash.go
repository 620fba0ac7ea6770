// Package filehash is portmatrix's one way to hash a file: the SHA-256, in
// lowercase hex, and the size of its bytes, read as a stream through a
// reused 1 MiB buffer so that a large binary or archive costs no memory and
// few system calls. The checksums of a release (checksum.File), the state
// file's freshness checks, inspect's Info.SHA256, the output cache and the
// reproducibility comparison all hash through it, so "the SHA-256 of a
// file" means the same bytes everywhere.
//
// Hash is the same digest for bytes that pass through on their way
// somewhere else (a copy being restored, an archive being written), so
// that they are not read a second time to be hashed.
package filehash

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// bufSize is the read size: a few hundred system calls for a large binary
// instead of the thousands io.Copy's 32 KiB would make.
const bufSize = 1 << 20

var bufs = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// File returns the SHA-256 and size of the regular file at path, read to
// its end. Errors other than opening it name the path.
func File(path string) (sum string, size int64, err error) {
	f, err := open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	sum, size, err = Reader(f)
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %w", path, err)
	}
	return sum, size, nil
}

// FileSized returns the SHA-256 of the regular file at path when it holds
// exactly size bytes. Any other size is an error before a byte is read,
// which makes it the cheap first half of checking that a file is still the
// one recorded; a file that shrinks while it is read is an error too.
func FileSized(path string, size int64) (string, error) {
	f, err := open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if st.Size() != size {
		return "", fmt.Errorf("hashing %s: %d bytes, expected %d", path, st.Size(), size)
	}
	sum, n, err := Reader(io.LimitReader(f, size))
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	if n != size {
		return "", fmt.Errorf("hashing %s: shrank while it was hashed", path)
	}
	return sum, nil
}

// open opens path for hashing, refusing anything but a regular file (a
// FIFO would block, a directory has no bytes to hash).
func open(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("hashing %s: not a regular file (%v)", path, st.Mode().Type())
	}
	return f, nil
}

// Reader returns the SHA-256 of everything r yields and how many bytes
// that was.
func Reader(r io.Reader) (sum string, n int64, err error) {
	h := New()
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	// struct{ io.Reader } hides an *os.File's WriterTo, which would copy
	// through io.Copy's small buffer instead of this one.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{r}, *bp); err != nil {
		return "", h.Size(), err
	}
	return h.Sum(), h.Size(), nil
}

// Hash is a running SHA-256 and byte count: an io.Writer to put beside
// another (io.MultiWriter, io.TeeReader) so bytes are hashed as they go by.
type Hash struct {
	h hash.Hash
	n int64
}

// New returns an empty Hash.
func New() *Hash { return &Hash{h: sha256.New()} }

// Write hashes p; it never fails.
func (h *Hash) Write(p []byte) (int, error) {
	h.n += int64(len(p))
	return h.h.Write(p)
}

// Sum is the SHA-256 of the bytes written so far, in lowercase hex.
func (h *Hash) Sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// Size is how many bytes were written.
func (h *Hash) Size() int64 { return h.n }
