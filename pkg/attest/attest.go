// Package attest vouches for a release: it writes one SLSA provenance v1
// statement for the whole release (package provenance), made from the
// report of the run (or of the merged shards), and signs it and the
// SHA256SUMS file with the key the user provides (package signing).
//
// Everything the statement says comes from the report: the subjects are
// exactly the files SHA256SUMS lists (binaries, archives, SBOMs), each
// job's argv and env are the plan's as they ran, the toolchains are the
// ones the rows record. So `portmatrix build` and `portmatrix merge` write
// the same statement for the same release, and nothing of the environment
// enters it unseen.
//
// Threat model, in short: a signature proves that the holder of the key
// signed these bytes; it does not prove where the build ran. The key is
// read once, kept in memory, never written, never passed to a build and
// never named by more than its source and fingerprint. Keyless signing
// (Sigstore) needs the network and is left to the CI: docs/signing.md.
package attest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/provenance"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

// SignatureExt is appended to SHA256SUMS's name for its signature.
const SignatureExt = ".sig"

// maxKeyBytes bounds a key file: a private key is a few hundred bytes.
const maxKeyBytes = 64 << 10

// LoadKey reads the signing key the plan names: the file, or the variable
// holding the key's text, with the passphrase from its variable. getenv
// reads the environment (os.Getenv). Errors name the source, never the
// key.
func LoadKey(k *plan.SignKey, getenv func(string) string) (*signing.Key, error) {
	if k == nil {
		return nil, nil
	}
	var data []byte
	source := k.String()
	if k.Env != "" {
		v := getenv(k.Env)
		if v == "" {
			return nil, fmt.Errorf("signing key: $%s is empty or not set", k.Env)
		}
		data = []byte(v)
	} else {
		f, err := os.Open(k.File)
		if err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, maxKeyBytes+1))
		if err != nil {
			return nil, fmt.Errorf("signing key: reading %s: %w", k.File, err)
		}
		if len(data) > maxKeyBytes {
			return nil, fmt.Errorf("signing key: %s is larger than %d KiB: not a private key", k.File, maxKeyBytes>>10)
		}
	}
	var pass []byte
	if k.PassphraseEnv != "" {
		pass = []byte(getenv(k.PassphraseEnv))
	}
	key, err := signing.LoadKey(data, pass, source)
	clear(data)
	if err != nil {
		return nil, err
	}
	return key, nil
}

// Options say what to write besides the report.
type Options struct {
	// Provenance is the statement's path ("": none).
	Provenance string
	// Key signs SHA256SUMS and the statement (nil: unsigned).
	Key *signing.Key
	// Root, when set, confines writing the files that are inside it (the
	// dist directory's root).
	Root *os.Root
	// BuilderID identifies the builder ("https://github.com/portmatrix/portmatrix@v1.2.3").
	BuilderID string
}

// Write signs rep.Checksums (when a key is given and the file was written)
// and writes the provenance statement over entries (what SHA256SUMS
// lists), then returns what it wrote for the report. Every file goes
// through a temporary file and a rename.
func Write(ctx context.Context, rep *report.Report, entries []checksum.Entry, opt Options) (*report.Attestation, error) {
	if opt.Provenance == "" && opt.Key == nil {
		return nil, nil
	}
	att := &report.Attestation{}
	if opt.Key != nil {
		att.KeyID = opt.Key.KeyID()
	}
	if opt.Key != nil && rep.Checksums != "" {
		sums, err := os.ReadFile(rep.Checksums)
		if err != nil {
			return nil, fmt.Errorf("signing %s: %w", rep.Checksums, err)
		}
		sig, err := opt.Key.SignSSH(strings.NewReader(string(sums)), signing.SumsNamespace)
		if err != nil {
			return nil, fmt.Errorf("signing %s: %w", rep.Checksums, err)
		}
		path := rep.Checksums + SignatureExt
		if err := write(opt.Root, path, sig); err != nil {
			return nil, fmt.Errorf("writing %s: %w", filepath.Base(path), err)
		}
		att.ChecksumsSignature = path
	}
	if opt.Provenance != "" {
		if len(entries) == 0 {
			return att, errors.New("provenance: the release has no artifact to name")
		}
		b := Build(rep, entries, opt)
		stmt, err := provenance.Statement(b)
		if err != nil {
			return att, fmt.Errorf("provenance: %w", err)
		}
		env, err := provenance.Envelope(ctx, stmt, opt.Key)
		if err != nil {
			return att, fmt.Errorf("provenance: %w", err)
		}
		if err := write(opt.Root, opt.Provenance, env); err != nil {
			return att, fmt.Errorf("writing %s: %w", filepath.Base(opt.Provenance), err)
		}
		att.Provenance, att.Subjects = opt.Provenance, len(b.Subjects)
	}
	return att, nil
}

// Build is the provenance of the release a report describes: subjects
// from entries, the jobs that built them with their exact argv and env,
// the Go and C toolchains the rows record, the source commit and the
// manifest.
func Build(rep *report.Report, entries []checksum.Entry, opt Options) provenance.Build {
	b := provenance.Build{
		BuilderID: opt.BuilderID,
		Manifest:  provenance.Artifact{Name: filepath.ToSlash(rep.Manifest), SHA256: rep.ManifestSHA256},
		Version:   rep.Version,
	}
	if rep.Commit != "" && rep.Commit != "none" {
		b.Source = provenance.Dependency{Name: "source", Version: rep.Commit}
	}
	for _, e := range entries {
		b.Subjects = append(b.Subjects, provenance.Artifact{Name: e.Name, SHA256: e.SHA256})
	}
	deps := map[string]provenance.Dependency{}
	if rep.GoVersion != "" {
		deps["go"] = provenance.Dependency{Name: "go", Version: rep.GoVersion, URI: "pkg:golang/stdlib@" + strings.TrimPrefix(rep.GoVersion, "go")}
	}
	for _, j := range rep.Jobs {
		if j.File == "" || (j.Status != report.StatusOK && j.Status != report.StatusViolated) {
			continue
		}
		b.Jobs = append(b.Jobs, provenance.Job{ID: j.ID, Argv: j.Argv, Env: j.Env})
		if c := j.CToolchain; c != nil {
			d := provenance.Dependency{Name: strings.Join(c.CC, " ")}
			if f := c.Facts; f != nil {
				d.Name, d.Version = f.Compiler, f.Version
				if f.Version != "" {
					d.URI = "pkg:generic/" + strings.ReplaceAll(f.Compiler, " ", "-") + "@" + f.Version
				}
			}
			deps[d.Name+"@"+d.Version] = d
		}
	}
	for _, k := range sortedKeys(deps) {
		b.Dependencies = append(b.Dependencies, deps[k])
	}
	b.Started = rep.Started.UTC().Truncate(time.Second)
	b.Finished = rep.Started.Add(time.Duration(rep.DurationSec * float64(time.Second))).UTC().Truncate(time.Second)
	if limit, ok := Clamp(rep); ok {
		b.Started, b.Finished = clamp(b.Started, limit), clamp(b.Finished, limit)
	}
	return b
}

// Clamp is the limit of the provenance's times: the release date when it
// was given (SOURCE_DATE_EPOCH or --date, the report's date_source), so
// that two runs of one release write byte-identical statements. Without
// it the statement has the real start and finish, and differs per run.
func Clamp(rep *report.Report) (time.Time, bool) {
	if rep.DateSource != plan.DateFromEpoch && rep.DateSource != plan.DateFromFlag {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, rep.Date)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// clamp is t, or limit when t is later (the reproducible-builds rule for
// SOURCE_DATE_EPOCH).
func clamp(t, limit time.Time) time.Time {
	if t.After(limit) {
		return limit.UTC()
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// write writes data to path through a temporary file, through root when
// path is inside it.
func write(root *os.Root, path string, data []byte) error {
	if root != nil {
		if abs, err := filepath.Abs(path); err == nil {
			if _, err := atomicfile.Rel(root, abs); err == nil {
				path = abs
			} else {
				root = nil
			}
		}
	}
	return atomicfile.WriteIn(root, path, 0o644, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}
