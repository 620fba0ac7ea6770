// Package reportschema validates JSON reports against the published report
// schema, configs/report.schema.json, so that any test that writes a report
// (a unit test through report.WriteJSON, a CLI script through --json) can
// check it keeps the documented contract.
//
// It is for tests only: it finds the schema next to its own source file
// (runtime.Caller), which exists in a checkout of the repository, not in an
// installed binary. The schema is compiled once per test binary.
package reportschema

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// File is the schema's path relative to the repository root, as messages
// name it.
const File = "configs/report.schema.json"

var (
	once     sync.Once
	compiled *jsonschema.Schema
	errLoad  error
)

// Path is the absolute path of the schema in this checkout.
func Path() string {
	_, src, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.FromSlash(File)
	}
	// src is .../pkg/internal/reportschema/reportschema.go.
	return filepath.Join(filepath.Dir(src), "..", "..", "..", filepath.FromSlash(File))
}

// Schema compiles the schema (once) and returns it. Compiling also checks
// the schema against its draft's meta-schema; formats (date-time) are
// asserted, not just annotations.
func Schema() (*jsonschema.Schema, error) {
	once.Do(func() { compiled, errLoad = compile(Path()) })
	return compiled, errLoad
}

func compile(path string) (*jsonschema.Schema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("report schema %s: %w", File, err)
	}
	m, _ := doc.(map[string]any)
	id, _ := m["$id"].(string)
	if id == "" {
		return nil, fmt.Errorf("report schema %s has no $id", File)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		return nil, fmt.Errorf("report schema %s: %w", File, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("report schema %s does not compile: %w", File, err)
	}
	return sch, nil
}

// Validate checks that data is one JSON document that the report schema
// accepts. The error lists every place the document breaks the schema.
func Validate(data []byte) error {
	sch, err := Schema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not one JSON document: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("breaks %s: %w", File, err)
	}
	return nil
}

// ValidateFile is Validate of the file at path, naming the file in errors.
func ValidateFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := Validate(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
