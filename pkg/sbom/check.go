package sbom

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"

	"github.com/portmatrix/portmatrix/pkg/inspect"
)

// MaxDocBytes bounds an SBOM Check reads.
const MaxDocBytes = 64 << 20

// described is what an SBOM says of its binary, for Check.
type described struct {
	sha256  string
	linkage string
	modules []string // path@version, sorted
}

// Check says whether doc, an SBOM in format f, describes the binary info
// was read from: the same SHA-256, the same modules and versions as its
// build info (the main module included), the same linkage. The error
// names what differs. Garbage is an error, never a panic.
func Check(f Format, doc []byte, info *inspect.Info) error {
	if info == nil {
		return fmt.Errorf("no inspection of the binary to check against")
	}
	if len(doc) > MaxDocBytes {
		return fmt.Errorf("larger than %d MiB", MaxDocBytes>>20)
	}
	d, err := describedIn(f, doc)
	if err != nil {
		return err
	}
	if d.sha256 != info.SHA256 {
		return fmt.Errorf("it describes a binary with sha256 %q, this one has %s", d.sha256, info.SHA256)
	}
	if d.linkage != string(info.Linkage) {
		return fmt.Errorf("it says linkage %q, the binary is %s", d.linkage, info.Linkage)
	}
	want := modulesOf(info)
	if !slices.Equal(d.modules, want) {
		return fmt.Errorf("its modules differ from the binary's build info: %s", diff(d.modules, want))
	}
	return nil
}

// describedIn reads doc with the decoder of format f. The decoders are
// not ours and not hardened against hostile input (tools-golang v0.5.7
// panics on a null package), so a panic is turned into an error here.
func describedIn(f Format, doc []byte) (d described, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = described{}, fmt.Errorf("not a %s document the decoder can read: %v", f, r)
		}
	}()
	switch f {
	case CycloneDX:
		return describedCDX(doc)
	case SPDX:
		return describedSPDX(doc)
	}
	return described{}, fmt.Errorf("unknown SBOM format %q", f)
}

// modulesOf are the binary's modules as path@version, sorted.
func modulesOf(info *inspect.Info) []string {
	var out []string
	if info.Go == nil || info.Go.Build == nil {
		return out
	}
	bi := info.Go.Build
	if bi.Main.Path != "" {
		out = append(out, moduleKey(bi.Main.Path, bi.Main.Version))
	}
	for _, d := range bi.Deps {
		out = append(out, moduleKey(d.Path, d.Version))
	}
	slices.Sort(out)
	return out
}

func moduleKey(path, version string) string {
	if version == "(devel)" {
		version = ""
	}
	return path + "@" + version
}

// diff names what only one side has.
func diff(got, want []string) string {
	var parts []string
	for _, g := range got {
		if !slices.Contains(want, g) {
			parts = append(parts, "not in the binary: "+g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			parts = append(parts, "missing: "+w)
		}
	}
	if len(parts) > 6 {
		parts = append(parts[:6], fmt.Sprintf("and %d more", len(parts)-6))
	}
	return strings.Join(parts, "; ")
}

// describedCDX reads a CycloneDX document.
func describedCDX(doc []byte) (described, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return described{}, fmt.Errorf("not a CycloneDX JSON document: %v", err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.Metadata == nil || bom.Metadata.Component == nil {
		return described{}, fmt.Errorf("not a CycloneDX SBOM of a binary (no metadata.component)")
	}
	bin := bom.Metadata.Component
	var d described
	if bin.Hashes != nil {
		for _, h := range *bin.Hashes {
			if h.Algorithm == cdx.HashAlgoSHA256 {
				d.sha256 = h.Value
			}
		}
	}
	if bin.Properties != nil {
		for _, p := range *bin.Properties {
			if p.Name == PropLinkage {
				d.linkage = p.Value
			}
		}
	}
	if bom.Components != nil {
		for _, c := range *bom.Components {
			if role := cdxProp(c, PropRole); role == roleMain || role == roleModule {
				d.modules = append(d.modules, moduleKey(c.Name, c.Version))
			}
		}
	}
	slices.Sort(d.modules)
	return d, nil
}

func cdxProp(c cdx.Component, name string) string {
	if c.Properties == nil {
		return ""
	}
	for _, p := range *c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// describedSPDX reads an SPDX document. The binary is the one package
// the document DESCRIBES (documentDescribes or a relationship), not
// whatever package claims the binary's role.
func describedSPDX(doc []byte) (described, error) {
	sd, err := spdxjson.Read(bytes.NewReader(doc))
	if err != nil {
		return described{}, fmt.Errorf("not an SPDX JSON document: %v", err)
	}
	roots := map[common.ElementID]bool{}
	for _, r := range sd.Relationships {
		switch {
		case r == nil:
		case r.Relationship == "DESCRIBES" && r.RefA.ElementRefID == "DOCUMENT" && r.RefA.DocumentRefID == "":
			roots[r.RefB.ElementRefID] = true
		case r.Relationship == "DESCRIBED_BY" && r.RefB.ElementRefID == "DOCUMENT" && r.RefB.DocumentRefID == "":
			roots[r.RefA.ElementRefID] = true
		}
	}
	var d described
	var bins []*spdx.Package
	for _, p := range sd.Packages {
		if p == nil {
			continue
		}
		if roots[p.PackageSPDXIdentifier] {
			bins = append(bins, p)
			continue
		}
		if role := annotation(p, PropRole); role == roleMain || role == roleModule {
			d.modules = append(d.modules, moduleKey(p.PackageName, p.PackageVersion))
		}
	}
	if len(bins) != 1 {
		return described{}, fmt.Errorf("not an SPDX SBOM of one binary: it describes %d packages", len(bins))
	}
	for _, c := range bins[0].PackageChecksums {
		if c.Algorithm == common.SHA256 {
			d.sha256 = c.Value
		}
	}
	d.linkage = annotation(bins[0], PropLinkage)
	slices.Sort(d.modules)
	return d, nil
}

// annotation is the value of a package's NAME=VALUE annotation, "" when
// it has none.
func annotation(p *spdx.Package, name string) string {
	for _, a := range p.Annotations {
		if v, ok := strings.CutPrefix(a.AnnotationComment, name+"="); ok {
			return v
		}
	}
	return ""
}
