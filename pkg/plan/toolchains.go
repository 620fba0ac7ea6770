package plan

import (
	"slices"

	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// Toolchains lists each distinct C toolchain of jobs (the same CC,
// CGO_CFLAGS and CGO_LDFLAGS, as the go command would run it), in the order
// jobs first use it, with the targets that use it and whether any of its
// jobs asks the C linker for -static: what the preflight must prove before
// the first go build, once per toolchain.
func Toolchains(jobs []Job) []toolchain.Use {
	var uses []toolchain.Use
	index := map[string]int{}
	for _, j := range jobs {
		if j.Toolchain == nil {
			continue
		}
		tc := *j.Toolchain
		key := tc.Key()
		i, ok := index[key]
		if !ok {
			i = len(uses)
			index[key] = i
			uses = append(uses, toolchain.Use{Toolchain: tc})
		}
		uses[i].Static = uses[i].Static || j.StaticC
		if t := j.Target.String(); !slices.Contains(uses[i].Targets, t) {
			uses[i].Targets = append(uses[i].Targets, t)
		}
	}
	for i := range uses {
		slices.Sort(uses[i].Targets)
	}
	return uses
}
