package cli

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/releasecheck"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

type verifyReleaseOptions struct {
	keys          []string
	sums          string
	requireSigned bool
}

func newVerifyReleaseCmd(stdio Stdio) *cobra.Command {
	o := &verifyReleaseOptions{}
	cmd := &cobra.Command{
		Use:   "verify-release [flags] DIST",
		Short: "Check a release directory: SHA256SUMS, its signature, the provenance and every SBOM against its binary",
		Long: `verify-release checks a release the way its users would, from the files
alone:

  - every file SHA256SUMS lists is there with that SHA-256;
  - SHA256SUMS.sig is an SSH signature of SHA256SUMS by one of the --key
    public keys (what ssh-keygen -Y verify -n file checks);
  - every *.intoto.jsonl is a SLSA provenance v1 statement whose DSSE
    signature verifies with a --key, whose subjects are exactly the files
    SHA256SUMS lists, with the same hashes;
  - every SBOM (NAME.cdx.json, NAME.spdx.json) describes the binary NAME
    beside it: its SHA-256, its modules and versions, its linkage.

Trust comes from --key only (a PEM public key, an ssh public key line or
an allowed_signers line; repeatable): no key is read from DIST. Without
--key, signatures are reported as not verified; --require-signature makes
that, and an unsigned release, a failure.

Exit status: 0 when every check passes, 1 when one fails (each failure
names its file), 2 for usage errors or when DIST or SHA256SUMS cannot be
read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerifyRelease(cmd.Context(), o, args[0], stdio)
		},
	}
	cmd.Flags().StringArrayVar(&o.keys, "key", nil, "a public key the signatures must verify with: PEM, ssh public key or allowed_signers line (repeatable)")
	cmd.Flags().StringVar(&o.sums, "checksums", "", "the checksum file (default DIST/SHA256SUMS)")
	cmd.Flags().BoolVar(&o.requireSigned, "require-signature", false, "fail unless SHA256SUMS and the provenance are signed and verify with a --key")
	return cmd
}

func runVerifyRelease(ctx context.Context, o *verifyReleaseOptions, dir string, stdio Stdio) error {
	opt := releasecheck.Options{Dir: dir, Sums: o.sums, RequireSigned: o.requireSigned}
	for _, k := range o.keys {
		data, err := os.ReadFile(k)
		if err != nil {
			return usageErr("--key: %v", err)
		}
		pub, err := signing.ParsePublicKey(data, k)
		if err != nil {
			return usageErr("--key: %v", err)
		}
		opt.Keys = append(opt.Keys, pub)
	}
	res, err := releasecheck.Verify(ctx, opt)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := res.Write(stdio.Out); err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	if res.Failed() > 0 {
		return silent(ExitFailed)
	}
	return nil
}
