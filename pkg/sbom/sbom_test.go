package sbom_test

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/sbom"
)

var release = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// goInfo is build info with a main module, two dependencies (one
// replaced) and the settings of a cgo build.
func goInfo(cgo string) *inspect.GoInfo {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "example.com/app/cmd/app",
		Main:      debug.Module{Path: "example.com/app", Version: "v1.2.3"},
		Deps: []*debug.Module{
			{Path: "golang.org/x/sync", Version: "v0.25.0", Sum: "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
			{Path: "github.com/Foo/bar", Version: "v2.0.0+incompatible", Sum: "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
				Replace: &debug.Module{Path: "../bar", Version: ""}},
		},
		Settings: []debug.BuildSetting{{Key: "CGO_ENABLED", Value: cgo}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"},
			{Key: "-trimpath", Value: "true"}, {Key: "vcs.revision", Value: "0123456789abcdef"}},
	}
	gi := &inspect.GoInfo{GoVersion: bi.GoVersion, Path: bi.Path, Main: bi.Main.Path, MainVersion: bi.Main.Version,
		Deps: len(bi.Deps), Settings: map[string]string{}, Build: bi}
	for _, s := range bi.Settings {
		gi.Settings[s.Key] = s.Value
	}
	return gi
}

// cases are binaries of every shape portmatrix ships.
func cases() map[string]sbom.Binary {
	staticMusl := sbom.Binary{Name: "app/linux_arm64/static/app", Created: release, Tool: "portmatrix v1.0.0", Job: "app/linux/arm64/static",
		Info: &inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "arm64", Linkage: inspect.LinkageStatic,
			LinkageRule: "ET_EXEC without PT_INTERP", SHA256: strings.Repeat("a1", 32), Go: goInfo("1")},
		C: &sbom.CRuntime{Compiler: "zig cc", Version: "0.11.0", Target: "aarch64-linux-musl", Libc: "musl", LibcVersion: "1.2.4"}}
	dynGlibc := sbom.Binary{Name: "app/linux_amd64/cgo/app", Created: release, Tool: "portmatrix v1.0.0",
		Info: &inspect.Info{Format: inspect.FormatELF, GOOS: "linux", GOARCH: "amd64", Linkage: inspect.LinkageDynamic,
			Interpreter: "/lib64/ld-linux-x86-64.so.2", Needed: []string{"libc.so.6", "libsqlite3.so.0"},
			Libraries: []inspect.Library{{Name: "libc.so.6", System: true}, {Name: "libsqlite3.so.0"}},
			Libc:      "glibc", MaxGlibc: "2.17", PIE: true, SHA256: strings.Repeat("b2", 32), Go: goInfo("1")},
		C: &sbom.CRuntime{Compiler: "zig cc", Version: "0.11.0", Target: "x86_64-linux-gnu.2.17", Libc: "glibc", LibcVersion: "2.17"}}
	pure := sbom.Binary{Name: "app", Tool: "portmatrix v1.0.0",
		Info: &inspect.Info{Format: inspect.FormatELF, Linkage: inspect.LinkageStatic, SHA256: strings.Repeat("c3", 32), Go: goInfo("0")}}
	windows := sbom.Binary{Name: "app.exe", Created: release, Tool: "portmatrix v1.0.0",
		Info: &inspect.Info{Format: inspect.FormatPE, GOOS: "windows", GOARCH: "amd64", Linkage: inspect.LinkageDynamic,
			Needed: []string{"kernel32.dll"}, Libraries: []inspect.Library{{Name: "kernel32.dll", System: true}}, MinOS: "10.0",
			SHA256: strings.Repeat("d4", 32), Go: goInfo("0")}}
	notGo := sbom.Binary{Name: "hello", Created: release, Tool: "portmatrix v1.0.0",
		Info: &inspect.Info{Format: inspect.FormatELF, Linkage: inspect.LinkageDynamic, Needed: []string{"libc.so.6"},
			Libraries: []inspect.Library{{Name: "libc.so.6", System: true}}, MaxGlibc: "2.34", SHA256: strings.Repeat("e5", 32)}}
	return map[string]sbom.Binary{"static musl cgo": staticMusl, "dynamic glibc": dynGlibc, "pure go": pure, "windows": windows, "not go": notGo}
}

// cdxDoc is the part of a CycloneDX document the tests read.
type cdxDoc struct {
	SerialNumber string `json:"serialNumber"`
	Metadata     struct {
		Timestamp string       `json:"timestamp"`
		Component cdxComponent `json:"component"`
	} `json:"metadata"`
	Components   []cdxComponent `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
	Formulation []struct {
		Components []cdxComponent `json:"components"`
	} `json:"formulation"`
}

type cdxComponent struct {
	Ref     string `json:"bom-ref"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Purl    string `json:"purl"`
	Hashes  []struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	} `json:"hashes"`
	Properties []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"properties"`
}

func (c cdxComponent) prop(name string) []string {
	var out []string
	for _, p := range c.Properties {
		if p.Name == name {
			out = append(out, p.Value)
		}
	}
	return out
}

func (d cdxDoc) byRole(role string) []cdxComponent {
	var out []cdxComponent
	for _, c := range d.Components {
		if r := c.prop(sbom.PropRole); len(r) == 1 && r[0] == role {
			out = append(out, c)
		}
	}
	return out
}

func TestEncodeValidAndDeterministic(t *testing.T) {
	for name, b := range cases() {
		for _, f := range sbom.Formats {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				doc, err := sbom.Encode(f, b)
				require.NoError(t, err)
				validate(t, f, doc)
				again, err := sbom.Encode(f, b)
				require.NoError(t, err)
				assert.Equal(t, string(doc), string(again), "the same binary gives the same bytes")
				require.NoError(t, sbom.Check(f, doc, b.Info), "the SBOM describes its own binary")

				other := b
				info := *b.Info
				info.SHA256 = strings.Repeat("ff", 32)
				other.Info = &info
				changed, err := sbom.Encode(f, other)
				require.NoError(t, err)
				assert.NotEqual(t, serialOf(t, f, doc), serialOf(t, f, changed), "another binary, another serial/namespace")
			})
		}
	}
}

// serialOf is the CycloneDX serial number or the SPDX namespace.
func serialOf(t *testing.T, f sbom.Format, doc []byte) string {
	var v struct {
		Serial    string `json:"serialNumber"`
		Namespace string `json:"documentNamespace"`
	}
	require.NoError(t, json.Unmarshal(doc, &v))
	if f == sbom.CycloneDX {
		require.Regexp(t, `^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, v.Serial)
		return v.Serial
	}
	require.Regexp(t, `^https://github.com/portmatrix/portmatrix/spdx/.+-[0-9a-f-]{36}$`, v.Namespace)
	return v.Namespace
}

func TestCycloneDXFacts(t *testing.T) {
	cs := cases()
	decode := func(b sbom.Binary) cdxDoc {
		doc, err := sbom.Encode(sbom.CycloneDX, b)
		require.NoError(t, err)
		var d cdxDoc
		require.NoError(t, json.Unmarshal(doc, &d))
		return d
	}

	d := decode(cs["static musl cgo"])
	bin := d.Metadata.Component
	assert.Equal(t, "2026-11-30T12:00:00Z", d.Metadata.Timestamp)
	assert.Equal(t, "app", bin.Name)
	assert.Equal(t, "v1.2.3", bin.Version)
	assert.Equal(t, []string{"static"}, bin.prop(sbom.PropLinkage))
	assert.Equal(t, []string{"app/linux/arm64/static"}, bin.prop(sbom.PropJob))
	assert.Equal(t, []string{"1"}, bin.prop(sbom.PropGoBuild+"CGO_ENABLED"))
	assert.Equal(t, []string{"0123456789abcdef"}, bin.prop(sbom.PropGoBuild+"vcs.revision"))
	require.Len(t, bin.Hashes, 1)
	assert.Equal(t, strings.Repeat("a1", 32), bin.Hashes[0].Content)
	// The musl inside the static binary is a component of its own.
	libc := d.byRole("c-runtime")
	require.Len(t, libc, 1)
	assert.Equal(t, "musl", libc[0].Name)
	assert.Equal(t, "1.2.4", libc[0].Version)
	assert.Equal(t, "pkg:generic/musl@1.2.4", libc[0].Purl)
	assert.Equal(t, []string{"static"}, libc[0].prop(sbom.PropLinked))
	// The compiler is in the formulation, with its target.
	require.Len(t, d.Formulation, 1)
	var compiler *cdxComponent
	for i, c := range d.Formulation[0].Components {
		if c.Name == "zig cc" {
			compiler = &d.Formulation[0].Components[i]
		}
	}
	require.NotNil(t, compiler)
	assert.Equal(t, "0.11.0", compiler.Version)
	assert.Equal(t, []string{"aarch64-linux-musl"}, compiler.prop(sbom.PropCTarget))
	// Modules: purls, h1 as SHA-256, the replacement.
	mods := d.byRole("module")
	require.Len(t, mods, 2)
	assert.Equal(t, "pkg:golang/github.com/Foo/bar@v2.0.0%2Bincompatible?type=module", mods[0].Purl)
	assert.Equal(t, []string{"../bar"}, mods[0].prop(sbom.PropGoReplace))
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", mods[0].Hashes[0].Content, "the h1: sum's SHA-256, hex")
	assert.Equal(t, "pkg:golang/golang.org/x/sync@v0.25.0?type=module", mods[1].Purl)
	assert.Len(t, d.byRole("main-module"), 1)
	std := d.byRole("go-stdlib")
	require.Len(t, std, 1)
	assert.Equal(t, "pkg:golang/stdlib@1.26.8", std[0].Purl)

	// A dynamic binary: each needed library is a component; the glibc
	// floor is on libc; no C library is "inside".
	d = decode(cs["dynamic glibc"])
	libs := d.byRole("needed-library")
	require.Len(t, libs, 2)
	assert.Equal(t, "libc.so.6", libs[0].Name)
	assert.Equal(t, []string{"2.17"}, libs[0].prop(sbom.PropGlibcFloor))
	assert.Equal(t, []string{"true"}, libs[0].prop(sbom.PropSystem))
	assert.Equal(t, []string{"false"}, libs[1].prop(sbom.PropSystem))
	assert.Empty(t, d.byRole("c-runtime"))
	assert.Equal(t, []string{"libc.so.6", "libsqlite3.so.0"}, d.Metadata.Component.prop(sbom.PropNeeded))
	assert.Equal(t, []string{"/lib64/ld-linux-x86-64.so.2"}, d.Metadata.Component.prop(sbom.PropInterpreter))

	// No time given: the binary's vcs.time, else 1970.
	assert.Equal(t, "1970-01-01T00:00:00Z", decode(cs["pure go"]).Metadata.Timestamp)
	stamped := cs["pure go"]
	info := *stamped.Info
	info.Go = goInfo("0")
	info.Go.Settings["vcs.time"] = "2026-10-01T08:30:00+02:00"
	stamped.Info = &info
	assert.Equal(t, "2026-10-01T06:30:00Z", decode(stamped).Metadata.Timestamp, "vcs.time, in UTC")
	stamped.Created = release
	assert.Equal(t, "2026-11-30T12:00:00Z", decode(stamped).Metadata.Timestamp, "the release date wins")

	// A (devel) main module: no version, so no purl for the binary; the
	// main module is still a component, without a version.
	devel := cs["pure go"]
	info = *devel.Info
	info.Go = goInfo("0")
	info.Go.MainVersion = "(devel)"
	info.Go.Build.Main.Version = "(devel)"
	devel.Info = &info
	d = decode(devel)
	assert.Empty(t, d.Metadata.Component.Version)
	assert.Empty(t, d.Metadata.Component.Purl)
	main := d.byRole("main-module")
	require.Len(t, main, 1)
	assert.Equal(t, "pkg:golang/example.com/app?type=module", main[0].Purl)
	assert.Equal(t, "pkg:golang/example.com/app@v1.2.3?type=module", decode(cs["pure go"]).Metadata.Component.Purl)
	assert.Equal(t, []string{"10.0"}, decode(cs["windows"]).Metadata.Component.prop(sbom.PropMinOS))
}

func TestSPDXFacts(t *testing.T) {
	doc, err := sbom.Encode(sbom.SPDX, cases()["static musl cgo"])
	require.NoError(t, err)
	var d struct {
		Packages []struct {
			ID          string `json:"SPDXID"`
			Name        string `json:"name"`
			Version     string `json:"versionInfo"`
			Annotations []struct {
				Comment string `json:"comment"`
			} `json:"annotations"`
		} `json:"packages"`
		Relationships []struct {
			A    string `json:"spdxElementId"`
			B    string `json:"relatedSpdxElement"`
			Type string `json:"relationshipType"`
		} `json:"relationships"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	ids := map[string]string{}
	var binID string
	for _, p := range d.Packages {
		ids[p.ID] = p.Name
		for _, a := range p.Annotations {
			if a.Comment == "portmatrix:role=binary" {
				binID = p.ID
			}
		}
	}
	require.NotEmpty(t, binID)
	rels := map[string]bool{}
	for _, r := range d.Relationships {
		rels[ids[r.A]+" "+r.Type+" "+ids[r.B]] = true
	}
	assert.True(t, rels[" DESCRIBES app"] || rels["app DESCRIBES app"] || rels[ids["SPDXRef-DOCUMENT"]+" DESCRIBES app"], "%v", rels)
	assert.True(t, rels["app STATIC_LINK musl"], "%v", rels)
	assert.True(t, rels["app STATIC_LINK golang.org/x/sync"], "%v", rels)
	assert.True(t, rels["zig cc BUILD_TOOL_OF app"], "%v", rels)
	assert.Contains(t, string(doc), `"comment": "portmatrix:linkage=static"`)
}

func TestCheck(t *testing.T) {
	b := cases()["dynamic glibc"]
	for _, f := range sbom.Formats {
		doc, err := sbom.Encode(f, b)
		require.NoError(t, err)
		mutate := func(change func(*inspect.Info)) *inspect.Info {
			info := *b.Info
			gi := *info.Go
			bi := *gi.Build
			bi.Deps = append([]*debug.Module{}, bi.Deps...)
			gi.Build = &bi
			info.Go = &gi
			change(&info)
			return &info
		}
		for what, c := range map[string]struct {
			info *inspect.Info
			want string
		}{
			"another hash":    {mutate(func(i *inspect.Info) { i.SHA256 = strings.Repeat("00", 32) }), "sha256"},
			"another linkage": {mutate(func(i *inspect.Info) { i.Linkage = inspect.LinkageStatic }), `linkage "dynamic"`},
			"a module more": {mutate(func(i *inspect.Info) {
				i.Go.Build.Deps = append(i.Go.Build.Deps, &debug.Module{Path: "example.com/extra", Version: "v0.1.0"})
			}), "missing: example.com/extra@v0.1.0"},
			"another version": {mutate(func(i *inspect.Info) {
				d := *i.Go.Build.Deps[0]
				d.Version = "v0.26.0"
				i.Go.Build.Deps[0] = &d
			}), "not in the binary: golang.org/x/sync@v0.25.0"},
		} {
			err := sbom.Check(f, doc, c.info)
			require.Error(t, err, "%s/%s", f, what)
			assert.Contains(t, err.Error(), c.want, "%s/%s", f, what)
		}
		for _, junk := range []string{"", "{", "[]", "null", `{"bomFormat":"CycloneDX"}`, `{"spdxVersion":"SPDX-2.3"}`,
			`{"spdxVersion":"SPDX-2.3","packages":[null],"relationships":[null]}`,
			`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"name":"x","hashes":null}},"components":[null]}`} {
			assert.Error(t, sbom.Check(f, []byte(junk), b.Info), "%s: %q", f, junk)
		}
		assert.ErrorContains(t, sbom.Check(f, doc, nil), "no inspection")
		other := sbom.Formats[0]
		if f == other {
			other = sbom.Formats[1]
		}
		assert.Error(t, sbom.Check(other, doc, b.Info), "a %s document read as %s", f, other)
	}
	// An SPDX document that describes no package is not an SBOM of a
	// binary, whatever its packages say of themselves.
	doc, err := sbom.Encode(sbom.SPDX, b)
	require.NoError(t, err)
	require.Contains(t, string(doc), `"relationshipType": "DESCRIBES"`)
	undescribed := strings.Replace(string(doc), `"relationshipType": "DESCRIBES"`, `"relationshipType": "CONTAINS"`, 1)
	assert.ErrorContains(t, sbom.Check(sbom.SPDX, []byte(undescribed), b.Info), "describes 0 packages")
	assert.ErrorContains(t, sbom.Check(sbom.CycloneDX, make([]byte, sbom.MaxDocBytes+1), b.Info), "larger than 64 MiB")
	_, err = sbom.ParseFormat("swid")
	assert.ErrorContains(t, err, "cyclonedx or spdx")
}

// FuzzCheck feeds Check mutations of real SBOMs of both formats: whatever
// the bytes, an error or nil, never a panic.
func FuzzCheck(f *testing.F) {
	for _, b := range cases() {
		for _, format := range sbom.Formats {
			doc, err := sbom.Encode(format, b)
			require.NoError(f, err)
			f.Add(doc)
			f.Add(doc[:len(doc)/2])
		}
	}
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","packages":[null],"relationships":[{"relationshipType":"DESCRIBES"}]}`))
	info := cases()["dynamic glibc"].Info
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, format := range sbom.Formats {
			_ = sbom.Check(format, doc, info)
		}
	})
}
