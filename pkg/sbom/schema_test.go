package sbom_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/sbomschema"
	"github.com/portmatrix/portmatrix/pkg/sbom"
)

// schemaFiles are the committed official schemas and their hashes
// (testdata/schema/README.md says where each comes from).
var schemaFiles = map[string]string{
	"bom-1.6.schema.json":   "3e92dddbc30cf7f6a02b80f0942b1a4cfd4fb1c26f1dfc4310afa9d613cafb93",
	"spdx.schema.json":      "669315cee4265ad6d742e92d7afb062fb4847abe754d3ade544b7c40482d0a48",
	"jsf-0.82.schemax.json": "a517f9e483e2252debd23d5c62edb72805b6d3932935a6ebb8196745052d2dc3",
	"spdx-2.3.schema.json":  "c2e139546ef93597d3b1214d1d452369d0b536af6c6d6500dbd25c582034aa7c",
}

func TestSchemaFiles(t *testing.T) {
	for name, want := range schemaFiles {
		data, err := os.ReadFile(filepath.Join("testdata", "schema", name))
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		require.Equal(t, want, hex.EncodeToString(sum[:]), "%s is not the file README.md names", name)
	}
}

// validate fails t unless doc is valid against the official schema of f.
func validate(t *testing.T, f sbom.Format, doc []byte) {
	t.Helper()
	require.NoError(t, sbomschema.Validate(f, doc))
}

// TestSchemasReject proves the validation can fail: a component of an
// unknown type, an SPDX package without its SPDXID.
func TestSchemasReject(t *testing.T) {
	for f, doc := range map[sbom.Format]string{
		sbom.CycloneDX: `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"nonsense","name":"x"}]}`,
		sbom.SPDX:      `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x/y","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: x"]},"packages":[{"name":"p","downloadLocation":"NOASSERTION"}]}`,
	} {
		require.Error(t, sbomschema.Validate(f, []byte(doc)), "%s", f)
	}
}
