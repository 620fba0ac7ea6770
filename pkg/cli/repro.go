package cli

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/repro"
)

// reproChecks builds every job that built ok a second time (repro.Session:
// another path, a fresh GOCACHE shared by the second builds) o.jobs at a
// time, and records the verdict on its row. A job that is not reproducible,
// or whose second build fails, is violated: --reproducible is a release
// requirement, not a remark.
func reproChecks(ctx context.Context, o *buildOptions, jobs []plan.Job, rows []report.Job, stdio Stdio) error {
	sess, err := repro.NewSession(repro.Options{})
	if err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	defer func() {
		if err := sess.Close(); err != nil {
			fmt.Fprintf(stdio.Err, "warning: %v\n", err)
		}
	}()
	n := 0
	for _, r := range rows {
		if r.Status == report.StatusOK || r.Status == report.StatusViolated {
			n++
		}
	}
	fmt.Fprintf(stdio.Err, "portmatrix: --reproducible: building %s again from another path with a fresh GOCACHE\n", plural(n, "job"))
	results := make([]*repro.Result, len(rows))
	var g errgroup.Group
	g.SetLimit(max(o.jobs, 1))
	for i, r := range rows {
		if r.Status != report.StatusOK && r.Status != report.StatusViolated {
			continue
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			res := sess.Check(ctx, jobs[i])
			results[i] = &res
			return nil
		})
	}
	_ = g.Wait()
	for i, res := range results {
		if res == nil {
			continue
		}
		row := &rows[i]
		row.Reproducible, row.ReproDetails = res.Verdict, res.Details
		switch res.Verdict {
		case repro.VerdictNo:
			row.Violations = append(row.Violations, report.MsgNotReproducible)
			row.Status = report.StatusViolated
		case repro.VerdictError:
			row.Violations = append(row.Violations, report.MsgReproError)
			row.Status = report.StatusViolated
		}
	}
	return ctx.Err()
}
