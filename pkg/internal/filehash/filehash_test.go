package filehash

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// content is bigger than one read buffer and not a multiple of it.
func content() []byte {
	b := make([]byte, 2*bufSize+12345)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("hello\n")},
		{"larger than the buffer", content()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			require.NoError(t, os.WriteFile(path, tt.data, 0o644))
			got, n, err := File(path)
			require.NoError(t, err)
			assert.Equal(t, sum(tt.data), got)
			assert.Equal(t, int64(len(tt.data)), n)

			got, err = FileSized(path, int64(len(tt.data)))
			require.NoError(t, err)
			assert.Equal(t, sum(tt.data), got)

			_, err = FileSized(path, int64(len(tt.data))+1)
			assert.ErrorContains(t, err, "hashing "+path+": ")
		})
	}
	assert.Equal(t, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", sum([]byte("hello\n")), "what sha256sum prints")
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, _, err := File(dir)
	assert.ErrorContains(t, err, "hashing "+dir+": not a regular file")
	_, err = FileSized(dir, 0)
	assert.ErrorContains(t, err, "hashing "+dir+": not a regular file")
	missing := filepath.Join(dir, "nope")
	_, _, err = File(missing)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, 1, strings.Count(err.Error(), missing), "named once: %v", err)
}

func TestReaderAndHash(t *testing.T) {
	data := content()
	got, n, err := Reader(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, sum(data), got)
	assert.Equal(t, int64(len(data)), n)

	// A Hash beside a copy sees the bytes the copy wrote.
	h := New()
	var dst bytes.Buffer
	_, err = io.Copy(&dst, io.TeeReader(bytes.NewReader(data), h))
	require.NoError(t, err)
	assert.Equal(t, sum(data), h.Sum())
	assert.Equal(t, int64(len(data)), h.Size())
	assert.Equal(t, sum(nil), New().Sum())
}
