package cli

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

// progress shows a running build on stderr: a bar with the running jobs on
// a terminal, one plain line per finished job otherwise (CI logs), or
// nothing.
type progress struct {
	mode    string
	w       io.Writer
	mu      sync.Mutex
	total   int
	done    int
	running map[string]bool
	bar     *progressbar.ProgressBar
}

func newProgress(mode string, stdio Stdio) (*progress, error) {
	switch mode {
	case "auto":
		mode = "lines"
		if isTerminal(stdio.Err) {
			mode = "bar"
		}
	case "bar", "lines", "none":
	default:
		return nil, usageErr("--progress %q: use auto, bar, lines or none", mode)
	}
	return &progress{mode: mode, w: stdio.Err, running: map[string]bool{}}, nil
}

func (p *progress) start(total int) {
	p.total = total
	if p.mode == "bar" {
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

func (p *progress) jobStarted(j plan.Job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[j.ID] = true
	p.describe()
}

func (p *progress) jobDone(r build.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, r.Job.ID)
	p.done++
	switch p.mode {
	case "lines":
		width := len(fmt.Sprint(p.total))
		line := fmt.Sprintf("[%*d/%d] %-9s %s %.1fs", width, p.done, p.total, r.Status, r.Job.ID, r.Duration.Seconds())
		if r.Err != nil && r.Status != build.StatusSkipped {
			line += ": " + firstLine(r.Err.Error())
		}
		fmt.Fprintln(p.w, line)
	case "bar":
		p.describe()
		_ = p.bar.Add(1)
	}
}

// describe puts the running jobs in the bar's description.
func (p *progress) describe() {
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

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
