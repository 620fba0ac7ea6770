// Package outcache keeps a copy of every binary portmatrix builds, keyed by
// the job's input key (fingerprint.Global.Key), so a job whose inputs match
// a build made before is restored by copying its binary instead of running
// `go build` — the missing half of Go's build cache, which keeps compiled
// packages but never a linked executable. A clean dist directory, a fresh
// checkout at the same path or a CI job that restores the cache directory
// then costs a file copy per job instead of a link.
//
// The key covers everything that can change the binary (see package
// fingerprint), so the correctness of a restore is that of the skip of an
// unchanged job. Each entry records the SHA-256 and size of the binary it
// holds, and a restore checks both on the bytes it copies: a truncated,
// corrupted or edited entry is a miss (and is removed), never a wrong
// binary. A restore writes a temporary file beside the destination and
// renames it into place, so a failed restore never clobbers anything.
//
// The cache stays small on its own: each output path (a slot) keeps only
// its latest entry, and entries not used for MaxAge are removed by a trim
// that runs at most once a day. It is a cache: losing it costs one build
// per job.
package outcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
	"github.com/portmatrix/portmatrix/pkg/internal/usercache"
)

// EnvVar names the environment variable that sets the cache directory, or
// turns the cache off with "off".
const EnvVar = "PORTMATRIX_CACHE"

// Off is the value of EnvVar (or of --cache) that disables the cache.
const Off = "off"

// MaxAge is how long an entry that is neither stored nor restored is kept.
const MaxAge = 14 * 24 * time.Hour

// trimEvery is how often Store looks for entries older than MaxAge.
const trimEvery = 24 * time.Hour

// ErrMiss is wrapped by Restore's error when the cache has no usable entry
// for the key.
var ErrMiss = errors.New("not in the output cache")

// DefaultDir is the cache directory when none is given: $PORTMATRIX_CACHE
// if set ("" when it says off), else portmatrix/outputs under the user's
// cache directory ($XDG_CACHE_HOME or ~/.cache on Linux).
func DefaultDir(getenv func(string) string) (string, error) {
	if v := getenv(EnvVar); v != "" {
		if v == Off {
			return "", nil
		}
		return filepath.Abs(v)
	}
	base, err := usercache.Dir(getenv)
	if err != nil {
		return "", fmt.Errorf("output cache: %w (set %s to a directory, or to off)", err, EnvVar)
	}
	return filepath.Join(base, "outputs"), nil
}

// FromFlag opens the cache a --cache flag names: a directory, Off, or ""
// for DefaultDir. A cache that cannot be located is off, with an error to
// show as a warning: the cache only ever saves work.
func FromFlag(flag string, getenv func(string) string) (*Cache, error) {
	switch flag {
	case Off:
		return Open(""), nil
	case "":
		dir, err := DefaultDir(getenv)
		return Open(dir), err
	}
	dir, err := filepath.Abs(flag)
	if err != nil {
		return Open(""), fmt.Errorf("--cache %s: %w; the output cache is off", flag, err)
	}
	return Open(dir), nil
}

// Meta is what an entry records next to the binary.
type Meta struct {
	// SHA256 and Size describe the binary the entry holds.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Job is the id of the job that built it, for people reading the cache.
	Job string `json:"job,omitempty"`
	// Duration and MaxRSS are those of the real build, so a restored job
	// still tells the scheduler what building it costs.
	Duration time.Duration `json:"duration_ns"`
	MaxRSS   int64         `json:"max_rss_bytes,omitempty"`
}

// Cache is an output cache in one directory. The zero value and a nil
// *Cache are a disabled cache: every Restore misses and Store does nothing.
// Its methods are safe for concurrent use, also by several processes.
type Cache struct {
	dir string
	now func() time.Time
}

// Open returns the cache in dir; "" is a disabled cache. Nothing is created
// until the first Store.
func Open(dir string) *Cache {
	return &Cache{dir: dir, now: time.Now}
}

// Dir is the cache directory ("" when disabled).
func (c *Cache) Dir() string {
	if c == nil {
		return ""
	}
	return c.dir
}

// Enabled says whether the cache is in use.
func (c *Cache) Enabled() bool { return c != nil && c.dir != "" }

// validKey accepts what fingerprint keys are: a SHA-256 in lowercase hex.
func validKey(key string) bool {
	b, err := hex.DecodeString(key)
	return err == nil && len(b) == sha256.Size && key == strings.ToLower(key)
}

func (c *Cache) binPath(key string) string {
	return filepath.Join(c.dir, key[:2], key)
}

func (c *Cache) metaPath(key string) string {
	return filepath.Join(c.dir, key[:2], key+".json")
}

// slotPath is where the key last stored for an output path is kept.
func (c *Cache) slotPath(slot string) string {
	sum := sha256.Sum256([]byte(slot))
	return filepath.Join(c.dir, "slots", hex.EncodeToString(sum[:16]))
}

// Restore copies the binary stored under key to dst, with mode 0777 less
// the umask (as go build writes it), and returns its Meta. The copy goes to
// a temporary file beside dst and is renamed over dst only when its size
// and SHA-256 are the recorded ones; a missing entry returns an error
// wrapping ErrMiss, a corrupt one removes the entry and returns an error
// wrapping ErrMiss that says what was wrong.
//
// root, when set, confines the copy (atomicfile.CreateIn): dst must be below
// its directory, and a symbolic link there that leads out is an error.
func (c *Cache) Restore(key, dst string, root *os.Root) (Meta, error) {
	if !c.Enabled() {
		return Meta{}, fmt.Errorf("%w: the cache is off", ErrMiss)
	}
	if !validKey(key) {
		return Meta{}, fmt.Errorf("%w: %q is not an input key", ErrMiss, key)
	}
	m, err := c.readMeta(key)
	if err != nil {
		return Meta{}, err
	}
	// Lstat first: only a regular file is opened (a FIFO planted in the
	// cache would block the open forever).
	if lst, err := os.Lstat(c.binPath(key)); errors.Is(err, fs.ErrNotExist) {
		c.remove(key)
		return Meta{}, fmt.Errorf("%w: entry %s has no binary", ErrMiss, key)
	} else if err != nil {
		return Meta{}, fmt.Errorf("%w: %w", ErrMiss, err)
	} else if !lst.Mode().IsRegular() {
		c.remove(key)
		return Meta{}, fmt.Errorf("%w: entry %s is not a regular file (%v); removed", ErrMiss, key, lst.Mode().Type())
	}
	src, err := os.Open(c.binPath(key))
	if err != nil {
		return Meta{}, fmt.Errorf("%w: %w", ErrMiss, err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return Meta{}, fmt.Errorf("%w: %w", ErrMiss, err)
	}
	if st.Size() != m.Size {
		c.remove(key)
		return Meta{}, fmt.Errorf("%w: entry %s holds %d bytes, recorded %d; removed", ErrMiss, key, st.Size(), m.Size)
	}
	// Created with mode 0777 less the umask, as go build creates a binary:
	// the mode is not taken from the cache, which may have lost the
	// executable bits on its way (an artifact upload, a CI cache).
	tmp, err := atomicfile.CreateIn(root, dst, 0o777)
	if err != nil {
		return Meta{}, err
	}
	defer tmp.Abort()
	h := filehash.New()
	n, err := io.Copy(tmp, io.TeeReader(src, h))
	if err != nil {
		return Meta{}, fmt.Errorf("restoring %s from %s: %w", dst, c.binPath(key), err)
	}
	if sum := h.Sum(); n != m.Size || sum != m.SHA256 {
		c.remove(key)
		return Meta{}, fmt.Errorf("%w: entry %s has SHA-256 %s, recorded %s; removed", ErrMiss, key, sum, m.SHA256)
	}
	// Not synced: what was copied was just checked, and a binary a crash
	// left torn fails the state file's SHA-256 check and is built again.
	if err := tmp.CommitNoSync(); err != nil {
		return Meta{}, fmt.Errorf("restoring %s: %w", dst, err)
	}
	now := c.now()
	_ = os.Chtimes(c.metaPath(key), now, now) // used: the trim keeps it
	return m, nil
}

func (c *Cache) readMeta(key string) (Meta, error) {
	data, err := os.ReadFile(c.metaPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, ErrMiss
	}
	if err != nil {
		return Meta{}, fmt.Errorf("%w: %w", ErrMiss, err)
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil || m.SHA256 == "" || m.Size < 0 {
		c.remove(key)
		return Meta{}, fmt.Errorf("%w: entry %s has an unreadable record; removed", ErrMiss, key)
	}
	return m, nil
}

// remove deletes an entry; the record goes first, so a reader never takes
// a half-removed entry for a whole one.
func (c *Cache) remove(key string) {
	os.Remove(c.metaPath(key))
	os.Remove(c.binPath(key))
}

// Store copies the binary at src, a build's output, into the cache under
// key with m, whose SHA256 and Size describe src as it was inspected. The
// copy is not hashed again: should src change before it is copied, the
// entry fails Restore's check and is dropped then. The previous entry of
// the same output path, when it had another key, is removed, so the cache
// holds the latest build of each output rather than every build ever made.
func (c *Cache) Store(key, src string, m Meta) error {
	if !c.Enabled() {
		return nil
	}
	if !validKey(key) {
		return fmt.Errorf("output cache: %q is not an input key", key)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("output cache: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("output cache: %w", err)
	}
	bin := c.binPath(key)
	// The cache is not worth an fsync: an entry torn by a crash fails its
	// SHA-256 check and is a miss.
	err = atomicfile.WriteNoSync(bin, st.Mode().Perm(), func(w *os.File) error {
		n, err := io.Copy(w, in)
		if err == nil && n != m.Size {
			err = fmt.Errorf("%s changed since it was inspected (%d bytes, expected %d)", src, n, m.Size)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("output cache: %w", err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("output cache: %w", err)
	}
	if err := atomicfile.WriteNoSync(c.metaPath(key), 0o644, func(w *os.File) error { _, err := w.Write(data); return err }); err != nil {
		return fmt.Errorf("output cache: %w", err)
	}
	c.replaceSlot(src, key)
	c.maybeTrim()
	return nil
}

// replaceSlot points slot at key and removes the entry it pointed at
// before.
func (c *Cache) replaceSlot(slot, key string) {
	p := c.slotPath(slot)
	if old, err := os.ReadFile(p); err == nil {
		if k := strings.TrimSpace(string(old)); k != key && validKey(k) {
			c.remove(k)
		}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
		_ = atomicfile.WriteNoSync(p, 0o644, func(w *os.File) error { _, err := w.WriteString(key + "\n"); return err })
	}
}

// maybeTrim removes entries not used for MaxAge, at most once per trimEvery
// (the time of the last trim is the mtime of the file "trimmed").
func (c *Cache) maybeTrim() {
	stamp := filepath.Join(c.dir, "trimmed")
	now := c.now()
	if st, err := os.Stat(stamp); err == nil && now.Sub(st.ModTime()) < trimEvery {
		return
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		return
	}
	_ = os.Chtimes(stamp, now, now)
	c.Trim(now.Add(-MaxAge))
}

// Trim removes every entry whose record was last stored or restored before
// cutoff, and slots that point at nothing.
func (c *Cache) Trim(cutoff time.Time) {
	if !c.Enabled() {
		return
	}
	dirs, _ := os.ReadDir(c.dir)
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		files, _ := os.ReadDir(filepath.Join(c.dir, d.Name()))
		for _, f := range files {
			if atomicfile.IsTemp(f.Name()) || strings.HasPrefix(f.Name(), ".") && strings.Contains(f.Name(), ".tmp-") {
				// A temporary file a crashed Store left (".tmp-" is how
				// atomicfile named them before IsTemp).
				if info, err := f.Info(); err == nil && info.ModTime().Before(cutoff) {
					os.Remove(filepath.Join(c.dir, d.Name(), f.Name()))
				}
				continue
			}
			key, isMeta := strings.CutSuffix(f.Name(), ".json")
			if !validKey(key) {
				continue
			}
			if !isMeta {
				// A binary without a record is a leftover of a crash or of
				// a removal half done.
				if _, err := os.Stat(c.metaPath(key)); errors.Is(err, fs.ErrNotExist) {
					if info, err := f.Info(); err == nil && info.ModTime().Before(cutoff) {
						os.Remove(c.binPath(key))
					}
				}
				continue
			}
			if info, err := f.Info(); err == nil && info.ModTime().Before(cutoff) {
				c.remove(key)
			}
		}
	}
	slots, _ := os.ReadDir(filepath.Join(c.dir, "slots"))
	for _, s := range slots {
		p := filepath.Join(c.dir, "slots", s.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if k := strings.TrimSpace(string(data)); !validKey(k) {
			os.Remove(p)
		} else if _, err := os.Stat(c.metaPath(k)); errors.Is(err, fs.ErrNotExist) {
			os.Remove(p)
		}
	}
}
