package cli

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/goreleaser"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

type verifyGoreleaserOptions struct {
	reportFlags
	expect []string
	policy string
}

func newVerifyGoreleaserCmd(stdio Stdio) *cobra.Command {
	o := &verifyGoreleaserOptions{}
	cmd := &cobra.Command{
		Use:   "verify-goreleaser [flags] [DIST]",
		Short: "Check the binaries goreleaser built (dist/artifacts.json) by their bytes, against a policy",
		Long: `verify-goreleaser reads goreleaser's DIST/artifacts.json (default dist) and
inspects every binary it lists: the platform its headers and Go build info
say must be the goos, goarch and level (goarm, goamd64, goarm64, ...) the
entry says, the CGO_ENABLED the build info records is reported, and every
binary must meet the policy: --expect, as for inspect (static, static-pie,
dynamic, or KEY=VALUE for max_glibc, min_macos, libs_allow, libs_deny,
system_libs_only, stripped, pie, cgo; repeatable), and/or --policy FILE, a
YAML mapping in the manifest's expect language:

  linkage: static
  max_glibc: "2.17"
  libs_deny: ["libstdc++*"]

The report is the one build writes, in every format (--json, --markdown,
--junit, --html; the Markdown goes to $GITHUB_STEP_SUMMARY when set). As a
goreleaser hook, after the builds:

  builds: ...
  after:
    hooks:
      - portmatrix verify-goreleaser --expect static dist

Exit status: 0 when every binary is what goreleaser says and meets the
policy, 1 when one is not, 2 for usage errors (no artifacts.json, a bad
policy).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerifyGoreleaser(cmd.Context(), o, args, stdio)
		},
	}
	fs := cmd.Flags()
	o.reportFlags.register(fs)
	fs.StringArrayVar(&o.expect, "expect", nil, "policy: static|static-pie|dynamic or KEY=VALUE (repeatable)")
	fs.StringVar(&o.policy, "policy", "", "policy file: a YAML mapping in the manifest's expect language")
	return cmd
}

func runVerifyGoreleaser(ctx context.Context, o *verifyGoreleaserOptions, args []string, stdio Stdio) error {
	dist := "dist"
	if len(args) == 1 {
		dist = args[0]
	}
	terms := append([]string{}, o.expect...)
	if o.policy != "" {
		data, err := os.ReadFile(o.policy)
		if err != nil {
			return usageErr("--policy: %v", err)
		}
		more, err := verify.PolicyFileTerms(data)
		if err != nil {
			return usageErr("--policy %s: %v", o.policy, err)
		}
		terms = append(terms, more...)
	}
	policy, err := verify.ParsePolicy(terms)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := o.files(stdio).Check(map[string]string{}); err != nil {
		return usageErr("%v", err)
	}
	rep, err := goreleaser.VerifyArtifacts(ctx, dist, goreleaser.VerifyOptions{Policy: policy, Tool: "portmatrix " + Version})
	if err != nil {
		return usageErr("%v", err)
	}
	if err := o.reportFlags.write(rep, stdio); err != nil {
		return err
	}
	return finish(ctx, rep.Failed(), stdio)
}
