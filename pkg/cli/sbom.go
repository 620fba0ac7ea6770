package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/sbom"
)

type sbomOptions struct {
	formats string
	out     string
}

func newSBOMCmd(stdio Stdio) *cobra.Command {
	o := &sbomOptions{}
	cmd := &cobra.Command{
		Use:   "sbom [flags] BINARY...",
		Short: "Write the SBOM of any Go binary: modules from its build info plus what it links (CycloneDX 1.6, SPDX 2.3)",
		Long: `sbom reads each binary (built by portmatrix, goreleaser, go install or
anyone) and writes its software bill of materials: the main module and every
dependency module from the embedded build info (version, h1: sum, replace),
the Go version and build settings, and what no build-info tool records: the
linkage (static, static-pie, dynamic), the interpreter, every needed library,
the glibc and GLIBCXX floors and the minimum OS (docs/sbom.md).

By default BINARY.cdx.json and BINARY.spdx.json are written beside each
binary; --output DIR writes them there, and --output - prints the one SBOM
asked for (one binary, one --format) on stdout. An existing file is replaced
only when it is an earlier SBOM of the same format.

The same binary gives the same bytes: the serial number and document
namespace come from the content, the time from SOURCE_DATE_EPOCH when set,
else the binary's VCS time, else 1970-01-01.

Exit status: 0 when every SBOM was written, 1 when a binary could not be
read or an SBOM written, 2 for usage errors.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSBOM(cmd.Context(), o, args, stdio) },
	}
	cmd.Flags().StringVar(&o.formats, "format", "cyclonedx,spdx", "SBOM formats: cyclonedx, spdx or both (comma-separated)")
	cmd.Flags().StringVarP(&o.out, "output", "o", "", "directory to write the SBOMs to (default beside each binary); - prints one SBOM on stdout")
	return cmd
}

func runSBOM(ctx context.Context, o *sbomOptions, args []string, stdio Stdio) error {
	var formats []sbom.Format
	for _, s := range strings.Split(o.formats, ",") {
		f, err := sbom.ParseFormat(strings.TrimSpace(s))
		if err != nil {
			return usageErr("--format: %v", err)
		}
		formats = append(formats, f)
	}
	if o.out == "-" && (len(args) != 1 || len(formats) != 1) {
		return usageErr("--output - prints one SBOM: give one binary and one --format")
	}
	var created time.Time
	if sde := stdio.getenv("SOURCE_DATE_EPOCH"); sde != "" {
		t, err := release.EpochTime(sde)
		if err != nil {
			return usageErr("%v", err)
		}
		created = t
	}
	failed := false
	for _, path := range args {
		if err := ctx.Err(); err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
		info, err := inspect.File(path)
		if err != nil {
			fmt.Fprintf(stdio.Err, "portmatrix: %v\n", err)
			failed = true
			continue
		}
		b := sbom.Binary{Name: filepath.Base(path), Info: info, Created: created, Tool: "portmatrix " + Version}
		for _, f := range formats {
			doc, err := sbom.Encode(f, b)
			if err != nil {
				fmt.Fprintf(stdio.Err, "portmatrix: %s: %v\n", path, err)
				failed = true
				continue
			}
			if o.out == "-" {
				if _, err := stdio.Out.Write(doc); err != nil {
					return &exitError{code: ExitFailed, err: err}
				}
				continue
			}
			dest := path + f.Ext()
			if o.out != "" {
				dest = filepath.Join(o.out, filepath.Base(path)+f.Ext())
			}
			if err := release.WriteSBOMFile(nil, dest, f, doc); err != nil {
				fmt.Fprintf(stdio.Err, "portmatrix: %v\n", err)
				failed = true
				continue
			}
			fmt.Fprintf(stdio.Err, "wrote %s\n", dest)
		}
	}
	if failed {
		return silent(ExitFailed)
	}
	return nil
}
