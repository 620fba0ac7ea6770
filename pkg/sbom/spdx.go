package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// spdxNamespace is the prefix of every document namespace: a URI that
// names the document, not a place to fetch it from.
const spdxNamespace = "https://github.com/portmatrix/portmatrix/spdx/"

// encodeSPDX writes m as SPDX 2.3 JSON. The document describes the
// binary's package; the modules and the standard library are
// STATIC_LINKs of it (Go links them in), needed libraries DYNAMIC_LINKs,
// a static binary's C library a STATIC_LINK, and the Go toolchain and the
// C compiler BUILD_TOOL_OF it. SPDX 2.3 has no properties: portmatrix's
// facts are annotations on the package ("portmatrix:linkage=static").
func encodeSPDX(m *model) ([]byte, error) {
	created := m.created.Format(time.RFC3339)
	creator := m.toolName
	if m.toolVer != "" {
		creator += "-" + m.toolVer
	}
	doc := &spdx.Document{
		SPDXVersion:    spdx.Version,
		DataLicense:    spdx.DataLicense,
		SPDXIdentifier: "DOCUMENT",
		DocumentName:   m.binaryName,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{Creator: creator, CreatorType: "Tool"}},
			Created:  created,
		},
	}
	annotator := common.Annotator{Annotator: creator, AnnotatorType: "Tool"}
	pkg := func(c component, purpose string) *spdx.Package {
		p := &spdx.Package{
			PackageName:               c.name,
			PackageSPDXIdentifier:     spdxID(c),
			PackageVersion:            c.version,
			PackageDownloadLocation:   "NOASSERTION",
			FilesAnalyzed:             false,
			IsFilesAnalyzedTagPresent: true,
			PackageLicenseConcluded:   "NOASSERTION",
			PackageLicenseDeclared:    "NOASSERTION",
			PackageCopyrightText:      "NOASSERTION",
			PrimaryPackagePurpose:     purpose,
		}
		if c.sha256 != "" {
			p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: c.sha256}}
		}
		if c.purl != "" {
			p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: c.purl}}
		}
		props := slices.Clone(c.props)
		slices.SortStableFunc(props, func(a, b prop) int { return strings.Compare(a.name, b.name) })
		for _, pr := range props {
			p.Annotations = append(p.Annotations, spdx.Annotation{
				Annotator: annotator, AnnotationDate: created, AnnotationType: "OTHER",
				AnnotationComment: pr.name + "=" + pr.value,
			})
		}
		return p
	}
	bin := pkg(m.binary, "APPLICATION")
	binID := common.MakeDocElementID("", string(bin.PackageSPDXIdentifier))
	doc.Packages = []*spdx.Package{bin}
	rel := func(a common.DocElementID, kind string, b common.ElementID) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{RefA: a, RefB: common.MakeDocElementID("", string(b)), Relationship: kind})
	}
	rel(common.MakeDocElementID("", "DOCUMENT"), "DESCRIBES", bin.PackageSPDXIdentifier)
	var others []*spdx.Package
	var rels []*spdx.Relationship
	link := func(p *spdx.Package, kind string, fromBinary bool) {
		others = append(others, p)
		r := &spdx.Relationship{RefA: binID, RefB: common.MakeDocElementID("", string(p.PackageSPDXIdentifier)), Relationship: kind}
		if !fromBinary {
			r = &spdx.Relationship{RefA: common.MakeDocElementID("", string(p.PackageSPDXIdentifier)), RefB: binID, Relationship: kind}
		}
		rels = append(rels, r)
	}
	for _, c := range m.modules {
		link(pkg(c, "LIBRARY"), "STATIC_LINK", true)
	}
	if m.stdlib != nil {
		link(pkg(*m.stdlib, "LIBRARY"), "STATIC_LINK", true)
	}
	for _, c := range m.libraries {
		link(pkg(c, "LIBRARY"), "DYNAMIC_LINK", true)
	}
	if m.libc != nil {
		link(pkg(*m.libc, "LIBRARY"), "STATIC_LINK", true)
	}
	for _, c := range m.tools {
		link(pkg(c, "APPLICATION"), "BUILD_TOOL_OF", false)
	}
	slices.SortFunc(others, func(a, b *spdx.Package) int {
		return strings.Compare(string(a.PackageSPDXIdentifier), string(b.PackageSPDXIdentifier))
	})
	slices.SortFunc(rels, func(a, b *spdx.Relationship) int {
		return strings.Compare(string(a.RefA.ElementRefID)+" "+string(a.RefB.ElementRefID), string(b.RefA.ElementRefID)+" "+string(b.RefB.ElementRefID))
	})
	doc.Packages = append(doc.Packages, others...)
	doc.Relationships = append(doc.Relationships, rels...)

	// The namespace is the hash of the document without it.
	doc.DocumentNamespace = ""
	body, err := spdxBytes(doc)
	if err != nil {
		return nil, err
	}
	doc.DocumentNamespace = spdxNamespace + safeName(m.binaryName) + "-" + uuidFrom(body)
	return spdxBytes(doc)
}

// spdxID is a component's SPDX identifier (without "SPDXRef-"): its role
// and a short hash of its ref, so it is unique, stable and made only of
// the characters SPDX allows.
func spdxID(c component) common.ElementID {
	h := sha256.Sum256([]byte(c.ref))
	return common.ElementID(strings.ToUpper(c.role[:1]) + c.role[1:] + "-" + safeName(c.name) + "-" + hex.EncodeToString(h[:6]))
}

// safeName keeps letters, digits, '.' and '-'; anything else becomes '-'.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}

// spdxBytes encodes a document as SPDX 2.3 JSON.
func spdxBytes(doc *spdx.Document) ([]byte, error) {
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	return out, nil
}
