package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/attest"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/sbom"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// The release record: what the C toolchains are, an SBOM beside every
// binary, then (after SHA256SUMS) the provenance and the signatures.

// facts finds out, once per distinct toolchain, what the C toolchain of
// every shipped cgo job is, when the release asks for SBOMs or
// provenance. Indexed like the jobs; nil otherwise.
func (r *run) facts(ctx context.Context, st report.Stages) []*toolchain.Facts {
	rel := r.ld.Plan.Release
	if rel == nil || (len(rel.SBOM) == 0 && rel.Provenance == "") {
		return nil
	}
	out := make([]*toolchain.Facts, len(st.Results))
	seen := map[string]*toolchain.Facts{}
	for i, res := range st.Results {
		tc := res.Job.Toolchain
		if tc == nil || !shipped(st, i) {
			continue
		}
		key := fmt.Sprintf("%q", append(append(append([]string{}, tc.CC...), tc.Libc, tc.Target), tc.Env()...))
		if f, ok := seen[key]; ok {
			out[i] = f
			continue
		}
		f := r.opt.Facts(ctx, *tc)
		seen[key], out[i] = &f, &f
	}
	return out
}

// sboms writes the SBOMs of every shipped binary, in each format the
// release asks for, and records them in st.Files.
func (r *run) sboms(ctx context.Context, st report.Stages) error {
	rel := r.ld.Plan.Release
	if rel == nil || len(rel.SBOM) == 0 {
		return nil
	}
	var formats []sbom.Format
	for _, f := range rel.SBOM {
		format, err := sbom.ParseFormat(f)
		if err != nil {
			return err
		}
		formats = append(formats, format)
	}
	jobs := make([]plan.Job, len(st.Results))
	sums := make([]string, len(st.Results))
	for i, res := range st.Results {
		jobs[i] = res.Job
		if shipped(st, i) {
			sums[i] = st.Outcomes[i].Info.SHA256
		}
	}
	// The release's date, never the wall clock: zero lets package sbom
	// take the binary's own VCS time.
	created := release.ArchiveTime(r.ld.Stamp)
	made, err := release.WriteSBOMs(ctx, jobs, st.Files, sums, release.SBOMOptions{
		DistDir: r.ld.Plan.DistDir, Root: r.dist.Root(), Formats: formats,
		Created: created, Tool: r.opt.Tool, Facts: st.Facts,
	})
	for i := range made {
		if i < len(st.Files) {
			st.Files[i].SBOMs = made[i]
		}
	}
	return err
}

// attest writes the release's provenance and signs SHA256SUMS and it,
// as the plan's release asks; a shard writes none (merge does, for the
// whole release). The provenance names what this run shipped.
func (r *run) attest(ctx context.Context, rep *report.Report) error {
	rel := r.ld.Plan.Release
	if rel == nil || (rel.Provenance == "" && rel.Sign == nil) || r.opt.Shard != nil {
		return nil
	}
	if rel.Sign != nil && r.opt.SigningKey == nil {
		return fmt.Errorf("the release asks for signing with %s, but no key was loaded", rel.Sign)
	}
	entries := rep.ChecksumEntries()
	provenance := rel.Provenance
	if len(entries) == 0 && provenance != "" {
		r.notify(note.Warnf("no provenance: no job shipped an artifact"))
		provenance = ""
	}
	att, err := attest.Write(ctx, rep, entries, attest.Options{
		Provenance: provenance, Key: r.opt.SigningKey, Root: r.dist.Root(),
		BuilderID: BuilderID(r.opt.Tool),
	})
	rep.Attestation = att
	if err != nil {
		return err
	}
	if att != nil && att.Provenance != "" {
		r.notify(note.Infof("provenance: %s names %d artifacts", filepath.Base(att.Provenance), att.Subjects))
	}
	return nil
}

// BuilderID is the provenance's builder.id for a tool string
// ("portmatrix v1.2.3"): portmatrix at its version.
func BuilderID(tool string) string {
	id := "https://github.com/portmatrix/portmatrix"
	if _, v, ok := strings.Cut(tool, " "); ok && v != "" {
		id += "@" + v
	}
	return id
}
