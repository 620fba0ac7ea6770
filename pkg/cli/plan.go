package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

type planOptions struct {
	planFlags
	json bool
}

func newPlanCmd(stdio Stdio) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Validate the manifest and print every job's exact command, without building",
		Long: `plan prints each job as a comment line (id, expectation) and a shell line with
its directory, environment and argv, exactly as build will run it, so it can
be pasted into a shell. --json prints the same as a JSON document.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd.Context(), o, stdio) },
	}
	o.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.json, "json", false, "print the plan as JSON")
	return cmd
}

func runPlan(ctx context.Context, o *planOptions, stdio Stdio) error {
	ld, err := o.load(ctx, stdio)
	if err != nil {
		return err
	}
	p := ld.plan
	if o.json {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(p)
	}
	fmt.Fprintf(stdio.Out, "# %s: %s into %s\n", p.Manifest, plural(len(p.Jobs), "job"), p.DistDir)
	for _, j := range p.Jobs {
		fmt.Fprintf(stdio.Out, "\n# %s  expect=%s (%s)\n%s\n", j.ID, j.Expect.Linkage, j.Expect.Source, j.ShellLine())
	}
	return nil
}
