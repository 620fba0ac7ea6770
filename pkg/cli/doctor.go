package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

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
A last line names the zig that serves glibc floors, musl on every arch and
windows/arm64 (version, path, cache; without a manifest, the platforms it
covers), or says how to install one.

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
	var zig *toolchain.Zig
	var cache string
	var cover *toolchain.Coverage
	if withManifest {
		d, ld, err := pipeline.Doctor(ctx, o.loadOptions(stdio))
		if err != nil {
			return loadErr(ctx, stdio, err)
		}
		printNotes(stdio, ld.Notes)
		diags, zig, cache = d, ld.Zig, ld.ZigCache
	} else {
		p, err := pipeline.DoctorPlatforms(ctx, goCommand(o.goBin, stdio), os.Environ(), nil)
		if err != nil {
			return usageErr("%v", err)
		}
		printNotes(stdio, p.Notes)
		diags, zig, cache, cover = p.Diagnoses, p.Zig, p.ZigCache, &p.Coverage
	}
	if err := writeDoctorTable(stdio, diags); err != nil {
		return err
	}
	writeZigLine(stdio, zig, cache, cover, withManifest && len(diags) == 0)
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

// writeZigLine says which zig serves cgo (version, path, cache and, without
// a manifest, the platforms it covers), or how to install one. A manifest
// without cgo jobs needs no zig: nothing is said.
func writeZigLine(stdio Stdio, z *toolchain.Zig, cache string, cover *toolchain.Coverage, quiet bool) {
	if quiet {
		return
	}
	if z == nil {
		fmt.Fprintf(stdio.Out, "\nzig: not found (glibc floors, musl on every arch, windows/arm64): %s\n", toolchain.ZigInstall)
		return
	}
	fmt.Fprintf(stdio.Out, "\nzig %s: %s, cache %s (%s)\n", z.Version, z.Path, cache, toolchain.ZigCacheEnv)
	if cover == nil {
		return
	}
	names := func(ts []target.Target) string {
		var s []string
		for _, t := range ts {
			s = append(s, t.String())
		}
		if len(s) == 0 {
			return "none"
		}
		return strings.Join(s, " ")
	}
	fmt.Fprintf(stdio.Out, "  glibc %s to %s: %s\n", toolchain.MinGlibc, z.MaxGlibc, names(cover.Glibc))
	fmt.Fprintf(stdio.Out, "  musl: %s\n", names(cover.Musl))
	fmt.Fprintf(stdio.Out, "  mingw-w64: %s\n", names(cover.Mingw))
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
