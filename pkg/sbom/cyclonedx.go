package sbom

import (
	"bytes"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// encodeCycloneDX writes m as CycloneDX 1.6 JSON. The binary is
// metadata.component; the modules, the standard library, the needed
// libraries and a static binary's C library are components; the Go
// toolchain and the C compiler are the components of the one formula
// (formulation: how it was made, not what it contains).
func encodeCycloneDX(m *model) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.Metadata = &cdx.Metadata{
		Timestamp: m.created.Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: m.toolName, Version: m.toolVer,
		}}},
	}
	bin := cdxComponent(m.binary, cdx.ComponentTypeApplication)
	bom.Metadata.Component = &bin

	var comps []cdx.Component
	var binDeps, mainDeps []string
	for i, c := range m.modules {
		comps = append(comps, cdxComponent(c, cdx.ComponentTypeLibrary))
		if i == 0 && c.role == roleMain {
			binDeps = append(binDeps, c.ref)
			continue
		}
		mainDeps = append(mainDeps, c.ref)
	}
	if m.stdlib != nil {
		comps = append(comps, cdxComponent(*m.stdlib, cdx.ComponentTypeLibrary))
		binDeps = append(binDeps, m.stdlib.ref)
	}
	for _, c := range m.libraries {
		comps = append(comps, cdxComponent(c, cdx.ComponentTypeLibrary))
		binDeps = append(binDeps, c.ref)
	}
	if m.libc != nil {
		comps = append(comps, cdxComponent(*m.libc, cdx.ComponentTypeLibrary))
		binDeps = append(binDeps, m.libc.ref)
	}
	if len(comps) > 0 {
		slices.SortFunc(comps, func(a, b cdx.Component) int { return strings.Compare(a.BOMRef, b.BOMRef) })
		bom.Components = &comps
	}
	deps := []cdx.Dependency{{Ref: bin.BOMRef, Dependencies: sortedRefs(binDeps)}}
	if len(m.modules) > 0 && m.modules[0].role == roleMain && len(mainDeps) > 0 {
		deps = append(deps, cdx.Dependency{Ref: m.modules[0].ref, Dependencies: sortedRefs(mainDeps)})
	}
	slices.SortFunc(deps, func(a, b cdx.Dependency) int { return strings.Compare(a.Ref, b.Ref) })
	bom.Dependencies = &deps
	if len(m.tools) > 0 {
		var tools []cdx.Component
		for _, t := range m.tools {
			tools = append(tools, cdxComponent(t, cdx.ComponentTypeApplication))
		}
		bom.Formulation = &[]cdx.Formula{{BOMRef: "formula:" + m.binary.ref, Components: &tools}}
	}

	// The serial number is the hash of the document without it.
	doc, err := cdxBytes(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = "urn:uuid:" + uuidFrom(doc)
	return cdxBytes(bom)
}

func sortedRefs(refs []string) *[]string {
	if len(refs) == 0 {
		return nil
	}
	out := slices.Clone(refs)
	slices.Sort(out)
	out = slices.Compact(out)
	return &out
}

// cdxComponent is c as a CycloneDX component of type t.
func cdxComponent(c component, t cdx.ComponentType) cdx.Component {
	out := cdx.Component{BOMRef: c.ref, Type: t, Name: c.name, Version: c.version, PackageURL: c.purl}
	if c.sha256 != "" {
		out.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: c.sha256}}
	}
	if len(c.props) > 0 {
		props := make([]cdx.Property, len(c.props))
		for i, p := range c.props {
			props[i] = cdx.Property{Name: p.name, Value: p.value}
		}
		slices.SortStableFunc(props, func(a, b cdx.Property) int { return strings.Compare(a.Name, b.Name) })
		out.Properties = &props
	}
	return out
}

// cdxBytes encodes a BOM as CycloneDX 1.6 JSON.
func cdxBytes(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
