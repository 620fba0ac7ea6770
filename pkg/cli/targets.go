package cli

import (
	"context"

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
	registerGo(fs, &o.goBin)
	fs.BoolVar(&o.cgo, "cgo", false, "only platforms with cgo support")
	fs.BoolVar(&o.firstClass, "first-class", false, "only first-class ports")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

func runTargets(ctx context.Context, o *targetsOptions, stdio Stdio) error {
	table, err := target.LoadTable(ctx, goCommand(o.goBin, stdio))
	if err != nil {
		return usageErr("%v", err)
	}
	l := table.List(o.cgo, o.firstClass)
	if o.json {
		return writeJSON(stdio.Out, l, true)
	}
	return l.WriteText(stdio.Out)
}
