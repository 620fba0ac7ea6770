package verify

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
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
// found in a directory that are not executables (empty, of no known
// format, or inspect.ErrNotExecutable: objects, core dumps, ...) are
// passed over and counted in skipped; a file named in paths must be an
// executable, and the error says what it is instead. A named path that
// yields nothing (no binary, no error) is an error of its own: whoever
// named it expected a binary there, and a policy that checked nothing has
// proved nothing. A file reached from several named paths is inspected and
// listed once. The result is sorted by path.
func Files(ctx context.Context, paths []string, policy plan.Expectation, opt inspect.Options, workers int) (files []File, skipped int) {
	found, walkErrs := inspect.Walk(paths)
	index := map[string]int{} // path -> its place in names
	var names []string
	for _, f := range found {
		if _, ok := index[f.Path]; !ok {
			index[f.Path] = len(names)
			names = append(names, f.Path)
		}
	}
	results := inspect.Files(ctx, names, opt, workers)

	listed := map[string]bool{}
	add := func(f File) {
		if !listed[f.Path] {
			listed[f.Path] = true
			files = append(files, f)
		}
	}
	yielded := map[string]bool{} // named paths that gave a binary or an error
	passed := map[string]int{}   // files passed over, per named path
	passedOver := map[string]bool{}
	for _, e := range walkErrs {
		add(File{Path: e.Path, Err: e})
		yielded[e.Root] = true
	}
	for _, f := range found {
		r := results[index[f.Path]]
		if r.Err != nil && f.Walked && passOver(r.Err, f.Size) {
			passedOver[f.Path] = true
			passed[f.Root]++
			continue
		}
		yielded[f.Root] = true
		if r.Err != nil {
			add(File{Path: f.Path, Err: r.Err})
			continue
		}
		add(File{Path: f.Path, Info: r.Info, Violations: Policy(policy, r.Info, "")})
	}
	for p := range passedOver {
		if !listed[p] {
			skipped++
		}
	}
	for _, p := range paths {
		if !yielded[p] {
			files = append(files, File{Path: p, Err: noBinary(p, passed[p])})
			yielded[p] = true // a path named twice is reported once
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, skipped
}

// passOver says a file found in a directory is not an executable, and
// not a broken one: empty, of no known format, or of a kind that is not a
// program (an object, a core dump).
func passOver(err error, size int64) bool {
	return size == 0 || errors.Is(err, inspect.ErrUnknownFormat) || errors.Is(err, inspect.ErrNotExecutable)
}

// noBinary is the error of a named path that gave nothing to check.
func noBinary(path string, passedOver int) error {
	if passedOver == 0 {
		return fmt.Errorf("no binary to check in %s: it holds no files", path)
	}
	none := "none an executable"
	if passedOver == 1 {
		none = "not an executable"
	}
	return fmt.Errorf("no binary to check in %s: %s passed over, %s", path, plural.Count(passedOver, "file"), none)
}
