// Package distdir is the dist directory of a run: the one tree a build
// writes its files into (binaries, logs, the state file, archives,
// SHA256SUMS). It is opened once per run as an os.Root, and every file the
// run writes there goes through that root, so no output template, archive
// name or symbolic link in the tree (dist/linux_amd64 -> /somewhere/else)
// can put a file outside it: a link that leads out is an error.
//
// Opening also makes the run the directory's only writer, with an advisory
// lock (.portmatrix/lock), and removes what an interrupted run of
// portmatrix left behind: temporary files of portmatrix's own naming
// (atomicfile.IsTemp: ".NAME.portmatrix-DIGITS"), and nothing else.
//
// The limits: the dist directory itself may be a symbolic link (the user
// names it, and it is where it points); go build writes its temporary
// output by name, so a link swapped into the tree while it runs is outside
// what the root can guard; the lock is advisory (flock), honoured by
// portmatrix runs, and absent where the system has no flock.
package distdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
)

// LockFile is the lock of a dist directory, relative to it.
const LockFile = ".portmatrix/lock"

// ErrBusy is wrapped by Open's error when another run holds the lock.
var ErrBusy = errors.New("another portmatrix run is writing to this dist directory")

// Dir is an open dist directory.
type Dir struct {
	root *os.Root
	lock *os.File
	// Cleaned are the leftovers Open removed, relative to the directory.
	Cleaned []string
}

// Open creates the dist directory at path (absolute) if needed, opens it as
// a root, takes its lock and removes the temporary files interrupted runs
// left. Close releases it.
func Open(path string) (*Dir, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("dist directory %s: not an absolute path", path)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("dist directory: %w", err)
	}
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("dist directory: %w", err)
	}
	d := &Dir{root: root}
	if err := d.takeLock(); err != nil {
		root.Close()
		return nil, err
	}
	if err := d.clean(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Root is the directory's root, for the writers that take one.
func (d *Dir) Root() *os.Root { return d.root }

// Path is the directory's absolute path.
func (d *Dir) Path() string { return d.root.Name() }

// Contains says path (absolute) is below the directory, by name.
func (d *Dir) Contains(path string) bool {
	_, err := atomicfile.Rel(d.root, path)
	return err == nil
}

func (d *Dir) takeLock() error {
	if err := d.root.MkdirAll(filepath.Dir(LockFile), 0o755); err != nil {
		return fmt.Errorf("dist directory %s: %w", d.Path(), err)
	}
	f, err := d.root.OpenFile(LockFile, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("dist directory %s: %w", d.Path(), err)
	}
	if err := lock(f); err != nil {
		f.Close()
		if errors.Is(err, ErrBusy) {
			return fmt.Errorf("%s: %w; wait for it to finish, or give this one another --dist", d.Path(), ErrBusy)
		}
		return fmt.Errorf("dist directory %s: lock: %w", d.Path(), err)
	}
	d.lock = f
	return nil
}

// clean removes portmatrix's own temporary files from the tree (walked
// through the root: a link out of it is not followed).
func (d *Dir) clean() error {
	return fs.WalkDir(d.root.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			return nil // an unreadable corner (or a link out): nothing of ours to clean there
		}
		if e.Type().IsRegular() && atomicfile.IsTemp(e.Name()) {
			if err := d.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("removing %s left by an interrupted run: %w", filepath.Join(d.Path(), p), err)
			}
			d.Cleaned = append(d.Cleaned, p)
		}
		return nil
	})
}

// Close releases the lock and the root.
func (d *Dir) Close() error {
	var err error
	if d.lock != nil {
		err = d.lock.Close() // closing releases the flock
		d.lock = nil
	}
	if cerr := d.root.Close(); err == nil {
		err = cerr
	}
	return err
}
