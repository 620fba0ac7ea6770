package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/outcache"
)

// Scenario is one state of the machine a contender starts from.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Cold        bool   `json:"cold"`         // a fresh, empty GOCACHE for every run
	KeepOutputs bool   `json:"keep_outputs"` // the previous run's outputs stay in place
	Edit        bool   `json:"edit"`         // a source file of the main package changes before every run
	Matrix      string `json:"matrix"`       // "default", "cgo" or "all"
	Partial     bool   `json:"partial"`      // single targets may fail (the all matrix)
}

// allScenarios in the order they run: cold first, so that its last cache can
// seed the warm one; edit after noop, which needs the source unchanged.
var allScenarios = []Scenario{
	{Name: "cold", Description: "fresh empty GOCACHE for every run, outputs deleted", Cold: true, Matrix: "default"},
	{Name: "warm", Description: "warm GOCACHE, outputs deleted", Matrix: "default"},
	{Name: "noop", Description: "nothing changed: warm GOCACHE, outputs of the previous run kept", KeepOutputs: true, Matrix: "default"},
	{Name: "edit", Description: "one source file of the main package changed before every run (a new package-level var), warm GOCACHE, outputs kept", KeepOutputs: true, Edit: true, Matrix: "default"},
	{Name: "cgo", Description: "the matrix plus linux/amd64 with CGO_ENABLED=1, warm GOCACHE, outputs deleted", Matrix: "cgo"},
	{Name: "all-warm", Description: "every `go tool dist list` platform that links without cgo, warm GOCACHE, outputs deleted (portmatrix and the loop only)", Matrix: "all", Partial: true},
	{Name: "all-noop", Description: "every `go tool dist list` platform that links without cgo, nothing changed: warm GOCACHE, outputs of the previous run kept (portmatrix and the loop only)", KeepOutputs: true, Matrix: "all", Partial: true},
	{Name: "all-cold", Description: "every `go tool dist list` platform that links without cgo, fresh GOCACHE per run (portmatrix and the loop only)", Cold: true, Matrix: "all", Partial: true},
}

// Sample is one measured run, as the JSON file keeps it.
type Sample struct {
	Workload  string `json:"workload"`
	Scenario  string `json:"scenario"`
	Contender string `json:"contender"`
	Round     int    `json:"round"` // 1-based; 0 for the warm-up run before a warm scenario
	Warmup    bool   `json:"warmup,omitempty"`
	Position  int    `json:"position"` // 1-based place in its round
	Measurement
	OutputsExpected int      `json:"outputs_expected"`
	OutputsFound    int      `json:"outputs_found"`
	Missing         []string `json:"missing,omitempty"`
	OK              bool     `json:"ok"`
	Error           string   `json:"error,omitempty"`
	Command         string   `json:"command"`
	Log             string   `json:"log"`
}

// runner holds what every run of one bench invocation shares.
type runner struct {
	opts     Options
	work     string
	env      []string // the environment every contender starts from
	stderr   io.Writer
	samples  []Sample
	coldRuns int
	edits    int
}

// workloadRun is one workload's part of the bench.
type workloadRun struct {
	w          Workload
	contenders []Contender
	matrices   map[string]Matrix
	cfgDir     string
	warmCache  string
	editFile   string
}

// setup writes every contender's configuration for every matrix.
func (r *runner) setup(wr *workloadRun) error {
	for _, c := range wr.contenders {
		for _, m := range wr.matrices {
			if m.Name == "all" && !runsAll(c) {
				continue
			}
			if err := c.Setup(wr.w, m, wr.cfgDir, r.dist(wr, c)); err != nil {
				return fmt.Errorf("%s: set up %s for matrix %s: %w", wr.w.Name, c.Name(), m.Name, err)
			}
		}
	}
	return nil
}

// runWorkload runs the scenarios in order: for a warm scenario first one untimed warm-up run of
// each contender (it fills the shared warm GOCACHE with what that
// contender's flags and environment need, and leaves the outputs the
// "nothing changed" scenario starts from), then the rounds, each with the
// contenders in rotated order.
func (r *runner) runWorkload(ctx context.Context, wr *workloadRun, scenarios []Scenario) error {
	for _, sc := range scenarios {
		m, ok := wr.matrices[sc.Matrix]
		if !ok {
			continue
		}
		var cs []Contender
		for _, c := range wr.contenders {
			if (sc.Matrix != "all" || runsAll(c)) && r.runsIn(c, sc) {
				cs = append(cs, c)
			}
		}
		if !sc.Cold {
			for i, c := range cs {
				if err := r.runOne(ctx, wr, sc, m, c, 0, i+1); err != nil {
					return err
				}
			}
		}
		for round := 1; round <= r.rounds(sc); round++ {
			for i, c := range rotate(cs, round-1) {
				if err := r.runOne(ctx, wr, sc, m, c, round, i+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// rounds is how many timed rounds scenario sc gets.
func (r *runner) rounds(sc Scenario) int {
	if sc.Cold && r.opts.ColdRounds > 0 {
		return r.opts.ColdRounds
	}
	return r.opts.Rounds
}

// runsIn says whether contender c runs in scenario sc: a variant only in
// --variant-scenarios, when given.
func (r *runner) runsIn(c Contender, sc Scenario) bool {
	pm, ok := c.(*pmContender)
	if !ok || pm.variant == "" || len(r.opts.VariantScenarios) == 0 {
		return true
	}
	return slices.Contains(r.opts.VariantScenarios, sc.Name)
}

// runsAll says whether a contender takes part in the all matrix: goreleaser
// does not (the issue compares portmatrix with the loop there).
func runsAll(c Contender) bool { return c.Name() != "goreleaser" }

func (r *runner) dist(wr *workloadRun, c Contender) string {
	return filepath.Join(r.work, "dist", wr.w.Name, slug(c.Name()))
}

// runOne prepares the scenario's state, runs one contender and records the
// sample. Its error is the bench's own failure (a file it cannot write, an
// interrupt); a failed build is a sample with OK false.
func (r *runner) runOne(ctx context.Context, wr *workloadRun, sc Scenario, m Matrix, c Contender, round, pos int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dist := r.dist(wr, c)
	if !sc.KeepOutputs {
		if err := os.RemoveAll(dist); err != nil {
			return fmt.Errorf("delete outputs: %w", err)
		}
	}
	cache := wr.warmCache
	if sc.Cold {
		r.coldRuns++
		cache = filepath.Join(r.work, "cache", fmt.Sprintf("%s-cold-%d", wr.w.Name, r.coldRuns))
		if err := os.RemoveAll(cache); err != nil {
			return err
		}
		if err := os.RemoveAll(outputCache(cache)); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	if sc.Edit {
		r.edits++
		if err := appendEdit(wr.editFile, r.edits); err != nil {
			return err
		}
	}
	tag := fmt.Sprintf("r%d", round)
	if round == 0 {
		tag = "warmup"
	}
	runFiles := filepath.Join(r.work, "runs", wr.w.Name, sc.Name, tag+"-"+slug(c.Name()))
	if err := os.MkdirAll(runFiles, 0o755); err != nil {
		return err
	}
	args := c.Command(wr.w, m, wr.cfgDir, dist, runFiles)
	cmd := Command{Dir: wr.w.Dir, Args: args, Env: runEnv(r.env, cache), Log: filepath.Join(runFiles, "output.log")}
	meas, err := measure(ctx, cmd, r.opts.Interval, r.opts.Timeout)
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", wr.w.Name, sc.Name, c.Name(), err)
	}
	s := Sample{Workload: wr.w.Name, Scenario: sc.Name, Contender: c.Name(), Round: round, Warmup: round == 0,
		Position: pos, Measurement: meas, OutputsExpected: len(m.Targets), Command: "cd " + shellQuote(cmd.Dir) + " && " + cmd.String(), Log: cmd.Log}
	s.Missing = c.Missing(wr.w, m, dist)
	s.OutputsFound = s.OutputsExpected - len(s.Missing)
	switch {
	case meas.Interrupted:
		s.Error = "interrupted"
	case meas.TimedOut:
		s.Error = fmt.Sprintf("timed out after %s", r.opts.Timeout)
	case sc.Partial && s.OutputsFound == 0:
		s.Error = fmt.Sprintf("exit status %d and no output at all:\n%s", meas.ExitCode, logTail(cmd.Log, 15))
	case !sc.Partial && meas.ExitCode != 0:
		s.Error = fmt.Sprintf("exit status %d:\n%s", meas.ExitCode, logTail(cmd.Log, 15))
	case !sc.Partial && len(s.Missing) > 0:
		s.Error = "missing outputs: " + strings.Join(s.Missing, ", ")
	}
	s.OK = s.Error == ""
	r.samples = append(r.samples, s)
	r.progress(s)

	if sc.Cold {
		// The first cold cache becomes the warm one, so that the warm-up
		// runs need not rebuild the standard library for every target.
		if _, err := os.Stat(wr.warmCache); os.IsNotExist(err) && s.OK {
			if err := os.Rename(cache, wr.warmCache); err != nil {
				return fmt.Errorf("keep cold cache as warm cache: %w", err)
			}
			if err := os.Rename(outputCache(cache), outputCache(wr.warmCache)); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("keep cold output cache as warm cache: %w", err)
			}
		} else if err := errors.Join(os.RemoveAll(cache), os.RemoveAll(outputCache(cache))); err != nil {
			return fmt.Errorf("delete cold cache: %w", err)
		}
	}
	if meas.Interrupted {
		return ctx.Err()
	}
	return nil
}

// progress prints one line per run on stderr, so that a long run shows
// where it is.
func (r *runner) progress(s Sample) {
	sc, _ := scenarioByName(s.Scenario)
	round := fmt.Sprintf("round %d/%d", s.Round, r.rounds(sc))
	if s.Warmup {
		round = "warm-up"
	}
	status := "ok"
	if !s.OK {
		status = "FAILED: " + firstLine(s.Error) + " (log: " + s.Log + ")"
	}
	fmt.Fprintf(r.stderr, "bench: %-6s %-8s %-9s %-14s %7.1fs wall %7.1fs CPU %6.0f MiB tree  %d/%d outputs  %s\n",
		s.Workload, s.Scenario, round, s.Contender, s.WallSeconds, s.CPUSeconds, mib(s.PeakTree.RSSBytes),
		s.OutputsFound, s.OutputsExpected, status)
}

// outputCache is the directory of portmatrix's output cache that goes with
// the build cache gocache: fresh with a cold GOCACHE, shared and warm with
// the warm one (other contenders ignore it).
func outputCache(gocache string) string { return gocache + ".portmatrix-outputs" }

// runEnv is the environment of a timed run: the user's, with the variables
// that would change what a build does removed, and the build cache (with
// portmatrix's output cache beside it), an empty GOFLAGS (portmatrix
// clears it for its jobs anyway), no workspace and no network (everything
// was downloaded before the first run).
func runEnv(base []string, gocache string) []string {
	drop := map[string]bool{"GOCACHE": true, outcache.EnvVar: true, "GOFLAGS": true, "GOOS": true, "GOARCH": true, "CGO_ENABLED": true,
		"GOARM": true, "GOAMD64": true, "GOARM64": true, "GO386": true, "GOPPC64": true, "GORISCV64": true,
		"GOMIPS": true, "GOMIPS64": true, "GOWASM": true, "GOPROXY": true, "GOWORK": true, "GO": true}
	env := make([]string, 0, len(base)+5)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	return append(env, "GOCACHE="+gocache, outcache.EnvVar+"="+outputCache(gocache), "GOFLAGS=", "GOWORK=off", "GOPROXY=off")
}

// slug turns a contender's name into a directory name.
func slug(s string) string { return strings.ReplaceAll(s, " ", "-") }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// sinceSeconds is time.Since in seconds, for the install timing.
func sinceSeconds(t time.Time) float64 { return time.Since(t).Seconds() }
