package pipeline

import (
	"context"
	"fmt"
	"os/exec"
	"sync"

	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/target"
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
	m := toolchain.Machine{Host: ld.host(), LookPath: exec.LookPath, Zig: ld.Zig, ZigCache: ld.ZigCache}
	return toolchain.Doctor(ctx, reqs, m, ld.Environ), ld, nil
}

// Platforms is doctor without a manifest: every platform of the go
// command with cgo support, diagnosed on this machine, and the zig found
// (with the platforms it covers).
type Platforms struct {
	Diagnoses []toolchain.Diagnosis
	Zig       *toolchain.Zig
	ZigCache  string
	Coverage  toolchain.Coverage
	Notes     []note.Note
}

// DoctorPlatforms diagnoses the toolchain of every platform with cgo
// support (environ: portmatrix's environment; find: nil for zig on PATH).
func DoctorPlatforms(ctx context.Context, goBin string, environ []string, find func(context.Context) (*toolchain.Zig, error)) (*Platforms, error) {
	inherited := goenv.Inherited(environ)
	table, err := target.LoadTableIn(ctx, goBin, inherited)
	if err != nil {
		return nil, err
	}
	env, err := goenv.Query(ctx, goBin, inherited)
	if err != nil {
		return nil, err
	}
	out := &Platforms{}
	out.Zig, out.ZigCache, out.Notes = findZig(ctx, find, environ)
	var reqs []toolchain.Request
	var cgo []target.Target
	for _, p := range table.Platforms() {
		if p.CgoSupported {
			t := target.Target{GOOS: p.GOOS, GOARCH: p.GOARCH}
			cgo = append(cgo, t)
			reqs = append(reqs, toolchain.Request{Need: toolchain.Need{Target: t}})
		}
	}
	if out.Zig != nil {
		out.Coverage = out.Zig.Covers(cgo)
	}
	m := toolchain.Machine{Host: target.Target{GOOS: env.HostOS(), GOARCH: env.HostArch()}, LookPath: exec.LookPath, Zig: out.Zig, ZigCache: out.ZigCache}
	out.Diagnoses = toolchain.Doctor(ctx, reqs, m, inherited)
	return out, nil
}
