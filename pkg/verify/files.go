package verify

import (
	"context"
	"errors"
	"sort"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// File is one binary of `portmatrix inspect`: its inspection and the
// policy's violations, or the error that kept it from being read.
type File struct {
	Path       string
	Info       *inspect.Info
	Err        error
	Violations []Violation
}

// Failed says the file could not be read or breaks the policy.
func (f File) Failed() bool { return f.Err != nil || len(f.Violations) > 0 }

// Files inspects the binaries at paths (directories walked by
// inspect.Walk), workers at a time, and checks each against policy. Files
// found in a directory that are not executables of a known format (or are
// empty) are passed over and counted in skipped; a file named in paths
// must be one. The result is sorted by path.
func Files(ctx context.Context, paths []string, policy plan.Expectation, opt inspect.Options, workers int) (files []File, skipped int) {
	found, walkErrs := inspect.Walk(paths)
	for _, e := range walkErrs {
		files = append(files, File{Path: e.Path, Err: e})
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.Path
	}
	for i, r := range inspect.Files(ctx, names, opt, workers) {
		f := found[i]
		if r.Err != nil {
			if f.Walked && (errors.Is(r.Err, inspect.ErrUnknownFormat) || f.Size == 0) {
				skipped++
				continue
			}
			files = append(files, File{Path: f.Path, Err: r.Err})
			continue
		}
		files = append(files, File{Path: f.Path, Info: r.Info, Violations: Policy(policy, r.Info, "")})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, skipped
}
