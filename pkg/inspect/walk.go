package inspect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// maxDepth bounds a directory walk where loops cannot be told by inode.
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
// directories walked recursively in name order, following symbolic links
// and refusing to enter a directory twice (a symlink loop).
func Walk(paths []string) ([]Found, []*PathError) {
	w := walker{seen: map[[2]uint64]bool{}}
	for _, p := range paths {
		w.root = p
		w.walk(p, true, 0)
	}
	return w.files, w.errs
}

type walker struct {
	files []Found
	errs  []*PathError
	seen  map[[2]uint64]bool
	root  string // the named path being walked
}

func (w *walker) fail(p string, err error) { w.errs = append(w.errs, &PathError{p, w.root, err}) }

func (w *walker) walk(p string, named bool, depth int) {
	if depth > maxDepth {
		w.fail(p, fmt.Errorf("%s: more than %d directories deep; not entered (symbolic link loop?)", p, maxDepth))
		return
	}
	st, err := os.Stat(p) // follows symlinks
	if err != nil {
		if !named {
			if _, lerr := os.Lstat(p); lerr == nil {
				err = fmt.Errorf("%s: broken symbolic link or loop: %w", p, errors.Unwrap(err))
			}
		}
		w.fail(p, err)
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
	if id, ok := fileID(st); ok {
		if w.seen[id] {
			w.fail(p, fmt.Errorf("%s: directory already visited (symbolic link loop); not entered again", p))
			return
		}
		w.seen[id] = true
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		w.fail(p, err)
		return
	}
	for _, ent := range ents {
		w.walk(filepath.Join(p, ent.Name()), false, depth+1)
	}
}
