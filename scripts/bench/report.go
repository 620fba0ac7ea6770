package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Meta is everything needed to reproduce or judge a result: versions, the
// machine and the options.
type Meta struct {
	Started     string     `json:"started"`
	CommandLine string     `json:"command_line"`
	GoVersion   string     `json:"go_version"`
	Portmatrix  string     `json:"portmatrix"` // commit of the checkout, or the binary given
	Goreleaser  Goreleaser `json:"goreleaser"`
	Workloads   []Workload `json:"workloads"`
	Machine     Machine    `json:"machine"`
	Rounds      int        `json:"rounds"`
	ColdRounds  int        `json:"cold_rounds,omitempty"`
	// VariantScenarios are the scenarios the variants ran in (empty: all).
	VariantScenarios []string   `json:"variant_scenarios,omitempty"`
	Scenarios        []Scenario `json:"scenarios"`
	Matrices         []Matrix   `json:"matrices"`
	ExtraFlags       []string   `json:"portmatrix_flags"`
	Variants         []Variant  `json:"portmatrix_variants,omitempty"`
	SampleInterval   string     `json:"sample_interval"`
	Warnings         []string   `json:"warnings,omitempty"`
	Smoke            bool       `json:"smoke,omitempty"`
	DurationTotal    float64    `json:"duration_seconds"`
}

// Cell is the summary of one workload × scenario × contender, over its
// rounds (warm-up runs excluded). Statistics are over the successful runs.
type Cell struct {
	Workload     string `json:"workload"`
	Scenario     string `json:"scenario"`
	Contender    string `json:"contender"`
	Runs         int    `json:"runs"`
	Failed       int    `json:"failed"`
	Wall         Stat   `json:"wall_seconds"`
	CPU          Stat   `json:"cpu_seconds"`
	PeakTree     Stat   `json:"peak_tree_rss_bytes"`
	MaxRSS       Stat   `json:"maxrss_bytes"`
	OutputsMin   int    `json:"outputs_found_min"`
	OutputsOf    int    `json:"outputs_expected"`
	NotInstalled bool   `json:"not_installed,omitempty"`
	// Against the sequential loop of the same workload and scenario:
	WallVsLoop float64 `json:"wall_vs_loop,omitempty"`
	CPUVsLoop  float64 `json:"cpu_vs_loop,omitempty"`
	FloorSecs  float64 `json:"floor_seconds,omitempty"` // loop CPU median / cores
	WallVsFlr  float64 `json:"wall_vs_floor,omitempty"`
}

// Results is the JSON file: the summary cells and every raw sample.
type Results struct {
	Meta    Meta     `json:"meta"`
	Cells   []Cell   `json:"cells"`
	Samples []Sample `json:"samples"`
}

const loopName = "go build loop"

// summarizeCells groups the samples into cells in the order workloads,
// scenarios and contenders ran, and adds a "not installed" cell for each
// skipped contender.
func summarizeCells(samples []Sample, workloads []string, scenarios []Scenario, contenders []string, skipped map[string]bool, cores int) []Cell {
	type key struct{ w, s, c string }
	groups := map[key][]Sample{}
	for _, s := range samples {
		if !s.Warmup {
			k := key{s.Workload, s.Scenario, s.Contender}
			groups[k] = append(groups[k], s)
		}
	}
	var cells []Cell
	for _, w := range workloads {
		for _, sc := range scenarios {
			var row []Cell
			for _, c := range contenders {
				if sc.Matrix == "all" && c == "goreleaser" {
					continue
				}
				ss, ok := groups[key{w, sc.Name, c}]
				if !ok {
					if skipped[c] {
						row = append(row, Cell{Workload: w, Scenario: sc.Name, Contender: c, NotInstalled: true})
					}
					continue
				}
				row = append(row, cellOf(w, sc.Name, c, ss))
			}
			addRatios(row, cores)
			cells = append(cells, row...)
		}
	}
	return cells
}

func cellOf(w, sc, c string, ss []Sample) Cell {
	cell := Cell{Workload: w, Scenario: sc, Contender: c, Runs: len(ss), OutputsMin: -1}
	var wall, cpu, tree, maxrss []float64
	for _, s := range ss {
		cell.OutputsOf = s.OutputsExpected
		if cell.OutputsMin < 0 || s.OutputsFound < cell.OutputsMin {
			cell.OutputsMin = s.OutputsFound
		}
		if !s.OK {
			cell.Failed++
			continue
		}
		wall = append(wall, s.WallSeconds)
		cpu = append(cpu, s.CPUSeconds)
		tree = append(tree, float64(s.PeakTree.RSSBytes))
		maxrss = append(maxrss, float64(s.MaxRSSBytes))
	}
	cell.Wall, cell.CPU, cell.PeakTree, cell.MaxRSS = summarize(wall), summarize(cpu), summarize(tree), summarize(maxrss)
	return cell
}

// addRatios fills in the comparisons of one scenario's row of cells with
// that scenario's loop.
func addRatios(row []Cell, cores int) {
	var loop *Cell
	for i := range row {
		if row[i].Contender == loopName && row[i].Wall.N > 0 {
			loop = &row[i]
		}
	}
	if loop == nil {
		return
	}
	floor, okFloor := floorSeconds(loop.CPU.Median, cores)
	for i := range row {
		c := &row[i]
		if c.Wall.N == 0 {
			continue
		}
		c.WallVsLoop, _ = ratio(c.Wall.Median, loop.Wall.Median)
		c.CPUVsLoop, _ = ratio(c.CPU.Median, loop.CPU.Median)
		if okFloor {
			c.FloorSecs = floor
			c.WallVsFlr, _ = ratio(c.Wall.Median, floor)
		}
	}
}

// writeMarkdown renders the header and one table per workload.
func writeMarkdown(out io.Writer, meta Meta, cells []Cell) error {
	var b strings.Builder
	b.WriteString("### Results")
	if meta.Smoke {
		b.WriteString(" (smoke configuration: a hello world, not a measurement)")
	}
	b.WriteString("\n\n")
	gr := meta.Goreleaser.Status
	if meta.Goreleaser.Version != "" {
		gr = meta.Goreleaser.Version + " (" + meta.Goreleaser.Status + ")"
	}
	if gr == "" {
		gr = "not a contender"
	}
	fmt.Fprintf(&b, "- Versions: %s; portmatrix %s; goreleaser %s", meta.GoVersion, meta.Portmatrix, gr)
	for _, w := range meta.Workloads {
		fmt.Fprintf(&b, "; %s %s@%s", w.Name, w.Module, w.Version)
	}
	b.WriteString(".\n")
	m := meta.Machine
	fmt.Fprintf(&b, "- Machine: %d CPUs (nproc; the floor divides by %d), %s, %s, Linux %s; load average %s at the start, %s at the end.\n",
		m.NumCPU, m.CoresForFloor, m.MemTotal, orDash(m.CPUModel), orDash(m.Kernel), orDash(m.LoadAvgStart), orDash(m.LoadAvgEnd))
	flags := "none"
	if len(meta.ExtraFlags) > 0 {
		flags = "`" + strings.Join(meta.ExtraFlags, " ") + "`"
	}
	for _, v := range meta.Variants {
		flags += fmt.Sprintf("; portmatrix %s: `%s`", v.Name, strings.Join(v.Flags, " "))
		if len(meta.VariantScenarios) > 0 {
			flags += " (" + strings.Join(meta.VariantScenarios, ", ") + " only)"
		}
	}
	rounds := fmt.Sprint(meta.Rounds)
	if meta.ColdRounds > 0 && meta.ColdRounds != meta.Rounds {
		rounds = fmt.Sprintf("%d (cold scenarios: %d)", meta.Rounds, meta.ColdRounds)
	}
	fmt.Fprintf(&b, "- Runs: %s round(s) per scenario after one untimed warm-up run per contender (none for cold scenarios); contenders alternate within a round and the first one rotates; extra portmatrix flags: %s; `%s`.\n",
		rounds, flags, meta.CommandLine)
	for _, w := range meta.Warnings {
		fmt.Fprintf(&b, "- Warning: %s\n", w)
	}
	b.WriteString("\nWall time and CPU time (user + system of the whole process tree) in seconds, memory in MiB: median (min–max) over the rounds. " +
		"× loop: median wall time divided by the sequential loop's. × floor: median wall time divided by the floor, the loop's median CPU time " +
		"divided by the cores (what a perfectly parallel build of the same work would take). Tree RSS: the largest sum of the resident sets of " +
		"the top process and all its descendants, sampled from /proc every " + meta.SampleInterval + "; largest process: ru_maxrss.\n")

	for _, w := range meta.Workloads {
		var matrixDesc []string
		for _, mx := range meta.Matrices {
			matrixDesc = append(matrixDesc, fmt.Sprintf("%s: %d targets", mx.Name, len(mx.Targets)))
		}
		fmt.Fprintf(&b, "\n#### %s %s (`%s`, main `%s`; %s)\n\n", w.Name, w.Version, w.Module, w.Main, strings.Join(matrixDesc, ", "))
		b.WriteString("| scenario | contender | wall s | × loop | × floor | CPU s | tree RSS MiB | largest process MiB | outputs |\n")
		b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
		lastScenario := ""
		for _, c := range cells {
			if c.Workload != w.Name {
				continue
			}
			if c.Scenario != lastScenario && lastScenario != "" {
				writeFloorRow(&b, cells, w.Name, lastScenario, m.CoresForFloor)
			}
			lastScenario = c.Scenario
			if c.NotInstalled {
				fmt.Fprintf(&b, "| %s | %s | not installed | | | | | | |\n", c.Scenario, c.Contender)
				continue
			}
			if c.Wall.N == 0 {
				fmt.Fprintf(&b, "| %s | %s | failed (%d of %d runs) | | | | | | %s |\n", c.Scenario, c.Contender, c.Failed, c.Runs, outputsText(c))
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Scenario, c.Contender,
				statText(c.Wall, 1, 1), ratioText(c.WallVsLoop), ratioText(c.WallVsFlr), statText(c.CPU, 1, 1),
				statText(c.PeakTree, 1<<20, 0), statText(c.MaxRSS, 1<<20, 0), outputsText(c))
		}
		if lastScenario != "" {
			writeFloorRow(&b, cells, w.Name, lastScenario, m.CoresForFloor)
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// writeFloorRow adds the floor of a scenario as a row of its own, below
// the contenders.
func writeFloorRow(b *strings.Builder, cells []Cell, workload, scenario string, cores int) {
	for _, c := range cells {
		if c.Workload == workload && c.Scenario == scenario && c.FloorSecs > 0 {
			fmt.Fprintf(b, "| %s | *floor: loop CPU / %d cores* | %.1f | | 1.00 | | | | |\n", scenario, cores, c.FloorSecs)
			return
		}
	}
}

// statText prints median (min–max) of a stat divided by unit.
func statText(s Stat, unit float64, decimals int) string {
	if s.N == 0 {
		return "–"
	}
	f := func(v float64) string { return fmt.Sprintf("%.*f", decimals, v/unit) }
	if s.N == 1 {
		return f(s.Median)
	}
	return fmt.Sprintf("%s (%s–%s)", f(s.Median), f(s.Min), f(s.Max))
}

func ratioText(r float64) string {
	if r <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}

func outputsText(c Cell) string {
	s := fmt.Sprintf("%d/%d", max(c.OutputsMin, 0), c.OutputsOf)
	if c.Failed > 0 {
		s += fmt.Sprintf(", %d of %d runs failed", c.Failed, c.Runs)
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// writeJSON writes the results, indented, samples in the order they ran.
func writeJSON(out io.Writer, r Results) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// checkTable is the smoke test's assertion about rendering: every contender
// that ran has a row with a number for every scenario it runs in (expect,
// nil for all), in every workload.
func checkTable(md string, workloads []string, scenarios []Scenario, contenders []string, expect func(Scenario, string) bool) error {
	var problems []string
	for _, sc := range scenarios {
		for _, c := range contenders {
			if sc.Matrix == "all" && c == "goreleaser" || expect != nil && !expect(sc, c) {
				continue
			}
			n := strings.Count(md, "| "+sc.Name+" | "+c+" | ")
			if n != len(workloads) {
				problems = append(problems, fmt.Sprintf("%s/%s: %d rows, want %d", sc.Name, c, n, len(workloads)))
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fmt.Errorf("the results table is incomplete: %s", strings.Join(problems, "; "))
	}
	return nil
}
