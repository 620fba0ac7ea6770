package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
)

// WriteText writes the plan as `portmatrix plan` prints it: a header, then
// per job a comment line (id, expectation and where it was set), the shell
// line that runs it, and its archive. shardOf, when not empty, says the
// jobs are one part of a plan of total jobs ("2/4").
func (p *Plan) WriteText(w io.Writer, shardOf string, total int) error {
	head := plural.Count(len(p.Jobs), "job")
	if shardOf != "" {
		head = fmt.Sprintf("shard %s: %s of %d", shardOf, head, total)
	}
	if _, err := fmt.Fprintf(w, "# %s: %s into %s\n", p.Manifest, head, p.DistDir); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w, "# go build writes each binary to a temporary file beside its -o path (.NAME.portmatrix-N), renamed into place when the build succeeds"); err != nil {
		return err
	}
	if len(p.Inherit) > 0 {
		if _, err := fmt.Fprintf(w, "# every job inherits only %s from this environment; what it sets is on its line\n", strings.Join(p.Inherit, " ")); err != nil {
			return err
		}
	}
	if r := p.Release; !r.Empty() {
		if _, err := fmt.Fprintf(w, "# release: %s\n", r.line()); err != nil {
			return err
		}
	}
	for _, j := range p.Jobs {
		if _, err := fmt.Fprintf(w, "\n# %s  expect=%s (%s)\n", j.ID, j.Expect.Linkage, j.Expect.Source); err != nil {
			return err
		}
		if tc := j.Toolchain; tc != nil && (tc.Zig != "" || tc.Reason != "") {
			if _, err := fmt.Fprintf(w, "#   C toolchain: %s\n", tc.Describe()); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintln(w, j.ShellLine()); err != nil {
			return err
		}
		if j.Archive != nil {
			if _, err := fmt.Fprintf(w, "# archive: %s\n", j.Archive.line()); err != nil {
				return err
			}
		}
	}
	return nil
}

// line is the archive in one line: its path, top directory and extra
// files.
func (a *Archive) line() string {
	s := a.Path
	if a.Root != "" {
		s += " (in " + a.Root + "/)"
	}
	for _, f := range a.Files {
		s += " +" + f.Name
	}
	return s
}

// line is the release section in one line.
func (r *Release) line() string {
	var parts []string
	if len(r.SBOM) > 0 {
		parts = append(parts, "SBOM ("+strings.Join(r.SBOM, ", ")+") beside every binary")
	}
	if r.Provenance != "" {
		parts = append(parts, "SLSA provenance "+r.Provenance)
	}
	if r.Sign != nil {
		what := "SHA256SUMS"
		if r.Provenance != "" {
			what += " and the provenance"
		}
		parts = append(parts, what+" signed with "+r.Sign.String())
	}
	return strings.Join(parts, "; ")
}
