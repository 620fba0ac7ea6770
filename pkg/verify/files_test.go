package verify

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// A policy that checked nothing has proved nothing: a named directory with
// no binary in it is an error once --expect is given.
func TestFilesNothingToCheck(t *testing.T) {
	exe, err := os.Executable() // this test binary: a real executable of the host
	require.NoError(t, err)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	texts := filepath.Join(dir, "texts")
	one := filepath.Join(dir, "one")
	bins := filepath.Join(dir, "bins")
	for _, d := range []string{empty, texts, one, bins} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(texts, "a.txt"), []byte("notes\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(texts, "b.txt"), []byte("more notes\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(one, "SHA256SUMS"), []byte("0 x\n"), 0o644))
	require.NoError(t, os.Symlink(exe, filepath.Join(bins, "prog")))
	static := plan.Expectation{Linkage: "any"}

	tests := []struct {
		name    string
		paths   []string
		policy  plan.Expectation
		errs    map[string]string // path -> error
		skipped int
	}{
		{"empty directory", []string{empty}, static,
			map[string]string{empty: "no binary to check in " + empty + ": it holds no files"}, 0},
		{"only text files", []string{texts}, static,
			map[string]string{texts: "no binary to check in " + texts + ": 2 files passed over, none an executable"}, 2},
		{"one text file", []string{one}, static,
			map[string]string{one: "no binary to check in " + one + ": 1 file passed over, not an executable"}, 1},
		{"named twice, reported once", []string{empty, empty}, static,
			map[string]string{empty: "no binary to check in " + empty + ": it holds no files"}, 0},
		{"one path with binaries, one without", []string{bins, texts}, static,
			map[string]string{texts: "no binary to check in " + texts + ": 2 files passed over, none an executable"}, 2},
		{"a directory with a binary", []string{bins}, static, map[string]string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, skipped := Files(context.Background(), tt.paths, tt.policy, inspect.Options{}, 2)
			var paths []string
			for _, f := range files {
				paths = append(paths, f.Path)
			}
			assert.True(t, slices.IsSorted(paths) && len(slices.Compact(slices.Clone(paths))) == len(paths), "sorted, each once: %q", paths)
			assert.Equal(t, tt.skipped, skipped)
			errs := map[string]string{}
			for _, f := range files {
				if f.Err != nil {
					errs[f.Path] = f.Err.Error()
				} else {
					assert.NotNil(t, f.Info, f.Path)
				}
			}
			assert.Equal(t, tt.errs, errs)
		})
	}
}

// Paths that overlap (a directory and a file or directory inside it, or
// the same path twice) list each file once, with one verdict.
func TestFilesOverlappingPaths(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	prog, notes := filepath.Join(sub, "prog"), filepath.Join(sub, "notes.txt")
	require.NoError(t, os.Symlink(exe, prog))
	require.NoError(t, os.WriteFile(notes, []byte("notes\n"), 0o644))

	files, skipped := Files(context.Background(), []string{dir, sub, prog, dir}, plan.Expectation{}, inspect.Options{}, 2)
	require.Len(t, files, 1)
	assert.Equal(t, prog, files[0].Path)
	assert.NoError(t, files[0].Err)
	assert.Equal(t, 1, skipped, "notes.txt, passed over once")

	files, skipped = Files(context.Background(), []string{dir, notes}, plan.Expectation{}, inspect.Options{}, 2)
	require.Len(t, files, 2)
	assert.Equal(t, notes, files[0].Path)
	assert.ErrorIs(t, files[0].Err, inspect.ErrUnknownFormat, "named: an error, though the walk of dir passed over it")
	assert.Equal(t, 0, skipped)
}

// elfObject is the 64-byte header of an x86-64 ELF relocatable object
// (ET_REL, what `gcc -c` writes) with no sections: enough for inspect to
// say what it is. pkg/inspect's TestNotExecutableReal reads real gcc output.
func elfObject() []byte {
	b := make([]byte, 64)
	copy(b, "\x7fELF\x02\x01\x01")
	b[16] = 1    // e_type ET_REL
	b[18] = 0x3e // e_machine EM_X86_64
	b[20] = 1    // e_version
	b[52] = 64   // e_ehsize
	return b
}

// What is not an executable is named for what it is: an error for a file
// named on the command line, passed over in a directory; a named directory
// with nothing to inspect is an error, with or without a policy.
func TestFilesNotExecutables(t *testing.T) {
	dir := t.TempDir()
	objs := filepath.Join(dir, "objs")
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(objs, 0o755))
	require.NoError(t, os.Mkdir(empty, 0o755))
	obj := filepath.Join(objs, "hello.o")
	require.NoError(t, os.WriteFile(obj, elfObject(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(objs, "README"), []byte("objects\n"), 0o644))

	tests := []struct {
		name    string
		paths   []string
		errs    map[string]string
		skipped int
	}{
		{"a named object", []string{obj},
			map[string]string{obj: "inspect: " + obj + ": relocatable object (ET_REL), not an executable"}, 0},
		{"a directory of objects", []string{objs},
			map[string]string{objs: "no binary to check in " + objs + ": 2 files passed over, none an executable"}, 2},
		{"an empty directory, no policy", []string{empty},
			map[string]string{empty: "no binary to check in " + empty + ": it holds no files"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, skipped := Files(context.Background(), tt.paths, plan.Expectation{}, inspect.Options{}, 2)
			assert.Equal(t, tt.skipped, skipped)
			errs := map[string]string{}
			for _, f := range files {
				require.Error(t, f.Err, f.Path)
				errs[f.Path] = f.Err.Error()
				assert.True(t, f.Failed())
			}
			assert.Equal(t, tt.errs, errs)
		})
	}
}
