// Package atomicfile writes a file so that a reader sees either the old
// file or the complete new one, never half of it: the content goes to a
// temporary file in the same directory, which is renamed over the
// destination only when everything was written. A failed write removes
// the temporary file and leaves the destination as it was, so a failed or
// cancelled run never clobbers a previous good binary, report, archive or
// sums file.
//
// It is the one temp-file-and-rename of portmatrix: reports, archives and
// sums go through Write, caches through WriteNoSync, and writers that fill
// the file some other way (go build -o writing it by name, a copy that is
// checked before it may replace anything) through Create and Commit.
//
// Every temporary file is named ".NAME.portmatrix-DIGITS" beside NAME, so
// that IsTemp can tell the leftovers of a crashed run from anything else.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tempInfix sits between the destination's name and the random digits of
// every temporary file's name.
const tempInfix = ".portmatrix-"

// File is a temporary file beside its destination, open for writing.
// Commit (or CommitNoSync) renames it over the destination; Abort removes
// it. Deferring Abort right after Create is the idiom: it does nothing
// once the file was committed.
type File struct {
	*os.File
	path   string   // the destination, as given
	root   *os.Root // when set, every name below is relative to it
	rel    string   // the destination's name in root, or path
	tmp    string   // the temporary file's name in root, or its path
	closed bool
	done   bool
}

// errDone is returned when a File is committed or aborted twice.
var errDone = errors.New("atomicfile: already committed or aborted")

// Create creates the directory of path if needed and a new temporary file
// beside path, with mode perm less the umask (as os.Create does: a binary
// created with 0o777 is executable wherever go build's would be).
func Create(path string, perm os.FileMode) (*File, error) {
	return CreateIn(nil, path, perm)
}

// CreateIn is Create confined to root: path must name a file below the
// directory root was opened on (root.Name(), which must be absolute, as
// path must then be), and every directory made, the temporary file and
// the rename all go through root, so a symbolic link in the tree that
// leads out of it is an error rather than a way out. A nil root is Create.
func CreateIn(root *os.Root, path string, perm os.FileMode) (*File, error) {
	f := &File{path: path, root: root, rel: path}
	if root != nil {
		rel, err := Rel(root, path)
		if err != nil {
			return nil, err
		}
		f.rel = rel
	}
	dir, base := filepath.Split(f.rel)
	if dir == "" {
		dir = "."
	}
	if err := f.mkdirAll(dir); err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		f.tmp = filepath.Join(dir, "."+base+tempInfix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		file, err := f.openFile(f.tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) && try < 10000 {
			continue
		}
		if err != nil {
			return nil, err
		}
		f.File = file
		return f, nil
	}
}

// Rel is path's name below root's directory, or an error naming both when
// path is not below it.
func Rel(root *os.Root, path string) (string, error) {
	rel, err := filepath.Rel(root.Name(), path)
	if err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s is not inside %s", path, root.Name())
	}
	return rel, nil
}

func (f *File) mkdirAll(dir string) error {
	if f.root != nil {
		return f.root.MkdirAll(dir, 0o755)
	}
	return os.MkdirAll(dir, 0o755)
}

func (f *File) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	if f.root != nil {
		return f.root.OpenFile(name, flag, perm)
	}
	return os.OpenFile(name, flag, perm)
}

func (f *File) remove(name string) error {
	if f.root != nil {
		return f.root.Remove(name)
	}
	return os.Remove(name)
}

func (f *File) rename(from, to string) error {
	if f.root != nil {
		return f.root.Rename(from, to)
	}
	return os.Rename(from, to)
}

// Path is the destination the file is committed to.
func (f *File) Path() string { return f.path }

// TempPath is the temporary file's path, for a writer that fills it by
// name (go build -o): absolute when the file was created in a root.
func (f *File) TempPath() string {
	if f.root != nil {
		return filepath.Join(f.root.Name(), f.tmp)
	}
	return f.tmp
}

// Close closes the handle and keeps the temporary file, for a writer that
// fills it by name (go build -o); Commit then only renames it.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	return f.File.Close()
}

// Commit syncs the temporary file, closes it and renames it over the
// destination, so that after a crash the destination is the old file or
// the whole new one. On failure the temporary file is removed.
func (f *File) Commit() error { return f.commit(true) }

// CommitNoSync is Commit without the fsync, for caches and other files
// whose reader checks what it reads (a size and a SHA-256): a file a crash
// left torn is detected and made again, so the cost of syncing buys
// nothing there.
func (f *File) CommitNoSync() error { return f.commit(false) }

func (f *File) commit(sync bool) error {
	if f.done {
		return errDone
	}
	f.done = true
	err := f.finish(sync)
	if err == nil {
		err = f.rename(f.tmp, f.rel)
	}
	if err != nil {
		f.remove(f.tmp)
		return err
	}
	return nil
}

// finish syncs (when asked) and closes the temporary file; a handle the
// writer already closed is reopened to be synced.
func (f *File) finish(sync bool) error {
	if f.closed && sync {
		r, err := f.openFile(f.tmp, os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		err = r.Sync()
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if sync {
		if err := f.File.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// Abort closes and removes the temporary file, leaving the destination as
// it was. After Commit it does nothing and returns nil.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.Close()
	return f.remove(f.tmp)
}

// IsTemp reports whether name, a file's base name, is one of the
// temporary files Create makes (".NAME.portmatrix-DIGITS"), so that the
// leftovers of a crashed or killed run can be found and removed without
// touching anything else.
func IsTemp(name string) bool {
	i := strings.LastIndex(name, tempInfix)
	if i < 2 || name[0] != '.' {
		return false
	}
	digits := name[i+len(tempInfix):]
	if digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Write creates the directory of path if needed, lets write fill a
// temporary file beside path, sets its mode to perm exactly (whatever the
// umask), syncs it and renames it to path.
func Write(path string, perm os.FileMode, write func(*os.File) error) error {
	return WriteIn(nil, path, perm, write)
}

// WriteNoSync is Write without the fsync, for caches: a reader that checks
// what it reads (a size and a hash) detects a file a crash left torn, so
// the cost of syncing buys nothing there.
func WriteNoSync(path string, perm os.FileMode, write func(*os.File) error) error {
	return writeFile(nil, path, perm, false, write)
}

// WriteIn is Write confined to root (CreateIn); a nil root is Write.
func WriteIn(root *os.Root, path string, perm os.FileMode, write func(*os.File) error) error {
	return writeFile(root, path, perm, true, write)
}

func writeFile(root *os.Root, path string, perm os.FileMode, sync bool, write func(*os.File) error) error {
	f, err := CreateIn(root, path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f.File); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if sync {
		return f.Commit()
	}
	return f.CommitNoSync()
}
