package main

import (
	"math"
	"sort"
)

// Stat is the median and the range of one measure over the rounds of a
// scenario × contender cell. The median, not the mean, because one run
// disturbed by another tenant of a shared machine should not move it.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// summarize returns the median, minimum and maximum of xs; the median of an
// even count is the mean of the middle two. An empty slice gives a zero Stat
// with N == 0, which the writers print as "–".
func summarize(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Stat{Median: med, Min: s[0], Max: s[n-1], N: n}
}

// ratio returns a/b, and false when b is not a positive number (no baseline
// was measured, or it failed), so that a table never shows Inf or NaN.
func ratio(a, b float64) (float64, bool) {
	if b <= 0 || math.IsNaN(a) || math.IsNaN(b) || math.IsInf(b, 0) {
		return 0, false
	}
	return a / b, true
}

// floorSeconds is the wall time a perfectly parallel build could reach: the
// CPU seconds the sequential loop spent, spread evenly over every core. No
// scheduler beats it without doing less work than the loop (a cache hit, a
// skipped link), so wall/floor says how much parallelism is left on the
// table.
func floorSeconds(loopCPUSeconds float64, cores int) (float64, bool) {
	if cores <= 0 || loopCPUSeconds <= 0 {
		return 0, false
	}
	return loopCPUSeconds / float64(cores), true
}

// rotate returns xs starting at index r (mod len(xs)): round r of a
// scenario runs its contenders in this order, so that none of them is
// always first after a change of scenario (and always pays for a cold page
// cache) or always last.
func rotate[T any](xs []T, r int) []T {
	if len(xs) == 0 {
		return nil
	}
	r %= len(xs)
	if r < 0 {
		r += len(xs)
	}
	out := make([]T, 0, len(xs))
	out = append(out, xs[r:]...)
	return append(out, xs[:r]...)
}
