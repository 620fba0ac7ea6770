package build

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/plan"
)

func fakeJobs(n int) []plan.Job {
	jobs := make([]plan.Job, n)
	for i := range jobs {
		jobs[i] = plan.Job{ID: fmt.Sprintf("job%02d", i)}
	}
	return jobs
}

func TestRunLimitNeverExceeded(t *testing.T) {
	for _, limit := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			var running, peak atomic.Int32
			r := RunnerFunc(func(ctx context.Context, j plan.Job) error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				running.Add(-1)
				return nil
			})
			res := Run(context.Background(), r, fakeJobs(20), Options{Jobs: limit})
			require.Len(t, res, 20)
			assert.LessOrEqual(t, int(peak.Load()), limit)
			if limit > 1 {
				assert.Greater(t, int(peak.Load()), 1, "the pool should run jobs in parallel")
			}
			for i, r := range res {
				assert.Equal(t, StatusOK, r.Status)
				assert.Equal(t, i, r.Job.Index, "results are in plan order")
				assert.Equal(t, fmt.Sprintf("job%02d", i), r.Job.ID)
			}
		})
	}
}

func TestRunKeepGoingVsFailFast(t *testing.T) {
	failing := RunnerFunc(func(ctx context.Context, j plan.Job) error {
		if j.ID == "job02" {
			return errors.New("boom")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
			return nil
		}
	})
	t.Run("keep going", func(t *testing.T) {
		res := Run(context.Background(), failing, fakeJobs(10), Options{Jobs: 2})
		counts := map[Status]int{}
		for _, r := range res {
			counts[r.Status]++
		}
		assert.Equal(t, map[Status]int{StatusOK: 9, StatusFailed: 1}, counts)
		assert.EqualError(t, res[2].Err, "boom")
	})
	t.Run("fail fast", func(t *testing.T) {
		res := Run(context.Background(), failing, fakeJobs(10), Options{Jobs: 1, FailFast: true})
		assert.Equal(t, StatusOK, res[0].Status)
		assert.Equal(t, StatusOK, res[1].Status)
		assert.Equal(t, StatusFailed, res[2].Status)
		for _, r := range res[3:] {
			assert.Equal(t, StatusSkipped, r.Status, r.Job.ID)
			assert.ErrorIs(t, r.Err, ErrNotStarted)
		}
	})
}

func TestRunCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var active atomic.Int32
	started := make(chan struct{}, 10)
	r := RunnerFunc(func(ctx context.Context, j plan.Job) error {
		active.Add(1)
		defer active.Add(-1)
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	go func() {
		<-started
		<-started
		cancel()
	}()
	res := Run(ctx, r, fakeJobs(6), Options{Jobs: 2})
	assert.Equal(t, int32(0), active.Load(), "no job may still be running when Run returns")
	counts := map[Status]int{}
	for _, r := range res {
		counts[r.Status]++
	}
	assert.Equal(t, map[Status]int{StatusCancelled: 2, StatusSkipped: 4}, counts)
}

func TestRunTimeout(t *testing.T) {
	r := RunnerFunc(func(ctx context.Context, j plan.Job) error {
		if j.ID == "job01" {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	res := Run(context.Background(), r, fakeJobs(3), Options{Jobs: 3, Timeout: 20 * time.Millisecond})
	assert.Equal(t, StatusOK, res[0].Status)
	assert.Equal(t, StatusTimeout, res[1].Status)
	assert.Contains(t, res[1].Err.Error(), "timed out after 20ms")
	assert.Equal(t, StatusOK, res[2].Status)
}

func TestRunRunnerPanics(t *testing.T) {
	r := RunnerFunc(func(ctx context.Context, j plan.Job) error { panic("oops") })
	res := Run(context.Background(), r, fakeJobs(2), Options{Jobs: 2})
	for _, r := range res {
		assert.Equal(t, StatusFailed, r.Status)
		assert.Contains(t, r.Err.Error(), "runner panicked: oops")
	}
}

func TestOnDoneSerialised(t *testing.T) {
	var inside, calls atomic.Int32
	r := RunnerFunc(func(ctx context.Context, j plan.Job) error { return nil })
	Run(context.Background(), r, fakeJobs(50), Options{Jobs: 8, OnDone: func(Result) {
		assert.Equal(t, int32(1), inside.Add(1))
		time.Sleep(100 * time.Microsecond)
		inside.Add(-1)
		calls.Add(1)
	}})
	assert.Equal(t, int32(50), calls.Load())
}
