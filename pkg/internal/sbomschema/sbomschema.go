// Package sbomschema validates SBOMs against the official CycloneDX 1.6
// and SPDX 2.3 JSON schemas committed under pkg/sbom/testdata/schema (their
// README names the source module and version of each), so that every test
// that writes an SBOM (pkg/sbom's, the CLI's scripts, the seed example)
// checks it the same way.
//
// It is for tests only: it finds the schemas beside its own source file
// (runtime.Caller), which exists in a checkout of the repository. The
// schemas are compiled once per test binary.
package sbomschema

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/portmatrix/portmatrix/pkg/sbom"
)

// Dir is the schemas' directory relative to the repository root.
const Dir = "pkg/sbom/testdata/schema"

// files are the schema files and the $id each is known by.
var files = map[string]string{
	"bom-1.6.schema.json":   "http://cyclonedx.org/schema/bom-1.6.schema.json",
	"spdx.schema.json":      "http://cyclonedx.org/schema/spdx.schema.json",
	"jsf-0.82.schemax.json": "http://cyclonedx.org/schema/jsf-0.82.schema.json",
	"spdx-2.3.schema.json":  "http://spdx.org/rdf/terms/2.3",
}

var (
	once     sync.Once
	compiled map[sbom.Format]*jsonschema.Schema
	errLoad  error
)

// path is the absolute path of a schema file in this checkout.
func path(name string) string {
	_, src, _, _ := runtime.Caller(0)
	// src is .../pkg/internal/sbomschema/sbomschema.go.
	return filepath.Join(filepath.Dir(src), "..", "..", "..", filepath.FromSlash(Dir), name)
}

func compile() (map[sbom.Format]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	for name, id := range files {
		data, err := os.ReadFile(path(name))
		if err != nil {
			return nil, fmt.Errorf("SBOM schema: %w", err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("SBOM schema %s: %w", name, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, err
		}
	}
	out := map[sbom.Format]*jsonschema.Schema{}
	for f, id := range map[sbom.Format]string{sbom.CycloneDX: files["bom-1.6.schema.json"], sbom.SPDX: files["spdx-2.3.schema.json"]} {
		s, err := c.Compile(id)
		if err != nil {
			return nil, fmt.Errorf("SBOM schema %s does not compile: %w", id, err)
		}
		out[f] = s
	}
	return out, nil
}

// Validate checks that data is one JSON document the official schema of
// format f accepts; the error lists every place it breaks the schema.
func Validate(f sbom.Format, data []byte) error {
	once.Do(func() { compiled, errLoad = compile() })
	if errLoad != nil {
		return errLoad
	}
	s, ok := compiled[f]
	if !ok {
		return fmt.Errorf("no schema for SBOM format %q", f)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not one JSON document: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("breaks the %s schema: %w", f, err)
	}
	return nil
}

// ValidateFile validates the SBOM at path, its format told by its name
// (NAME.cdx.json, NAME.spdx.json); errors name the file.
func ValidateFile(p string) error {
	var f sbom.Format
	for _, format := range sbom.Formats {
		if len(p) > len(format.Ext()) && p[len(p)-len(format.Ext()):] == format.Ext() {
			f = format
		}
	}
	if f == "" {
		return fmt.Errorf("%s: not named like an SBOM (.cdx.json, .spdx.json)", p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if err := Validate(f, data); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
