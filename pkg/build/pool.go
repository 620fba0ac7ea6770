// Package build runs the jobs of a plan: a Runner executes one go build, and
// Run drives a bounded worker pool over all of them, keeping going past
// failures unless told to stop, and always returning one result per job in
// plan order.
package build

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/plan"
)

// Runner builds one job. It must write the binary to job.Output only when
// the build succeeds, and honour ctx by stopping the build.
type Runner interface {
	Run(ctx context.Context, job plan.Job) error
}

// RunnerFunc adapts a function to Runner (fakes in tests).
type RunnerFunc func(ctx context.Context, job plan.Job) error

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, job plan.Job) error { return f(ctx, job) }

// Status is how a job ended.
type Status string

// The statuses of a job. A job that built is StatusOK here; whether its
// binary meets the expectation is the verifier's business.
const (
	StatusOK        Status = "ok"
	StatusFailed    Status = "failed"
	StatusTimeout   Status = "timeout"
	StatusCancelled Status = "cancelled"
	StatusSkipped   Status = "skipped"
)

// Result is the outcome of one job.
type Result struct {
	Job      plan.Job
	Status   Status
	Err      error
	Started  time.Time
	Duration time.Duration
}

// Options tune Run.
type Options struct {
	// Jobs is the most builds running at once (at least 1).
	Jobs int
	// FailFast stops starting jobs, and cancels running ones, after the
	// first failure.
	FailFast bool
	// Timeout bounds each job; zero means no limit.
	Timeout time.Duration
	// OnStart and OnDone observe progress. They may be called from several
	// goroutines at once, but never twice at once for the same job.
	OnStart func(plan.Job)
	OnDone  func(Result)
}

// ErrNotStarted marks jobs that never ran because the run stopped first.
var ErrNotStarted = errors.New("not started: the run stopped before this job")

// Run builds every job and returns their results in the order of jobs. It
// returns when every started build has ended; cancelling ctx cancels every
// running build and skips the rest.
func Run(ctx context.Context, r Runner, jobs []plan.Job, opt Options) []Result {
	if opt.Jobs < 1 {
		opt.Jobs = 1
	}
	results := make([]Result, len(jobs))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()

	var g errgroup.Group
	g.SetLimit(opt.Jobs)
	var mu sync.Mutex // serialises OnDone so callers need no locking
	done := func(res Result) {
		results[res.Job.Index] = res
		if opt.OnDone != nil {
			mu.Lock()
			opt.OnDone(res)
			mu.Unlock()
		}
	}
	for i := range jobs {
		job := jobs[i]
		job.Index = i
		if runCtx.Err() != nil {
			done(Result{Job: job, Status: StatusSkipped, Err: ErrNotStarted})
			continue
		}
		g.Go(func() error {
			if runCtx.Err() != nil { // stopped while waiting for a slot
				done(Result{Job: job, Status: StatusSkipped, Err: ErrNotStarted})
				return nil
			}
			res := runOne(runCtx, r, job, opt)
			if res.Status == StatusFailed || res.Status == StatusTimeout {
				if opt.FailFast {
					stop()
				}
			}
			done(res)
			return nil
		})
	}
	_ = g.Wait()
	return results
}

func runOne(ctx context.Context, r Runner, job plan.Job, opt Options) (res Result) {
	res = Result{Job: job, Started: time.Now()}
	if opt.OnStart != nil {
		opt.OnStart(job)
	}
	jobCtx, cancel := ctx, context.CancelFunc(func() {})
	if opt.Timeout > 0 {
		jobCtx, cancel = context.WithTimeout(ctx, opt.Timeout)
	}
	defer cancel()
	defer func() {
		if p := recover(); p != nil { // a broken runner must not take the run down
			res.Status, res.Err = StatusFailed, fmt.Errorf("build %s: runner panicked: %v", job.ID, p)
		}
		res.Duration = time.Since(res.Started)
	}()
	err := r.Run(jobCtx, job)
	switch {
	case err == nil:
		res.Status = StatusOK
	case ctx.Err() != nil:
		res.Status, res.Err = StatusCancelled, fmt.Errorf("build %s: cancelled: %w", job.ID, err)
	case errors.Is(jobCtx.Err(), context.DeadlineExceeded):
		res.Status, res.Err = StatusTimeout, fmt.Errorf("build %s: timed out after %s: %w", job.ID, opt.Timeout, err)
	default:
		res.Status, res.Err = StatusFailed, err
	}
	return res
}
