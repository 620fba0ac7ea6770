package pipeline

import (
	"context"
	"fmt"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// LoadOptions say which manifest to load and how to plan it.
type LoadOptions struct {
	// File is the manifest.
	File string
	// GoBin is the go command of every job ("go" when empty).
	GoBin string
	// Environ is the environment the go command is asked in, the one the
	// jobs inherit (os.Environ() when nil).
	Environ []string
	// Dist overrides the manifest's dist directory when not empty.
	Dist string
	// Targets and Builds select jobs (--targets, --build).
	Targets, Builds []string
	// Stamp is what the release stamp can come from (release.Stamp); its
	// Dir is the manifest's directory.
	Stamp release.StampOptions
	// SelectToolchain picks the C toolchain of a cgo job (nil: the real
	// selection); `portmatrix doctor` records instead.
	SelectToolchain func(toolchain.Need, toolchain.Overrides) (toolchain.Toolchain, error)
}

// Loaded is a validated manifest's plan and what it was made from: the
// first stage of a run, and the input of Build.
type Loaded struct {
	Plan  *plan.Plan
	GoBin string
	// GoEnv is the one `go env` answer of the run; Table the platforms of
	// the same go command.
	GoEnv goenv.Env
	Table *target.Table
	Stamp plan.Stamp
	// ManifestSHA256 is the hash of the manifest's bytes: merge refuses
	// fragments built from different manifests.
	ManifestSHA256 string
	// Filtered says --targets or --build selected part of the manifest.
	Filtered bool
	// Notes are the plan's warnings and the stamp's.
	Notes []note.Note
}

// ProblemsError is a manifest that cannot be planned: every problem, each
// at its file:line:col.
type ProblemsError struct {
	Problems manifest.Problems
}

// Error counts the problems; the caller prints them one per line.
func (e *ProblemsError) Error() string {
	return fmt.Sprintf("the manifest has %s; nothing was built", plural.Count(len(e.Problems), "problem"))
}

// Load reads and validates the manifest, asks the go command for its
// platforms and settings (at once: each is a process start of 20-30 ms),
// resolves the release stamp and plans every job. Manifest problems come
// back all at once as a *ProblemsError.
func Load(ctx context.Context, opt LoadOptions) (*Loaded, error) {
	goBin := opt.GoBin
	if goBin == "" {
		goBin = "go"
	}
	m, ps := manifest.Load(opt.File)
	if m == nil {
		ps.Sort()
		return nil, &ProblemsError{Problems: ps}
	}
	abs, err := filepath.Abs(opt.File)
	if err != nil {
		return nil, err
	}
	ld := &Loaded{GoBin: goBin, Filtered: len(opt.Targets) > 0 || len(opt.Builds) > 0}
	var g errgroup.Group
	g.Go(func() (err error) { ld.Table, err = target.LoadTable(ctx, goBin); return err })
	g.Go(func() (err error) { ld.GoEnv, err = goenv.Query(ctx, goBin, opt.Environ); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	st := opt.Stamp
	st.Dir = filepath.Dir(abs)
	stamp, notes, err := release.Stamp(ctx, st)
	if err != nil {
		return nil, err
	}
	ld.Stamp, ld.Notes = stamp, notes
	p, pps := plan.New(m, plan.Options{
		Table: ld.Table, GoBin: goBin, ManifestDir: filepath.Dir(abs), DistDir: opt.Dist,
		Stamp: stamp, Targets: opt.Targets, Builds: opt.Builds,
		Host:            target.Target{GOOS: ld.GoEnv.HostOS(), GOARCH: ld.GoEnv.HostArch()},
		SelectToolchain: opt.SelectToolchain,
	})
	if all := append(append(manifest.Problems{}, ps...), pps...); len(all) > 0 {
		all.Sort()
		return nil, &ProblemsError{Problems: all}
	}
	for _, w := range p.Warnings {
		ld.Notes = append(ld.Notes, note.Warnf("%s", w))
	}
	ld.Plan = p
	if ld.ManifestSHA256, _, err = checksum.File(opt.File); err != nil {
		return nil, err
	}
	return ld, nil
}
