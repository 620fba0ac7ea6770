package sched

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/shard"
)

type hist struct {
	d map[string]time.Duration
	m map[string]int64
}

func (h hist) Duration(id string) (time.Duration, bool) { d, ok := h.d[id]; return d, ok }
func (h hist) MaxRSS(id string) (int64, bool)           { m, ok := h.m[id]; return m, ok }

func TestCost(t *testing.T) {
	pure := plan.Job{ID: "a"}
	cgo := plan.Job{ID: "b", Cgo: true}
	unknown := plan.Job{ID: "c", Cgo: true}
	jobs := []plan.Job{pure, cgo, unknown}

	t.Run("no history: the model", func(t *testing.T) {
		c := Cost(jobs, nil)
		assert.Equal(t, shard.TargetCost+shard.Cost(pure), c(pure))
		assert.Greater(t, c(cgo), c(pure), "cgo costs more")
	})
	t.Run("history in seconds; unknown jobs scaled to seconds", func(t *testing.T) {
		h := hist{d: map[string]time.Duration{"a": 10 * time.Second, "b": 30 * time.Second}}
		c := Cost(jobs, h)
		assert.Equal(t, 10.0, c(pure))
		assert.Equal(t, 30.0, c(cgo))
		// The median seconds-per-unit of a and b, times c's model cost.
		ra, rb := 10/(shard.TargetCost+shard.Cost(pure)), 30/(shard.TargetCost+shard.Cost(cgo))
		per := max(ra, rb) // median of two is the upper one
		assert.InDelta(t, per*(shard.TargetCost+shard.Cost(unknown)), c(unknown), 1e-9)
	})
}

func TestMemory(t *testing.T) {
	m := Memory(hist{m: map[string]int64{"a": 400 << 20}})
	assert.Equal(t, int64(500<<20), m(plan.Job{ID: "a"}))
	assert.Equal(t, int64(DefaultJobMemory), m(plan.Job{ID: "z"}))
	assert.Equal(t, int64(DefaultJobMemory), Memory(nil)(plan.Job{ID: "a"}))
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1024": 1024, "8G": 8 << 30, "512M": 512 << 20, "512m": 512 << 20, "1.5GiB": 3 << 29,
		"2 GB": 2 << 30, "64k": 64 << 10, "1T": 1 << 40,
	} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "G", "-1G", "8X", "lots", "1.2.3G"} {
		_, err := ParseSize(bad)
		assert.Error(t, err, bad)
	}
}

func TestMemAvailable(t *testing.T) {
	got, err := memAvailable(strings.NewReader("MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n"))
	require.NoError(t, err)
	assert.Equal(t, int64(20000000*1024), got)
	_, err = memAvailable(strings.NewReader("MemTotal: 1 kB\n"))
	assert.Error(t, err)
	_, err = memAvailable(strings.NewReader("MemAvailable: x kB\n"))
	assert.Error(t, err)
	assert.Greater(t, DefaultBudget(), int64(0), "this Linux machine has /proc/meminfo")
}

func TestThreads(t *testing.T) {
	cases := []struct {
		cores, jobs, n int
		want           int // every build's
	}{
		// Two builds on two cores: one thread each, to the last.
		{2, 2, 6, 1},
		// One build at a time: every build gets every core.
		{2, 1, 3, 2},
		// More builds than cores: still one thread each.
		{2, 3, 9, 1},
		// 8 cores, 3 at once: ceil(8/3) = 3 each.
		{8, 3, 9, 3},
		// Fewer than three builds per slot: every build gets every core.
		{2, 2, 5, 2},
		{8, 8, 12, 8},
		{4, 8, 2, 4},
		// Degenerate inputs never give less than one thread.
		{0, 0, 1, 1},
		{0, 0, 3, 1},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Threads(c.cores, c.jobs, c.n), "Threads(cores=%d, jobs=%d, n=%d)", c.cores, c.jobs, c.n)
	}
}
