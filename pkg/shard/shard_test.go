package shard

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Spec
		err  string
	}{
		{in: "1/1", want: Spec{1, 1}},
		{in: "2/4", want: Spec{2, 4}},
		{in: " 4/4 ", want: Spec{4, 4}},
		{in: "0/4", err: "1 ≤ i ≤ n"},
		{in: "5/4", err: "1 ≤ i ≤ n"},
		{in: "1/0", err: "1 ≤ i ≤ n"},
		{in: "2", err: "want i/n"},
		{in: "a/b", err: "whole numbers"},
		{in: "-1/2", err: "1 ≤ i ≤ n"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, fmt.Sprintf("%d/%d", got.Index, got.Count), got.String())
		})
	}
}

// matrix makes jobs for targets × variants ("default" pure Go, "cgo").
func matrix(targets []string, variants ...string) []plan.Job {
	var jobs []plan.Job
	for _, ts := range targets {
		t, err := target.Parse(ts)
		if err != nil {
			panic(err)
		}
		for _, v := range variants {
			jobs = append(jobs, plan.Job{Index: len(jobs), ID: "app/" + ts + "/" + v, Target: t, Variant: v, Cgo: v == "cgo"})
		}
	}
	return jobs
}

var twelve = []string{
	"linux/amd64", "linux/386", "linux/arm/v7", "linux/arm64", "linux/ppc64le", "linux/s390x", "linux/riscv64",
	"darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64", "freebsd/amd64",
}

func ids(jobs []plan.Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.ID)
	}
	return out
}

func TestPartitionCoversEveryJobOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		jobs []plan.Job
		n    int
	}{
		{"12 pure-go in 4", matrix(twelve, "default"), 4},
		{"12×2 in 3", matrix(twelve, "default", "cgo"), 3},
		{"12 in 1", matrix(twelve, "default"), 1},
		{"3 in 5 (empty parts)", matrix(twelve[:3], "default"), 5},
		{"none", nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := Partition(tc.jobs, tc.n)
			require.Len(t, parts, tc.n)
			seen := map[string]int{}
			for i, p := range parts {
				assert.Equal(t, Spec{i + 1, tc.n}, p.Spec)
				last := -1
				for _, j := range p.Jobs {
					seen[j.ID]++
					assert.Greater(t, j.Index, last, "jobs of a part stay in plan order")
					last = j.Index
				}
			}
			for _, j := range tc.jobs {
				assert.Equal(t, 1, seen[j.ID], "%s in exactly one part", j.ID)
			}
			assert.Len(t, seen, len(tc.jobs))
		})
	}
}

func TestPartitionIsDeterministic(t *testing.T) {
	jobs := matrix(twelve, "default", "cgo")
	a := Partition(jobs, 4)
	for range 20 {
		b := Partition(jobs, 4)
		for i := range a {
			assert.Equal(t, ids(a[i].Jobs), ids(b[i].Jobs))
		}
	}
	for _, s := range []Spec{{1, 4}, {2, 4}, {3, 4}, {4, 4}} {
		assert.Equal(t, ids(a[s.Index-1].Jobs), ids(Select(jobs, s)))
	}
}

func TestPartitionBalancesByCostNotCount(t *testing.T) {
	// 4 cgo jobs on 4 targets and 8 pure-Go jobs on 8 others, in 2 parts:
	// a split by count (6+6) could put all cgo jobs on one machine; by cost
	// the parts differ by at most one job's marginal cost.
	var jobs []plan.Job
	for i, ts := range twelve {
		v := "default"
		if i%3 == 0 {
			v = "cgo"
		}
		jobs = append(jobs, matrix([]string{ts}, v)...)
	}
	for i := range jobs {
		jobs[i].Index = i
	}
	parts := Partition(jobs, 2)
	maxMarginal := TargetCost + JobCost + CgoCost + ExternalLinkCost
	assert.LessOrEqual(t, abs(parts[0].Cost-parts[1].Cost), maxMarginal)
	cgo := []int{0, 0}
	for p := range parts {
		for _, j := range parts[p].Jobs {
			if j.Cgo {
				cgo[p]++
			}
		}
	}
	assert.Equal(t, []int{2, 2}, cgo, "cgo jobs spread over both parts")
}

func TestPartitionKeepsVariantsOfATargetTogether(t *testing.T) {
	// 6 targets × 2 variants in 3 parts: each target's standard library is
	// compiled on one machine only.
	jobs := matrix(twelve[:6], "default", "static")
	for _, p := range Partition(jobs, 3) {
		targets := map[string]int{}
		for _, j := range p.Jobs {
			targets[j.Target.String()]++
		}
		for tgt, n := range targets {
			assert.Equal(t, 2, n, "%s split across parts", tgt)
		}
	}
}

func TestCost(t *testing.T) {
	pure := plan.Job{}
	cgo := plan.Job{Cgo: true}
	ext := plan.Job{Linkmode: "external"}
	cgoInternal := plan.Job{Cgo: true, Linkmode: "internal"}
	assert.Equal(t, JobCost, Cost(pure))
	assert.Equal(t, JobCost+CgoCost+ExternalLinkCost, Cost(cgo))
	assert.Equal(t, JobCost+ExternalLinkCost, Cost(ext))
	assert.Equal(t, JobCost+CgoCost, Cost(cgoInternal))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestPartitionCutsATargetLargerThanAFairShare(t *testing.T) {
	// One target with 8 variants in 4 parts: every part gets work.
	var jobs []plan.Job
	for i := range 8 {
		jobs = append(jobs, matrix([]string{"linux/amd64"}, fmt.Sprintf("v%d", i))...)
		jobs[i].Index = i
	}
	for _, p := range Partition(jobs, 4) {
		assert.Len(t, p.Jobs, 2)
	}
}
