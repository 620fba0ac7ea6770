package inspect

import "io"

// blockReader serves small reads from a cached block of the underlying
// file. The standard library's parsers read some tables one entry at a time
// (debug/pe reads each 18-byte COFF symbol with its own call); on an
// *os.File that is a system call per entry. Large reads go straight
// through. A block is one page: the reads inspect makes are small and
// scattered (headers at the start, section headers at the end, a table
// here and there), and with 64 KiB blocks copying bytes nobody read was
// most of the time spent. It is not safe for concurrent use; FileWith uses
// it from one goroutine.
type blockReader struct {
	r     io.ReaderAt
	size  int64
	buf   []byte
	start int64 // file offset of buf[0]
	n     int   // valid bytes in buf
}

const readBlockSize = 4 << 10

func newBlockReader(r io.ReaderAt, size int64) *blockReader {
	return &blockReader{r: r, size: size, start: -1}
}

func (b *blockReader) ReadAt(p []byte, off int64) (int, error) {
	if len(p) >= readBlockSize/2 || off < 0 {
		return b.r.ReadAt(p, off)
	}
	total := 0
	for len(p) > 0 {
		if off >= b.size {
			return total, io.EOF
		}
		if b.start < 0 || off < b.start || off >= b.start+int64(b.n) {
			if err := b.fill(off); err != nil && b.n == 0 {
				return total, err
			}
		}
		c := copy(p, b.buf[off-b.start:b.n])
		if c == 0 {
			return total, io.ErrUnexpectedEOF
		}
		total += c
		p, off = p[c:], off+int64(c)
	}
	return total, nil
}

// fill loads the block holding off.
func (b *blockReader) fill(off int64) error {
	if b.buf == nil {
		b.buf = make([]byte, readBlockSize)
	}
	b.start = off &^ (readBlockSize - 1)
	n, err := b.r.ReadAt(b.buf[:min(readBlockSize, b.size-b.start)], b.start)
	b.n = n
	if n <= int(off-b.start) {
		b.start, b.n = -1, 0
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}
