package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/goreleaser"
	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/internal/quoted"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/scaffold"
)

type initOptions struct {
	output string
	force  bool
	dir    string
	goBin  string
}

func newInitCmd(stdio Stdio) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a starter portmatrix.yaml with one build per main package of the module",
		Long: `init asks the go command for the main packages of the module in --dir (the
current directory by default) and writes a commented manifest with one build
per package: pure Go for the first-class ports, -trimpath, -ldflags "-s -w",
expected static except on darwin and windows, which always load system
libraries. Run portmatrix plan on it next.

An existing file is never overwritten without --force; the file is written
to a temporary name and renamed into place.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(cmd.Context(), o, stdio) },
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", manifest.DefaultFile, "manifest file to write")
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite the file when it exists")
	cmd.Flags().StringVar(&o.dir, "dir", ".", "directory of the module to scan (its main packages at and below it)")
	cmd.Flags().StringVar(&o.goBin, "go", "", "go command to use (default $GO, else go on PATH)")
	return cmd
}

func runInit(ctx context.Context, o *initOptions, stdio Stdio) error {
	mode := fs.FileMode(0o644)
	switch fi, err := os.Stat(o.output); {
	case err == nil && fi.IsDir():
		return usageErr("%s is a directory; give the manifest's file name with -o", o.output)
	case err == nil && !o.force:
		return usageErr("%s already exists; use --force to overwrite it", o.output)
	case err == nil:
		mode = fi.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return &exitError{code: ExitFailed, err: err}
	}

	mod, err := scaffold.MainPackages(ctx, goCommand(o.goBin, stdio), o.dir)
	if err != nil {
		return usageErr("%v", err)
	}
	absOut, err := filepath.Abs(o.output)
	if err != nil {
		return usageErr("%v", err)
	}
	rel, err := filepath.Rel(filepath.Dir(absOut), mod.Dir)
	if err != nil {
		return usageErr("the module in %s cannot be reached from %s: %v", mod.Dir, o.output, err)
	}
	data, err := scaffold.Manifest(mod, scaffold.Options{ModuleDir: filepath.ToSlash(rel)})
	if err != nil {
		return usageErr("%v", err)
	}
	err = atomicfile.Write(o.output, mode, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
	if err != nil {
		return &exitError{code: ExitFailed, err: fmt.Errorf("writing %s: %w", o.output, err)}
	}

	fmt.Fprintf(stdio.Out, "found %s in module %s (%s):\n", plural.Count(len(mod.Packages), "main package"), mod.Path, mod.Dir)
	tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
	for _, p := range mod.Packages {
		fmt.Fprintf(tw, "  %s\t%s\n", p.Binary, p.ImportPath)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "wrote %s: %s for the first-class targets, pure Go, expected static (dynamic on darwin and windows)\n",
		o.output, plural.Count(len(mod.Packages), "build"))
	next := "portmatrix plan"
	if o.output != manifest.DefaultFile {
		next += " -f " + quoted.Shell(o.output)
	}
	fmt.Fprintf(stdio.Out, "next: %s\n", next)
	if gr := goreleaser.Find(o.dir); gr != "" {
		fmt.Fprintf(stdio.Out, "found %s: `portmatrix import goreleaser %s -o %s --force` replaces this starter with a manifest that builds exactly the targets its builds: name\n",
			gr, quoted.Shell(gr), quoted.Shell(o.output))
	}
	return nil
}
