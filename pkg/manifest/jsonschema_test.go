package manifest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The JSON Schema editors use to complete and check portmatrix.yaml. These
// tests keep it in step with the loader: the same keys at every level, the
// same closed value sets, and every manifest in the repository accepted.

const (
	schemaFile = "configs/portmatrix.schema.json" // as named in messages
	schemaPath = "../../" + schemaFile
	repoRoot   = "../.."
)

// schemaDoc is the schema as plain JSON values, for walking.
func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc), "%s is not JSON", schemaFile)
	return doc
}

// compileSchema compiles the schema; compiling also checks it against the
// draft-07 meta-schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err, "%s is not JSON", schemaFile)
	id, _ := doc.(map[string]any)["$id"].(string)
	require.NotEmpty(t, id, "%s has no $id", schemaFile)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	require.NoError(t, c.AddResource(id, doc))
	sch, err := c.Compile(id)
	require.NoError(t, err, "%s does not compile", schemaFile)
	return sch
}

// yamlValue decodes YAML into the plain values a JSON Schema validator
// takes: mappings with string keys, lists, strings, numbers, booleans, nil.
// Anchors, aliases and merge keys are resolved as the loader resolves them.
func yamlValue(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return jsonValue(v), nil
}

func jsonValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonValue(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = jsonValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonValue(x)
		}
		return out
	case time.Time: // an unquoted date; to the loader it is a string
		return v.Format(time.RFC3339Nano)
	default:
		return v
	}
}

// ---- the keys of the Go types and of the schema ----

// node is one schema object with the document it came from, to follow $ref.
type node struct {
	root map[string]any
	m    map[string]any
}

// branches is the node and everything it is made of: the targets of $ref and
// the members of allOf, anyOf and oneOf, recursively.
func (n node) branches(t *testing.T) []node {
	t.Helper()
	out := []node{n}
	if ref, ok := n.m["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/definitions/")
		require.True(t, ok, "%s: only local #/definitions/ references are followed, got %q", schemaFile, ref)
		defs, _ := n.root["definitions"].(map[string]any)
		def, ok := defs[name].(map[string]any)
		require.True(t, ok, "%s: $ref %q names no definition", schemaFile, ref)
		out = append(out, node{n.root, def}.branches(t)...)
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := n.m[kw].([]any)
		for _, s := range list {
			if m, ok := s.(map[string]any); ok {
				out = append(out, node{n.root, m}.branches(t)...)
			}
		}
	}
	return out
}

// types is the set of JSON types a node names in "type".
func (n node) types() []string {
	switch v := n.m["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ofType is the branches of n that declare JSON type typ.
func (n node) ofType(t *testing.T, typ string) []node {
	var out []node
	for _, b := range n.branches(t) {
		if slices.Contains(b.types(), typ) {
			out = append(out, b)
		}
	}
	return out
}

// enum is the string values of every enum among n's branches.
func (n node) enum(t *testing.T) []string {
	var out []string
	for _, b := range n.branches(t) {
		list, _ := b.m["enum"].([]any)
		for _, v := range list {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// goKeys is the manifest keys of a struct type: its yaml tags, without
// `yaml:"-"` and unexported fields, with ",inline" structs flattened.
func goKeys(t reflect.Type, path string, problems *[]string) map[string]reflect.StructField {
	keys := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-":
			continue
		case strings.Contains(","+opts+",", ",inline,"):
			for k, v := range goKeys(deref(f.Type), path, problems) {
				keys[k] = v
			}
		case name == "":
			*problems = append(*problems, fmt.Sprintf("%s: %s.%s has no yaml tag; give it one, or `yaml:\"-\"` if it is not a key",
				dottedPath(path, "?"), t.Name(), f.Name))
		default:
			keys[name] = f
		}
	}
	return keys
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func dottedPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonType is the JSON type a Go field of kind k decodes from.
func jsonType(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return k.String()
}

// schemaWalker compares the Go types with the schema level by level and
// collects every difference, and the enums it passes, by path.
type schemaWalker struct {
	t        *testing.T
	problems []string
	enums    map[string][]string
}

// object compares the struct type typ with the object schema n at path.
func (w *schemaWalker) object(path string, typ reflect.Type, n node) {
	objs := n.ofType(w.t, "object")
	if len(objs) != 1 {
		w.problems = append(w.problems, fmt.Sprintf("%s: want one object schema for %s in %s, found %d", orRoot(path), typ.Name(), schemaFile, len(objs)))
		return
	}
	obj := objs[0]
	if ap, ok := obj.m["additionalProperties"].(bool); !ok || ap {
		w.problems = append(w.problems, fmt.Sprintf("%s: %s must say \"additionalProperties\": false (the loader is strict)", orRoot(path), schemaFile))
	}
	props, _ := obj.m["properties"].(map[string]any)
	keys := goKeys(typ, path, &w.problems)
	for key := range keys {
		if _, ok := props[key]; !ok {
			w.problems = append(w.problems, fmt.Sprintf("%s: in Go (%s.%s), missing from %s", dottedPath(path, key), typ.Name(), keys[key].Name, schemaFile))
		}
	}
	for key := range props {
		if _, ok := keys[key]; !ok {
			w.problems = append(w.problems, fmt.Sprintf("%s: in %s, missing from Go (%s has no field tagged yaml:%q)", dottedPath(path, key), schemaFile, typ.Name(), key))
		}
	}
	for key, f := range keys {
		p, ok := props[key].(map[string]any)
		if !ok {
			continue
		}
		if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
			w.problems = append(w.problems, fmt.Sprintf("%s: no \"description\" in %s", dottedPath(path, key), schemaFile))
		}
		w.value(dottedPath(path, key), f.Type, node{n.root, p})
	}
	if r, ok := obj.m["required"].([]any); ok {
		for _, k := range r {
			if _, ok := keys[fmt.Sprint(k)]; !ok {
				w.problems = append(w.problems, fmt.Sprintf("%s: required in %s, missing from Go", dottedPath(path, fmt.Sprint(k)), schemaFile))
			}
		}
	}
}

// value compares a field of Go type typ with its schema n.
func (w *schemaWalker) value(path string, typ reflect.Type, n node) {
	typ = deref(typ)
	if e := n.enum(w.t); len(e) > 0 {
		w.enums[path] = e
	}
	want := jsonType(typ.Kind())
	matching := n.ofType(w.t, want)
	if len(matching) == 0 {
		w.problems = append(w.problems, fmt.Sprintf("%s: Go type %s wants JSON type %q, which %s does not allow", path, typ, want, schemaFile))
		return
	}
	switch typ.Kind() {
	case reflect.Struct:
		w.object(path, typ, n)
	case reflect.Slice:
		if len(matching) != 1 {
			w.problems = append(w.problems, fmt.Sprintf("%s: want one array schema in %s, found %d", path, schemaFile, len(matching)))
			return
		}
		items, ok := matching[0].m["items"].(map[string]any)
		if !ok {
			w.problems = append(w.problems, fmt.Sprintf("%s: the array in %s has no \"items\"", path, schemaFile))
			return
		}
		w.value(path+"[]", typ.Elem(), node{n.root, items})
	}
}

func orRoot(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

// TestSchemaMatchesGoTypes walks the manifest's Go types and the JSON Schema
// together: every key the loader accepts must be in the schema and the other
// way round, at every level, with a compatible type and a description. A
// new manifest key fails here until the schema describes it.
func TestSchemaMatchesGoTypes(t *testing.T) {
	doc := schemaDoc(t)
	w := &schemaWalker{t: t, enums: map[string][]string{}}
	w.object("", reflect.TypeOf(Manifest{}), node{doc, doc})
	sort.Strings(w.problems)
	for _, p := range w.problems {
		t.Error(p)
	}

	// The closed value sets are the loader's, exactly.
	expectPaths := []string{"builds[].expect", "builds[].variants[].expect", "builds[].expectations[].expect"}
	want := map[string][]string{
		"builds[].variants[].linkmode":    LinkmodeValues,
		"builds[].variants[].buildmode":   BuildmodeValues,
		"builds[].variants[].libc":        LibcValues,
		"builds[].toolchains[].libc":      LibcValues,
		"builds[].variants[].toolchain":   ToolchainValues,
		"builds[].toolchains[].toolchain": ToolchainValues,
		"builds[].archive.format":         ArchiveFormats,
		"builds[].archive.windows_format": ArchiveFormats,
		"release.sbom.formats[]":          SBOMFormats,
	}
	for _, p := range expectPaths {
		want[p] = ExpectValues            // the scalar shorthand
		want[p+".linkage"] = ExpectValues // the mapping's key
	}
	for path, values := range want {
		assert.ElementsMatch(t, values, w.enums[path], "%s: the enum in %s differs from the loader's values", path, schemaFile)
	}
	for path := range w.enums {
		assert.Contains(t, want, path, "%s: %s has an enum this test does not compare with the loader's values", path, schemaFile)
	}
}

// ---- every manifest in the repository ----

// repoManifest is one manifest found in the repository: a YAML file, or a
// YAML file inside a txtar script.
type repoManifest struct {
	name string // relative to the repository root; "script.txtar:file.yaml" inside a script
	data []byte
}

// repoManifests finds every portmatrix manifest under examples/, configs/
// and the packages' testdata: YAML files (and YAML files inside txtar
// scripts) whose top level is a mapping with a builds key.
func repoManifests(t *testing.T) []repoManifest {
	t.Helper()
	var out []repoManifest
	add := func(name string, data []byte) {
		var top map[string]any
		if yaml.Unmarshal(data, &top) != nil {
			return // not YAML, or not a mapping: not a manifest
		}
		if _, ok := top["builds"]; ok {
			out = append(out, repoManifest{name, data})
		}
	}
	for _, dir := range []string{"examples", "configs", "pkg"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(repoRoot, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				return nil
			}
			if dir == "pkg" && !strings.Contains(rel, "/testdata/") {
				return nil
			}
			switch ext := filepath.Ext(path); ext {
			case ".yaml", ".yml":
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				add(rel, data)
			case ".txtar":
				a, err := txtar.ParseFile(path)
				if err != nil {
					return err
				}
				for _, f := range a.Files {
					if e := filepath.Ext(f.Name); e == ".yaml" || e == ".yml" {
						add(rel+":"+f.Name, f.Data)
					}
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	return out
}

// knownBad reports whether a manifest is a fixture that must have problems,
// by the convention of testdata/bad (see TestBadManifests).
func knownBad(name string) bool { return strings.Contains(name, "/testdata/bad/") }

// TestSchemaAcceptsRepoManifests validates every manifest in the repository
// that the loader accepts against the schema: an editor must never flag a
// manifest portmatrix takes. The shipped examples must be valid to begin
// with; test fixtures the loader rejects are negative cases and skipped.
func TestSchemaAcceptsRepoManifests(t *testing.T) {
	sch := compileSchema(t)
	validated := map[string]int{}
	for _, m := range repoManifests(t) {
		if knownBad(m.name) {
			continue
		}
		t.Run(m.name, func(t *testing.T) {
			_, ps := Parse(m.data, m.name)
			shipped := !strings.Contains(m.name, "/testdata/")
			if len(ps) > 0 {
				if shipped {
					t.Fatalf("the loader rejects a shipped manifest:\n%v", ps)
				}
				t.Skipf("a negative fixture: the loader rejects it (%v)", ps[0])
			}
			v, err := yamlValue(m.data)
			require.NoError(t, err)
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s rejects a manifest the loader accepts:\n%v", schemaFile, err)
			}
			validated[strings.SplitN(m.name, "/", 2)[0]]++
			checkModeline(t, m)
		})
	}
	t.Logf("validated %v", validated)
	// Discovery must have found something in each place, or this test
	// would pass by checking nothing.
	for _, dir := range []string{"examples", "configs", "pkg"} {
		assert.NotZero(t, validated[dir], "no manifest under %s/ was validated", dir)
	}
}

var modelineRE = regexp.MustCompile(`(?m)^#\s*yaml-language-server:\s*\$schema=(\S+)`)

// checkModeline checks that a manifest's yaml-language-server modeline, when
// it has one, points at the schema: a relative path resolves from the file.
func checkModeline(t *testing.T, m repoManifest) {
	t.Helper()
	sub := modelineRE.FindSubmatch(m.data)
	if sub == nil || strings.Contains(m.name, ":") { // none, or inside a script
		return
	}
	ref := string(sub[1])
	if strings.Contains(ref, "://") {
		assert.True(t, strings.HasSuffix(ref, "/"+schemaFile), "the modeline names %s, not %s", ref, schemaFile)
		return
	}
	got := filepath.Join(repoRoot, filepath.Dir(m.name), filepath.FromSlash(ref))
	want := filepath.Join(repoRoot, schemaFile)
	assert.Equal(t, want, got, "the modeline's $schema=%s does not lead from %s to %s", ref, m.name, schemaFile)
}

// ---- the schema rejects what the loader rejects ----

// schemaClasses are the loader's problems that the schema expresses too:
// unknown keys, wrong shapes, values outside a closed set, missing required
// keys, names and list items with a fixed form.
var schemaClasses = regexp.MustCompile(`unknown key |^want |: want KEY=VALUE|unknown (expectation|link mode|build mode|libc) |` +
	`is not an archive format|^missing (version|id|name|expect)|^no (targets|builds)|selects nothing|` +
	`^external linking needs cgo|^(id|name) .*: use letters|^binary .* must be a plain file name|is not a flag|^empty expect|^manifest is empty`)

// TestSchemaRejects checks that the schema catches the mistakes the loader
// reports and an editor can see, each in a small manifest that the loader
// rejects too (so the schema is never stricter than portmatrix), next to a
// control that both accept (so a rejection is for the stated reason).
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	const base = `version: 1
builds:
  - id: app
    main: ./cmd/app
    targets: [linux/amd64, darwin/arm64]
    trimpath: true
    ldflags: "-s -w"
    expect: static
    variants:
      - name: pure
      - name: static
        cgo: true
        linkmode: external
        extldflags: [-static]
        libc: musl
    expectations:
      - targets: [darwin/*]
        expect: {linkage: dynamic, stripped: true}
    toolchains:
      - targets: [darwin/*]
        cc: o64-clang
    smoke: {args: [--version], timeout: 20s}
    archive: {format: tar.gz, windows_format: zip, files: [LICENSE]}
`
	tests := []struct {
		name, old, new string
		want           string // in the schema's message
	}{
		{"control", "", "", ""},
		{"unknown top-level key", "version: 1\n", "version: 1\ndsit: out\n", "'dsit'"},
		{"unknown build key", "    ldflags:", "    ldflag:", "'ldflag'"},
		{"unknown variant key", "        linkmode:", "        linkmod:", "'linkmod'"},
		{"unknown expect key", "stripped: true", "strip: true", "'strip'"},
		{"unknown rule key", "      - targets: [darwin/*]\n        expect:", "      - target: [darwin/*]\n        expect:", "'target'"},
		{"unknown toolchain key", "cc: o64-clang", "c: o64-clang", "'c'"},
		{"unknown smoke key", "timeout: 20s", "time: 20s", "'time'"},
		{"unknown archive key", "format: tar.gz", "formats: tar.gz", "'formats'"},
		{"wrong linkage", "expect: static", "expect: statci", "static"},
		{"wrong linkage in a mapping", "linkage: dynamic", "linkage: dynamc", "dynamic"},
		{"wrong link mode", "linkmode: external", "linkmode: extrenal", "external"},
		{"wrong build mode", "      - name: pure\n", "      - name: pure\n        buildmode: c-shared\n", "pie"},
		{"wrong libc", "libc: musl", "libc: mucl", "musl"},
		{"wrong archive format", "format: tar.gz", "format: tgz", "zip"},
		{"version 2", "version: 1", "version: 2", "/version"},
		{"version as a string", "version: 1", `version: "1"`, "/version"},
		{"targets as a string", "targets: [linux/amd64, darwin/arm64]", "targets: linux/amd64", "/targets"},
		{"bool as yes", "trimpath: true", "trimpath: yes", "/trimpath"},
		{"no targets", "targets: [linux/amd64, darwin/arm64]", "targets: []", "/targets"},
		{"no id", "  - id: app\n    main:", "  - main:", "'id'"},
		{"bad id", "id: app", "id: my app", "/id"},
		{"binary with a slash", "main: ./cmd/app", "main: ./cmd/app\n    binary: bin/app", "/binary"},
		{"rule without expect", "      - targets: [darwin/*]\n        expect: {linkage: dynamic, stripped: true}\n", "      - targets: [darwin/*]\n", "'expect'"},
		{"rule selecting nothing", "      - targets: [darwin/*]\n        expect:", "      - expect:", "/expectations/0"},
		{"external linking without cgo", "        cgo: true\n        linkmode", "        linkmode", "'cgo'"},
		{"empty expect", "expect: static", "expect: {}", "/expect"},
		{"not a flag", "    trimpath: true\n", "    trimpath: true\n    flags: [race]\n", "/flags/0"},
		{"env without =", "    trimpath: true\n", "    trimpath: true\n    env: [GOPRIVATE]\n", "/env/0"},
		{"variants as a mapping", "    variants:\n      - name: pure\n      - name: static\n", "    variants:\n      pure: {}\n      static:\n", "/variants"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, strings.Contains(base, tt.old), "the case's text is not in the base manifest: %q", tt.old)
			doc := strings.Replace(base, tt.old, tt.new, 1)
			_, ps := Parse([]byte(doc), "m.yaml")
			v, err := yamlValue([]byte(doc))
			require.NoError(t, err)
			err = sch.Validate(v)
			if tt.want == "" {
				require.Empty(t, ps, "the control must be valid to the loader")
				require.NoError(t, err, "the control must be valid to the schema")
				return
			}
			require.NotEmpty(t, ps, "the loader accepts this; the schema must not reject it")
			require.Error(t, err, "the schema accepts a manifest the loader rejects with %v", ps)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestSchemaRejectsBadFixtures checks the fixtures of testdata/bad: each one
// with a problem of a kind the schema expresses must fail the schema too.
// Fixtures whose problems are all beyond a schema (templates, duplicates,
// paths) are listed in the log.
func TestSchemaRejectsBadFixtures(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob("testdata/bad/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	checked := 0
	var beyond []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		_, ps := Parse(data, file)
		require.NotEmpty(t, ps, "%s: a fixture under testdata/bad must have problems", file)
		var mirrored []string
		for _, p := range ps {
			if schemaClasses.MatchString(p.Msg) {
				mirrored = append(mirrored, p.Error())
			}
		}
		v, yerr := yamlValue(data)
		if len(mirrored) == 0 {
			beyond = append(beyond, filepath.Base(file))
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			require.NoError(t, yerr, "the fixture is not plain YAML")
			assert.Error(t, sch.Validate(v), "%s accepts it, but the loader says:\n%s", schemaFile, strings.Join(mirrored, "\n"))
		})
		checked++
	}
	t.Logf("beyond the schema (templates, duplicates, paths, syntax): %s", strings.Join(beyond, ", "))
	assert.NotZero(t, checked)
}
