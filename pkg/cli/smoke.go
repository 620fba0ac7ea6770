package cli

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// smokeRuns runs the binaries of the jobs that built and ask for it (the
// manifest's smoke:, or every job with --smoke), o.jobs at a time, and
// returns the results indexed like results (nil where nothing ran).
func smokeRuns(ctx context.Context, o *buildOptions, jobs []plan.Job, results []build.Result, outcomes []verify.Outcome, goEnv target.GoEnv) []*smoke.Result {
	runs := make([]*smoke.Result, len(results))
	runner := &smoke.Runner{Host: target.Target{GOOS: goEnv.HostOS, GOARCH: goEnv.HostArc}}
	var g errgroup.Group
	g.SetLimit(max(o.jobs, 1))
	for i, res := range results {
		job := jobs[i]
		if res.Status != build.StatusOK || outcomes[i].Info == nil || ctx.Err() != nil {
			continue
		}
		spec := smoke.Spec{}
		switch {
		case job.Smoke != nil:
			spec = smoke.Spec{Args: job.Smoke.Args, Timeout: job.Smoke.Timeout}
		case !o.smoke:
			continue
		}
		req := smoke.Request{Path: job.Output, Target: job.Target, Dynamic: outcomes[i].Info.Interpreter != "" && outcomes[i].Info.Format == inspect.FormatELF}
		if job.Toolchain != nil {
			req.Sysroot = job.Toolchain.Sysroot
		}
		g.Go(func() error {
			r := runner.Run(ctx, req, spec)
			runs[i] = &r
			return nil
		})
	}
	_ = g.Wait()
	return runs
}
