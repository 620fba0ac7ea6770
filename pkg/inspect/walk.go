package inspect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// maxDepth bounds a directory walk, and is what stops a symbolic link
// cycle where directories cannot be told apart by inode.
const maxDepth = 64

// Found is a regular file Walk found.
type Found struct {
	Path string
	// Root is the path given to Walk that the file was found under (Path
	// itself for a named file), so a caller can tell which named path
	// yielded nothing.
	Root string
	// Walked says the file was found in a directory, not named by the
	// caller: a walked file of no known format is passed over, a named one
	// is an error.
	Walked bool
	Size   int64
}

// PathError is a path Walk could not use, with the reason.
type PathError struct {
	Path string
	Root string // the path given to Walk that Path was reached from
	Err  error
}

// Error is the reason (which names the path).
func (e *PathError) Error() string { return e.Err.Error() }

// Unwrap gives the reason.
func (e *PathError) Unwrap() error { return e.Err }

// Walk expands paths into the regular files to inspect: files as given,
// directories walked recursively in name order, following symbolic links.
// Release directories link to themselves on purpose (latest -> v1.2), so a
// second way to a directory is not an error: each named path is walked in
// full, and within it a directory is entered once, under the first name it
// is reached by (real subdirectories and files before the symbolic links
// beside them, so the sibling latest -> v1.2 does not rename v1.2's files).
// Only a cycle, a symbolic link that leads back to a directory containing
// it, is an error, reported once where it closes. A file is listed under
// every name it has: names cost nothing and cannot loop. Where directories
// have no identity to compare (no inode numbers), the depth limit of
// maxDepth is what ends a cycle.
func Walk(paths []string) ([]Found, []*PathError) {
	return walkWith(paths, fileID)
}

// walkWith is Walk with the directory identity given, so tests can take it
// away.
func walkWith(paths []string, id func(fs.FileInfo) ([2]uint64, bool)) ([]Found, []*PathError) {
	w := walker{id: id}
	for _, p := range paths {
		w.root, w.seen = p, map[[2]uint64]bool{}
		w.walk(p, true, 0)
	}
	return w.files, w.errs
}

type walker struct {
	files []Found
	errs  []*PathError
	id    func(fs.FileInfo) ([2]uint64, bool)
	root  string             // the named path being walked
	seen  map[[2]uint64]bool // directories entered under root
	stack []openDir          // the directories being walked, outermost first
}

// openDir is a directory on the path being walked.
type openDir struct {
	id   [2]uint64
	path string
}

func (w *walker) fail(p string, err error) { w.errs = append(w.errs, &PathError{p, w.root, err}) }

func (w *walker) walk(p string, named bool, depth int) {
	if depth > maxDepth {
		w.fail(p, fmt.Errorf("%s: more than %d directories deep; not entered (symbolic link loop?)", p, maxDepth))
		return
	}
	st, err := os.Stat(p) // follows symlinks
	if err != nil {
		w.fail(p, linkError(p, err))
		return
	}
	if !st.IsDir() {
		if st.Mode().IsRegular() {
			w.files = append(w.files, Found{Path: p, Root: w.root, Walked: !named, Size: st.Size()})
		} else if named {
			w.fail(p, fmt.Errorf("%s: not a regular file", p))
		}
		return
	}
	if id, ok := w.id(st); ok {
		if i := slices.IndexFunc(w.stack, func(d openDir) bool { return d.id == id }); i >= 0 {
			w.fail(p, fmt.Errorf("%s: symbolic link loop: it leads back to %s, which contains it; not entered", p, w.stack[i].path))
			return
		}
		if w.seen[id] {
			return // reached before by another name, and walked then
		}
		w.seen[id] = true
		w.stack = append(w.stack, openDir{id, p})
		defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		w.fail(p, err)
		return
	}
	// Real entries first, then symbolic links, each in name order.
	slices.SortStableFunc(ents, func(a, b fs.DirEntry) int {
		return boolOrder(a.Type()&fs.ModeSymlink != 0, b.Type()&fs.ModeSymlink != 0)
	})
	for _, ent := range ents {
		w.walk(filepath.Join(p, ent.Name()), false, depth+1)
	}
}

// boolOrder orders false before true.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// linkError says why p, when it is a symbolic link, cannot be followed:
// its target is missing, or resolving it loops (a link to itself). Other
// errors are returned as they are.
func linkError(p string, err error) error {
	lst, lerr := os.Lstat(p)
	if lerr != nil || lst.Mode()&fs.ModeSymlink == 0 {
		return err
	}
	target, rerr := os.Readlink(p)
	if rerr != nil {
		return err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: broken symbolic link: its target %s does not exist", p, target)
	}
	cause := err
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		cause = pe.Err
	}
	return fmt.Errorf("%s: symbolic link to %s cannot be followed: %w", p, target, cause)
}
