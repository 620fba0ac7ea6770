package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/outcache"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// restoredJob is a job whose binary came from the output cache: the build
// it was made by (meta), how long the copy took and the inspection of the
// restored file.
type restoredJob struct {
	meta    outcache.Meta
	took    time.Duration
	outcome verify.Outcome
}

// openCache resolves --cache: a directory, "off", or "" for the default
// ($PORTMATRIX_CACHE, else the user's cache directory). A cache that cannot
// be located is off, with a warning: it only ever saves work.
func openCache(flag string, stdio Stdio) *outcache.Cache {
	switch flag {
	case outcache.Off:
		return outcache.Open("")
	case "":
		dir, err := outcache.DefaultDir(stdio.getenv)
		if err != nil {
			fmt.Fprintf(stdio.Err, "warning: %v\n", err)
		}
		return outcache.Open(dir)
	}
	dir, err := filepath.Abs(flag)
	if err != nil {
		fmt.Fprintf(stdio.Err, "warning: --cache %s: %v; the output cache is off\n", flag, err)
		return outcache.Open("")
	}
	return outcache.Open(dir)
}

// cacheable says whether a job's binary may go through the output cache:
// pure Go only. A cgo job links C libraries whose content its key does not
// cover (a static libc.a or libssl.a updated by the system), so it is
// always linked again, as Go's own build cache does.
func cacheable(j plan.Job) bool { return !j.Cgo }

// restore copies from the cache the binary of every keyed job that is not
// fresh, unless force; each restored binary is inspected like a built one.
// A miss, or an entry that fails its checks, leaves the job to be built.
func (u *unchanged) restore(ctx context.Context, jobs []plan.Job, workers int, force, explain bool, stdio Stdio) {
	if force || !u.cache.Enabled() {
		return
	}
	got := make([]*restoredJob, len(jobs))
	var eg errgroup.Group
	eg.SetLimit(workers)
	var mu sync.Mutex
	for i, j := range jobs {
		if _, ok := u.fresh[i]; ok || u.keys[i] == "" || !cacheable(j) || ctx.Err() != nil {
			continue
		}
		eg.Go(func() error {
			start := time.Now()
			meta, err := u.cache.Restore(u.keys[i], j.Output)
			if err != nil {
				// A plain miss is the normal case; a removed corrupt entry
				// is for --explain; anything else (an unwritable dist
				// directory) is worth a warning.
				mu.Lock()
				if !errors.Is(err, outcache.ErrMiss) {
					fmt.Fprintf(stdio.Err, "warning: %s not restored from the output cache: %v\n", j.ID, err)
				} else if explain && err != outcache.ErrMiss {
					fmt.Fprintf(stdio.Err, "portmatrix: %s not restored: %v\n", j.ID, err)
				}
				mu.Unlock()
				return nil
			}
			// Restore hashed the bytes it wrote: no second hashing pass.
			got[i] = &restoredJob{meta: meta, took: time.Since(start), outcome: verify.BinaryHashed(j, meta.SHA256)}
			return nil
		})
	}
	_ = eg.Wait()
	for i, r := range got {
		if r != nil {
			u.restored[i] = *r
		}
	}
}

// storeBuilt runs after the builds: it keys the built jobs again, and a
// job whose key changed while it was built (a file edited, a branch
// switched) gets no key, so neither the state file nor the output cache
// ever files a binary under inputs it was not built from. The others that
// built and were inspected go into the output cache. Problems are
// reported once, after the builds (never while a progress bar is drawn).
func (u *unchanged) storeBuilt(ctx context.Context, toBuild []plan.Job, built []build.Result, verified []verify.Outcome, workers int, stdio Stdio) {
	var check []plan.Job
	var at []int // index in toBuild of each job in check
	for k, res := range built {
		if res.Status == build.StatusOK && u.keys[u.built[k]] != "" {
			check = append(check, toBuild[k])
			at = append(at, k)
		}
	}
	if len(check) == 0 {
		return
	}
	var keys []string
	var errs []error
	if u.rekey != nil && ctx.Err() == nil {
		keys, errs = u.rekey(ctx, check)
	}
	var changed []string
	var eg errgroup.Group
	eg.SetLimit(workers)
	var storeErr error
	var once sync.Once
	for c, k := range at {
		i := u.built[k]
		if keys == nil || errs[c] != nil || keys[c] != u.keys[i] {
			changed = append(changed, toBuild[k].ID)
			u.keys[i] = ""
			continue
		}
		res, out := built[k], verified[k]
		if !u.cache.Enabled() || !cacheable(res.Job) || out.Info == nil || out.Info.SHA256 == "" {
			continue
		}
		eg.Go(func() error {
			err := u.cache.Store(u.keys[i], res.Job.Output, outcache.Meta{
				SHA256: out.Info.SHA256, Size: out.Info.Size, Job: res.Job.ID,
				Duration: res.Duration, MaxRSS: res.MaxRSS,
			})
			if err != nil {
				once.Do(func() { storeErr = err })
			}
			return nil
		})
	}
	_ = eg.Wait()
	if len(changed) > 0 && ctx.Err() == nil {
		fmt.Fprintf(stdio.Err, "portmatrix: the inputs of %s changed while it was built (%s): not recorded as unchanged or cached; the next run builds it again\n",
			plural(len(changed), "job"), strings.Join(changed, ", "))
	}
	if storeErr != nil {
		fmt.Fprintf(stdio.Err, "warning: %v (--cache off or %s=off stops caching outputs)\n", storeErr, outcache.EnvVar)
	}
}
