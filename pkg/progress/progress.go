// Package progress shows a running build on a stream (stderr): a bar with
// the running jobs on a terminal, one plain line per finished job
// otherwise (CI logs), or nothing. It is a build.Observer.
package progress

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// The modes of a Display.
const (
	Auto  = "auto"  // Bar on a terminal, else Lines
	Bar   = "bar"   // a progress bar naming the running jobs
	Lines = "lines" // a line per finished job
	None  = "none"  // nothing
)

// Display is a build.Observer that draws progress on w.
type Display struct {
	mode    string
	w       io.Writer
	mu      sync.Mutex
	total   int
	done    int
	running map[string]bool
	bar     *progressbar.ProgressBar
}

var _ build.Observer = (*Display)(nil)

// New is a Display in mode (Auto picks Bar when terminal is true).
func New(mode string, w io.Writer, terminal bool) (*Display, error) {
	switch mode {
	case Auto:
		mode = Lines
		if terminal {
			mode = Bar
		}
	case Bar, Lines, None:
	default:
		return nil, fmt.Errorf("--progress %q: use auto, bar, lines or none", mode)
	}
	return &Display{mode: mode, w: w, running: map[string]bool{}}, nil
}

// Mode is the mode in use (never Auto).
func (p *Display) Mode() string { return p.mode }

// Starting starts a bar of total builds.
func (p *Display) Starting(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.done = total, 0
	if p.mode == Bar {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionSetWidth(30),
		)
	}
}

// JobStarted adds the job to the running ones.
func (p *Display) JobStarted(j plan.Job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[j.ID] = true
	p.describe()
}

// JobDone counts the job: a line in Lines mode, a step of the bar in Bar.
func (p *Display) JobDone(r build.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, r.Job.ID)
	p.done++
	switch p.mode {
	case Lines:
		width := len(fmt.Sprint(p.total))
		line := fmt.Sprintf("[%*d/%d] %-9s %s %.1fs", width, p.done, p.total, r.Status, r.Job.ID, r.Duration.Seconds())
		if r.Err != nil && r.Status != build.StatusSkipped {
			first, _, _ := strings.Cut(r.Err.Error(), "\n")
			line += ": " + first
		}
		fmt.Fprintln(p.w, line)
	case Bar:
		p.describe()
		_ = p.bar.Add(1)
	}
}

// describe puts the running jobs in the bar's description.
func (p *Display) describe() {
	if p.bar == nil {
		return
	}
	ids := make([]string, 0, len(p.running))
	for id := range p.running {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	p.bar.Describe("running: " + strings.Join(ids, ", "))
}

// Finished clears the bar.
func (p *Display) Finished() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
