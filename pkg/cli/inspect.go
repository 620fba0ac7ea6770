package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

type inspectOptions struct {
	json   bool
	sha256 bool
	jobs   int
	expect []string
}

func newInspectCmd(stdio Stdio) *cobra.Command {
	o := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect PATH...",
		Short: "Say what any binary is: format, platform, linkage, libraries, glibc floor, Go build info",
		Long: `inspect reads binaries (ELF, Mach-O thin and fat, PE, Plan 9 a.out,
WebAssembly, XCOFF) without running them. A directory is walked recursively
(symbolic links are followed; a directory reached twice is read once, and
only a real cycle is reported); files in it that are not executables of
any known format (text, object files, core dumps) are passed over, while a
named file must be one, and a named directory must hold at least one.
--expect checks a policy: a linkage (static, static-pie, dynamic) or
KEY=VALUE for max_glibc, min_macos, libs_allow, libs_deny (comma-separated
globs), system_libs_only, stripped, pie, cgo; repeat it for several.

Only headers and the few tables each field needs are read, --jobs files at
a time, so hundreds of binaries take a fraction of a second. --sha256 also
hashes every file, which reads all of it; without it the JSON has no
"sha256" field.

Exit status: 0 when every file was read and meets the policy, 1 when a file
is not a valid executable or breaks the policy, a named path holds no
binary, or --expect has nothing to check, 2 for usage errors.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runInspect(cmd.Context(), o, args, stdio) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print a JSON array, one object per file")
	cmd.Flags().BoolVar(&o.sha256, "sha256", false, `compute each file's SHA-256 (the JSON "sha256" field), reading whole files`)
	cmd.Flags().IntVarP(&o.jobs, "jobs", "j", runtime.GOMAXPROCS(0), "files to read at once")
	cmd.Flags().StringArrayVar(&o.expect, "expect", nil, "policy to check: static|static-pie|dynamic or KEY=VALUE (repeatable)")
	return cmd
}

func runInspect(ctx context.Context, o *inspectOptions, args []string, stdio Stdio) error {
	if o.jobs < 1 {
		return usageErr("--jobs must be at least 1 (got %d)", o.jobs)
	}
	policy, err := verify.ParsePolicy(o.expect)
	if err != nil {
		return usageErr("%v", err)
	}
	files, skipped := verify.Files(ctx, args, policy, inspect.Options{Hash: o.sha256}, o.jobs)
	if o.json {
		err = report.WriteInspectJSON(stdio.Out, files)
	} else {
		err = report.WriteInspectTable(stdio.Out, files)
	}
	if err != nil {
		return err
	}
	if skipped > 0 {
		what := map[bool]string{true: "that is not an executable", false: "that are not executables"}[skipped == 1]
		fmt.Fprintf(stdio.Err, "portmatrix: passed over %s %s\n", plural.Count(skipped, "file"), what)
	}
	for _, f := range files {
		if f.Failed() {
			return silent(ExitFailed)
		}
	}
	return nil
}
