// Package incremental decides, before a run builds anything, which of its
// jobs need a build at all, and records afterwards what the builds made so
// the next run can decide again. It owns the three things that make a
// rebuild unnecessary, behind one small API (Open → ToBuild → Finish →
// Save):
//
//   - the input key of every job (package fingerprint): equal keys mean the
//     go command would be given the same inputs;
//   - the state file in the dist directory (package state): the key, hash
//     and inspection of every output a previous run built, so a job whose
//     key and output are as recorded is not built again (Unchanged);
//   - the output cache (package outcache): binaries filed by input key, so a
//     job whose output is gone or different but whose inputs match a build
//     made before is restored by a copy instead of a link (Restored).
//
// Nothing here fails a run: a job whose inputs cannot be proved unchanged,
// a state file that cannot be read, or a cache entry that fails its checks
// only means the job is built. What the user should know comes back as
// notes (package note), never printed here.
//
// Only pure-Go jobs go through the output cache. A cgo job links C
// libraries whose content its key does not cover (a static libc.a or
// libssl.a updated by the system), so it is always linked again, as Go's
// own build cache does; it can still be Unchanged, since then its binary
// is the very file the recorded build wrote.
package incremental

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/outcache"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/state"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// StateFile is where a dist directory keeps what previous runs recorded,
// relative to it, with forward slashes.
const StateFile = ".portmatrix/state.json"

// Source says where a job's binary comes from in this run.
type Source string

// The sources of a job's binary.
const (
	// Built is a job that goes to the build pool.
	Built Source = "built"
	// Unchanged is a job whose inputs and output are as the run that built
	// it recorded: not built, its recorded inspection verified again.
	Unchanged Source = "unchanged"
	// Restored is a job whose binary was copied from the output cache and
	// inspected like a built one.
	Restored Source = "restored"
)

// Keyer computes the input keys of jobs: equal keys mean equal inputs. An
// error for a job means its inputs cannot be proved unchanged.
// fingerprint.Global is the real one.
type Keyer interface {
	Keys(ctx context.Context, jobs []plan.Job, parallel int) ([]string, []error)
}

// Options tune Open.
type Options struct {
	// DistDir holds the state file (StateFile).
	DistDir string
	// Cache is the output cache (nil or disabled: no restores, no stores).
	Cache *outcache.Cache
	// NewKeyer makes a fresh Keyer, one that has hashed nothing yet: it is
	// called once before the builds and once after them (to catch inputs
	// edited while they ran). Nil keys nothing: every job is built.
	NewKeyer func(ctx context.Context) (Keyer, error)
	// Force builds every job: nothing is Unchanged or Restored (the keys
	// are still recorded for the next run).
	Force bool
	// Explain adds a note per job that cannot be proved unchanged, saying
	// why, instead of one note counting them.
	Explain bool
	// Workers bounds the hashing and copying done at once (at least 1).
	Workers int
	// Root, when set, confines what the session writes (the state file;
	// Restore's binaries) to the dist directory (package distdir).
	Root *os.Root
}

// Prior is what the incremental stage found for one job before the
// builds.
type Prior struct {
	Source Source
	// Outcome is the verification of an Unchanged or Restored binary (the
	// recorded inspection checked against the job as it is now, or the
	// inspection of the restored file).
	Outcome verify.Outcome
	// Took is how long a restore took.
	Took time.Duration
	// meta is the cache's record of the real build behind a restore.
	meta outcache.Meta
}

// Session is the incremental state of one run.
type Session struct {
	opt   Options
	jobs  []plan.Job
	state *state.File
	path  string
	keys  []string // "" for a job that cannot be proved unchanged
	prior []Prior
	built []int // indexes in jobs of ToBuild's jobs
}

// Open loads the state file of opt.DistDir, keys every job and decides
// which are Unchanged (their key and output as recorded); the others are
// Built until Restore finds them in the output cache. With Force every job
// is Built. Open writes nothing. The notes say what the user should know
// (an unreadable state file, jobs that cannot be keyed).
func Open(ctx context.Context, jobs []plan.Job, opt Options) (*Session, []note.Note) {
	opt.Workers = max(opt.Workers, 1)
	s := &Session{
		opt: opt, jobs: jobs, keys: make([]string, len(jobs)), prior: make([]Prior, len(jobs)),
		path: filepath.Join(opt.DistDir, filepath.FromSlash(StateFile)),
	}
	for i := range s.prior {
		s.prior[i].Source = Built
	}
	var notes []note.Note
	st, err := state.Load(s.path)
	if err != nil {
		notes = append(notes, note.Warnf("%v", err))
	}
	s.state = st
	notes = append(notes, s.key(ctx)...)
	if !opt.Force {
		s.findUnchanged()
	}
	s.split()
	return s, notes
}

// split lists the jobs that must still be built.
func (s *Session) split() {
	s.built = s.built[:0]
	for i, p := range s.prior {
		if p.Source == Built {
			s.built = append(s.built, i)
		}
	}
}

// Restore copies from the output cache the binary of every job left to
// build whose key has an entry (unless Force), writing through root when
// set (the dist directory's: package distdir), and inspects each restored
// binary like a built one. It is a step of its own, after Open, so that a
// run can prove its C toolchains before writing anything: a restorable job
// is pure Go and needs none, so the jobs a toolchain serves are the same
// before and after it.
func (s *Session) Restore(ctx context.Context, root *os.Root) []note.Note {
	s.opt.Root = root
	if s.opt.Force {
		return nil
	}
	notes := s.restore(ctx)
	s.split()
	return notes
}

// key fills s.keys; a job that cannot be keyed keeps "" and is built.
func (s *Session) key(ctx context.Context) []note.Note {
	if s.opt.NewKeyer == nil || len(s.jobs) == 0 {
		return nil
	}
	k, err := s.opt.NewKeyer(ctx)
	if err != nil {
		return []note.Note{note.Warnf("every job is built: %v", err)}
	}
	keys, errs := k.Keys(ctx, s.jobs, s.opt.Workers)
	var notes []note.Note
	uncertain := 0
	for i := range s.jobs {
		if errs[i] != nil {
			uncertain++
			notes = append(notes, note.Explainf("%s is built: %v", s.jobs[i].ID, errs[i]))
			continue
		}
		s.keys[i] = keys[i]
	}
	if !s.opt.Explain {
		notes = nil
		if uncertain > 0 {
			notes = append(notes, note.Infof("%s cannot be proved unchanged and will be built (--explain says why)", plural.Count(uncertain, "job")))
		}
	}
	return notes
}

// findUnchanged marks Unchanged every keyed job whose recorded output is
// still the file the recorded build wrote (which costs one hash of it, so
// several run at once).
func (s *Session) findUnchanged() {
	var g errgroup.Group
	g.SetLimit(s.opt.Workers)
	for i, j := range s.jobs {
		if s.keys[i] == "" {
			continue
		}
		g.Go(func() error {
			if e, ok := s.state.Fresh(j.ID, s.keys[i]); ok && e.Info != nil {
				s.prior[i] = Prior{Source: Unchanged, Outcome: verify.Outcome{Info: e.Info, Violations: verify.Check(j, e.Info)}}
			}
			return nil
		})
	}
	_ = g.Wait()
}

// cacheable says whether a job's binary may go through the output cache:
// pure Go only (see the package documentation).
func cacheable(j plan.Job) bool { return !j.Cgo }

// restore copies from the output cache the binary of every keyed,
// cacheable job that is not Unchanged; each restored binary is inspected
// like a built one. A miss, or an entry that fails its checks, leaves the
// job to be built.
func (s *Session) restore(ctx context.Context) []note.Note {
	if !s.opt.Cache.Enabled() {
		return nil
	}
	notes := make([]*note.Note, len(s.jobs))
	var g errgroup.Group
	g.SetLimit(s.opt.Workers)
	for i, j := range s.jobs {
		if s.prior[i].Source != Built || s.keys[i] == "" || !cacheable(j) || ctx.Err() != nil {
			continue
		}
		g.Go(func() error {
			start := time.Now()
			meta, err := s.opt.Cache.Restore(s.keys[i], j.Output, s.opt.Root)
			switch {
			case err == nil:
				// Restore hashed the bytes it wrote: no second hashing pass.
				s.prior[i] = Prior{Source: Restored, Took: time.Since(start), meta: meta, Outcome: verify.BinaryHashed(j, meta.SHA256)}
			case !errors.Is(err, outcache.ErrMiss):
				// An unwritable dist directory, say: worth a warning.
				n := note.Warnf("%s not restored from the output cache: %v", j.ID, err)
				notes[i] = &n
			case err != outcache.ErrMiss:
				// A removed corrupt entry: for --explain.
				n := note.Explainf("%s not restored: %v", j.ID, err)
				notes[i] = &n
			}
			return nil
		})
	}
	_ = g.Wait()
	var out []note.Note
	for _, n := range notes {
		if n != nil && (n.Level != note.Explain || s.opt.Explain) {
			out = append(out, *n)
		}
	}
	return out
}

// Prior is what Open found for every job, indexed like the jobs.
func (s *Session) Prior() []Prior { return s.prior }

// ToBuild is the jobs that must be built (neither Unchanged nor Restored),
// in plan order.
func (s *Session) ToBuild() []plan.Job {
	out := make([]plan.Job, len(s.built))
	for k, i := range s.built {
		out[k] = s.jobs[i]
	}
	return out
}

// History is what previous runs recorded of each job's cost, for the
// scheduler.
func (s *Session) History() *state.File { return s.state }

// Finish runs after the builds, with the results and verifications of
// ToBuild's jobs (indexed like it). It keys the built jobs again: a job
// whose key changed while it was built (a file edited, a branch switched)
// loses its key, so neither the state file nor the output cache ever files
// a binary under inputs it was not built from. The others that built and
// were inspected go into the output cache, and every job that built or was
// restored is recorded in the state for the next run.
func (s *Session) Finish(ctx context.Context, built []build.Result, outcomes []verify.Outcome) []note.Note {
	notes := s.rekey(ctx, built)
	notes = append(notes, s.store(built, outcomes)...)
	s.record(built, outcomes)
	return notes
}

// rekey drops the key of every built job whose inputs changed while it
// was built.
func (s *Session) rekey(ctx context.Context, built []build.Result) []note.Note {
	var check []plan.Job
	var at []int // index in jobs of each job in check
	for k, res := range built {
		if i := s.built[k]; res.Status == build.StatusOK && s.keys[i] != "" {
			check = append(check, s.jobs[i])
			at = append(at, i)
		}
	}
	if len(check) == 0 {
		return nil
	}
	var keys []string
	var errs []error
	if ctx.Err() == nil {
		if k, err := s.opt.NewKeyer(ctx); err == nil {
			keys, errs = k.Keys(ctx, check, s.opt.Workers)
		}
	}
	var changed []string
	for c, i := range at {
		if keys == nil || errs[c] != nil || keys[c] != s.keys[i] {
			changed = append(changed, s.jobs[i].ID)
			s.keys[i] = ""
		}
	}
	if len(changed) == 0 || ctx.Err() != nil {
		return nil
	}
	return []note.Note{note.Infof("the inputs of %s changed while it was built (%s): not recorded as unchanged or cached; the next run builds it again",
		plural.Count(len(changed), "job"), strings.Join(changed, ", "))}
}

// store files every keyed, cacheable, built and inspected binary in the
// output cache. Only the first failure is reported: they tend to share a
// cause (a full disk).
func (s *Session) store(built []build.Result, outcomes []verify.Outcome) []note.Note {
	if !s.opt.Cache.Enabled() {
		return nil
	}
	var g errgroup.Group
	g.SetLimit(s.opt.Workers)
	var once sync.Once
	var storeErr error
	for k, res := range built {
		i, out := s.built[k], outcomes[k]
		if res.Status != build.StatusOK || s.keys[i] == "" || !cacheable(res.Job) || out.Info == nil || out.Info.SHA256 == "" {
			continue
		}
		g.Go(func() error {
			err := s.opt.Cache.Store(s.keys[i], res.Job.Output, outcache.Meta{
				SHA256: out.Info.SHA256, Size: out.Info.Size, Job: res.Job.ID,
				Duration: res.Duration, MaxRSS: res.MaxRSS,
			})
			if err != nil {
				once.Do(func() { storeErr = err })
			}
			return nil
		})
	}
	_ = g.Wait()
	if storeErr != nil {
		return []note.Note{note.Warnf("%v (--cache off or %s=off stops caching outputs)", storeErr, outcache.EnvVar)}
	}
	return nil
}

// record notes every job that built or was restored and was inspected in
// this run. An Unchanged job keeps its entry, and a restored one records
// the duration and memory of the build that made its binary, so the
// schedule always learns from real builds. The output's hash and size
// come from the inspection, which read the file just now.
func (s *Session) record(built []build.Result, outcomes []verify.Outcome) {
	put := func(i int, info verify.Outcome, dur time.Duration, rss int64) {
		in := info.Info
		if in == nil || in.SHA256 == "" {
			return
		}
		j := s.jobs[i]
		st, err := os.Stat(j.Output)
		if err != nil || st.Size() != in.Size {
			return
		}
		s.state.Record(j.ID, state.Entry{
			Key: s.keys[i], Output: j.Output, SHA256: in.SHA256, Size: in.Size, ModTime: st.ModTime(),
			Duration: dur, MaxRSS: rss, Info: in,
		})
	}
	for k, res := range built {
		if res.Status == build.StatusOK {
			put(s.built[k], outcomes[k], res.Duration, res.MaxRSS)
		}
	}
	for i, p := range s.prior {
		if p.Source == Restored {
			put(i, p.Outcome, p.meta.Duration, p.meta.MaxRSS)
		}
	}
}

// Key is the input key of job i of the session ("" when it has none).
func (s *Session) Key(i int) string { return s.keys[i] }

// Archive returns the archive a previous run packed for job id from the
// same inputs (key), when the file is still the recorded one.
func (s *Session) Archive(id, key string) (state.Archive, bool) {
	return s.state.FreshArchive(id, key)
}

// Packed records the archive of job id (packed or reused by this run).
func (s *Session) Packed(id string, a state.Archive) { s.state.SetArchive(id, a) }

// Save writes the state file. With whole (the plan is the whole manifest:
// no --targets, --build or --shard), entries of jobs no longer in it are
// dropped, so a filtered run never forgets the other jobs.
func (s *Session) Save(whole bool) error {
	if whole {
		ids := make([]string, len(s.jobs))
		for i, j := range s.jobs {
			ids[i] = j.ID
		}
		s.state.Prune(ids)
	}
	return s.state.SaveIn(s.opt.Root, s.path)
}

// Earlier lists the SHA256SUMS lines (names relative to the dist
// directory) of what earlier runs built for the jobs this run left alone,
// for SHA256SUMS to describe the whole dist directory after a run of part
// of the plan (--targets, --build) or an interrupted one. Left alone are
// the jobs with a state entry whose id is not in decided (the jobs this
// run built, failed, found unchanged or restored: its verdict is the one
// that counts); each entry's binary and archive are listed only while the
// file still has the recorded size and SHA-256 (hashed now, workers at
// once).
func (s *Session) Earlier(decided map[string]bool, workers int) []checksum.Entry {
	type file struct{ path, sum string }
	var files []file
	for id, e := range s.state.Jobs {
		if decided[id] || e.SHA256 == "" {
			continue
		}
		files = append(files, file{e.Output, e.SHA256})
		if a := e.Archive; a != nil && a.SHA256 != "" {
			files = append(files, file{a.Path, a.SHA256})
		}
	}
	sizes := map[string]int64{}
	for _, e := range s.state.Jobs {
		sizes[e.Output] = e.Size
		if e.Archive != nil {
			sizes[e.Archive.Path] = e.Archive.Size
		}
	}
	ok := make([]bool, len(files))
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for i, f := range files {
		g.Go(func() error {
			sum, err := filehash.FileSized(f.path, sizes[f.path])
			ok[i] = err == nil && sum == f.sum
			return nil
		})
	}
	_ = g.Wait()
	var out []checksum.Entry
	for i, f := range files {
		rel, err := filepath.Rel(s.opt.DistDir, f.path)
		if !ok[i] || err != nil || !filepath.IsLocal(rel) {
			continue
		}
		out = append(out, checksum.Entry{Name: filepath.ToSlash(rel), SHA256: f.sum})
	}
	return out
}
