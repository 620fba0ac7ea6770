package inspect

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Result is the inspection of one of the paths given to Files: Info, or the
// error that kept the file from being read.
type Result struct {
	Path string
	Info *Info
	Err  error
}

// Files inspects many files at once with FileWith, because a release
// directory holds hundreds of binaries and reading their headers is mostly
// waiting on the disk and on page faults, which overlap well. workers
// bounds how many files are open at a time; 0 or less means GOMAXPROCS.
//
// The results are in the order of paths, whatever order the files finish
// in. Once ctx is done no further file is started: those not started get
// ctx's error (wrapped with their path), while files already being read are
// finished.
func Files(ctx context.Context, paths []string, opt Options, workers int) []Result {
	results := make([]Result, len(paths))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				p := paths[i]
				results[i].Path = p
				if err := ctx.Err(); err != nil {
					results[i].Err = fmt.Errorf("inspect: %s: %w", p, context.Cause(ctx))
					continue
				}
				results[i].Info, results[i].Err = FileWith(p, opt)
			}
		})
	}
	wg.Wait()
	return results
}
