package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/attest"
	"github.com/portmatrix/portmatrix/pkg/merge"
	"github.com/portmatrix/portmatrix/pkg/pipeline"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

type mergeOptions struct {
	reportFlags
	dist      string
	checksums string
	noVerify  bool
	release   plan.ReleaseFlags
}

func newMergeCmd(stdio Stdio) *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge [flags] FRAGMENT.json...",
		Short: "Combine the JSON reports of a sharded build into one report and one SHA256SUMS",
		Long: `merge reads the JSON reports that 'portmatrix build --shard i/n --json F'
wrote on each CI machine and writes the report of the whole release: the
table (or --json -), and the --json, --markdown, --junit and --html files
asked for, plus SHA256SUMS in the dist directory, and the release's
provenance and signatures when the manifest's release section (recorded in
the fragments) or the flags ask for them: one provenance for the whole
release, naming every artifact of every shard.

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
	fs.StringVar(&o.release.Provenance, "provenance", "", "write the release's SLSA provenance to this file name in --dist, or none (default what the fragments' manifest asks)")
	fs.StringVar(&o.release.SignKey, "sign-key", "", "sign SHA256SUMS and the provenance with this private key file, or none (default the fragments' release.sign)")
	fs.StringVar(&o.release.SignKeyEnv, "sign-key-env", "", "sign with the private key held by this environment variable")
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
	rel, err := merge.ReleaseOf(rep, o.release, o.dist)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := o.checkPaths(args, rel, stdio); err != nil {
		return err
	}
	var key *signing.Key
	if rel != nil && rel.Sign != nil {
		if key, err = attest.LoadKey(rel.Sign, stdio.getenv); err != nil {
			return usageErr("%v", err)
		}
	}
	err = merge.Publish(ctx, rep, merge.PublishOptions{
		Dist: o.dist, Checksums: o.checksums, NoVerify: o.noVerify, Release: rel, Key: key,
		BuilderID: pipeline.BuilderID(rep.Tool),
		Warn:      func(s string) { fmt.Fprintln(stdio.Err, "portmatrix: "+s) },
	})
	var ie *merge.InputError
	switch {
	case errors.As(err, &ie):
		return usageErr("%v", ie)
	case err != nil:
		return &exitError{code: ExitFailed, err: err}
	}
	if err := o.reportFlags.write(rep, stdio); err != nil {
		return err
	}
	return finish(ctx, rep.Failed(), stdio)
}

// checkPaths refuses, before anything is written, a report or sums path
// that would overwrite a fragment being merged, the provenance or the
// signing key, or an existing file that is not an earlier report of the
// same kind (report.CheckWrite).
func (o *mergeOptions) checkPaths(fragments []string, rel *plan.Release, stdio Stdio) error {
	protected := map[string]string{}
	for _, f := range fragments {
		if abs, err := filepath.Abs(f); err == nil {
			protected[abs] = "the fragment " + f
		}
	}
	if rel != nil {
		for path, what := range map[string]string{rel.Provenance: "the provenance", signKeyFile(rel): "the signing key"} {
			if abs, err := filepath.Abs(path); err == nil && path != "" {
				if w, ok := protected[abs]; ok {
					return usageErr("%s %s is %s", what, path, w)
				}
				protected[abs] = what
			}
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
		if rel != nil && rel.Sign != nil {
			if abs, err := filepath.Abs(path); err == nil {
				protected[abs+attest.SignatureExt] = "the signature of SHA256SUMS"
			}
		}
	}
	if err := o.files(stdio).Check(protected); err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// signKeyFile is the signing key's file, "" when none.
func signKeyFile(rel *plan.Release) string {
	if rel.Sign == nil {
		return ""
	}
	return rel.Sign.File
}
