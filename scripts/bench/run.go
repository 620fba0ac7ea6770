package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// run prepares everything untimed (portmatrix binary, goreleaser,
// workloads, configurations), runs the scenarios and writes the results.
// It reports false when a run failed; an error is the bench's own.
func run(ctx context.Context, o Options, stdout, stderr io.Writer) (bool, error) {
	start := time.Now()
	goPath, err := exec.LookPath("go")
	if err != nil {
		return false, fmt.Errorf("no go command on PATH: %w", err)
	}
	g := &goTool{path: goPath, env: os.Environ()}
	goVersion, err := g.output(ctx, "", nil, "env", "GOVERSION")
	if err != nil {
		return false, err
	}
	meta := Meta{
		Started: start.UTC().Format(time.RFC3339), CommandLine: strings.TrimSpace("go run ./scripts/bench " + shellJoin(o.Args)),
		GoVersion: strings.TrimSpace(string(goVersion)) + " " + hostPlatform(), Rounds: o.Rounds, ColdRounds: o.ColdRounds, VariantScenarios: o.VariantScenarios, ExtraFlags: o.Extra, Variants: o.Variants,
		SampleInterval: o.Interval.String(), Smoke: o.Smoke,
	}
	if meta.ExtraFlags == nil {
		meta.ExtraFlags = []string{}
	}

	work := o.Work
	if work == "" {
		if work, err = os.MkdirTemp("", "portmatrix-bench-"); err != nil {
			return false, err
		}
		if o.Keep || o.DryRun {
			fmt.Fprintf(stderr, "bench: work directory %s (kept)\n", work)
		} else {
			defer os.RemoveAll(work)
		}
	} else if work, err = filepath.Abs(work); err != nil {
		return false, err
	}
	for _, d := range []string{"bin", "src", "cfg", "dist", "cache", "runs"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			return false, err
		}
	}

	var contenders []Contender
	skipped := map[string]bool{}
	for _, name := range o.Contenders {
		switch name {
		case "portmatrix":
			bin, version, err := portmatrixBinary(ctx, g, o.Portmatrix, work)
			if err != nil {
				return false, err
			}
			meta.Portmatrix = version
			contenders = append(contenders, &pmContender{bin: bin, extra: o.Extra})
			for _, v := range o.Variants {
				contenders = append(contenders, &pmContender{bin: bin, variant: v.Name, extra: v.Flags})
			}
		case "loop":
			contenders = append(contenders, loopContender{})
		case "goreleaser":
			meta.Goreleaser = findGoreleaser(ctx, g, o.InstallGoreleaser && !o.Smoke, o.GoreleaserVersion, stderr)
			if meta.Goreleaser.Path == "" {
				skipped["goreleaser"] = true
				fmt.Fprintf(stderr, "bench: goreleaser: not installed (%s)\n", meta.Goreleaser.Error)
				continue
			}
			if meta.Goreleaser.InstallSeconds > 0 {
				fmt.Fprintf(stderr, "bench: goreleaser %s installed in %.0fs\n", meta.Goreleaser.Version, meta.Goreleaser.InstallSeconds)
			}
			contenders = append(contenders, &grContender{bin: meta.Goreleaser.Path, version: meta.Goreleaser.Version})
		}
	}
	if meta.Portmatrix == "" {
		meta.Portmatrix = "(not measured)"
	}
	meta.Machine = readMachine(o.Cores)
	meta.Machine.GCC = gccVersion(ctx)

	var scenarios []Scenario
	for _, sc := range allScenarios {
		if !contains(o.Scenarios, sc.Name) {
			continue
		}
		if sc.Matrix == "cgo" && meta.Machine.GCC == "" {
			meta.Warnings = append(meta.Warnings, "no gcc on PATH: the cgo scenario was left out")
			fmt.Fprintln(stderr, "bench: warning: no gcc on PATH: the cgo scenario is left out")
			continue
		}
		scenarios = append(scenarios, sc)
	}
	meta.Scenarios = scenarios
	matrices, err := buildMatrices(ctx, g, o.Targets, scenarios)
	if err != nil {
		return false, err
	}
	for _, name := range []string{"default", "cgo", "all"} {
		if m, ok := matrices[name]; ok {
			meta.Matrices = append(meta.Matrices, m)
		}
	}

	r := &runner{opts: o, work: work, env: os.Environ(), stderr: stderr}
	var workloadNames []string
	var runErr error
	for _, spec := range o.Workloads {
		wr, warnings, err := prepare(ctx, g, o, spec, work, strings.Fields(meta.GoVersion)[0], matrices, stderr)
		for _, w := range warnings {
			fmt.Fprintln(stderr, "bench: warning:", w)
		}
		meta.Warnings = append(meta.Warnings, warnings...)
		if err != nil {
			runErr = err
			break
		}
		wr.contenders = contenders
		meta.Workloads = append(meta.Workloads, wr.w)
		workloadNames = append(workloadNames, wr.w.Name)
		if err := r.setup(wr); err != nil {
			runErr = err
			break
		}
		if o.DryRun {
			printDryRun(stdout, r, wr)
			continue
		}
		if err := r.runWorkload(ctx, wr, scenarios); err != nil {
			runErr = err
			break
		}
	}
	if o.DryRun {
		return runErr == nil, runErr
	}

	meta.Machine.LoadAvgEnd = loadAvg()
	meta.DurationTotal = time.Since(start).Seconds()
	names := make([]string, 0, len(o.Contenders))
	for _, c := range o.Contenders {
		switch c {
		case "loop":
			c = loopName
		case "portmatrix":
			names = append(names, c)
			for _, v := range o.Variants {
				names = append(names, (&pmContender{variant: v.Name}).Name())
			}
			continue
		}
		names = append(names, c)
	}
	cells := summarizeCells(r.samples, workloadNames, scenarios, names, skipped, o.Cores)
	var md bytes.Buffer
	if err := writeMarkdown(&md, meta, cells); err != nil {
		return false, err
	}
	if _, err := stdout.Write(md.Bytes()); err != nil {
		return false, err
	}
	if o.Out != "" {
		if err := os.WriteFile(o.Out, md.Bytes(), 0o644); err != nil {
			return false, fmt.Errorf("write --out: %w", err)
		}
	}
	if o.JSON != "" {
		var buf bytes.Buffer
		if err := writeJSON(&buf, Results{Meta: meta, Cells: cells, Samples: r.samples}); err != nil {
			return false, err
		}
		if err := os.WriteFile(o.JSON, buf.Bytes(), 0o644); err != nil {
			return false, fmt.Errorf("write --json: %w", err)
		}
	}
	if runErr != nil {
		return false, runErr
	}

	ok := true
	for _, s := range r.samples {
		if !s.OK {
			ok = false
		}
	}
	ran := make([]string, 0, len(contenders))
	byName := map[string]Contender{}
	for _, c := range contenders {
		ran = append(ran, c.Name())
		byName[c.Name()] = c
	}
	expect := func(sc Scenario, name string) bool { return r.runsIn(byName[name], sc) }
	if err := checkTable(md.String(), workloadNames, scenarios, ran, expect); err != nil {
		return false, err
	}
	if !ok {
		fmt.Fprintln(stderr, "bench: some runs failed or left outputs missing; see the outputs column and the logs")
	}
	return ok, nil
}

// hostPlatform is GOOS/GOARCH of the bench itself, which is the go
// command's host platform too.
func hostPlatform() string {
	return runtime.GOOS + "/" + runtime.GOARCH
}

// portmatrixBinary builds cmd/portmatrix of the checkout the bench runs in
// (untimed, with the user's build cache), or takes the binary given.
func portmatrixBinary(ctx context.Context, g *goTool, given, work string) (bin, version string, err error) {
	if given != "" {
		bin, err := filepath.Abs(given)
		if err != nil {
			return "", "", err
		}
		if _, err := os.Stat(bin); err != nil {
			return "", "", fmt.Errorf("--portmatrix: %w", err)
		}
		return bin, bin + " " + binaryVersion(ctx, bin), nil
	}
	mod, err := g.output(ctx, "", nil, "list", "-m", "-f", "{{.Path}} {{.Dir}}")
	if err != nil {
		return "", "", fmt.Errorf("run the bench from the portmatrix checkout (or pass --portmatrix BIN): %w", err)
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(mod)), " ")
	if path != "github.com/portmatrix/portmatrix" {
		return "", "", fmt.Errorf("the current module is %q, not github.com/portmatrix/portmatrix: run the bench from the portmatrix checkout or pass --portmatrix BIN", path)
	}
	bin = filepath.Join(work, "bin", "portmatrix")
	if _, err := g.output(ctx, dir, nil, "build", "-o", bin, "./cmd/portmatrix"); err != nil {
		return "", "", fmt.Errorf("build portmatrix: %w", err)
	}
	return bin, repoCommit(ctx, dir), nil
}

// buildMatrices makes the matrices the chosen scenarios need.
func buildMatrices(ctx context.Context, g *goTool, targets string, scenarios []Scenario) (map[string]Matrix, error) {
	ts, err := parseTargets(targets)
	if err != nil {
		return nil, err
	}
	out := map[string]Matrix{}
	for _, sc := range scenarios {
		switch sc.Matrix {
		case "default":
			out["default"] = Matrix{Name: "default", Targets: ts}
		case "cgo":
			out["cgo"] = Matrix{Name: "cgo", Targets: append(append([]Target(nil), ts...), cgoTarget)}
		case "all":
			list, err := g.output(ctx, "", nil, "tool", "dist", "list")
			if err != nil {
				return nil, err
			}
			out["all"] = Matrix{Name: "all", Targets: allTargets(string(list))}
		}
	}
	return out, nil
}

// prepare makes a workload ready to build: fetched and copied (or, for the
// smoke test, generated), with its configuration directory, warm cache and
// the file the edit scenario changes.
func prepare(ctx context.Context, g *goTool, o Options, spec, work, goVersion string, matrices map[string]Matrix, stderr io.Writer) (*workloadRun, []string, error) {
	var w Workload
	var warnings []string
	var err error
	if o.Smoke && spec == "hello" {
		w, err = smokeWorkload(filepath.Join(work, "src", "hello"), goVersion)
	} else {
		if w, err = parseWorkload(spec); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(stderr, "bench: preparing %s %s@%s (download, copy, go mod download; not timed)\n", w.Name, w.Module, w.Version)
		dir := filepath.Join(work, "src", w.Name)
		if err := os.RemoveAll(dir); err != nil {
			return nil, nil, err
		}
		var strict, extra []Target
		for name, m := range matrices {
			if name == "all" {
				extra = append(extra, m.Targets...)
			} else {
				strict = append(strict, m.Targets...)
			}
		}
		w, warnings, err = prepareWorkload(ctx, g, w, dir, strict, extra)
	}
	if err != nil {
		return nil, warnings, err
	}
	wr := &workloadRun{w: w, matrices: matrices, cfgDir: filepath.Join(work, "cfg", w.Name),
		warmCache: filepath.Join(work, "cache", w.Name+"-warm")}
	if wr.editFile, err = editTarget(w); err != nil {
		return nil, warnings, err
	}
	return wr, warnings, os.MkdirAll(wr.cfgDir, 0o755)
}

// printDryRun shows, for --dry-run, the command each contender runs for
// each matrix and where its configuration is.
func printDryRun(out io.Writer, r *runner, wr *workloadRun) {
	fmt.Fprintf(out, "# %s %s@%s in %s (configurations in %s)\n", wr.w.Name, wr.w.Module, wr.w.Version, wr.w.Dir, wr.cfgDir)
	for _, name := range []string{"default", "cgo", "all"} {
		m, ok := wr.matrices[name]
		if !ok {
			continue
		}
		fmt.Fprintf(out, "\n## matrix %s (%d targets)\n", name, len(m.Targets))
		for _, c := range wr.contenders {
			if name == "all" && !runsAll(c) {
				continue
			}
			args := c.Command(wr.w, m, wr.cfgDir, r.dist(wr, c), filepath.Join(r.work, "runs", "RUN"))
			fmt.Fprintf(out, "%s: cd %s && GOCACHE=… %s\n", c.Name(), shellQuote(wr.w.Dir), shellJoin(args))
		}
	}
	fmt.Fprintln(out)
}
