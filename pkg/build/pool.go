// Package build runs the jobs of a plan: a Runner executes one go build, and
// Run drives a bounded worker pool over all of them, keeping going past
// failures unless told to stop, and always returning one result per job in
// plan order.
package build

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

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
	// MaxRSS is the peak resident memory in bytes of the largest process
	// of the build (the go command, a compile or the link), when the
	// runner reports it (StatsRunner); 0 when unknown.
	MaxRSS int64
}

// Stats is what a StatsRunner measured of one build.
type Stats struct {
	// MaxRSS is the peak resident set in bytes of the largest process of
	// the build's tree (rusage ru_maxrss of the waited-for tree).
	MaxRSS int64
}

// StatsRunner is a Runner that also measures each build, so the pool can
// learn each job's memory for the next run's budget.
type StatsRunner interface {
	Runner
	RunStats(ctx context.Context, job plan.Job) (Stats, error)
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
	// Cost, when set, orders the starts: the costliest job first (ties in
	// plan order), so that the last job to finish does not start alone
	// at the end (longest-processing-time first). Results stay in plan
	// order.
	Cost func(plan.Job) float64
	// MaxMemory, when positive, bounds the sum of the Memory estimates of
	// the builds running at once, in bytes. A job whose estimate alone
	// exceeds it runs with nothing else.
	MaxMemory int64
	// Memory estimates a job's peak memory in bytes (for MaxMemory).
	Memory func(plan.Job) int64
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
	var mem *semaphore.Weighted
	if opt.MaxMemory > 0 && opt.Memory != nil {
		mem = semaphore.NewWeighted(opt.MaxMemory)
	}
	var mu sync.Mutex // serialises OnDone so callers need no locking
	done := func(res Result) {
		results[res.Job.Index] = res
		if opt.OnDone != nil {
			mu.Lock()
			opt.OnDone(res)
			mu.Unlock()
		}
	}
	for _, i := range startOrder(jobs, opt.Cost) {
		job := jobs[i]
		job.Index = i
		var weight int64
		if mem != nil {
			weight = min(max(opt.Memory(job), 1), opt.MaxMemory)
			// Acquired here, in start order, so a big job is not overtaken
			// forever by small ones; released when the build ends.
			if mem.Acquire(runCtx, weight) != nil {
				weight = 0
			}
		}
		if runCtx.Err() != nil {
			if weight > 0 {
				mem.Release(weight)
			}
			done(Result{Job: job, Status: StatusSkipped, Err: ErrNotStarted})
			continue
		}
		g.Go(func() error {
			if weight > 0 {
				defer mem.Release(weight)
			}
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

// startOrder is the order jobs start in: by descending cost when cost is
// set (stable, so ties keep plan order), else plan order.
func startOrder(jobs []plan.Job, cost func(plan.Job) float64) []int {
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	if cost == nil {
		return order
	}
	costs := make([]float64, len(jobs))
	for i, j := range jobs {
		costs[i] = cost(j)
	}
	sort.SliceStable(order, func(a, b int) bool { return costs[order[a]] > costs[order[b]] })
	return order
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
	var err error
	if sr, ok := r.(StatsRunner); ok {
		var st Stats
		st, err = sr.RunStats(jobCtx, job)
		res.MaxRSS = st.MaxRSS
	} else {
		err = r.Run(jobCtx, job)
	}
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
