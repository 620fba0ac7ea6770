package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/fingerprint"
	"github.com/portmatrix/portmatrix/pkg/outcache"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/state"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// StateFile is where a dist directory keeps what previous runs recorded.
const StateFile = ".portmatrix/state.json"

// unchanged is what the run knows before building: each job's input key
// ("" when its inputs cannot be proved unchanged), the recorded entry of
// each job that needs no build, and the jobs restored from the output
// cache.
type unchanged struct {
	state    *state.File
	path     string
	keys     []string
	fresh    map[int]state.Entry
	cache    *outcache.Cache
	restored map[int]restoredJob
	// built are the indexes in jobs of the jobs split returned, in its
	// order.
	built []int
	// rekey keys jobs again after their builds (nil when the first keying
	// failed).
	rekey func(ctx context.Context, jobs []plan.Job) ([]string, []error)
}

// findUnchanged loads the state file and keys every job; unless force, a
// job whose key and output are as recorded is fresh: it is not rebuilt.
// cache is where the run restores and stores binaries (restore, store).
// Keying problems never fail the run: the job is simply built.
func findUnchanged(ctx context.Context, o *buildOptions, ld *loaded, jobs []plan.Job, goEnv map[string]string, cache *outcache.Cache, stdio Stdio) *unchanged {
	u := &unchanged{path: filepath.Join(ld.plan.DistDir, filepath.FromSlash(StateFile)), keys: make([]string, len(jobs)),
		fresh: map[int]state.Entry{}, cache: cache, restored: map[int]restoredJob{}}
	st, err := state.Load(u.path)
	if err != nil {
		fmt.Fprintf(stdio.Err, "warning: %v\n", err)
	}
	u.state = st
	var exclude []string
	for _, f := range []string{o.jsonFile, o.mdFile, o.junitFile, o.htmlFile, o.checksums, stdio.getenv("GITHUB_STEP_SUMMARY")} {
		if f != "" && f != "-" && f != "none" {
			if abs, err := filepath.Abs(f); err == nil {
				exclude = append(exclude, abs)
			}
		}
	}
	fpOpts := fingerprint.Options{DistDir: ld.plan.DistDir, Exclude: exclude, GoEnv: goEnv}
	if cache.Enabled() {
		fpOpts.SkipDirs = []string{cache.Dir()}
	}
	g, err := fingerprint.NewGlobal(ctx, ld.goBin, nil, fpOpts)
	if err != nil {
		fmt.Fprintf(stdio.Err, "warning: every job is built: %v\n", err)
		return u
	}
	u.rekey = func(ctx context.Context, jobs []plan.Job) ([]string, []error) {
		// A new Global: the first one keeps what it hashed.
		g, err := fingerprint.NewGlobal(ctx, ld.goBin, nil, fpOpts)
		if err != nil {
			errs := make([]error, len(jobs))
			for i := range errs {
				errs[i] = err
			}
			return make([]string, len(jobs)), errs
		}
		return g.Keys(ctx, jobs, max(o.jobs, 2))
	}
	keys, errs := g.Keys(ctx, jobs, max(o.jobs, 2))
	uncertain := 0
	for i := range jobs {
		if errs[i] != nil {
			uncertain++
			if o.explain {
				fmt.Fprintf(stdio.Err, "portmatrix: %s is built: %v\n", jobs[i].ID, errs[i])
			}
			continue
		}
		u.keys[i] = keys[i]
	}
	if uncertain > 0 && !o.explain {
		fmt.Fprintf(stdio.Err, "portmatrix: %s cannot be proved unchanged and will be built (--explain says why)\n", plural(uncertain, "job"))
	}
	if o.force {
		return u
	}
	type hit struct {
		i int
		e state.Entry
	}
	hits := make([]*hit, len(jobs))
	var eg errgroup.Group
	eg.SetLimit(max(o.jobs, 2))
	for i := range jobs {
		if u.keys[i] == "" {
			continue
		}
		eg.Go(func() error {
			if e, ok := st.Fresh(jobs[i].ID, u.keys[i]); ok && e.Info != nil {
				hits[i] = &hit{i, e}
			}
			return nil
		})
	}
	_ = eg.Wait()
	for _, h := range hits {
		if h != nil {
			u.fresh[h.i] = h.e
		}
	}
	return u
}

// split returns the jobs that must be built: neither fresh nor restored.
func (u *unchanged) split(jobs []plan.Job) []plan.Job {
	var out []plan.Job
	u.built = u.built[:0]
	for i, j := range jobs {
		_, fresh := u.fresh[i]
		_, restored := u.restored[i]
		if !fresh && !restored {
			out = append(out, j)
			u.built = append(u.built, i)
		}
	}
	return out
}

// merge puts the results of the built, fresh and restored jobs back into
// plan order, with the verification of each: fresh jobs are checked against
// their recorded inspection (the expectations may have changed), restored
// and built jobs come with the outcome of their inspection (verified,
// indexed like built).
func (u *unchanged) merge(jobs []plan.Job, built []build.Result, verified []verify.Outcome) ([]build.Result, []verify.Outcome) {
	results := make([]build.Result, len(jobs))
	outcomes := make([]verify.Outcome, len(jobs))
	k := 0
	for i, j := range jobs {
		if e, ok := u.fresh[i]; ok {
			j.Index = i
			results[i] = build.Result{Job: j, Status: build.StatusOK}
			outcomes[i] = verify.Outcome{Info: e.Info, Violations: verify.Check(j, e.Info)}
			continue
		}
		if r, ok := u.restored[i]; ok {
			j.Index = i
			results[i] = build.Result{Job: j, Status: build.StatusOK, Duration: r.took}
			outcomes[i] = r.outcome
			continue
		}
		results[i] = built[k]
		results[i].Job.Index = i
		outcomes[i] = verified[k]
		k++
	}
	return results, outcomes
}

// recordBuilds notes every job that built or was restored and was
// inspected in this run. A skipped job keeps its entry, and a restored one
// records the duration and memory of the build that made its binary, so
// the schedule always learns from real builds.
// The output's hash and size come from the inspection, which read the file
// just now.
func (u *unchanged) recordBuilds(jobs []plan.Job, results []build.Result, outcomes []verify.Outcome) {
	for i, res := range results {
		info := outcomes[i].Info
		if _, ok := u.fresh[i]; ok || res.Status != build.StatusOK || info == nil || info.SHA256 == "" {
			continue
		}
		st, err := os.Stat(jobs[i].Output)
		if err != nil || st.Size() != info.Size {
			continue
		}
		dur, rss := res.Duration, res.MaxRSS
		if r, ok := u.restored[i]; ok {
			dur, rss = r.meta.Duration, r.meta.MaxRSS
		}
		u.state.Record(jobs[i].ID, state.Entry{
			Key: u.keys[i], Output: jobs[i].Output, SHA256: info.SHA256, Size: info.Size, ModTime: st.ModTime(),
			Duration: dur, MaxRSS: rss, Info: info,
		})
	}
}

// reuseArchive is release.Options.Reuse over the state file.
func (u *unchanged) reuseArchive(id, key string) (string, string, int64, bool) {
	a, ok := u.state.FreshArchive(id, key)
	return a.Path, a.SHA256, a.Size, ok
}

// packed is release.Options.Packed: the archive is recorded for Reuse.
func (u *unchanged) packed(id, key, path, sum string, size int64) {
	u.state.SetArchive(id, state.Archive{Key: key, Path: path, SHA256: sum, Size: size})
}

// save writes the state file. Entries of jobs no longer in the plan are
// dropped when the plan is the whole manifest (no --targets, --build or
// --shard), so a filtered run never forgets the other jobs.
func (u *unchanged) save(jobs []plan.Job, whole bool, stdio Stdio) {
	if whole {
		ids := make([]string, len(jobs))
		for i, j := range jobs {
			ids[i] = j.ID
		}
		u.state.Prune(ids)
	}
	if err := u.state.Save(u.path); err != nil {
		fmt.Fprintf(stdio.Err, "warning: the next run cannot skip unchanged jobs: %v\n", err)
	}
}
