package check

import (
	"context"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// Runner runs the jobs of a check in the worker pool (build.Run): the jobs
// that cannot run (Job.Skip) fail at once with their reason, and every
// other one, binary or compile check, goes to Build.
type Runner struct {
	// Build runs the jobs that are not skipped: a build.GoRunner, which
	// writes binaries atomically and runs compile checks (no -o) in its
	// no-output mode, with the same log format and BuildError.
	Build build.Runner
	// Skip maps a job ID to why it is not run (Job.Skip).
	Skip map[string]error
}

var _ build.Runner = (*Runner)(nil)

// NewRunner is a Runner for jobs, with the jobs that run run by runner.
func NewRunner(jobs []Job, runner build.Runner) *Runner {
	r := &Runner{Build: runner, Skip: map[string]error{}}
	for _, j := range jobs {
		if j.Skip != nil {
			r.Skip[j.ID] = j.Skip
		}
	}
	return r
}

// Run runs one job.
func (r *Runner) Run(ctx context.Context, job plan.Job) error {
	if err, ok := r.Skip[job.ID]; ok {
		return err
	}
	return r.Build.Run(ctx, job)
}
