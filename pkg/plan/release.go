package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/manifest"
)

// Release is what the release ships besides binaries, archives and
// SHA256SUMS, resolved from the manifest's release section and the flags
// that override it: the plan shows it and the run does exactly this.
type Release struct {
	// SBOM are the formats of the SBOM written beside every binary
	// ("cyclonedx", "spdx"); empty: none.
	SBOM []string `json:"sbom,omitempty"`
	// Provenance is the path of the provenance statement, in the dist
	// directory; "": none. A shard writes none: merge writes the release's.
	Provenance string `json:"provenance,omitempty"`
	// Sign is the key that signs SHA256SUMS and the provenance; nil: none.
	Sign *SignKey `json:"sign,omitempty"`
}

// Empty says the release asks for nothing.
func (r *Release) Empty() bool {
	return r == nil || (len(r.SBOM) == 0 && r.Provenance == "" && r.Sign == nil)
}

// SBOMExt is what the SBOM of each format adds to its binary's path
// (package sbom's Format.Ext; a test holds the two together).
var SBOMExt = map[string]string{"cyclonedx": ".cdx.json", "spdx": ".spdx.json"}

// SBOMPaths are the SBOM files of job j, one per format, beside its
// binary.
func (r *Release) SBOMPaths(j Job) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, f := range r.SBOM {
		out = append(out, j.Output+SBOMExt[f])
	}
	return out
}

// SignKey says where the signing key comes from; never the key itself.
type SignKey struct {
	// File is the private key file's absolute path; "" when Env is set.
	File string `json:"file,omitempty"`
	// Env names the variable holding the key's text.
	Env string `json:"env,omitempty"`
	// PassphraseEnv names the variable holding an OpenSSH key's
	// passphrase ("": none).
	PassphraseEnv string `json:"passphrase_env,omitempty"`
}

// String names the key's source for messages: "key file /x/release.pem"
// or "$RELEASE_KEY".
func (k *SignKey) String() string {
	if k.Env != "" {
		return "$" + k.Env
	}
	return "key file " + k.File
}

// ReleaseFlags are the command-line overrides of the release section. An
// empty field keeps the manifest's; "none" turns the thing off.
type ReleaseFlags struct {
	// SBOM is "cyclonedx,spdx", one of them, or "none" (--sbom).
	SBOM string
	// Provenance is a file name in the dist directory or "none"
	// (--provenance).
	Provenance string
	// SignKey is a private key file (relative to the working directory) or
	// "none" (--sign-key); SignKeyEnv a variable holding the key
	// (--sign-key-env).
	SignKey, SignKeyEnv string
}

// planRelease resolves the release section and the flags into
// p.plan.Release, and refuses a signing key that an archive would ship.
func (p *planner) planRelease() {
	var r Release
	if mr := p.m.Release; mr != nil {
		if s := mr.SBOM; s != nil {
			r.SBOM = s.Formats
			if r.SBOM == nil {
				r.SBOM = slices.Clone(manifest.SBOMFormats)
			}
		}
		if pv := mr.Provenance; pv != nil {
			name := pv.File
			if name == "" {
				name = manifest.DefaultProvenanceFile
			}
			r.Provenance = filepath.Join(p.plan.DistDir, name)
		}
		if s := mr.Sign; s != nil {
			k := &SignKey{Env: s.KeyEnv, PassphraseEnv: s.PassphraseEnv}
			if s.Key != "" {
				k.File = s.Key
				if !filepath.IsAbs(k.File) {
					k.File = filepath.Join(p.opt.ManifestDir, filepath.FromSlash(s.Key))
				}
			}
			r.Sign = k
		}
	}
	f := p.opt.Release
	r, ps := r.Override(f, p.plan.DistDir)
	p.ps = append(p.ps, ps...)
	if k := r.Sign; k != nil && k.File != "" {
		p.checkKeyShipped(k.File, f.SignKey != "")
	}
	if !r.Empty() {
		p.plan.Release = &r
		p.checkReleasePaths(&r)
	}
}

// checkReleasePaths refuses an SBOM or provenance path that is another
// file of the plan (a binary, log or archive, or another SBOM): nothing
// the release writes may overwrite what a job made.
func (p *planner) checkReleasePaths(r *Release) {
	taken := map[string]string{}
	for _, j := range p.plan.Jobs {
		taken[j.Output] = "the binary of job " + j.ID
		taken[j.Log] = "the build log of job " + j.ID
		if j.Archive != nil {
			taken[j.Archive.Path] = "the archive of job " + j.ID
		}
	}
	for _, j := range p.plan.Jobs {
		for _, path := range r.SBOMPaths(j) {
			if what, ok := taken[path]; ok {
				p.ps = append(p.ps, manifest.Problem{File: p.m.File, Field: "release.sbom",
					Msg: fmt.Sprintf("the SBOM %s of job %s would overwrite %s; rename the binary or the output", path, j.ID, what)})
				continue
			}
			taken[path] = "the SBOM of job " + j.ID
		}
	}
	if what, ok := taken[r.Provenance]; ok && r.Provenance != "" {
		p.ps = append(p.ps, manifest.Problem{File: p.m.File, Field: "release.provenance", Msg: fmt.Sprintf("the provenance %s would overwrite %s; give it another name", r.Provenance, what)})
	}
}

// passphraseOf keeps the manifest's passphrase variable when a flag
// replaces the key.
func passphraseOf(k *SignKey) string {
	if k == nil {
		return ""
	}
	return k.PassphraseEnv
}

// checkKeyShipped refuses a signing key file that is inside the dist
// directory or that an archive would pack: a private key must never be
// part of what the release ships.
func (p *planner) checkKeyShipped(key string, fromFlag bool) {
	key = filepath.Clean(key)
	problem := func(format string, args ...any) {
		if fromFlag {
			p.ps = append(p.ps, manifest.Problem{File: "--sign-key", Msg: fmt.Sprintf(format, args...)})
			return
		}
		p.add(p.m.Release.Sign.KeyLoc("key"), "release.sign.key", format, args...)
	}
	if rel, err := filepath.Rel(p.plan.DistDir, key); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		problem("the signing key %s is inside the dist directory %s, whose files are shipped; keep it outside", key, p.plan.DistDir)
		return
	}
	for _, j := range p.plan.Jobs {
		if j.Archive == nil {
			continue
		}
		for _, f := range j.Archive.Files {
			if filepath.Clean(f.Src) == key {
				problem("the signing key %s would be packed into %s (archive files of build %s); a private key must never ship: narrow archive.files", key, filepath.Base(j.Archive.Path), j.Build)
				return
			}
		}
	}
}

// Override is r with the flags' overrides applied (distDir is where a
// --provenance file name goes); problems name the flag. build and plan
// apply them to the manifest's section, merge to the fragments'.
func (r Release) Override(f ReleaseFlags, distDir string) (Release, manifest.Problems) {
	var ps manifest.Problems
	if r.Sign != nil {
		k := *r.Sign
		r.Sign = &k
	}
	r.SBOM = slices.Clone(r.SBOM)
	switch f.SBOM {
	case "":
	case "none":
		r.SBOM = nil
	default:
		r.SBOM = nil
		for _, s := range strings.Split(f.SBOM, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(manifest.SBOMFormats, s) {
				ps = append(ps, manifest.Problem{File: "--sbom", Msg: fmt.Sprintf("%q is not an SBOM format; use cyclonedx, spdx, both (cyclonedx,spdx) or none", s)})
				continue
			}
			if !slices.Contains(r.SBOM, s) {
				r.SBOM = append(r.SBOM, s)
			}
		}
	}
	switch f.Provenance {
	case "":
	case "none":
		r.Provenance = ""
	default:
		if strings.ContainsAny(f.Provenance, `/\`) || f.Provenance == "." || f.Provenance == ".." {
			ps = append(ps, manifest.Problem{File: "--provenance", Msg: fmt.Sprintf("%q must be a plain file name in the dist directory, such as %s", f.Provenance, manifest.DefaultProvenanceFile)})
		} else {
			r.Provenance = filepath.Join(distDir, f.Provenance)
		}
	}
	switch {
	case f.SignKey != "" && f.SignKeyEnv != "":
		ps = append(ps, manifest.Problem{File: "--sign-key", Msg: "give --sign-key or --sign-key-env, not both"})
	case f.SignKey == "none":
		r.Sign = nil
	case f.SignKey != "":
		abs, err := filepath.Abs(f.SignKey)
		if err != nil {
			abs = f.SignKey
		}
		r.Sign = &SignKey{File: abs, PassphraseEnv: passphraseOf(r.Sign)}
	case f.SignKeyEnv != "":
		if err := manifest.CheckPassthrough(f.SignKeyEnv); err != nil {
			ps = append(ps, manifest.Problem{File: "--sign-key-env", Msg: err.Error()})
		}
		r.Sign = &SignKey{Env: f.SignKeyEnv, PassphraseEnv: passphraseOf(r.Sign)}
	}
	return r, ps
}
