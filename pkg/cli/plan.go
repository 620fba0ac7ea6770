package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/shard"
)

type planOptions struct {
	planFlags
	json   bool
	format string
	shards int
	shard  string
}

func newPlanCmd(stdio Stdio) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Validate the manifest and print every job's exact command, without building",
		Long: `plan prints each job as a comment line (id, expectation) and a shell line with
its directory, environment and argv, exactly as build will run it, so it can
be pasted into a shell. --format json prints the same as a JSON document.

--format github-matrix --shards N prints the strategy.matrix of a GitHub
Actions job that builds the plan on N machines (portmatrix build --shard
${{ matrix.shard }}); --shard i/n prints only that part of the plan.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd.Context(), o, stdio) },
	}
	fs := cmd.Flags()
	o.register(fs)
	fs.BoolVar(&o.json, "json", false, "print the plan as JSON (same as --format json)")
	fs.StringVar(&o.format, "format", "text", "text, json, or github-matrix (with --shards)")
	fs.IntVar(&o.shards, "shards", 0, "number of parts for --format github-matrix")
	fs.StringVar(&o.shard, "shard", "", "print only part i of the plan split into n parts, e.g. 2/4 (the jobs build --shard i/n runs)")
	return cmd
}

// matrixEntry is one element of a GitHub Actions strategy.matrix include.
type matrixEntry struct {
	Shard string  `json:"shard"` // "i/n", for build --shard
	Index int     `json:"index"` // i, for artifact names
	Count int     `json:"count"`
	Jobs  int     `json:"jobs"`
	Cost  float64 `json:"cost"` // the partition's cost estimate
}

func runPlan(ctx context.Context, o *planOptions, stdio Stdio) error {
	if o.json {
		if o.format != "text" && o.format != "json" {
			return usageErr("--json and --format %s contradict each other", o.format)
		}
		o.format = "json"
	}
	switch o.format {
	case "text", "json":
		if o.shards != 0 {
			return usageErr("--shards is for --format github-matrix; use --shard i/n to see one part")
		}
	case "github-matrix":
		if o.shards < 1 {
			return usageErr("--format github-matrix needs --shards N (the number of CI machines)")
		}
		if o.shard != "" {
			return usageErr("--format github-matrix lists every shard; drop --shard")
		}
	default:
		return usageErr("--format %q: use text, json or github-matrix", o.format)
	}
	var spec *shard.Spec
	if o.shard != "" {
		s, err := shard.Parse(o.shard)
		if err != nil {
			return usageErr("--shard: %v", err)
		}
		spec = &s
	}
	ld, err := o.load(ctx, stdio)
	if err != nil {
		return err
	}
	p := ld.plan
	if o.format == "github-matrix" {
		if o.shards > len(p.Jobs) {
			return usageErr("--shards %d is more than the plan's %s: some machines would build nothing", o.shards, plural(len(p.Jobs), "job"))
		}
		var m struct {
			Include []matrixEntry `json:"include"`
		}
		for _, part := range shard.Partition(p.Jobs, o.shards) {
			m.Include = append(m.Include, matrixEntry{Shard: part.Spec.String(), Index: part.Spec.Index, Count: part.Spec.Count, Jobs: len(part.Jobs), Cost: part.Cost})
		}
		enc := json.NewEncoder(stdio.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(m)
	}
	if spec != nil {
		sub := *p
		sub.Jobs = shard.Select(p.Jobs, *spec)
		p = &sub
	}
	if o.format == "json" {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(p)
	}
	head := plural(len(p.Jobs), "job")
	if spec != nil {
		head = fmt.Sprintf("shard %s: %s of %d", spec, head, len(ld.plan.Jobs))
	}
	fmt.Fprintf(stdio.Out, "# %s: %s into %s\n", p.Manifest, head, p.DistDir)
	for _, j := range p.Jobs {
		fmt.Fprintf(stdio.Out, "\n# %s  expect=%s (%s)\n%s\n", j.ID, j.Expect.Linkage, j.Expect.Source, j.ShellLine())
		if j.Archive != nil {
			fmt.Fprintf(stdio.Out, "# archive: %s\n", archiveLine(j.Archive))
		}
	}
	return nil
}

func archiveLine(a *plan.Archive) string {
	s := a.Path
	if a.Root != "" {
		s += " (in " + a.Root + "/)"
	}
	for _, f := range a.Files {
		s += " +" + f.Name
	}
	return s
}
