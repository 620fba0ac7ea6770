package build

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/plan"
)

// TestRunStartsCostliestFirst: with Cost, jobs start longest first (ties
// in plan order) while results stay in plan order.
func TestRunStartsCostliestFirst(t *testing.T) {
	jobs := fakeJobs(6)
	cost := map[string]float64{"job00": 1, "job01": 5, "job02": 3, "job03": 5, "job04": 0, "job05": 2}
	var mu sync.Mutex
	var started []string
	r := RunnerFunc(func(ctx context.Context, j plan.Job) error {
		mu.Lock()
		started = append(started, j.ID)
		mu.Unlock()
		return nil
	})
	res := Run(context.Background(), r, jobs, Options{Jobs: 1, Cost: func(j plan.Job) float64 { return cost[j.ID] }})
	assert.Equal(t, []string{"job01", "job03", "job02", "job05", "job00", "job04"}, started)
	for i, r := range res {
		assert.Equal(t, fmt.Sprintf("job%02d", i), r.Job.ID, "results in plan order")
		assert.Equal(t, i, r.Job.Index)
	}
}

// TestRunMemoryBudget: the estimates of the builds running at once never
// exceed MaxMemory, a job larger than the budget still runs (alone), and
// the budget does not cost parallelism when jobs fit.
func TestRunMemoryBudget(t *testing.T) {
	const gib = int64(1) << 30
	mem := map[string]int64{"job00": 3 * gib, "job01": 2 * gib, "job02": 2 * gib, "job03": 9 * gib, "job04": 1 * gib, "job05": 1 * gib}
	var used, peak atomic.Int64
	var overlap atomic.Bool
	var running atomic.Int32
	r := RunnerFunc(func(ctx context.Context, j plan.Job) error {
		n := used.Add(mem[j.ID])
		if running.Add(1) > 1 {
			overlap.Store(true)
		}
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if j.ID == "job03" {
			assert.Equal(t, mem[j.ID], n, "a job over the budget runs alone")
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
		used.Add(-mem[j.ID])
		return nil
	})
	res := Run(context.Background(), r, fakeJobs(6), Options{Jobs: 4, MaxMemory: 4 * gib, Memory: func(j plan.Job) int64 { return mem[j.ID] }})
	for _, r := range res {
		require.Equal(t, StatusOK, r.Status)
	}
	assert.LessOrEqual(t, peak.Load(), 9*gib)
	assert.True(t, overlap.Load(), "jobs that fit together run together")

	// Without the oversized job, the sum never exceeds the budget.
	peak.Store(0)
	delete(mem, "job03")
	jobs := append(fakeJobs(3), fakeJobs(6)[4:]...)
	Run(context.Background(), r, jobs, Options{Jobs: 4, MaxMemory: 4 * gib, Memory: func(j plan.Job) int64 { return mem[j.ID] }})
	assert.LessOrEqual(t, peak.Load(), 4*gib)
}

// TestRunMemoryBudgetCancel: a run cancelled while a job waits for memory
// skips it instead of hanging.
func TestRunMemoryBudgetCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := RunnerFunc(func(c context.Context, j plan.Job) error {
		cancel()
		<-c.Done()
		return c.Err()
	})
	done := make(chan []Result)
	go func() {
		done <- Run(ctx, r, fakeJobs(3), Options{Jobs: 3, MaxMemory: 10, Memory: func(plan.Job) int64 { return 10 }})
	}()
	select {
	case res := <-done:
		assert.Equal(t, StatusCancelled, res[0].Status)
		assert.Equal(t, StatusSkipped, res[1].Status)
		assert.Equal(t, StatusSkipped, res[2].Status)
	case <-time.After(10 * time.Second):
		t.Fatal("Run hung waiting for memory after cancel")
	}
}

type statsRunner struct{ rss int64 }

func (s statsRunner) Run(ctx context.Context, j plan.Job) error {
	_, err := s.RunStats(ctx, j)
	return err
}
func (s statsRunner) RunStats(context.Context, plan.Job) (Stats, error) {
	return Stats{MaxRSS: s.rss}, nil
}

func TestRunRecordsMaxRSS(t *testing.T) {
	res := Run(context.Background(), statsRunner{rss: 123 << 20}, fakeJobs(2), Options{Jobs: 2})
	for _, r := range res {
		assert.Equal(t, int64(123<<20), r.MaxRSS)
	}
}
