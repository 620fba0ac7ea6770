package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/reportschema"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// The published JSON Schema of the report, configs/report.schema.json. These
// tests keep it in step with the Go types WriteJSON encodes, field by field
// in both directions, and validate what WriteJSON writes against it.

// schemaDoc is the schema as plain JSON values, for walking.
func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(reportschema.Path())
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc), "%s is not JSON", reportschema.File)
	return doc
}

// jsonField is one field of a Go struct as encoding/json writes it.
type jsonField struct {
	goName    string
	typ       reflect.Type
	omitEmpty bool
}

// jsonFields lists the fields encoding/json writes for struct type t, by
// JSON name. Every exported field must have a json tag, so that a field
// added without one (and so written under its Go name) fails here.
func jsonFields(t reflect.Type, problems *[]string) map[string]jsonField {
	out := map[string]jsonField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, ok := f.Tag.Lookup("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !ok || name == "" {
			*problems = append(*problems, fmt.Sprintf("%s.%s has no json name; give it one, or `json:\"-\"`", t.Name(), f.Name))
			continue
		}
		out[name] = jsonField{goName: f.Name, typ: f.Type, omitEmpty: slices.Contains(strings.Split(opts, ","), "omitempty")}
	}
	for name, f := range derivedFields[t] {
		out[name] = f
	}
	return out
}

// derivedFields are written by a type's MarshalJSON besides its fields:
// a job's "ok", derived from its status.
var derivedFields = map[reflect.Type]map[string]jsonField{
	reflect.TypeOf(Job{}): {"ok": {goName: "OK()", typ: reflect.TypeOf(true)}},
}

var timeType = reflect.TypeOf(time.Time{})

// schemaWalker compares Go types with the schema and collects every
// difference, and the enums it passes, by path (jobs[].status).
type schemaWalker struct {
	root     map[string]any
	problems []string
	enums    map[string][]string
}

func (w *schemaWalker) fail(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

// resolve follows a local "$ref": "#/$defs/NAME".
func (w *schemaWalker) resolve(path string, n map[string]any) map[string]any {
	ref, ok := n["$ref"].(string)
	if !ok {
		return n
	}
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	defs, _ := w.root["$defs"].(map[string]any)
	def, found := defs[name].(map[string]any)
	if !ok || !found {
		w.fail("%s: $ref %q names no entry of $defs", path, ref)
		return map[string]any{}
	}
	return def
}

func orRoot(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func dotted(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object compares struct type typ with the object schema n: the same
// properties, required exactly when encoding/json always writes the field,
// closed, and every property described and of a matching type.
func (w *schemaWalker) object(path string, typ reflect.Type, n map[string]any) {
	n = w.resolve(path, n)
	if n["type"] != "object" {
		w.fail("%s: %s wants \"type\": \"object\" for %s", orRoot(path), reportschema.File, typ.Name())
		return
	}
	if ap, ok := n["additionalProperties"].(bool); !ok || ap {
		w.fail("%s: %s must say \"additionalProperties\": false (the contract is closed)", orRoot(path), reportschema.File)
	}
	props, _ := n["properties"].(map[string]any)
	fields := jsonFields(typ, &w.problems)
	for name, f := range fields {
		if _, ok := props[name]; !ok {
			w.fail("%s: in Go (%s.%s), missing from %s", dotted(path, name), typ.Name(), f.goName, reportschema.File)
		}
	}
	for name := range props {
		if _, ok := fields[name]; !ok {
			w.fail("%s: in %s, missing from Go (%s has no field tagged json:%q)", dotted(path, name), reportschema.File, typ.Name(), name)
		}
	}
	required := map[string]bool{}
	list, _ := n["required"].([]any)
	for _, r := range list {
		required[fmt.Sprint(r)] = true
	}
	for name, f := range fields {
		switch {
		case f.omitEmpty && required[name]:
			w.fail("%s: required in %s, but %s.%s is omitempty", dotted(path, name), reportschema.File, typ.Name(), f.goName)
		case !f.omitEmpty && !required[name]:
			w.fail("%s: always written (%s.%s has no omitempty), so %s must list it in \"required\"", dotted(path, name), typ.Name(), f.goName, reportschema.File)
		}
	}
	for name := range required {
		if _, ok := fields[name]; !ok {
			w.fail("%s: required in %s, missing from Go", dotted(path, name), reportschema.File)
		}
	}
	for name, f := range fields {
		p, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
			w.fail("%s: no \"description\" in %s", dotted(path, name), reportschema.File)
		}
		w.value(dotted(path, name), f.typ, p)
	}
}

// value compares a field of Go type typ with its schema n.
func (w *schemaWalker) value(path string, typ reflect.Type, n map[string]any) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if e, ok := n["enum"].([]any); ok {
		for _, v := range e {
			w.enums[path] = append(w.enums[path], fmt.Sprint(v))
		}
	}
	if typ == timeType {
		if n["type"] != "string" || n["format"] != "date-time" {
			w.fail("%s: a time.Time is written as an RFC 3339 string: want \"type\": \"string\", \"format\": \"date-time\" in %s", path, reportschema.File)
		}
		return
	}
	var want string
	switch typ.Kind() {
	case reflect.String:
		want = "string"
	case reflect.Bool:
		want = "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "integer"
	case reflect.Float32, reflect.Float64:
		want = "number"
	case reflect.Slice:
		want = "array"
	case reflect.Struct:
		w.object(path, typ, n)
		return
	default:
		w.fail("%s: Go type %s has no JSON type this test knows", path, typ)
		return
	}
	if got := w.resolve(path, n)["type"]; got != want {
		w.fail("%s: Go type %s is written as JSON %s; %s says %v", path, typ, want, reportschema.File, got)
		return
	}
	if typ.Kind() == reflect.Slice {
		items, ok := n["items"].(map[string]any)
		if !ok {
			w.fail("%s: the array in %s has no \"items\"", path, reportschema.File)
			return
		}
		w.value(path+"[]", typ.Elem(), items)
	}
}

// TestReportSchemaMatchesGoTypes walks Report and the schema together: every
// field WriteJSON writes is a property and every property a field, at every
// level, required exactly when the field is always written, with a matching
// type and a description; and every closed value set is the code's. A new
// field fails here until the schema (and docs/reports.md) describe it.
func TestReportSchemaMatchesGoTypes(t *testing.T) {
	doc := schemaDoc(t)
	w := &schemaWalker{root: doc, enums: map[string][]string{}}
	w.object("", reflect.TypeOf(Report{}), doc)
	sort.Strings(w.problems)
	for _, p := range w.problems {
		t.Error(p)
	}

	strs := func(vs ...any) []string {
		var out []string
		for _, v := range vs {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	want := map[string][]string{
		"jobs[].status": strs(StatusOK, StatusViolated, StatusFailed, StatusCancelled, StatusTimeout, StatusSkipped),
		"jobs[].format": strs(inspect.FormatELF, inspect.FormatMachO, inspect.FormatMachOFat, inspect.FormatPE,
			inspect.FormatPlan9, inspect.FormatWasm, inspect.FormatXCOFF),
		"jobs[].linkage": strs(inspect.LinkageStatic, inspect.LinkageStaticPIE, inspect.LinkageDynamic,
			inspect.LinkageShared, inspect.LinkageUnknown),
		"jobs[].expect":        manifest.ExpectValues,
		"jobs[].linkmode":      manifest.LinkmodeValues,
		"jobs[].reproducible":  {repro.VerdictYes, repro.VerdictNo, repro.VerdictError},
		"jobs[].runs.status":   strs(smoke.StatusOK, smoke.StatusFailed, smoke.StatusNotRunnable),
		"jobs[].min_os_source": {inspect.MinOSFromHeader, inspect.MinOSFromGoRuntime},
		"date_source":          plan.DateSources,
		"release.sbom[]":       manifest.SBOMFormats,
		"jobs[].check_mode":    {CheckModeTypeCheck, CheckModeCompile},
	}
	for path, values := range want {
		assert.ElementsMatch(t, values, w.enums[path], "%s: the enum in %s differs from the code's values", path, reportschema.File)
	}
	for path := range w.enums {
		assert.Contains(t, want, path, "%s: %s has an enum this test does not compare with the code's values", path, reportschema.File)
	}
	v, _ := doc["properties"].(map[string]any)["schema_version"].(map[string]any)
	assert.EqualValues(t, SchemaVersion, v["const"], "schema_version's const in %s is not report.SchemaVersion", reportschema.File)
	assert.Contains(t, doc["title"], fmt.Sprintf("schema_version %d", SchemaVersion))
}

// fullReport sets every field of Report and of everything in it, so that
// validating it covers every property of the schema (TestFullReportIsFull
// proves nothing was left out).
func fullReport() *Report {
	job := Job{
		ID: "app/linux/arm/v7/cgo", Build: "app", Target: "linux/arm/v7", GOOS: "linux", GOARCH: "arm", Level: "v7",
		Variant: "cgo", Cgo: true, Linkmode: "external", Status: StatusViolated,
		Output: "/work/dist/app/linux_arm_v7/cgo/app", Format: "elf", Linkage: "dynamic",
		LinkageRule: "ET_DYN with PT_INTERP", Interpreter: "/lib/ld-linux-armhf.so.3",
		Needed: []string{"libc.so.6", "libfoo.so.1"}, Expect: "static",
		Violations: []string{"asked for static; got dynamic"}, Size: 1_234_567, DurationSec: 3.5, GOMAXPROCS: 1,
		Error: "does not start", LogTail: []string{"# runtime/cgo", "warning"}, LogFile: "/work/dist/.portmatrix/logs/app_linux_arm_v7_cgo.log",
		Package: "example.com/app/cmd/app", CheckMode: CheckModeTypeCheck, CheckFallback: "example.com/app/asm: functions without a body for the linker to find in assembly: add",
		CToolchain: &CToolchain{Name: "zig", CC: []string{"zig", "cc", "-target", "x86_64-linux-gnu.2.17"}, Zig: "0.11.0", Target: "x86_64-linux-gnu.2.17", Glibc: "2.17", Reason: "glibc: 2.17",
			Facts: &toolchain.Facts{Compiler: "zig cc", Version: "0.11.0", Target: "x86_64-linux-gnu.2.17", Libc: "glibc", LibcVersion: "2.17"}},
		Libc: "glibc", MaxGlibc: "2.34", GlibcSymbols: []string{"__libc_start_main"}, SystemLibsOnly: true,
		ThirdParty: []string{"libfoo.so.1"}, MinOS: "10.0", MinOSHeader: "6.1", MinOSSource: inspect.MinOSFromGoRuntime,
		MinOSReason: "go1.26.8: Go 1.21 and later require Windows 10 or Windows Server 2016 (go.dev/doc/go1.21#windows)", Stripped: true, PIE: true,
		SHA256:   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Cached:   true,
		Restored: true,
		File:     "app/linux_arm_v7/cgo/app",
		Archive: &Artifact{File: "app_1.2.3_linux_arm_v7_cgo.tar.gz",
			SHA256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", Size: 654_321},
		SBOMs:        []Artifact{{File: "app/linux_arm_v7/cgo/app.cdx.json", SHA256: "0b5d0b0e0a5b6f8a1e3b6a5f0b4c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c", Size: 4321}},
		Reproducible: repro.VerdictNo, ReproDetails: []string{"section .go.buildinfo differs", "use -trimpath"},
		Argv: []string{"go", "build", "-o", "/work/dist/app/linux_arm_v7/cgo/app", "."},
		Env:  []string{"GOOS=linux", "GOARCH=arm", "GOARM=7", "CGO_ENABLED=1", "GOFLAGS=", "GOTOOLCHAIN=local", "GOMAXPROCS=1"},
		Runs: &smoke.Result{Status: smoke.StatusFailed, How: "qemu-arm -L /usr/arm-linux-gnueabihf",
			Command: []string{"qemu-arm", "-L", "/usr/arm-linux-gnueabihf", "app", "--version"}, ExitCode: 2,
			Output: []string{"app: bad flag"}, Why: "exit status 2", Duration: time.Second},
	}
	r := newReport([]Job{job})
	r.Version, r.Commit, r.Date = "1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-03-14T15:00:00Z"
	r.ManifestSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	r.Plan = []string{job.ID}
	r.Shard = &Shard{Index: 1, Count: 2}
	r.Checksums = "/work/dist/SHA256SUMS"
	r.DateSource = plan.DateFromEpoch
	r.Release = &plan.Release{SBOM: []string{"cyclonedx", "spdx"}, Provenance: "/work/dist/provenance.intoto.jsonl",
		Sign: &plan.SignKey{File: "/work/keys/release.pem", Env: "RELEASE_KEY", PassphraseEnv: "RELEASE_KEY_PASS"}}
	r.Attestation = &Attestation{Provenance: "/work/dist/provenance.intoto.jsonl", Subjects: 3,
		ChecksumsSignature: "/work/dist/SHA256SUMS.sig", KeyID: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}
	r.Summary = Summary{Total: 1, OK: 1, Violated: 1, Failed: 1, Cancelled: 1, Timeout: 1, Skipped: 1, Cached: 1, Restored: 1,
		Static: 1, StaticPIE: 1, Dynamic: 1} // not a real count: every field set
	return r
}

// zeroFields lists the fields of v (a struct, recursively through pointers,
// structs and slice elements) that hold their zero value.
func zeroFields(path string, v reflect.Value, out *[]string) {
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type() == timeType {
		return
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" {
			continue
		}
		fv, name := v.Field(i), dotted(path, f.Name)
		if f.Name == "OK" { // false in fullReport: its status is violated
			continue
		}
		if fv.IsZero() {
			*out = append(*out, name)
			continue
		}
		zeroFields(name, fv, out)
		if fv.Kind() == reflect.Slice {
			for j := 0; j < fv.Len(); j++ {
				zeroFields(name+"[]", fv.Index(j), out)
			}
		}
	}
}

func TestFullReportIsFull(t *testing.T) {
	var zero []string
	zeroFields("Report", reflect.ValueOf(fullReport()), &zero)
	assert.Empty(t, zero, "fullReport must set every field, or the schema test does not cover it")
}

// writeJSON is what WriteJSON writes for r.
func writeJSON(t *testing.T, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, r))
	return b.Bytes()
}

// TestReportSchemaAcceptsWrittenReports validates what WriteJSON writes for
// the package's own test reports, a report with every field set, and
// minimal ones: nothing set at all, and one bare row of every status.
func TestReportSchemaAcceptsWrittenReports(t *testing.T) {
	var bare []Job
	for _, s := range []Status{StatusOK, StatusViolated, StatusFailed, StatusCancelled, StatusTimeout, StatusSkipped} {
		bare = append(bare, Job{ID: "a/linux/amd64/default", Status: s, Expect: manifest.ExpectAny})
	}
	tests := []struct {
		name   string
		report *Report
	}{
		{"mixed", newReport(mixedJobs())},
		{"multi build", newReport(multiJobs())},
		{"showcase", newReport(showcaseJobs())},
		{"empty", newReport(nil)},
		{"every field set", fullReport()},
		{"zero report", &Report{}},
		{"bare rows of every status", &Report{Jobs: bare}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NoError(t, reportschema.Validate(writeJSON(t, tt.report)))
		})
	}
}

// TestReportSchemaRejects checks that the schema is not vacuous: each case
// changes one thing in the JSON of fullReport, and the schema must say where.
func TestReportSchemaRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(doc map[string]any)
		want   string // in the validator's message
	}{
		{"control", func(map[string]any) {}, ""},
		{"unknown status", func(d map[string]any) { job(d)["status"] = "exploded" }, "/jobs/0/status"},
		{"unknown linkage", func(d map[string]any) { job(d)["linkage"] = "static-ish" }, "/jobs/0/linkage"},
		{"unknown format", func(d map[string]any) { job(d)["format"] = "coff" }, "/jobs/0/format"},
		{"unknown reproducible", func(d map[string]any) { job(d)["reproducible"] = "maybe" }, "/jobs/0/reproducible"},
		{"unknown smoke status", func(d map[string]any) { job(d)["runs"].(map[string]any)["status"] = "meh" }, "/jobs/0/runs/status"},
		{"empty expect", func(d map[string]any) { job(d)["expect"] = "" }, "/jobs/0/expect"},
		{"needed missing", func(d map[string]any) { delete(job(d), "needed") }, "'needed'"},
		{"needed null", func(d map[string]any) { job(d)["needed"] = nil }, "/jobs/0/needed"},
		{"ok missing", func(d map[string]any) { delete(job(d), "ok") }, "'ok'"},
		{"ok with status violated", func(d map[string]any) { job(d)["ok"] = true }, "/jobs/0/ok"},
		{"not ok with status ok", func(d map[string]any) { job(d)["status"] = "ok"; job(d)["ok"] = false }, "/jobs/0/ok"},
		{"unknown job field", func(d map[string]any) { job(d)["linkage_mode"] = "x" }, "'linkage_mode'"},
		{"unknown report field", func(d map[string]any) { d["host_os"] = "linux" }, "'host_os'"},
		{"size as a string", func(d map[string]any) { job(d)["size"] = "12" }, "/jobs/0/size"},
		{"negative duration", func(d map[string]any) { d["duration_seconds"] = -1 }, "/duration_seconds"},
		{"schema version 2", func(d map[string]any) { d["schema_version"] = 2 }, "/schema_version"},
		{"started not a time", func(d map[string]any) { d["started"] = "yesterday" }, "/started"},
		{"summary count missing", func(d map[string]any) { delete(d["summary"].(map[string]any), "restored") }, "'restored'"},
		{"shard 0", func(d map[string]any) { d["shard"].(map[string]any)["index"] = 0 }, "/shard/index"},
		{"archive without sha256", func(d map[string]any) { delete(job(d)["archive"].(map[string]any), "sha256") }, "'sha256'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			require.NoError(t, json.Unmarshal(writeJSON(t, fullReport()), &doc))
			tt.change(doc)
			data, err := json.Marshal(doc)
			require.NoError(t, err)
			err = reportschema.Validate(data)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("a status portmatrix never writes", func(t *testing.T) {
		err := reportschema.Validate(writeJSON(t, newReport(nastyJobs())))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/jobs/4/status")
	})
}

// job is the first row of a decoded report.
func job(doc map[string]any) map[string]any {
	return doc["jobs"].([]any)[0].(map[string]any)
}
