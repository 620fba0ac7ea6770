package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/pipeline"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

type doctorOptions struct {
	planFlags
}

func newDoctorCmd(stdio Stdio) *cobra.Command {
	o := &doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the C toolchains cgo needs, per target, and say what to install",
		Long: `doctor finds the C compiler that serves cgo for each target, compiles and links
a tiny C program with it (statically too where a job asks for -static), and
prints a table with the exact install command for whatever is missing.

With a manifest (-f, or portmatrix.yaml in the current directory) it checks
the targets of the manifest's cgo jobs and exits 1 when one of them cannot
be built; without one it checks every platform with cgo support and only
reports.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd.Context(), o, cmd.Flags().Changed("file"), stdio)
		},
	}
	o.register(cmd.Flags())
	return cmd
}

func runDoctor(ctx context.Context, o *doctorOptions, fileGiven bool, stdio Stdio) error {
	_, statErr := os.Stat(o.file)
	withManifest := fileGiven || statErr == nil
	var diags []toolchain.Diagnosis
	var err error
	if withManifest {
		var ld *pipeline.Loaded
		diags, ld, err = pipeline.Doctor(ctx, o.loadOptions(stdio))
		if err != nil {
			return loadErr(ctx, stdio, err)
		}
		printNotes(stdio, ld.Notes)
	} else if diags, err = everyCgoPlatform(ctx, goCommand(o.goBin, stdio)); err != nil {
		return usageErr("%v", err)
	}
	if err := writeDoctorTable(stdio, diags); err != nil {
		return err
	}
	failed := 0
	for _, d := range diags {
		if !d.OK() {
			failed++
		}
	}
	if withManifest && failed > 0 {
		fmt.Fprintf(stdio.Err, "portmatrix: %s of the manifest cannot be built here\n", plural.Count(failed, "cgo target"))
		return silent(ExitFailed)
	}
	return nil
}

// everyCgoPlatform diagnoses the toolchain of every platform with cgo
// support, for doctor without a manifest.
func everyCgoPlatform(ctx context.Context, goBin string) ([]toolchain.Diagnosis, error) {
	table, err := target.LoadTable(ctx, goBin)
	if err != nil {
		return nil, err
	}
	env, err := goenv.Query(ctx, goBin, nil)
	if err != nil {
		return nil, err
	}
	var reqs []toolchain.Request
	for _, p := range table.Platforms() {
		if p.CgoSupported {
			reqs = append(reqs, toolchain.Request{Need: toolchain.Need{Target: target.Target{GOOS: p.GOOS, GOARCH: p.GOARCH}}})
		}
	}
	host := target.Target{GOOS: env.HostOS(), GOARCH: env.HostArch()}
	return toolchain.Doctor(ctx, reqs, host, exec.LookPath, goenv.Inherited(os.Environ())), nil
}

func writeDoctorTable(stdio Stdio, diags []toolchain.Diagnosis) error {
	tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tLIBC\tC COMPILER\tPACKAGE\tSTATUS")
	for _, d := range diags {
		cc, pkg, libc := "-", "-", d.Libc
		if d.Toolchain != nil {
			cc = strings.Join(d.Toolchain.CC, " ")
			if d.Toolchain.Package != "" {
				pkg = d.Toolchain.Package
			}
		}
		if libc == "" {
			libc = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.Join(d.Targets, ", "), libc, cc, pkg, d.Summary())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(diags) == 0 {
		fmt.Fprintln(stdio.Out, "no cgo jobs: the manifest needs no C toolchain")
	}
	return nil
}
