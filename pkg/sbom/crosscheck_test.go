package sbom_test

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/sbom"
)

// The module list of an SBOM, checked against two tools that are not
// portmatrix: `go version -m` (the go command's reading of the build info)
// and `cyclonedx-gomod bin` (CycloneDX's own Go SBOM tool), on the seed
// example, a binary with dependencies built here, and a real third-party
// CLI fetched through the module proxy (cyclonedx-gomod itself).
func TestModulesAgreeWithGoVersionAndCycloneDXGomod(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries with the go command")
	}
	gomod := needtool.Path(t, "go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0", "cyclonedx-gomod")
	binaries := map[string]string{
		"seed hello":      buildIn(t, "../../examples/seed", "./hello"),
		"with deps":       buildWithDeps(t),
		"cyclonedx-gomod": gomod,
	}
	for name, bin := range binaries {
		t.Run(name, func(t *testing.T) {
			info, err := inspect.File(bin)
			require.NoError(t, err)
			want, resolved, main := goVersionM(t, bin)
			hashed := 0
			require.NotEmpty(t, want)
			// cyclonedx-gomod lists a replaced module as its replacement,
			// and gives a main module built as (devel) the pseudo-version
			// of its VCS stamp; the SBOMs keep what the build info says
			// (the required module, with the replacement in a property;
			// no version). Compare like with like.
			gomodSays, gomodIDs := cyclonedxGomod(t, gomod, bin)
			if rev := info.Go.Settings["vcs.revision"]; main != "" && len(rev) >= 12 {
				for i, m := range gomodSays {
					if strings.HasPrefix(m, main+"@v0.0.0-") && strings.HasSuffix(m, "-"+rev[:12]) {
						gomodSays[i] = main + "@"
					}
				}
			}
			assert.Equal(t, resolved, gomodSays, "go version -m and cyclonedx-gomod disagree")
			for _, f := range sbom.Formats {
				doc, err := sbom.Encode(f, sbom.Binary{Name: filepath.Base(bin), Info: info, Tool: "portmatrix test"})
				require.NoError(t, err)
				validate(t, f, doc)
				mods, replaced := modulesIn(t, f, doc)
				assert.Equal(t, want, mods, "%s: the SBOM's modules are not go version -m's", f)
				assert.Equal(t, resolved, replaced, "%s: the SBOM's replacements are not go version -m's", f)
				require.NoError(t, sbom.Check(f, doc, info))
				if f != sbom.CycloneDX {
					continue
				}
				// The same purl (ours percent-encodes '+', cyclonedx-gomod
				// does not; both keep the module path's case) and the same
				// SHA-256 from the same h1: sum, module by module.
				ours := ourModuleIDs(t, doc)
				require.Len(t, ours, len(gomodIDs))
				for key, g := range gomodIDs {
					o, ok := ours[key]
					require.True(t, ok, "%s: cyclonedx-gomod lists it, we do not", key)
					if o.purl != "" {
						assert.Equal(t, g.purl, o.purl, "%s: purl", key)
					}
					assert.Equal(t, g.sha256, o.sha256, "%s: the SHA-256 of its h1: sum", key)
					if g.sha256 != "" {
						hashed++
					}
				}
			}
			t.Logf("%s: %d modules (main included), the same in go version -m, cyclonedx-gomod and both SBOMs; %d h1: hashes and their purls the same as cyclonedx-gomod's",
				name, len(want), hashed)
			if name == "cyclonedx-gomod" {
				assert.Equal(t, len(want)-1, hashed, "every dependency of a binary built from the proxy has a sum")
			}
		})
	}
}

// buildIn builds pkg of the module in dir into a temporary file.
func buildIn(t *testing.T, dir, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bin")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	return out
}

// buildWithDeps builds a program using two modules portmatrix itself
// requires (so they are in the module cache), one of them through a
// replace directive.
func buildWithDeps(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sums, err := os.ReadFile("../../go.sum")
	require.NoError(t, err)
	var keep []string
	for _, l := range strings.Split(string(sums), "\n") {
		if strings.HasPrefix(l, "golang.org/x/sync v0.25.0") || strings.HasPrefix(l, "go.yaml.in/yaml/v3 v3.0.6") {
			keep = append(keep, l)
		}
	}
	files := map[string]string{
		"go.mod": "module example.com/withdeps\n\ngo 1.24\n\nrequire (\n\tgolang.org/x/sync v0.25.0\n\tgo.yaml.in/yaml/v3 v3.0.6\n\texample.com/local v0.0.0\n)\n\nreplace example.com/local => ./local\n",
		"go.sum": strings.Join(keep, "\n") + "\n",
		"main.go": `package main

import (
	"fmt"

	"example.com/local"
	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"
)

func main() {
	var g errgroup.Group
	g.Go(func() error { _, err := yaml.Marshal(local.X); return err })
	fmt.Println(g.Wait())
}
`,
		"local/go.mod": "module example.com/local\n\ngo 1.24\n",
		"local/x.go":   "package local\n\nvar X = 1\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	return buildIn(t, dir, ".")
}

// goVersionM is what `go version -m` lists: the main module and every
// dependency, path@version ("(devel)" as no version), sorted; the same
// with each replaced module as its replacement (the "=>" lines); and the
// main module's path.
func goVersionM(t *testing.T, bin string) (mods, resolved []string, main string) {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	require.NoError(t, err)
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		v := ""
		if len(f) >= 3 && f[2] != "(devel)" {
			v = f[2]
		}
		switch f[0] {
		case "mod", "dep":
			if f[0] == "mod" {
				main = f[1]
			}
			mods = append(mods, f[1]+"@"+v)
			resolved = append(resolved, f[1]+"@"+v)
		case "=>":
			resolved[len(resolved)-1] = f[1] + "@" + v
		}
	}
	slices.Sort(mods)
	slices.Sort(resolved)
	return mods, resolved, main
}

// moduleID is how an SBOM identifies a module beyond path@version: its
// purl without qualifiers, percent-decoded, and its SHA-256 (hex of h1:).
type moduleID struct{ purl, sha256 string }

// cyclonedxGomod is what `cyclonedx-gomod bin` finds: its main component
// and its components, path@version; and the purl and hash of each
// component (not the main one: its purl carries a #subpath).
func cyclonedxGomod(t *testing.T, gomod, bin string) ([]string, map[string]moduleID) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bom.json")
	b, err := exec.Command(gomod, "bin", "-json", "-output", out, bin).CombinedOutput()
	require.NoError(t, err, "%s", b)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var doc struct {
		Metadata struct {
			Component struct{ Name, Version string } `json:"component"`
		} `json:"metadata"`
		Components []cdxComponent `json:"components"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	key := func(name, version string) string {
		if version == "(devel)" {
			version = ""
		}
		return name + "@" + version
	}
	mods := []string{key(doc.Metadata.Component.Name, doc.Metadata.Component.Version)}
	ids := map[string]moduleID{}
	for _, c := range doc.Components {
		mods = append(mods, key(c.Name, c.Version))
		ids[key(c.Name, c.Version)] = idOf(t, c)
	}
	slices.Sort(mods)
	return mods, ids
}

// idOf is a CycloneDX component's moduleID.
func idOf(t *testing.T, c cdxComponent) moduleID {
	t.Helper()
	purl, _, _ := strings.Cut(c.Purl, "?")
	purl, err := url.PathUnescape(purl)
	require.NoError(t, err)
	id := moduleID{purl: purl}
	for _, h := range c.Hashes {
		if h.Alg == "SHA-256" {
			id.sha256 = h.Content
		}
	}
	return id
}

// ourModuleIDs are the moduleIDs of the dependency modules of one of our
// CycloneDX SBOMs, keyed like cyclonedx-gomod's: a replaced module by its
// replacement, and without a purl to compare (ours names the module the
// build required, cyclonedx-gomod's the replacement).
func ourModuleIDs(t *testing.T, doc []byte) map[string]moduleID {
	t.Helper()
	var d cdxDoc
	require.NoError(t, json.Unmarshal(doc, &d))
	ids := map[string]moduleID{}
	for _, c := range d.byRole("module") {
		id := idOf(t, c)
		key := c.Name + "@" + c.Version
		if r := strings.Join(c.prop(sbom.PropGoReplace), ""); r != "" {
			key, id.purl = r, ""
			if !strings.Contains(r, "@") {
				key += "@"
			}
		}
		ids[key] = id
	}
	return ids
}

// modulesIn reads the modules back out of one of our SBOMs: path@version,
// and the same with each replaced module as its replacement.
func modulesIn(t *testing.T, f sbom.Format, doc []byte) (mods, resolved []string) {
	t.Helper()
	isModule := func(role string) bool { return role == "main-module" || role == "module" }
	add := func(name, version, replace string) {
		mods = append(mods, name+"@"+version)
		if replace == "" {
			resolved = append(resolved, name+"@"+version)
		} else if strings.Contains(replace, "@") {
			resolved = append(resolved, replace)
		} else {
			resolved = append(resolved, replace+"@")
		}
	}
	if f == sbom.CycloneDX {
		var d cdxDoc
		require.NoError(t, json.Unmarshal(doc, &d))
		for _, c := range d.Components {
			if r := c.prop(sbom.PropRole); len(r) == 1 && isModule(r[0]) {
				add(c.Name, c.Version, strings.Join(c.prop(sbom.PropGoReplace), ""))
			}
		}
	} else {
		var d struct {
			Packages []struct {
				Name        string `json:"name"`
				Version     string `json:"versionInfo"`
				Annotations []struct {
					Comment string `json:"comment"`
				} `json:"annotations"`
			} `json:"packages"`
		}
		require.NoError(t, json.Unmarshal(doc, &d))
		for _, p := range d.Packages {
			role, replace := "", ""
			for _, a := range p.Annotations {
				if r, ok := strings.CutPrefix(a.Comment, sbom.PropRole+"="); ok {
					role = r
				}
				if r, ok := strings.CutPrefix(a.Comment, sbom.PropGoReplace+"="); ok {
					replace = r
				}
			}
			if isModule(role) {
				add(p.Name, p.Version, replace)
			}
		}
	}
	slices.Sort(mods)
	slices.Sort(resolved)
	return mods, resolved
}
