package inspect

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree makes the files, directories and symbolic links of spec under a new
// temporary directory and returns it: "a/b/" is a directory, "a/f" a file,
// "a/l -> target" a symbolic link.
func tree(t *testing.T, spec ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range spec {
		name, target, isLink := strings.Cut(s, " -> ")
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		switch {
		case isLink:
			require.NoError(t, os.Symlink(filepath.FromSlash(target), p))
		case strings.HasSuffix(name, "/"):
			require.NoError(t, os.MkdirAll(p, 0o755))
		default:
			require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		}
	}
	return dir
}

// walkResult is what a walk found, relative to dir and with forward
// slashes, for comparing.
func walkResult(t *testing.T, dir string, found []Found, errs []*PathError) (files, msgs []string) {
	t.Helper()
	rel := func(p string) string {
		r, err := filepath.Rel(dir, p)
		require.NoError(t, err)
		return filepath.ToSlash(r)
	}
	for _, f := range found {
		files = append(files, rel(f.Path))
	}
	for _, e := range errs {
		msgs = append(msgs, rel(e.Path)+": "+strings.ReplaceAll(e.Error(), dir+string(filepath.Separator), ""))
	}
	return files, msgs
}

func TestWalkSymlinks(t *testing.T) {
	if _, ok := fileID(mustStat(t, t.TempDir())); !ok {
		t.Skip("no inode numbers on this platform: TestWalkDepthLimit covers the fallback")
	}
	tests := []struct {
		name  string
		spec  []string
		files []string
		errs  []string
	}{
		{
			name:  "diamond: a second name for a directory is not a loop",
			spec:  []string{"d/v1/hello", "d/latest -> v1", "d/stable -> ./v1"},
			files: []string{"d/v1/hello"},
		},
		{
			name:  "diamond across levels: the real directory keeps its name",
			spec:  []string{"d/current -> releases/v2", "d/releases/v2/hello", "d/releases/v1/hello"},
			files: []string{"d/releases/v1/hello", "d/releases/v2/hello"},
		},
		{
			name:  "two links to one directory outside the walk: entered once",
			spec:  []string{"out/hello", "d/a -> ../out", "d/b -> ../out"},
			files: []string{"d/a/hello"},
		},
		{
			name:  "real cycle: reported once, the rest walked",
			spec:  []string{"d/sub/hello", "d/sub/up -> .."},
			files: []string{"d/sub/hello"},
			errs:  []string{"d/sub/up: d/sub/up: symbolic link loop: it leads back to d, which contains it; not entered"},
		},
		{
			name:  "cycle through two links: reported once",
			spec:  []string{"d/a/x -> ../b", "d/b/y -> ../a", "d/b/hello"},
			files: []string{"d/a/x/hello"},
			errs:  []string{"d/a/x/y: d/a/x/y: symbolic link loop: it leads back to d/a, which contains it; not entered"},
		},
		{
			name:  "link to itself",
			spec:  []string{"d/self -> .", "d/hello"},
			files: []string{"d/hello"},
			errs:  []string{"d/self: d/self: symbolic link loop: it leads back to d, which contains it; not entered"},
		},
		{
			name:  "two links to one file: each name is listed",
			spec:  []string{"d/hello", "d/l1 -> hello", "d/l2 -> ./hello"},
			files: []string{"d/hello", "d/l1", "d/l2"},
		},
		{
			name:  "broken link",
			spec:  []string{"d/hello", "d/dangling -> nowhere"},
			files: []string{"d/hello"},
			errs:  []string{"d/dangling: d/dangling: broken symbolic link: its target nowhere does not exist"},
		},
		{
			name:  "link that cannot be resolved",
			spec:  []string{"d/hello", "d/knot -> knot"},
			files: []string{"d/hello"},
			errs:  []string{"d/knot: d/knot: symbolic link to knot cannot be followed: too many levels of symbolic links"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tree(t, tt.spec...)
			found, errs := Walk([]string{filepath.Join(dir, "d")})
			files, msgs := walkResult(t, dir, found, errs)
			assert.Equal(t, tt.files, files)
			assert.Equal(t, tt.errs, msgs)
		})
	}
}

// Named paths: each is walked in full and says which files it gave; a
// broken link named on the command line says so too.
func TestWalkNamed(t *testing.T) {
	dir := tree(t, "d/v1/hello", "d/latest -> v1", "dangling -> nowhere", "f")
	d, f := filepath.Join(dir, "d"), filepath.Join(dir, "f")
	found, errs := Walk([]string{d, filepath.Join(d, "v1"), d, f, filepath.Join(dir, "dangling")})
	files, msgs := walkResult(t, dir, found, errs)
	assert.Equal(t, []string{"d/v1/hello", "d/v1/hello", "d/v1/hello", "f"}, files, "every named path walked in full")
	assert.Equal(t, []string{"dangling: dangling: broken symbolic link: its target nowhere does not exist"}, msgs)
	var roots []string
	for _, x := range found {
		roots = append(roots, x.Root)
		assert.Equal(t, x.Path != f, x.Walked, x.Path)
	}
	assert.Equal(t, []string{d, filepath.Join(d, "v1"), d, f}, roots)
}

// Without inode numbers (fileID's fallback on platforms that have none)
// only the depth limit stops a cycle: the walk still ends, with one error.
func TestWalkDepthLimit(t *testing.T) {
	noID := func(fs.FileInfo) ([2]uint64, bool) { return [2]uint64{}, false }

	t.Run("deep real tree", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "d")
		for range maxDepth + 2 {
			p = filepath.Join(p, "s")
		}
		require.NoError(t, os.MkdirAll(p, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "d", "hello"), []byte("x"), 0o644))
		found, errs := walkWith([]string{filepath.Join(dir, "d")}, noID)
		files, _ := walkResult(t, dir, found, errs)
		assert.Equal(t, []string{"d/hello"}, files)
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0].Error(), "more than 64 directories deep; not entered")
	})
	t.Run("cycle", func(t *testing.T) {
		dir := tree(t, "d/hello", "d/self -> .")
		found, errs := walkWith([]string{filepath.Join(dir, "d")}, noID)
		require.Len(t, errs, 1, "one error, whichever limit is met first (the depth or the kernel's link limit)")
		assert.Contains(t, errs[0].Error(), "d/self/self")
		assert.NotEmpty(t, found)
		assert.Less(t, len(found), maxDepth+2)
	})
}

func mustStat(t *testing.T, p string) fs.FileInfo {
	t.Helper()
	st, err := os.Stat(p)
	require.NoError(t, err)
	return st
}
