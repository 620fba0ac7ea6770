package manifest

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/suggest"
)

// checkRelease validates the release section: known SBOM formats, each
// once; a provenance file name that is a plain name; one key source for
// signing, whose variable is never passed through to the builds.
func checkRelease(m *Manifest, add adder) {
	r := m.Release
	if r == nil {
		return
	}
	if s := r.SBOM; s != nil {
		seen := map[string]bool{}
		for i, f := range s.Formats {
			switch {
			case !slices.Contains(SBOMFormats, f):
				msg := fmt.Sprintf("%q is not an SBOM format; use %s", f, orList(SBOMFormats))
				if c := suggest.Closest(f, SBOMFormats, 1); len(c) > 0 {
					msg = fmt.Sprintf("%q is not an SBOM format (did you mean %q?)", f, c[0])
				}
				add(s.ItemLoc("formats", i), "release.sbom.formats", "%s", msg)
			case seen[f]:
				add(s.ItemLoc("formats", i), "release.sbom.formats", "%q is listed twice", f)
			}
			seen[f] = true
		}
		if s.Formats != nil && len(s.Formats) == 0 {
			add(s.KeyLoc("formats"), "release.sbom.formats", "no formats: list cyclonedx, spdx or both, or remove release.sbom")
		}
	}
	if p := r.Provenance; p != nil && p.File != "" {
		if p.File != path.Base(filepath.ToSlash(p.File)) || strings.ContainsAny(p.File, `/\`) || p.File == "." || p.File == ".." {
			add(p.KeyLoc("file"), "release.provenance.file", "%q must be a plain file name in the dist directory, such as %s", p.File, DefaultProvenanceFile)
		}
	}
	s := r.Sign
	if s == nil {
		return
	}
	switch {
	case s.Key == "" && s.KeyEnv == "":
		add(s.Loc(), "release.sign", "no key: give key (a private key file) or key_env (a variable holding the key)")
	case s.Key != "" && s.KeyEnv != "":
		add(s.KeyLoc("key_env"), "release.sign.key_env", "give key or key_env, not both")
	}
	for _, v := range []struct{ key, name string }{{"key_env", s.KeyEnv}, {"passphrase_env", s.PassphraseEnv}} {
		if v.name == "" {
			continue
		}
		if !envNameRE.MatchString(v.name) {
			add(s.KeyLoc(v.key), "release.sign."+v.key, "%q is not a variable name: use letters, digits and '_', not starting with a digit", v.name)
			continue
		}
		if passedThrough(m, v.name) {
			add(s.KeyLoc(v.key), "release.sign."+v.key, "%s is also in env_passthrough: its secret would reach every build, the plan and the report; remove it from env_passthrough", v.name)
		}
	}
}

// passedThrough says whether any env_passthrough of m names the variable.
func passedThrough(m *Manifest, name string) bool {
	if slices.Contains(m.EnvPassthrough, name) {
		return true
	}
	for _, b := range m.Builds {
		if slices.Contains(b.EnvPassthrough, name) {
			return true
		}
	}
	return false
}
