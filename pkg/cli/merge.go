package cli

import (
	"context"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/merge"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
)

type mergeOptions struct {
	reportFlags
	dist      string
	checksums string
	noVerify  bool
}

func newMergeCmd(stdio Stdio) *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge [flags] FRAGMENT.json...",
		Short: "Combine the JSON reports of a sharded build into one report and one SHA256SUMS",
		Long: `merge reads the JSON reports that 'portmatrix build --shard i/n --json F'
wrote on each CI machine and writes the report of the whole release: the
table (or --json -), and the --json, --markdown, --junit and --html files
asked for, plus SHA256SUMS in the dist directory.

A partial release is an error: merge refuses fragments of different
manifests, commits, versions or Go toolchains, a shard given twice or
missing, and a job missing from every fragment or built by two. With the
dist directory present (the shards' artifacts downloaded into it), every
binary and archive is checked against the hash its shard recorded.

Exit status: 0 when the merged report has every job ok, 1 when a job failed
or violated its expectations, 2 when the fragments cannot be merged.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runMerge(cmd.Context(), o, args, stdio) },
	}
	fs := cmd.Flags()
	o.reportFlags.register(fs)
	fs.StringVar(&o.dist, "dist", "dist", "directory holding the shards' binaries and archives; SHA256SUMS is written there")
	fs.StringVar(&o.checksums, "checksums", "", "SHA256SUMS file to write (default SHA256SUMS in --dist; none: do not write one)")
	fs.BoolVar(&o.noVerify, "no-verify", false, "do not check the files in --dist against the fragments' hashes")
	return cmd
}

func runMerge(ctx context.Context, o *mergeOptions, args []string, stdio Stdio) error {
	var frags []merge.Fragment
	for _, a := range args {
		f, err := merge.Read(a)
		if err != nil {
			return usageErr("%v", err)
		}
		frags = append(frags, f)
	}
	rep, err := merge.Merge(frags)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := o.checkPaths(args, stdio); err != nil {
		return err
	}
	entries := rep.ChecksumEntries()
	fi, statErr := os.Stat(o.dist)
	distExists := statErr == nil && fi.IsDir()
	if distExists && !o.noVerify {
		if err := merge.VerifyFiles(ctx, o.dist, entries); err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
	}
	if o.checksums != "none" && len(entries) > 0 {
		path := o.checksums
		if path == "" {
			if !distExists {
				return usageErr("--dist %s does not exist: download the shards' artifacts into it, or give --checksums FILE (or none)", o.dist)
			}
			path = filepath.Join(o.dist, release.ChecksumsFile)
		}
		if err := checksum.WriteFile(path, entries); err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
		rep.Checksums = path
	}
	if err := o.reportFlags.write(rep, stdio); err != nil {
		return err
	}
	return finish(ctx, rep.Failed(), stdio)
}

// checkPaths refuses, before anything is written, a report or sums path
// that would overwrite a fragment being merged, or an existing file that
// is not an earlier report of the same kind (report.CheckWrite).
func (o *mergeOptions) checkPaths(fragments []string, stdio Stdio) error {
	protected := map[string]string{}
	for _, f := range fragments {
		if abs, err := filepath.Abs(f); err == nil {
			protected[abs] = "the fragment " + f
		}
	}
	if o.checksums != "none" {
		path := o.checksums
		if path == "" {
			path = filepath.Join(o.dist, release.ChecksumsFile)
		}
		if err := report.CheckWrite("--checksums", path, report.KindSums, protected); err != nil {
			return usageErr("%v", err)
		}
	}
	if err := o.files(stdio).Check(protected); err != nil {
		return usageErr("%v", err)
	}
	return nil
}
