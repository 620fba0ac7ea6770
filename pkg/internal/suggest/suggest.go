// Package suggest finds the closest spellings of a mistyped word, for the
// "did you mean" part of error messages.
package suggest

import (
	"sort"
	"strings"
)

// Closest returns up to n candidates nearest to word by edit distance, best
// first, keeping only those close enough to be a plausible typo.
func Closest(word string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	limit := len(word)/2 + 1
	if limit < 2 {
		limit = 2
	}
	var out []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		d := Distance(word, c)
		if len(word) >= 4 && strings.Contains(c, word) {
			d = min(d, 2) // "glibc" for "max_glibc": a fragment of the key
		}
		if d <= limit {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].s < out[j].s
	})
	var res []string
	for i := 0; i < len(out) && i < n; i++ {
		res = append(res, out[i].s)
	}
	return res
}

// Distance is the Damerau (optimal string alignment) edit distance, so a
// swapped pair of letters ("lniux") counts as one typo, not two.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := 0; j <= len(rb); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
