package repro

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/plan"
)

// CheckAll checks every job, workers at a time (at least one), and returns
// the results in the order of jobs. Jobs not started when ctx ends get a
// zero Result (empty Verdict): they were not checked.
func (s *Session) CheckAll(ctx context.Context, jobs []plan.Job, workers int) []Result {
	out := make([]Result, len(jobs))
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for i, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() == nil {
				out[i] = s.Check(ctx, j)
			}
			return nil
		})
	}
	_ = g.Wait()
	return out
}
