package build

import "github.com/portmatrix/portmatrix/pkg/plan"

// Observer watches a pool run, to show progress. JobStarted and JobDone
// may be called from several goroutines, but never at once for the same
// job; Starting comes before the first, Finished after the last.
type Observer interface {
	Starting(total int)
	JobStarted(job plan.Job)
	JobDone(res Result)
	Finished()
}

// Quiet is an Observer that shows nothing.
type Quiet struct{}

var _ Observer = Quiet{}

// Starting does nothing.
func (Quiet) Starting(int) {}

// JobStarted does nothing.
func (Quiet) JobStarted(plan.Job) {}

// JobDone does nothing.
func (Quiet) JobDone(Result) {}

// Finished does nothing.
func (Quiet) Finished() {}
