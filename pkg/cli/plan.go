package cli

import (
	"context"
	"encoding/json"
	"io"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/sched"
	"github.com/portmatrix/portmatrix/pkg/shard"
)

type planOptions struct {
	planFlags
	json    bool
	format  string
	shards  int
	shard   string
	jobs    int
	threads string
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
	o.registerRelease(fs)
	fs.BoolVar(&o.json, "json", false, "print the plan as JSON (same as --format json)")
	fs.StringVar(&o.format, "format", "text", "text, json, or github-matrix (with --shards)")
	fs.IntVar(&o.shards, "shards", 0, "number of parts for --format github-matrix")
	fs.StringVar(&o.shard, "shard", "", "print only part i of the plan split into n parts, e.g. 2/4 (the jobs build --shard i/n runs)")
	fs.IntVarP(&o.jobs, "jobs", "j", DefaultJobs(), "as for build: the builds at once, which --threads auto shares the cores among")
	fs.StringVar(&o.threads, "threads", "auto", "as for build: the GOMAXPROCS each job is shown with (auto, a number, or 0)")
	return cmd
}

// check validates the flags' combination before anything is loaded.
func (o *planOptions) check() (*shard.Spec, error) {
	if o.json {
		if o.format != "text" && o.format != "json" {
			return nil, usageErr("--json and --format %s contradict each other", o.format)
		}
		o.format = "json"
	}
	switch o.format {
	case "text", "json":
		if o.shards != 0 {
			return nil, usageErr("--shards is for --format github-matrix; use --shard i/n to see one part")
		}
	case "github-matrix":
		if o.shards < 1 {
			return nil, usageErr("--format github-matrix needs --shards N (the number of CI machines)")
		}
		if o.shard != "" {
			return nil, usageErr("--format github-matrix lists every shard; drop --shard")
		}
	default:
		return nil, usageErr("--format %q: use text, json or github-matrix", o.format)
	}
	if o.shard == "" {
		return nil, nil
	}
	s, err := shard.Parse(o.shard)
	if err != nil {
		return nil, usageErr("--shard: %v", err)
	}
	return &s, nil
}

func runPlan(ctx context.Context, o *planOptions, stdio Stdio) error {
	spec, err := o.check()
	if err != nil {
		return err
	}
	threads, err := sched.ParseThreads(o.threads)
	if err != nil {
		return usageErr("%v", err)
	}
	if o.jobs < 1 {
		return usageErr("--jobs must be at least 1 (got %d)", o.jobs)
	}
	ld, err := o.load(ctx, stdio)
	if err != nil {
		return err
	}
	p := ld.Plan
	if o.format == "github-matrix" {
		if o.shards > len(p.Jobs) {
			return usageErr("--shards %d is more than the plan's %s: some machines would build nothing", o.shards, plural.Count(len(p.Jobs), "job"))
		}
		return writeJSON(stdio.Out, shard.NewMatrix(p.Jobs, o.shards), false)
	}
	// The jobs exactly as build runs them with the same flags: one shard
	// of them, and the GOMAXPROCS the thread policy gives each.
	sub := *p
	sub.Jobs = ld.SelectJobs(spec, o.jobs, threads, stdio.getenv("GOMAXPROCS"))
	p, of := &sub, ""
	if spec != nil {
		of = spec.String()
	}
	if o.format == "json" {
		return writeJSON(stdio.Out, p, true)
	}
	return p.WriteText(stdio.Out, of, len(ld.Plan.Jobs))
}

// writeJSON writes v as one JSON document, indented or on one line.
func writeJSON(w io.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
