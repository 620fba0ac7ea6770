package inspect

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realFormats are fixtures of every format (and of the ELF shapes with
// dynamic sections, symbol versions and build info), for the tests that
// compare two ways of reading the same file.
var realFormats = []string{
	"linux-amd64", "linux-amd64-stripped", "linux-amd64-cgo-net", "linux-386", "linux-s390x",
	"darwin-arm64", "darwin-amd64", "darwin-arm64-stripped", "windows-amd64", "windows-386", "windows-amd64-stripped",
	"plan9-386", "plan9-amd64", "js-wasm", "wasip1-wasm", "aix-ppc64",
}

// TestOptionsWithoutHash: without Options.Hash every field but SHA256 is
// what a hashing read reports.
func TestOptionsWithoutHash(t *testing.T) {
	for _, name := range realFormats {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := fixturePath(t, name)
			hashed, err := File(path)
			require.NoError(t, err)
			require.Len(t, hashed.SHA256, 64)
			fast, err := FileWith(path, Options{})
			require.NoError(t, err)
			assert.Empty(t, fast.SHA256)
			hashed.SHA256 = ""
			assert.Equal(t, hashed, fast)
		})
	}
}

func TestOptionsWithoutHashFat(t *testing.T) {
	arm, err := os.ReadFile(fixturePath(t, "darwin-arm64"))
	require.NoError(t, err)
	x86, err := os.ReadFile(fixturePath(t, "darwin-amd64"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "universal")
	require.NoError(t, os.WriteFile(path, buildFat(14, arm, x86), 0o755))

	hashed, err := File(path)
	require.NoError(t, err)
	fast, err := FileWith(path, Options{})
	require.NoError(t, err)
	require.Len(t, fast.Slices, 2)
	assert.Empty(t, fast.SHA256)
	hashed.SHA256 = ""
	for i := range fast.Slices {
		assert.Len(t, hashed.Slices[i].SHA256, 64)
		assert.Empty(t, fast.Slices[i].SHA256, "slice %d", i)
		hashed.Slices[i].SHA256 = ""
	}
	assert.Equal(t, hashed, fast)
}

// TestGoInfoMatchesDebugBuildinfo: the build info read from the parsed
// headers is what debug/buildinfo, parsing the file again, says.
func TestGoInfoMatchesDebugBuildinfo(t *testing.T) {
	for _, name := range realFormats {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := fixturePath(t, name)
			info, err := FileWith(path, Options{})
			require.NoError(t, err)
			if info.Format == FormatWasm {
				t.Skip("debug/buildinfo does not read wasm")
			}
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			want := goInfo(f)
			require.NotNil(t, want)
			assert.Equal(t, want, info.Go)
		})
	}
}

func TestFilesOrderAndErrors(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notes, []byte("just notes\n"), 0o644))
	missing := filepath.Join(dir, "missing")
	paths := []string{
		fixturePath(t, "windows-amd64"), notes, fixturePath(t, "linux-amd64"), missing,
		fixturePath(t, "js-wasm"), fixturePath(t, "darwin-arm64"), dir,
	}
	for _, workers := range []int{0, 1, 3, 100} {
		got := Files(context.Background(), paths, Options{}, workers)
		require.Len(t, got, len(paths))
		for i, r := range got {
			assert.Equal(t, paths[i], r.Path, "workers=%d: result %d", workers, i)
		}
		for _, i := range []int{0, 2, 4, 5} {
			require.NoError(t, got[i].Err, "workers=%d: %s", workers, paths[i])
			want, err := FileWith(paths[i], Options{})
			require.NoError(t, err)
			assert.Equal(t, want, got[i].Info)
		}
		assert.ErrorIs(t, got[1].Err, ErrUnknownFormat)
		assert.ErrorIs(t, got[3].Err, os.ErrNotExist)
		assert.ErrorContains(t, got[6].Err, "not a regular file")
		for _, i := range []int{1, 3, 6} {
			assert.Nil(t, got[i].Info)
			assert.Equal(t, 1, strings.Count(got[i].Err.Error(), paths[i]), "the error names the file once: %v", got[i].Err)
		}
	}
	hashed := Files(context.Background(), paths[:1], Options{Hash: true}, 1)
	require.NoError(t, hashed[0].Err)
	assert.Len(t, hashed[0].Info.SHA256, 64)
}

func TestFilesCancelled(t *testing.T) {
	path := fixturePath(t, "linux-amd64")
	paths := make([]string, 50)
	for i := range paths {
		paths[i] = path
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := Files(ctx, paths, Options{Hash: true}, 4)
	require.Len(t, got, len(paths))
	for i, r := range got {
		assert.Equal(t, path, r.Path)
		assert.Nil(t, r.Info, "result %d", i)
		assert.ErrorIs(t, r.Err, context.Canceled)
		assert.ErrorContains(t, r.Err, "inspect: "+path+": ")
	}

	// Cancelled midway: what started finishes, nothing else starts.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	stop := errors.New("stopped by the test")
	ctx, cancelCause := context.WithCancelCause(ctx)
	gate := &countingCtx{Context: ctx, after: 5, cancel: func() { cancelCause(stop) }}
	got = Files(gate, paths, Options{}, 1)
	done, stopped := 0, 0
	for _, r := range got {
		switch {
		case r.Err == nil:
			done++
		case errors.Is(r.Err, stop):
			stopped++
		default:
			t.Errorf("unexpected error: %v", r.Err)
		}
	}
	assert.Equal(t, 5, done)
	assert.Equal(t, len(paths)-5, stopped)
}

// countingCtx cancels itself the after-th time Files asks whether it is
// done, so the test stops Files at a known point without timing.
type countingCtx struct {
	context.Context
	after  int
	calls  int
	cancel func()
}

func (c *countingCtx) Err() error {
	if c.calls++; c.calls > c.after {
		c.cancel()
	}
	return c.Context.Err()
}

// TestCorpusGoInfo checks goInfoFrom against debug/buildinfo on every
// binary of the benchmark corpus, when it has been built. Where
// debug/buildinfo finds nothing, stripped XCOFF (which it refuses) and
// Plan 9 files whose data section is not 16-byte aligned in the file (it
// aligns the offset, not the address) still have build info.
func TestCorpusGoInfo(t *testing.T) {
	for _, path := range benchCorpus(t) {
		info, err := FileWith(path, Options{})
		require.NoError(t, err)
		if info.Format == FormatWasm || info.Format == FormatMachOFat {
			continue // no debug/buildinfo for wasm; a fat file's build info is what its slices share
		}
		f, err := os.Open(path)
		require.NoError(t, err)
		want := goInfo(f)
		f.Close()
		if want == nil && (info.Format == FormatXCOFF && info.Stripped || info.Format == FormatPlan9) {
			require.NotNil(t, info.Go, path)
			assert.NotEmpty(t, info.Go.Path, path)
			continue
		}
		require.NotNil(t, want, path)
		assert.Equal(t, want, info.Go, path)
	}
}
