// Package manifest owns the YAML schema of portmatrix.yaml: strict decoding
// that keeps every key's position, and validation that reports every problem
// at once with file:line:col.
package manifest

import (
	"errors"

	"go.yaml.in/yaml/v3"
)

// DefaultFile is the manifest read when -f is not given.
const DefaultFile = "portmatrix.yaml"

// DefaultOutput is the output path template, relative to the dist directory.
const DefaultOutput = "{{.Build}}/{{.Slug}}/{{.Variant}}/{{.Binary}}{{.Ext}}"

// DefaultVariant names the single variant a build gets when it lists none.
const DefaultVariant = "default"

// Linkage values accepted by expect.
const (
	ExpectStatic    = "static"
	ExpectStaticPIE = "static-pie"
	ExpectDynamic   = "dynamic"
	ExpectAny       = "any"
)

// ExpectValues lists the accepted linkage expectations.
var ExpectValues = []string{ExpectStatic, ExpectStaticPIE, ExpectDynamic, ExpectAny}

// LibcValues lists the C libraries a cgo variant can ask for.
var LibcValues = []string{"glibc", "musl"}

// ToolchainValues lists the C toolchain kinds a cgo variant can ask for:
// auto (the default: Debian's gcc, zig where gcc cannot serve), gcc, zig.
var ToolchainValues = []string{"auto", "gcc", "zig"}

// MinGlibc is the oldest glibc floor a manifest may ask for (zig's targets
// start there; see pkg/toolchain).
const MinGlibc = "2.17"

// LinkmodeValues lists the accepted -linkmode values ("" lets Go decide).
var LinkmodeValues = []string{"internal", "external"}

// BuildmodeValues lists the accepted -buildmode values.
var BuildmodeValues = []string{"exe", "pie"}

// Manifest is one portmatrix.yaml.
type Manifest struct {
	Version int    `yaml:"version"`
	Dist    string `yaml:"dist"`
	// EnvPassthrough names variables of portmatrix's environment that every
	// job gets with their value at plan time: the way to let a setting such
	// as GOEXPERIMENT or CGO_CFLAGS reach the builds from the environment,
	// with the value in the plan and the report.
	EnvPassthrough []string `yaml:"env_passthrough"`
	Builds         []Build  `yaml:"builds"`
	// Release says what the release ships besides binaries, archives and
	// SHA256SUMS: SBOMs, provenance, signatures (nil: none of them).
	Release *Release `yaml:"release"`

	// File is the path the manifest was read from, for messages.
	File string `yaml:"-"`
	located
}

// Build is one Go main package built for a set of targets and variants.
type Build struct {
	ID      string   `yaml:"id"`
	Dir     string   `yaml:"dir"`
	Main    string   `yaml:"main"`
	Binary  string   `yaml:"binary"`
	Flags   []string `yaml:"flags"`
	Ldflags string   `yaml:"ldflags"`
	Tags    []string `yaml:"tags"`
	Env     []string `yaml:"env"`
	// EnvPassthrough is Manifest.EnvPassthrough for this build's jobs.
	EnvPassthrough []string  `yaml:"env_passthrough"`
	Trimpath       bool      `yaml:"trimpath"`
	Output         string    `yaml:"output"`
	Targets        []string  `yaml:"targets"`
	Exclude        []string  `yaml:"exclude"`
	Variants       []Variant `yaml:"variants"`
	Expect         *Expect   `yaml:"expect"`
	Expectations   []Rule    `yaml:"expectations"`
	Smoke          *Smoke    `yaml:"smoke"`
	// Toolchains are per-target C toolchain overrides for cgo variants,
	// applied in order over the variant's own keys (later rules win).
	Toolchains []ToolchainRule `yaml:"toolchains"`
	// Archive, when set, packs every job's binary (and extra files) into a
	// deterministic release archive in the dist directory.
	Archive *Archive `yaml:"archive"`
	located
}

// SBOM formats accepted by release.sbom.formats (package sbom's names).
var SBOMFormats = []string{"cyclonedx", "spdx"}

// DefaultProvenanceFile is the name of the provenance statement in the
// dist directory when release.provenance names none.
const DefaultProvenanceFile = "provenance.intoto.jsonl"

// Release is the supply-chain record of a release: an SBOM beside every
// binary, one SLSA provenance statement for the whole release, and
// signatures over SHA256SUMS and the provenance (docs/releases.md).
type Release struct {
	SBOM       *SBOMSpec       `yaml:"sbom"`
	Provenance *ProvenanceSpec `yaml:"provenance"`
	Sign       *SignSpec       `yaml:"sign"`
	located
}

// UnmarshalYAML keeps the node for positions.
func (r *Release) UnmarshalYAML(n *yaml.Node) error {
	type plain Release
	err := firstKeys(n).Decode((*plain)(r))
	r.located = located{n}
	return keepItem(err)
}

// SBOMSpec asks for an SBOM beside every binary, in each of Formats
// (default: all of SBOMFormats).
type SBOMSpec struct {
	Formats []string `yaml:"formats"`
	located
}

// UnmarshalYAML keeps the node for positions.
func (s *SBOMSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain SBOMSpec
	err := firstKeys(n).Decode((*plain)(s))
	s.located = located{n}
	return keepItem(err)
}

// ProvenanceSpec asks for one SLSA provenance statement for the release,
// written to File in the dist directory (default DefaultProvenanceFile).
type ProvenanceSpec struct {
	File string `yaml:"file"`
	located
}

// UnmarshalYAML keeps the node for positions.
func (p *ProvenanceSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain ProvenanceSpec
	err := firstKeys(n).Decode((*plain)(p))
	p.located = located{n}
	return keepItem(err)
}

// SignSpec is the key that signs SHA256SUMS and the provenance: a private
// key file (Key, relative to the manifest) or a variable holding the key
// (KeyEnv), never both; PassphraseEnv names the variable holding the
// passphrase of an encrypted OpenSSH key.
type SignSpec struct {
	Key           string `yaml:"key"`
	KeyEnv        string `yaml:"key_env"`
	PassphraseEnv string `yaml:"passphrase_env"`
	located
}

// UnmarshalYAML keeps the node for positions.
func (s *SignSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain SignSpec
	err := firstKeys(n).Decode((*plain)(s))
	s.located = located{n}
	return keepItem(err)
}

// Archive formats accepted by archive.format and archive.windows_format.
const (
	ArchiveTarGz  = "tar.gz"
	ArchiveZip    = "zip"
	ArchiveBinary = "binary" // no archive: the binary itself is the artifact
)

// ArchiveFormats lists the accepted archive formats.
var ArchiveFormats = []string{ArchiveTarGz, ArchiveZip, ArchiveBinary}

// DefaultArchiveName is the archive name template (without extension).
const DefaultArchiveName = `{{.Binary}}_{{.Version}}_{{.GOOS}}_{{.GOARCH}}{{with .Level}}_{{.}}{{end}}{{if ne .Variant "default"}}_{{.Variant}}{{end}}`

// Archive is how a build's binaries are packed for release. Archives are
// byte-for-byte deterministic: sorted entries, one fixed mtime (the commit
// time or SOURCE_DATE_EPOCH), uid/gid 0 and fixed modes.
type Archive struct {
	Format        string   `yaml:"format"`         // tar.gz (default), zip or binary
	WindowsFormat string   `yaml:"windows_format"` // format for windows targets (default zip)
	Name          string   `yaml:"name"`           // template of the file name, without extension
	Files         []string `yaml:"files"`          // extra files (globs, relative to the manifest), e.g. [LICENSE, README.md]
	Wrap          *bool    `yaml:"wrap"`           // put the entries in a top directory named like the archive (default true)
	located
}

// UnmarshalYAML keeps the node for positions.
func (a *Archive) UnmarshalYAML(n *yaml.Node) error {
	type plain Archive
	err := firstKeys(n).Decode((*plain)(a))
	a.located = located{n}
	return keepItem(err)
}

// ToolchainRule overrides the C toolchain of the cgo jobs whose target and
// variant it selects, e.g. `cc: o64-clang` for darwin/* only.
type ToolchainRule struct {
	Targets          []string `yaml:"targets"`
	Variants         []string `yaml:"variants"`
	CC               string   `yaml:"cc"`
	CXX              string   `yaml:"cxx"`
	CgoCFLAGS        string   `yaml:"cgo_cflags"`
	CgoLDFLAGS       string   `yaml:"cgo_ldflags"`
	PkgConfigSysroot string   `yaml:"pkg_config_sysroot"`
	Libc             string   `yaml:"libc"`
	Toolchain        string   `yaml:"toolchain"`
	Glibc            string   `yaml:"glibc"`
	located
}

// UnmarshalYAML keeps the node for positions.
func (r *ToolchainRule) UnmarshalYAML(n *yaml.Node) error {
	type plain ToolchainRule
	err := firstKeys(n).Decode((*plain)(r))
	r.located = located{n}
	return keepItem(err)
}

// Smoke asks for every binary of a build to be run after it is built
// (natively, under qemu-user or wine) to show that it starts.
type Smoke struct {
	Args    []string `yaml:"args"`    // arguments, e.g. [--version]
	Timeout string   `yaml:"timeout"` // Go duration, default 10s
	located
}

// UnmarshalYAML keeps the node for positions.
func (s *Smoke) UnmarshalYAML(n *yaml.Node) error {
	type plain Smoke
	err := firstKeys(n).Decode((*plain)(s))
	s.located = located{n}
	return keepItem(err)
}

// Variant is one link configuration; the matrix is targets × variants.
type Variant struct {
	Name       string   `yaml:"name"`
	Cgo        bool     `yaml:"cgo"`
	Linkmode   string   `yaml:"linkmode"`
	Extldflags []string `yaml:"extldflags"`
	Buildmode  string   `yaml:"buildmode"`
	Tags       []string `yaml:"tags"`
	Ldflags    string   `yaml:"ldflags"`
	Env        []string `yaml:"env"`
	Targets    []string `yaml:"targets"`
	Exclude    []string `yaml:"exclude"`
	Expect     *Expect  `yaml:"expect"`

	// C toolchain for cgo (pkg/toolchain picks one when these are unset).
	CC               string `yaml:"cc"`                 // C compiler command line, replaces the built-in choice
	CXX              string `yaml:"cxx"`                // C++ compiler command line
	CgoCFLAGS        string `yaml:"cgo_cflags"`         // CGO_CFLAGS
	CgoLDFLAGS       string `yaml:"cgo_ldflags"`        // CGO_LDFLAGS
	PkgConfigSysroot string `yaml:"pkg_config_sysroot"` // PKG_CONFIG_SYSROOT_DIR
	Libc             string `yaml:"libc"`               // glibc (default on linux) or musl
	Toolchain        string `yaml:"toolchain"`          // auto (default), gcc or zig
	Glibc            string `yaml:"glibc"`              // glibc floor through zig ("2.17"); linux only
	located
}

// Rule sets the expectation of the jobs whose target and variant it selects.
// Later rules win over earlier ones, and every rule wins over the expect of
// the variant and of the build.
type Rule struct {
	Targets  []string `yaml:"targets"`
	Variants []string `yaml:"variants"`
	Expect   *Expect  `yaml:"expect"`
	located
}

// Expect is what a job's binary must be: a policy. It is written either as
// a scalar (`expect: static`, shorthand for the linkage) or as a mapping of
// the keys below. Unset keys impose nothing; where several expects apply
// to a job (build, variant, rules) they merge key by key, the later one
// winning.
type Expect struct {
	Linkage        string   `yaml:"linkage"`          // static, static-pie, dynamic, any
	MaxGlibc       string   `yaml:"max_glibc"`        // highest GLIBC_x.y the binary may need ("2.17")
	LibsAllow      []string `yaml:"libs_allow"`       // globs; every needed library must match one
	LibsDeny       []string `yaml:"libs_deny"`        // globs; no needed library may match
	SystemLibsOnly *bool    `yaml:"system_libs_only"` // only libraries that ship with the OS
	MinMacOS       string   `yaml:"min_macos"`        // the binary must run on this macOS ("11.0")
	Stripped       *bool    `yaml:"stripped"`         // symbol table removed (-ldflags -s)
	PIE            *bool    `yaml:"pie"`              // position-independent executable
	Cgo            *bool    `yaml:"cgo"`              // built with CGO_ENABLED=1 (from the Go build info)
	located
}

// IsZero reports whether the expect sets nothing.
func (e *Expect) IsZero() bool {
	return e.Linkage == "" && e.MaxGlibc == "" && len(e.LibsAllow) == 0 && len(e.LibsDeny) == 0 &&
		e.SystemLibsOnly == nil && e.MinMacOS == "" && e.Stripped == nil && e.PIE == nil && e.Cgo == nil
}

// UnmarshalYAML keeps the node for positions.
func (m *Manifest) UnmarshalYAML(n *yaml.Node) error {
	type plain Manifest
	err := firstKeys(n).Decode((*plain)(m))
	m.located = located{n} // even on error: validation still needs positions
	return err
}

// UnmarshalYAML keeps the node for positions.
func (b *Build) UnmarshalYAML(n *yaml.Node) error {
	type plain Build
	err := firstKeys(n).Decode((*plain)(b))
	b.located = located{n}
	return keepItem(err)
}

// UnmarshalYAML keeps the node for positions.
func (v *Variant) UnmarshalYAML(n *yaml.Node) error {
	type plain Variant
	err := firstKeys(n).Decode((*plain)(v))
	v.located = located{n}
	return keepItem(err)
}

// UnmarshalYAML keeps the node for positions.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	err := firstKeys(n).Decode((*plain)(r))
	r.located = located{n}
	return keepItem(err)
}

// UnmarshalYAML accepts the scalar shorthand or the mapping form.
func (e *Expect) UnmarshalYAML(n *yaml.Node) error {
	e.located = located{n}
	if n.Kind == yaml.ScalarNode {
		e.Linkage = n.Value
		return nil
	}
	type plain Expect
	err := firstKeys(n).Decode((*plain)(e))
	e.located = located{n}
	return keepItem(err)
}

// firstKeys returns a mapping without the repeats of a key given twice. The
// shape check reports the repeat; the decoder would refuse the whole mapping
// and leave every key of it unset, so that a build with one repeated key got
// "missing id" and "no targets" on top.
func firstKeys(n *yaml.Node) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return n
	}
	seen := map[string]bool{}
	var content []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value != "<<" {
			if seen[k.Value] {
				continue
			}
			seen[k.Value] = true
		}
		content = append(content, k, n.Content[i+1])
	}
	if len(content) == len(n.Content) {
		return n
	}
	c := *n
	c.Content = content
	return &c
}

// keepItem drops the type errors of a list item's decoding. The shape check
// in Parse has already reported each of them with its column, and returning
// one would make the decoder drop the whole item from its list, so that a
// build with one mistyped key vanished (then "no builds") and its other
// problems went unreported.
func keepItem(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return nil
	}
	return err
}

func (*Expect) acceptsScalar() {}

// Loc is a position in the manifest (1-based; zero when unknown).
type Loc struct{ Line, Col int }

// located remembers the YAML node a value came from.
type located struct{ node *yaml.Node }

// Loc is where the value itself starts.
func (l located) Loc() Loc {
	if l.node == nil {
		return Loc{}
	}
	return Loc{l.node.Line, l.node.Column}
}

// KeyLoc is where the value of key starts, or the value's own start when the
// key is absent (so a missing key is reported at its parent).
func (l located) KeyLoc(key string) Loc {
	if v := l.value(key); v != nil {
		return Loc{v.Line, v.Column}
	}
	return l.Loc()
}

// ItemLoc is where item i of the sequence under key starts.
func (l located) ItemLoc(key string, i int) Loc {
	v := l.value(key)
	if v != nil && v.Kind == yaml.SequenceNode && i < len(v.Content) {
		return Loc{v.Content[i].Line, v.Content[i].Column}
	}
	return l.KeyLoc(key)
}

func (l located) value(key string) *yaml.Node {
	if l.node == nil || l.node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(l.node.Content); i += 2 {
		if l.node.Content[i].Value == key {
			return l.node.Content[i+1]
		}
	}
	return nil
}
