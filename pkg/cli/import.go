package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/goreleaser"
	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
)

type importOptions struct {
	output string
	force  bool
	goBin  string
}

func newImportCmd(stdio Stdio) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import goreleaser [FILE]",
		Short: "Write a portmatrix.yaml from the builds of a .goreleaser.yaml",
		Long: `import goreleaser reads the builds: section of a goreleaser configuration
(v2, and v1 where builds are the same; default .goreleaser.yml,
.goreleaser.yaml, goreleaser.yml or goreleaser.yaml in this directory) and
writes a commented portmatrix.yaml that builds exactly the targets
goreleaser builds, per build id: goos × goarch × goarm/goamd64/goarm64/
gomips/go386/goppc64/goriscv64, ignore, explicit targets (go_first_class
too) and goreleaser's defaults where a key is absent. flags, ldflags, tags,
env and overrides are carried over; the common templates are translated
({{ .Version }}, {{ .Commit }}, {{ .ShortCommit }}, {{ .CommitDate }},
{{ .Os }}, {{ .Arch }}, {{ .ProjectName }}, ...).

What cannot be carried over (other builders, hooks, archives, packages,
publishers, templates portmatrix has no field for) is listed on stderr
and at the top of the manifest, each with its file and line.

Exit status: 0 when everything of the builds was carried over, 1 when the
manifest was written but something was left behind (listed), 2 for usage
errors (no configuration, an output that exists without --force, a
configuration that cannot be read).`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error { return runImport(cmd.Context(), o, args, stdio) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.output, "output", "o", manifest.DefaultFile, "manifest to write (- for stdout)")
	fs.BoolVar(&o.force, "force", false, "replace an existing output file")
	registerGo(fs, &o.goBin)
	return cmd
}

func runImport(ctx context.Context, o *importOptions, args []string, stdio Stdio) error {
	if args[0] != "goreleaser" {
		return usageErr("import %q: portmatrix imports goreleaser configurations only (portmatrix import goreleaser [FILE])", args[0])
	}
	file := ""
	if len(args) == 2 {
		file = args[1]
	} else if file = goreleaser.Find("."); file == "" {
		return usageErr("no goreleaser configuration here (%v); give its path", goreleaser.Names)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return usageErr("%v", err)
	}
	cfg, err := goreleaser.Parse(data, file)
	if err != nil {
		return usageErr("%v", err)
	}
	opt := goreleaser.Options{ProjectName: goreleaser.ProjectName(filepath.Dir(file))}
	if table, err := target.LoadTable(ctx, goCommand(o.goBin, stdio)); err == nil {
		opt.Table = table
	} else {
		fmt.Fprintf(stdio.Err, "portmatrix: %v; targets are not checked against this Go toolchain\n", err)
	}
	res, err := goreleaser.Import(cfg, opt)
	if err != nil {
		for _, n := range res.Notes {
			fmt.Fprintf(stdio.Err, "%s\n", n)
		}
		return usageErr("%v", err)
	}
	if o.output == "-" {
		if _, err := stdio.Out.Write(res.Manifest); err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
	} else {
		if _, err := os.Lstat(o.output); err == nil && !o.force {
			return usageErr("%s exists; give --force to replace it, or -o another file (-o - prints it)", o.output)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return usageErr("%v", err)
		}
		if err := atomicfile.Write(o.output, 0o644, func(f *os.File) error {
			_, err := f.Write(res.Manifest)
			return err
		}); err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
		jobs := 0
		for _, b := range res.Builds {
			jobs += len(b.Targets)
		}
		fmt.Fprintf(stdio.Err, "wrote %s: %s, %s (the targets goreleaser builds)\n", o.output,
			plural.Count(len(res.Builds), "build"), plural.Count(jobs, "target"))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdio.Err, "%s\n", n)
	}
	if !res.Complete() {
		fmt.Fprintf(stdio.Err, "portmatrix: %s not carried over (listed above); next: portmatrix plan\n", plural.Count(len(res.Notes), "thing"))
		return silent(ExitFailed)
	}
	if o.output != "-" {
		fmt.Fprintln(stdio.Err, "next: portmatrix plan")
	}
	return nil
}
