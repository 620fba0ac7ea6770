package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/target"
)

type targetsOptions struct {
	goBin      string
	cgo        bool
	firstClass bool
	json       bool
}

func newTargetsCmd(stdio Stdio) *cobra.Command {
	o := &targetsOptions{}
	cmd := &cobra.Command{
		Use:   "targets",
		Short: "List the platforms the Go toolchain in use can build, with cgo support and levels",
		Long: `targets lists every GOOS/GOARCH pair that 'go tool dist list -json' reports for
the Go toolchain in use, whether cgo is supported and whether the port is
first-class, followed by the sub-architecture levels a target can name
(linux/arm/v7, linux/amd64/v3, ...).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTargets(cmd.Context(), o, stdio) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.goBin, "go", "", "go command to use (default $GO, else go on PATH)")
	fs.BoolVar(&o.cgo, "cgo", false, "only platforms with cgo support")
	fs.BoolVar(&o.firstClass, "first-class", false, "only first-class ports")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// targetsDoc is the JSON document of `targets --json`.
type targetsDoc struct {
	Platforms []target.Platform         `json:"platforms"`
	Levels    map[string][]target.Level `json:"levels"`
}

func runTargets(ctx context.Context, o *targetsOptions, stdio Stdio) error {
	table, err := target.LoadTable(ctx, goCommand(o.goBin, stdio))
	if err != nil {
		return usageErr("%v", err)
	}
	var ps []target.Platform
	for _, p := range table.Platforms() {
		if (o.cgo && !p.CgoSupported) || (o.firstClass && !p.FirstClass) {
			continue
		}
		ps = append(ps, p)
	}
	levels := map[string][]target.Level{}
	for _, arch := range target.LevelArchs() {
		for _, p := range ps {
			if p.GOARCH == arch {
				levels[arch] = target.Levels(arch)
				break
			}
		}
	}
	if o.json {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(targetsDoc{Platforms: ps, Levels: levels})
	}
	tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tCGO\tFIRST-CLASS\tLEVELS")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Pair(), yesNo(p.CgoSupported), yesNo(p.FirstClass), strings.Join(target.LevelNames(p.GOARCH), " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "\n%s. Levels (spell a target goos/goarch/level, e.g. linux/arm/v7):\n", plural(len(ps), "platform"))
	tw = tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
	for _, arch := range target.LevelArchs() {
		for _, l := range levels[arch] {
			fmt.Fprintf(tw, "  %s/%s\t%s=%s\t%s\n", arch, l.Name, l.Var, l.Value, l.Meaning)
		}
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}
