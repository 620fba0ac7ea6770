package pipeline

import (
	"context"
	"fmt"
	"os/exec"
	"sync"

	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// Doctor diagnoses the C toolchain of every cgo target of a manifest: the
// manifest is planned with a selector that only records what each cgo job
// needs (so a missing compiler is a diagnosis here, not a plan error),
// then each is selected for real and probed (toolchain.Doctor), statically
// too where a job of the target links -static.
func Doctor(ctx context.Context, opt LoadOptions) ([]toolchain.Diagnosis, *Loaded, error) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var reqs []toolchain.Request
	opt.SelectToolchain = func(n toolchain.Need, ov toolchain.Overrides) (toolchain.Toolchain, error) {
		mu.Lock()
		defer mu.Unlock()
		if k := fmt.Sprint(n, ov); !seen[k] {
			seen[k] = true
			reqs = append(reqs, toolchain.Request{Need: n, Overrides: ov})
		}
		return toolchain.Toolchain{Name: "doctor"}, nil
	}
	ld, err := Load(ctx, opt)
	if err != nil {
		return nil, nil, err
	}
	for _, j := range ld.Plan.Jobs {
		if !j.StaticC {
			continue
		}
		for i := range reqs {
			if reqs[i].Need.Target == j.Target {
				reqs[i].Static = true
			}
		}
	}
	return toolchain.Doctor(ctx, reqs, ld.host(), exec.LookPath, ld.Environ), ld, nil
}
