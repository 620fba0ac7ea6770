package cli

import (
	"context"
	"errors"
	"fmt"
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
	return outcache.Open(flag)
}

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
		if _, ok := u.fresh[i]; ok || u.keys[i] == "" || ctx.Err() != nil {
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
			got[i] = &restoredJob{meta: meta, took: time.Since(start), outcome: verify.Binary(j)}
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

// store puts a binary this run built into the output cache (k indexes the
// jobs split returned). Only a failure to store is reported, once per run.
func (u *unchanged) store(k int, res build.Result, outcome verify.Outcome, stdio Stdio) {
	key := u.buildKeys[k]
	if key == "" || !u.cache.Enabled() || res.Status != build.StatusOK || outcome.Info == nil || outcome.Info.SHA256 == "" {
		return
	}
	err := u.cache.Store(key, res.Job.Output, res.Job.Output, outcache.Meta{
		SHA256: outcome.Info.SHA256, Size: outcome.Info.Size, Job: res.Job.ID,
		Duration: res.Duration, MaxRSS: res.MaxRSS,
	})
	if err != nil {
		u.storeWarn.Do(func() {
			fmt.Fprintf(stdio.Err, "warning: %v (set %s=off or --cache off to stop caching outputs)\n", err, outcache.EnvVar)
		})
	}
}
