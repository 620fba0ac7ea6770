// Package atomicfile writes a file so that a reader sees either the old
// file or the complete new one, never half of it: the content goes to a
// temporary file in the same directory, which is synced and renamed over
// the destination only when everything was written. A failed write removes
// the temporary file and leaves the destination as it was, so a failed or
// cancelled run never clobbers a previous good report, archive or sums file.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write creates the directory of path if needed, lets write fill a
// temporary file beside path, sets its mode to perm, syncs it and renames
// it to path.
func Write(path string, perm os.FileMode, write func(*os.File) error) error {
	return writeFile(path, perm, true, write)
}

// WriteNoSync is Write without the fsync, for caches: a reader that checks
// what it reads (a size and a hash) detects a file a crash left torn, so
// the cost of syncing buys nothing there.
func WriteNoSync(path string, perm os.FileMode, write func(*os.File) error) error {
	return writeFile(path, perm, false, write)
}

func writeFile(path string, perm os.FileMode, sync bool, write func(*os.File) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
