// Command bench compares portmatrix with a sequential `go build` loop and
// with goreleaser, building real third-party CLIs (fzf, shfmt) for a matrix
// of 12 targets, cold and warm, and measures wall time, CPU time and the
// peak memory of each contender's whole process tree.
//
//	go run ./scripts/bench [flags] [-- portmatrix build flags]
//	go run ./scripts/bench --smoke          # a hello world, 2 targets, 1 round: seconds
//
// It prints a Markdown table (and writes it to --out) and keeps every raw
// sample in --json. See docs/benchmarks.md, "Build matrix benchmark".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Options are the bench's command line.
type Options struct {
	Smoke     bool
	Workloads []string
	Targets   string
	Rounds    int
	// ColdRounds is the rounds of the cold scenarios (0: Rounds): a cold
	// round takes minutes, a warm one seconds.
	ColdRounds int
	// VariantScenarios are the scenarios the variants run in (nil: all).
	VariantScenarios  []string
	Scenarios         []string
	All               bool
	Contenders        []string
	InstallGoreleaser bool
	GoreleaserVersion string
	Portmatrix        string
	Work              string
	Keep              bool
	Out, JSON         string
	Interval          time.Duration
	Timeout           time.Duration
	Cores             int
	DryRun            bool
	Extra             []string // portmatrix build flags after --
	Variants          []Variant
	Args              []string // the command line as given, for the results' header
}

// Variant is one more portmatrix contender: the same binary and manifest
// with other build flags (--variant NAME=FLAGS), so that two settings of
// portmatrix are measured in the same run, alternating like the others.
type Variant struct {
	Name  string   `json:"name"`
	Flags []string `json:"flags"`
}

// variantFlag collects repeated --variant flags.
type variantFlag []Variant

func (v *variantFlag) String() string { return fmt.Sprint(*v) }

func (v *variantFlag) Set(s string) error {
	name, flags, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, "/ ") {
		return fmt.Errorf("want NAME=FLAGS, e.g. threads0='--threads 0' (NAME without spaces or slashes), got %q", s)
	}
	for _, have := range *v {
		if have.Name == name {
			return fmt.Errorf("variant %q given twice", name)
		}
	}
	*v = append(*v, Variant{Name: name, Flags: strings.Fields(flags)})
	return nil
}

// parseOptions reads the command line. --smoke changes the defaults of the
// flags not given explicitly.
func parseOptions(args []string, stderr io.Writer) (Options, error) {
	o := Options{Args: args}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: go run ./scripts/bench [flags] [-- portmatrix build flags, e.g. -j 4]

Builds real CLIs for a matrix of targets with portmatrix, a sequential
go build loop and goreleaser, in several scenarios, and reports medians of
wall time, CPU time and peak process-tree memory. See docs/benchmarks.md.

Flags:
`)
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.Smoke, "smoke", false, "tiny configuration for CI: a generated hello world, "+smokeTargets+", 1 round, cold,warm,noop; goreleaser only if on PATH")
	workloads := fs.String("workloads", "fzf,shfmt", "comma-separated: fzf (github.com/junegunn/fzf v0.65.2), shfmt (mvdan.cc/sh/v3 v3.14.1 ./cmd/shfmt), or MODULE@VERSION[:./MAIN]")
	fs.StringVar(&o.Targets, "targets", defaultTargets, "comma-separated targets of the matrix (goos/goarch, goos/arm/v7)")
	fs.IntVar(&o.Rounds, "rounds", 3, "timed runs of every contender in every scenario")
	fs.IntVar(&o.ColdRounds, "cold-rounds", 0, "timed runs of every contender in the cold scenarios (0: --rounds)")
	scenarios := fs.String("scenarios", "cold,warm,noop,edit,cgo", "comma-separated scenarios: cold, warm, noop, edit, cgo, all-warm, all-noop, all-cold (cgo needs gcc)")
	fs.BoolVar(&o.All, "all", false, "also run all-warm and all-noop: every platform of go tool dist list that links without cgo (portmatrix and the loop only)")
	contenders := fs.String("contenders", "portmatrix,loop,goreleaser", "comma-separated contenders: portmatrix, loop, goreleaser")
	fs.BoolVar(&o.InstallGoreleaser, "install-goreleaser", false, "when goreleaser is not on PATH, go install it into the user cache directory (once) and use it")
	fs.StringVar(&o.GoreleaserVersion, "goreleaser-version", "v2.15.1", "goreleaser version --install-goreleaser installs")
	fs.StringVar(&o.Portmatrix, "portmatrix", "", "portmatrix binary to measure (default: build ./cmd/portmatrix of this checkout)")
	fs.StringVar(&o.Work, "work", "", "work directory for sources, caches, outputs and logs (default: a temporary one, removed at the end unless --keep)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary work directory (logs, configs, outputs)")
	fs.StringVar(&o.Out, "out", "", "also write the Markdown results to this file")
	fs.StringVar(&o.JSON, "json", "", "write the raw samples and the summary as JSON to this file")
	fs.DurationVar(&o.Interval, "interval", 20*time.Millisecond, "how often /proc is sampled for the process tree's memory")
	fs.DurationVar(&o.Timeout, "timeout", 60*time.Minute, "time limit of one run (0: none)")
	fs.IntVar(&o.Cores, "cores", runtime.NumCPU(), "cores the floor divides the loop's CPU time by")
	fs.BoolVar(&o.DryRun, "dry-run", false, "prepare the workloads and write every contender's configuration, print the commands, build nothing")
	var variants variantFlag
	fs.Var(&variants, "variant", "one more portmatrix contender, \"portmatrix NAME\", with these build flags instead of those after --, e.g. --variant threads0='--threads 0' (repeatable; needs the portmatrix contender)")
	variantScenarios := fs.String("variant-scenarios", "", "comma-separated scenarios the --variant contenders run in (default: all)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.VariantScenarios = splitList(*variantScenarios)
	o.Extra = fs.Args()
	o.Variants = variants
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.Smoke {
		if !set["workloads"] {
			*workloads = "hello"
		}
		if !set["targets"] {
			o.Targets = smokeTargets
		}
		if !set["rounds"] {
			o.Rounds = 1
		}
		if !set["scenarios"] {
			*scenarios = "cold,warm,noop"
		}
		if set["install-goreleaser"] {
			return o, errors.New("--smoke uses goreleaser only when it is on PATH; drop --install-goreleaser")
		}
	}
	o.Workloads, o.Scenarios, o.Contenders = splitList(*workloads), splitList(*scenarios), splitList(*contenders)
	for _, s := range []string{"all-warm", "all-noop"} {
		if o.All && !contains(o.Scenarios, s) {
			o.Scenarios = append(o.Scenarios, s)
		}
	}
	switch {
	case o.Rounds < 1:
		return o, fmt.Errorf("--rounds %d: want at least 1", o.Rounds)
	case o.ColdRounds < 0:
		return o, fmt.Errorf("--cold-rounds %d: want 0 (as --rounds) or more", o.ColdRounds)
	case o.Interval < time.Millisecond:
		return o, fmt.Errorf("--interval %s: want at least 1ms", o.Interval)
	case o.Cores < 1:
		return o, fmt.Errorf("--cores %d: want at least 1", o.Cores)
	case len(o.Workloads) == 0:
		return o, errors.New("--workloads: none given")
	}
	for _, s := range o.Scenarios {
		if _, ok := scenarioByName(s); !ok {
			return o, fmt.Errorf("--scenarios: unknown scenario %q (want cold, warm, noop, edit, cgo, all-warm, all-noop, all-cold)", s)
		}
	}
	for _, s := range o.VariantScenarios {
		if _, ok := scenarioByName(s); !ok {
			return o, fmt.Errorf("--variant-scenarios: unknown scenario %q", s)
		}
	}
	for _, c := range o.Contenders {
		if c != "portmatrix" && c != "loop" && c != "goreleaser" {
			return o, fmt.Errorf("--contenders: unknown contender %q (want portmatrix, loop, goreleaser)", c)
		}
	}
	if len(o.Variants) > 0 && !contains(o.Contenders, "portmatrix") {
		return o, errors.New("--variant: needs the portmatrix contender in --contenders")
	}
	if !contains(o.Contenders, "loop") {
		fmt.Fprintln(stderr, "bench: warning: without the loop there is no baseline: × loop and × floor stay empty")
	}
	for _, w := range o.Workloads {
		if _, err := parseWorkload(w); err != nil && !(o.Smoke && w == "hello") {
			return o, err
		}
	}
	if _, err := parseTargets(o.Targets); err != nil {
		return o, fmt.Errorf("--targets: %w", err)
	}
	return o, nil
}

func scenarioByName(name string) (Scenario, bool) {
	for _, s := range allScenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" && !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Main runs the bench and returns the exit code: 0 when every run of every
// contender built all its outputs, 1 when one did not or the bench failed,
// 2 for a usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	ok, err := run(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if !ok {
		return 1
	}
	return 0
}
