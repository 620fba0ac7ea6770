package smoke

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Task is one binary of a run to start: what to run and how.
type Task struct {
	Request Request
	Spec    Spec
}

// RunAll runs every task, workers at a time (at least one), and returns
// their results in the order of tasks. Tasks not started when ctx ends get
// a zero Result (empty Status): they were not run.
func (r *Runner) RunAll(ctx context.Context, tasks []Task, workers int) []Result {
	out := make([]Result, len(tasks))
	var g errgroup.Group
	g.SetLimit(max(workers, 1))
	for i, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() == nil {
				out[i] = r.Run(ctx, t.Request, t.Spec)
			}
			return nil
		})
	}
	_ = g.Wait()
	return out
}
