package reportschema

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minimal is the smallest report the schema accepts: what WriteJSON writes
// for an empty Report.
const minimal = `{"schema_version": 1, "tool": "", "go_version": "", "host": "", "manifest": "",
 "started": "0001-01-01T00:00:00Z", "duration_seconds": 0,
 "summary": {"total": 0, "ok": 0, "violated": 0, "failed": 0, "cancelled": 0, "timeout": 0,
  "skipped": 0, "cached": 0, "restored": 0, "static": 0, "static_pie": 0, "dynamic": 0},
 "jobs": []}`

func TestSchemaFound(t *testing.T) {
	_, err := os.Stat(Path())
	require.NoError(t, err, "the schema is located from this package's source")
	_, err = Schema()
	require.NoError(t, err)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, doc, want string // want is in the error; "" for none
	}{
		{"minimal report", minimal, ""},
		{"not JSON", `{"schema_version": 1,`, "not one JSON document"},
		{"two documents", minimal + minimal, "not one JSON document"},
		{"not a report", `{"jobs": []}`, "breaks configs/report.schema.json"},
		{"an array", `[]`, "breaks configs/report.schema.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate([]byte(tt.doc))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestValidateFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(good, []byte(minimal), 0o644))
	require.NoError(t, os.WriteFile(bad, []byte(`{}`), 0o644))
	assert.NoError(t, ValidateFile(good))
	err := ValidateFile(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), bad+": breaks ")
	assert.Error(t, ValidateFile(filepath.Join(dir, "absent.json")))
}
