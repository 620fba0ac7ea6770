package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

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

// doctorRow is one line of the doctor's table.
type doctorRow struct {
	need   toolchain.Need
	ov     toolchain.Overrides
	static bool
}

func runDoctor(ctx context.Context, o *doctorOptions, fileGiven bool, stdio Stdio) error {
	goBin := goCommand(o.goBin, stdio)
	var goEnv target.GoEnv
	var rows []doctorRow
	_, statErr := os.Stat(o.file)
	withManifest := fileGiven || statErr == nil
	if withManifest {
		// Plan with a selector that only records what each cgo job needs,
		// so that a missing compiler becomes a row here, not a plan error.
		seen := map[string]bool{}
		record := func(n toolchain.Need, ov toolchain.Overrides) (toolchain.Toolchain, error) {
			if k := fmt.Sprint(n, ov); !seen[k] {
				seen[k] = true
				rows = append(rows, doctorRow{need: n, ov: ov})
			}
			return toolchain.Toolchain{Name: "doctor"}, nil
		}
		ld, err := o.loadWith(ctx, stdio, record)
		if err != nil {
			return err
		}
		goEnv = ld.goEnv
		for _, j := range ld.plan.Jobs {
			if j.StaticC {
				for i := range rows {
					if rows[i].need.Target == j.Target {
						rows[i].static = true
					}
				}
			}
		}
	} else {
		table, err := target.LoadTable(ctx, goBin)
		if err != nil {
			return usageErr("%v", err)
		}
		if goEnv, err = target.LoadGoEnv(ctx, goBin); err != nil {
			return usageErr("%v", err)
		}
		for _, p := range table.Platforms() {
			if p.CgoSupported {
				rows = append(rows, doctorRow{need: toolchain.Need{Target: target.Target{GOOS: p.GOOS, GOARCH: p.GOARCH}}})
			}
		}
	}

	host := target.Target{GOOS: goEnv.HostOS, GOARCH: goEnv.HostArc}
	type result struct {
		tc     *toolchain.Toolchain
		status string
		ok     bool
	}
	results := make([]result, len(rows))
	var reqs []toolchain.ProbeRequest
	var reqRow []int
	for i, r := range rows {
		tc, err := toolchain.Select(r.need, host, r.ov, exec.LookPath)
		if err != nil {
			var me *toolchain.MissingError
			if errors.As(err, &me) && me.Install != "" {
				results[i].status = "missing: " + me.Install
			} else {
				results[i].status = "not available here: " + strings.TrimPrefix(err.Error(), r.need.Target.String()+" ")
			}
			continue
		}
		results[i].tc = &tc
		reqs = append(reqs, toolchain.ProbeRequest{Toolchain: tc, Static: r.static})
		reqRow = append(reqRow, i)
	}
	for k, p := range toolchain.Preflight(ctx, reqs) {
		i := reqRow[k]
		switch {
		case p.OK && p.Static:
			results[i].status, results[i].ok = "ok (dynamic and -static)", true
		case p.OK:
			results[i].status, results[i].ok = "ok", true
		default:
			msg := firstLine(strings.TrimSpace(p.Output))
			if p.Install != "" {
				msg += "; fix: " + p.Install
			}
			results[i].status = "broken: " + msg
		}
	}

	tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tLIBC\tC COMPILER\tPACKAGE\tSTATUS")
	failed := 0
	for i, r := range rows {
		res := results[i]
		cc, pkg, libc := "-", "-", r.need.Libc
		if res.tc != nil {
			cc = strings.Join(res.tc.CC, " ")
			if res.tc.Package != "" {
				pkg = res.tc.Package
			}
			libc = res.tc.Libc
		}
		if libc == "" {
			libc = "-"
		}
		if !res.ok {
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.need.Target, libc, cc, pkg, res.status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdio.Out, "no cgo jobs: the manifest needs no C toolchain")
	}
	if withManifest && failed > 0 {
		fmt.Fprintf(stdio.Err, "portmatrix: %s of the manifest cannot be built here\n", plural(failed, "cgo target"))
		return silent(ExitFailed)
	}
	return nil
}
