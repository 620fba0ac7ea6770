// Package state keeps what previous runs built, in DIST/.portmatrix/state.json:
// per job, the input key it was built from, the output's size and SHA-256,
// how long the build took and how much memory it needed, and the output's
// inspection. A job whose key is unchanged and whose output is still the
// recorded one is not built again (Fresh); the durations and peak memory
// order and budget the builds that do run.
//
// The state is a cache: a missing, unreadable, corrupt or other-version file
// is an empty state, never a failure, and losing it costs one full build.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
)

// SchemaVersion is the version of the file's layout. A file with another
// version is ignored rather than half understood; bump it when a field
// changes meaning. 2: the recorded inspection's min_os is the floor the
// Go runtime needs when that is above the header's (inspect.Info.MinOS),
// so a version 1 entry would show a Windows 6.1 floor for a go1.21+ binary.
const SchemaVersion = 2

// ErrIgnored is wrapped by the warning Load returns with an empty state when
// the file exists but cannot be used, so the caller can print it and go on.
var ErrIgnored = errors.New("ignoring the state of previous runs")

// Entry is what the last real build of one job left.
type Entry struct {
	// Key is the job's input key when it was built (fingerprint.Global.Key).
	Key string `json:"key"`
	// Output is the binary's path; Size, ModTime and SHA256 describe it as
	// it was written.
	Output  string    `json:"output"`
	SHA256  string    `json:"sha256"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
	// Duration is the wall time of the build, for starting the longest
	// builds first.
	Duration time.Duration `json:"duration_ns"`
	// MaxRSS is the peak resident memory in bytes of the build's largest
	// process, 0 if unknown, for the memory budget.
	MaxRSS int64 `json:"max_rss_bytes,omitempty"`
	// Info is the inspection of the output, so an unchanged output needs no
	// re-inspection.
	Info *inspect.Info `json:"info,omitempty"`
	// Archive is the release archive packed from the output, so an
	// unchanged job's archive is not packed again.
	Archive *Archive `json:"archive,omitempty"`
}

// Archive is a release archive as it was written: Key covers every input
// of the archive (release.ArchiveKey), Path, Size and SHA256 the file.
type Archive struct {
	Key    string `json:"key"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// SetArchive records the archive of job id (made or reused by this run).
func (f *File) SetArchive(id string, a Archive) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.Jobs[id]; ok {
		e.Archive = &a
		f.Jobs[id] = e
	}
}

// FreshArchive returns the recorded archive of job id when its key equals
// key and the file is still the recorded one (size and SHA-256).
func (f *File) FreshArchive(id, key string) (Archive, bool) {
	f.mu.Lock()
	e, ok := f.Jobs[id]
	f.mu.Unlock()
	if !ok || e.Archive == nil || key == "" || e.Archive.Key != key {
		return Archive{}, false
	}
	sum, err := filehash.FileSized(e.Archive.Path, e.Archive.Size)
	if err != nil || sum != e.Archive.SHA256 {
		return Archive{}, false
	}
	return *e.Archive, true
}

// File is the state of previous runs. Its methods are safe for concurrent
// use (Record from the pool's callbacks, Fresh from several goroutines);
// read Jobs directly only when no other goroutine uses the File.
type File struct {
	SchemaVersion int `json:"schema_version"`
	// Jobs are the entries by job id (plan.Job.ID).
	Jobs map[string]Entry `json:"jobs"`

	mu sync.Mutex
}

// New is an empty state.
func New() *File {
	return &File{SchemaVersion: SchemaVersion, Jobs: map[string]Entry{}}
}

// Load reads the state at path. It always returns a usable File: a missing
// file is an empty state and no error; a file that cannot be read or used
// is an empty state and a warning wrapping ErrIgnored, which the caller
// prints and goes on (every job is then built).
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return New(), fmt.Errorf("state %s: %w: %w", path, ErrIgnored, err)
	}
	var head struct {
		SchemaVersion int `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return New(), fmt.Errorf("state %s: %w: %w", path, ErrIgnored, err)
	}
	if head.SchemaVersion != SchemaVersion {
		return New(), fmt.Errorf("state %s: %w: schema version %d, this portmatrix reads %d",
			path, ErrIgnored, head.SchemaVersion, SchemaVersion)
	}
	f := New()
	if err := json.Unmarshal(data, f); err != nil {
		return New(), fmt.Errorf("state %s: %w: %w", path, ErrIgnored, err)
	}
	if f.Jobs == nil {
		f.Jobs = map[string]Entry{}
	}
	return f, nil
}

// Save writes the state to path atomically (a crash leaves the old file or
// the new one) and deterministically (jobs sorted by id), creating the
// directory.
func (f *File) Save(path string) error { return f.SaveIn(nil, path) }

// SaveIn is Save confined to root (atomicfile.WriteIn).
func (f *File) SaveIn(root *os.Root, path string) error {
	f.mu.Lock()
	f.SchemaVersion = SchemaVersion
	data, err := json.MarshalIndent(f, "", "  ")
	f.mu.Unlock()
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	data = append(data, '\n')
	err = atomicfile.WriteIn(root, path, 0o644, func(w *os.File) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	return nil
}

// Fresh returns the entry of job id when the job need not be built: it was
// built from key, and its output is still exactly what that build wrote,
// same size and same SHA-256. The output is hashed every time, because a
// size and mtime can survive an overwrite and a stale binary must never pass
// as fresh. That costs one read of the binary: BenchmarkFresh measured 4 ms
// per 2 MB (400-500 MB/s) on a loaded shared 2-core machine, so call Fresh
// for several jobs at once when outputs are large.
func (f *File) Fresh(id, key string) (Entry, bool) {
	f.mu.Lock()
	e, ok := f.Jobs[id]
	f.mu.Unlock()
	if !ok || key == "" || e.Key != key || e.Output == "" || e.SHA256 == "" {
		return Entry{}, false
	}
	sum, err := filehash.FileSized(e.Output, e.Size)
	if err != nil || sum != e.SHA256 {
		return Entry{}, false
	}
	return e, true
}

// Observe describes an output just built: its path, size, mtime and
// SHA-256. The caller adds Key (computed before the build started),
// Duration, MaxRSS and Info, and Records it.
func Observe(output string) (Entry, error) {
	st, err := os.Stat(output)
	if err != nil {
		return Entry{}, fmt.Errorf("state: %w", err)
	}
	sum, err := filehash.FileSized(output, st.Size())
	if err != nil {
		return Entry{}, fmt.Errorf("state: %w", err)
	}
	return Entry{Output: output, SHA256: sum, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Record stores the entry of job id after a real build. A job skipped as
// fresh keeps its entry as it is: record only what was built, so Duration
// stays the cost of a real build.
func (f *File) Record(id string, e Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Jobs == nil {
		f.Jobs = map[string]Entry{}
	}
	f.Jobs[id] = e
}

// Duration is how long job id's last real build took, when known, for
// starting the costliest jobs first.
func (f *File) Duration(id string) (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.Jobs[id]
	return e.Duration, ok && e.Duration > 0
}

// MaxRSS is the peak memory in bytes of job id's last real build, when
// known, for the memory budget.
func (f *File) MaxRSS(id string) (int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.Jobs[id]
	return e.MaxRSS, ok && e.MaxRSS > 0
}

// Prune drops the entries of jobs not in keep (jobs removed from the
// manifest), so the file does not grow forever, and says how many went.
// Pass every job of the manifest, not only those selected by --targets or
// --build, or the entries of unselected jobs are lost.
func (f *File) Prune(keep []string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	live := make(map[string]bool, len(keep))
	for _, id := range keep {
		live[id] = true
	}
	n := 0
	for id := range f.Jobs {
		if !live[id] {
			delete(f.Jobs, id)
			n++
		}
	}
	return n
}
