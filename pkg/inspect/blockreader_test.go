package inspect

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBlockReader compares the cached reader with the plain one on random
// reads, including reads across block boundaries and past the end.
func TestBlockReader(t *testing.T) {
	data := make([]byte, 3*readBlockSize+123)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	plain := bytes.NewReader(data)
	cr := &countingReader{r: plain}
	br := newBlockReader(cr, int64(len(data)))
	for range 2000 {
		n := rng.IntN(readBlockSize)
		if rng.IntN(4) == 0 {
			n = rng.IntN(64)
		}
		off := rng.Int64N(int64(len(data)) + 100)
		want := make([]byte, n)
		wn, werr := plain.ReadAt(want, off)
		got := make([]byte, n)
		gn, gerr := br.ReadAt(got, off)
		require.Equal(t, wn, gn, "n for ReadAt(%d bytes, %d)", n, off)
		require.Equal(t, want[:wn], got[:gn])
		require.Equal(t, werr == nil, gerr == nil, "error for ReadAt(%d bytes, %d): %v vs %v", n, off, werr, gerr)
	}

	t.Run("small reads share one block read", func(t *testing.T) {
		cr := &countingReader{r: bytes.NewReader(data)}
		br := newBlockReader(cr, int64(len(data)))
		p := make([]byte, 18)
		for off := int64(0); off+18 <= readBlockSize; off += 18 {
			_, err := br.ReadAt(p, off)
			require.NoError(t, err)
		}
		assert.Equal(t, int64(readBlockSize), cr.n.Load())
	})
	t.Run("a file shorter than its stated size", func(t *testing.T) {
		br := newBlockReader(bytes.NewReader(data[:100]), 1000)
		p := make([]byte, 50)
		n, err := br.ReadAt(p, 80)
		assert.Equal(t, 20, n)
		assert.ErrorIs(t, err, io.EOF)
		n, err = br.ReadAt(p, 200)
		assert.Zero(t, n)
		assert.Error(t, err)
	})
}
