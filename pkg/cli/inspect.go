package cli

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

type inspectOptions struct {
	json   bool
	expect string
}

func newInspectCmd(stdio Stdio) *cobra.Command {
	o := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Say what any binary is: format, platform, linkage, needed libraries, Go build info",
		Long: `inspect reads binaries (ELF, Mach-O thin and fat, PE, Plan 9 a.out,
WebAssembly, XCOFF) without running them. With --expect it exits 1 when a
binary's linkage is not the one given, so it can guard a release step.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runInspect(o, args, stdio) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON (an array, one object per file)")
	cmd.Flags().StringVar(&o.expect, "expect", "", "fail unless every binary's linkage is this (static, static-pie, dynamic)")
	return cmd
}

func runInspect(o *inspectOptions, files []string, stdio Stdio) error {
	if o.expect != "" && o.expect != manifest.ExpectStatic && o.expect != manifest.ExpectStaticPIE && o.expect != manifest.ExpectDynamic {
		return usageErr("--expect %q: use static, static-pie or dynamic", o.expect)
	}
	var infos []*inspect.Info
	failed := false
	for _, f := range files {
		info, err := inspect.File(f)
		if err != nil {
			fmt.Fprintf(stdio.Err, "portmatrix: %v\n", err)
			failed = true
			continue
		}
		infos = append(infos, info)
		if !o.json {
			printInfo(stdio, info)
		}
		if o.expect != "" && string(info.Linkage) != o.expect {
			fmt.Fprintf(stdio.Err, "%s: asked for %s; got %s\n", f, o.expect, verify.Describe(info))
			failed = true
		}
	}
	if o.json {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if infos == nil {
			infos = []*inspect.Info{}
		}
		if err := enc.Encode(infos); err != nil {
			return err
		}
	}
	if failed {
		return silent(ExitFailed)
	}
	return nil
}

func printInfo(stdio Stdio, in *inspect.Info) {
	w := stdio.Out
	plat := in.GOOS + "/" + in.GOARCH
	if in.GOOS == "" {
		plat = "unknown/" + in.GOARCH
	}
	fmt.Fprintf(w, "%s\n  format:   %s\n  platform: %s\n  linkage:  %s (%s)\n", in.Path, in.Format, plat, in.Linkage, in.LinkageRule)
	if in.Interpreter != "" {
		fmt.Fprintf(w, "  interp:   %s\n", in.Interpreter)
	}
	if len(in.Needed) > 0 {
		names := make([]string, len(in.Needed))
		for i, n := range in.Needed {
			names[i] = path.Base(n)
		}
		fmt.Fprintf(w, "  needs:    %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "  pie:      %v\n  size:     %d\n", in.PIE, in.Size)
	if in.Go != nil {
		fmt.Fprintf(w, "  go:       %s %s (CGO_ENABLED=%s)\n", in.Go.GoVersion, in.Go.Path, in.Go.Settings["CGO_ENABLED"])
	}
	for _, s := range in.Slices {
		fmt.Fprintf(w, "  slice:    %s/%s %s\n", s.GOOS, s.GOARCH, s.Linkage)
	}
}
