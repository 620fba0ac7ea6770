// Package shard splits a plan into n parts that CI machines build in
// parallel, so that a large matrix finishes in the time of its largest part.
//
// The split is deterministic (every machine computes it from the same plan
// and gets the same answer, with no coordination) and balanced by expected
// cost rather than by count: a cgo job costs more than a pure-Go one, and
// the first job of a target on a machine pays for compiling the standard
// library for that target, which the target's other variants then reuse
// from the build cache. The partition therefore keeps a target's variants
// on one machine unless that would unbalance the parts.
package shard

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/plan"
)

// Spec names one part of a plan split into Count parts: Index is 1-based,
// as written on the command line ("2/4").
type Spec struct {
	Index int
	Count int
}

// String is the command-line form, "i/n".
func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Parse reads "i/n" with 1 ≤ i ≤ n.
func Parse(s string) (Spec, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Spec{}, fmt.Errorf("shard %q: want i/n, e.g. 2/4", s)
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("shard %q: want i/n with whole numbers, e.g. 2/4", s)
	}
	if n < 1 || i < 1 || i > n {
		return Spec{}, fmt.Errorf("shard %q: want 1 ≤ i ≤ n", s)
	}
	return Spec{Index: i, Count: n}, nil
}

// Costs of the model (in units of one pure-Go link on a warm cache). They
// are rough on purpose: the point is the order of magnitude between a
// target's first compile of the standard library, a cgo job (runtime/cgo,
// the C compiler, the external linker) and a plain link.
const (
	// TargetCost is the first job of a target on a machine: compiling the
	// standard library for that GOOS/GOARCH (and level).
	TargetCost = 4.0
	// JobCost is every job: compiling the main module and linking.
	JobCost = 1.0
	// CgoCost is added for a cgo job: runtime/cgo, net and os/user with C,
	// the C compiler itself.
	CgoCost = 3.0
	// ExternalLinkCost is added when the job links with the C linker.
	ExternalLinkCost = 1.0
)

// Cost is the model's cost of a job on a machine that already compiled its
// target's standard library; Partition adds TargetCost for the first.
func Cost(j plan.Job) float64 {
	c := JobCost
	if j.Cgo {
		c += CgoCost
	}
	if j.Linkmode == "external" || (j.Cgo && j.Linkmode == "") {
		c += ExternalLinkCost
	}
	return c
}

// groupKey is what jobs share in the build cache: the standard library
// compiled for one target with or without cgo.
func groupKey(j plan.Job) string { return j.Target.String() }

// Part is one shard of a plan: its jobs in plan order and the model's
// estimate of their cost.
type Part struct {
	Spec Spec
	Jobs []plan.Job
	Cost float64
}

// Partition splits jobs into n parts. Jobs of one target form a unit
// (they share the standard library in the build cache), costing TargetCost
// plus their jobs' costs; a unit costing more than a fair share of the
// total (total/n) is cut into as many units as it takes, each paying
// TargetCost again. Units then go, costliest first (ties: plan order), to
// the least loaded part (ties: the lowest index) — longest-processing-time
// scheduling, which keeps the largest part within a third of the optimum.
// The result depends only on the plan and n; every job lands in exactly one
// part, and a part may be empty when n exceeds the jobs.
func Partition(jobs []plan.Job, n int) []Part {
	if n < 1 {
		n = 1
	}
	parts := make([]Part, n)
	for i := range parts {
		parts[i].Spec = Spec{Index: i + 1, Count: n}
	}
	type unit struct {
		first int // plan position of the unit's first job
		idx   []int
		cost  float64
	}
	byKey := map[string]*unit{}
	var groups []*unit
	total := 0.0
	for i, j := range jobs {
		k := groupKey(j)
		g := byKey[k]
		if g == nil {
			g = &unit{first: i, cost: TargetCost}
			byKey[k] = g
			groups = append(groups, g)
			total += TargetCost
		}
		g.idx = append(g.idx, i)
		g.cost += Cost(j)
		total += Cost(j)
	}
	fair := total / float64(n)
	var units []*unit
	for _, g := range groups {
		k := int(math.Ceil(g.cost / fair))
		if k <= 1 || len(g.idx) == 1 {
			units = append(units, g)
			continue
		}
		k = min(k, len(g.idx), n)
		sub := make([]*unit, k)
		for i := range sub {
			sub[i] = &unit{first: g.first, cost: TargetCost}
		}
		idx := append([]int(nil), g.idx...)
		sort.SliceStable(idx, func(a, b int) bool { return Cost(jobs[idx[a]]) > Cost(jobs[idx[b]]) })
		for _, ji := range idx {
			best := 0
			for s := range sub {
				if sub[s].cost < sub[best].cost {
					best = s
				}
			}
			sub[best].idx = append(sub[best].idx, ji)
			sub[best].cost += Cost(jobs[ji])
		}
		units = append(units, sub...)
	}
	sort.SliceStable(units, func(a, b int) bool {
		if units[a].cost != units[b].cost {
			return units[a].cost > units[b].cost
		}
		return units[a].first < units[b].first
	})
	assigned := make([]int, len(jobs))
	for _, u := range units {
		best := 0
		for p := range parts {
			if parts[p].Cost < parts[best].Cost {
				best = p
			}
		}
		parts[best].Cost += u.cost
		for _, ji := range u.idx {
			assigned[ji] = best
		}
	}
	for i, j := range jobs {
		parts[assigned[i]].Jobs = append(parts[assigned[i]].Jobs, j)
	}
	return parts
}

// Select returns the jobs of one shard, in plan order.
func Select(jobs []plan.Job, s Spec) []plan.Job {
	return Partition(jobs, s.Count)[s.Index-1].Jobs
}

// MatrixEntry is one element of a GitHub Actions strategy.matrix include:
// one shard.
type MatrixEntry struct {
	Shard string  `json:"shard"` // "i/n", for build --shard
	Index int     `json:"index"` // i, for artifact names
	Count int     `json:"count"`
	Jobs  int     `json:"jobs"`
	Cost  float64 `json:"cost"` // the partition's cost estimate
}

// Matrix is a GitHub Actions strategy.matrix that builds a plan on n
// machines: `plan --format github-matrix --shards n`.
type Matrix struct {
	Include []MatrixEntry `json:"include"`
}

// NewMatrix partitions jobs into n parts (Partition) and describes them.
func NewMatrix(jobs []plan.Job, n int) Matrix {
	var m Matrix
	for _, part := range Partition(jobs, n) {
		m.Include = append(m.Include, MatrixEntry{Shard: part.Spec.String(), Index: part.Spec.Index, Count: part.Spec.Count, Jobs: len(part.Jobs), Cost: part.Cost})
	}
	return m
}
