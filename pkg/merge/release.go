package merge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portmatrix/portmatrix/pkg/attest"
	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

// InputError is a Publish error of its inputs (a dist directory that is
// not there), as opposed to a failure while checking or writing.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// ReleaseOf is what the merged release records: the fragments' release
// section (from the merged report) with the provenance moved into dist,
// and flags' overrides; nil when it asks for nothing. It sets rep.Release.
func ReleaseOf(rep *report.Report, flags plan.ReleaseFlags, dist string) (*plan.Release, error) {
	var r plan.Release
	if rep.Release != nil {
		r = *rep.Release
		if r.Provenance != "" {
			r.Provenance = filepath.Join(dist, filepath.Base(r.Provenance))
		}
	}
	r, ps := r.Override(flags, dist)
	if len(ps) > 0 {
		return nil, errors.New(ps.Error())
	}
	if r.Empty() {
		return nil, nil
	}
	rep.Release = &r
	return &r, nil
}

// PublishOptions say what Publish writes for a merged report.
type PublishOptions struct {
	// Dist holds the shards' artifacts, downloaded into it.
	Dist string
	// Checksums is the SHA256SUMS to write: "" for Dist/SHA256SUMS,
	// "none" for none.
	Checksums string
	// NoVerify skips checking Dist's files against the fragments' hashes.
	NoVerify bool
	// Release is ReleaseOf's (nil: no provenance, no signatures); Key its
	// signing key, loaded by the caller.
	Release *plan.Release
	Key     *signing.Key
	// BuilderID names the builder in the provenance.
	BuilderID string
	// Warn gets remarks ("no provenance: no job shipped an artifact").
	Warn func(string)
}

// Publish finishes a merged release: it checks every binary and archive in
// Dist against the hash its shard recorded (when Dist is there), writes
// SHA256SUMS, and the provenance and signatures the release asks for, as
// an unsharded build would; rep records what was written. An *InputError
// is one of the inputs.
func Publish(ctx context.Context, rep *report.Report, opt PublishOptions) error {
	entries := rep.ChecksumEntries()
	fi, statErr := os.Stat(opt.Dist)
	distExists := statErr == nil && fi.IsDir()
	if distExists && !opt.NoVerify {
		if err := VerifyFiles(ctx, opt.Dist, entries); err != nil {
			return err
		}
	}
	if opt.Checksums != "none" && len(entries) > 0 {
		path := opt.Checksums
		if path == "" {
			if !distExists {
				return &InputError{fmt.Sprintf("--dist %s does not exist: download the shards' artifacts into it, or give --checksums FILE (or none)", opt.Dist)}
			}
			path = filepath.Join(opt.Dist, release.ChecksumsFile)
		}
		if err := checksum.WriteFile(path, entries); err != nil {
			return err
		}
		rep.Checksums = path
	}
	rel := opt.Release
	if rel != nil && rel.Provenance != "" && len(entries) == 0 {
		if opt.Warn != nil {
			opt.Warn("no provenance: no job shipped an artifact")
		}
		rel.Provenance = ""
	}
	if rel == nil || (rel.Provenance == "" && opt.Key == nil) {
		return nil
	}
	if rel.Provenance != "" && !distExists {
		return &InputError{fmt.Sprintf("--dist %s does not exist: the provenance is written there (or give --provenance none)", opt.Dist)}
	}
	att, err := attest.Write(ctx, rep, entries, attest.Options{Provenance: rel.Provenance, Key: opt.Key, BuilderID: opt.BuilderID})
	rep.Attestation = att
	return err
}
