package provenance_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/portmatrix/portmatrix/pkg/provenance"
)

func build() provenance.Build {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	return provenance.Build{
		BuilderID: "https://github.com/portmatrix/portmatrix@v1.2.3",
		Manifest:  provenance.Artifact{Name: "portmatrix.yaml", SHA256: strings.Repeat("ab", 32)},
		Source:    provenance.Dependency{Name: "source", URI: "git+https://github.com/example/app", Version: "0123456789abcdef0123456789abcdef01234567"},
		Version:   "1.2.3",
		Jobs: []provenance.Job{
			{ID: "app/linux/arm64/default", Dir: "cmd/app", Argv: []string{"go", "build", "-o", "x"}, Env: []string{"GOOS=linux", "GOARCH=arm64"}},
			{ID: "app/linux/amd64/default", Argv: []string{"go", "build", "-o", "y"}, Env: []string{"GOOS=linux", "GOARCH=amd64", "CC=zig cc -target x86_64-linux-gnu.2.17"}},
		},
		Dependencies: []provenance.Dependency{
			{Name: "zig cc", Version: "0.11.0"},
			{Name: "go", Version: "go1.26.8", URI: "pkg:golang/stdlib@go1.26.8"},
			{Name: "zig cc", Version: "0.11.0"},
		},
		Started: t0, Finished: t0.Add(90 * time.Second),
		Subjects: []provenance.Artifact{
			{Name: "app/linux_arm64/default/app", SHA256: strings.Repeat("11", 32)},
			{Name: "app/linux_amd64/default/app", SHA256: strings.Repeat("22", 32)},
			{Name: "app/linux_amd64/default/app.cdx.json", SHA256: strings.Repeat("33", 32)},
		},
	}
}

func statement(t *testing.T, b provenance.Build) []byte {
	t.Helper()
	st, err := provenance.Statement(b)
	require.NoError(t, err)
	return st
}

// TestStatementGolden pins the statement's exact bytes: a change to them
// (a library update, a field renamed) changes every release's provenance
// and must be seen in review (go test -update rewrites the file).
func TestStatementGolden(t *testing.T) {
	st := statement(t, build())
	snapshot.Check(t, "testdata/statement.json", string(st)+"\n")
	assert.True(t, json.Valid(st))
	assert.NotContains(t, string(st), "\n", "compact")
}

// TestStatementDeterministic: the same Build gives the same bytes, in any
// order of its lists and in any time zone; any content change shows.
func TestStatementDeterministic(t *testing.T) {
	st := statement(t, build())
	assert.Equal(t, st, statement(t, build()), "twice")

	b := build()
	b.Subjects[0], b.Subjects[2] = b.Subjects[2], b.Subjects[0]
	b.Jobs[0], b.Jobs[1] = b.Jobs[1], b.Jobs[0]
	b.Dependencies[0], b.Dependencies[1] = b.Dependencies[1], b.Dependencies[0]
	b.Started = b.Started.In(time.FixedZone("CET", 3600)).Add(400 * time.Millisecond)
	b.Finished = b.Finished.In(time.FixedZone("PST", -8*3600))
	assert.Equal(t, string(st), string(statement(t, b)), "reordered lists, other zones, sub-second: same bytes")

	for name, change := range map[string]func(*provenance.Build){
		"subject hash": func(b *provenance.Build) { b.Subjects[1].SHA256 = strings.Repeat("44", 32) },
		"subject name": func(b *provenance.Build) { b.Subjects[1].Name += ".exe" },
		"extra subject": func(b *provenance.Build) {
			b.Subjects = append(b.Subjects, provenance.Artifact{Name: "z", SHA256: strings.Repeat("55", 32)})
		},
		"job argv":   func(b *provenance.Build) { b.Jobs[0].Argv = append(b.Jobs[0].Argv, "-trimpath") },
		"job env":    func(b *provenance.Build) { b.Jobs[1].Env = nil },
		"job dir":    func(b *provenance.Build) { b.Jobs[1].Dir = "cmd/other" },
		"go version": func(b *provenance.Build) { b.Dependencies[1].Version = "go1.26.9" },
		"commit":     func(b *provenance.Build) { b.Source.Version = strings.Repeat("f", 40) },
		"manifest":   func(b *provenance.Build) { b.Manifest.SHA256 = strings.Repeat("cd", 32) },
		"finished":   func(b *provenance.Build) { b.Finished = b.Finished.Add(time.Second) },
		"builder":    func(b *provenance.Build) { b.BuilderID = "https://ci.example.com/run/1" },
		"version":    func(b *provenance.Build) { b.Version = "1.2.4" },
	} {
		b := build()
		change(&b)
		assert.NotEqual(t, string(st), string(statement(t, b)), name)
	}
}

// TestStatementFields decodes the statement strictly and checks every
// field docs/signing.md documents.
func TestStatementFields(t *testing.T) {
	st := statement(t, build())
	type rd struct {
		Name        string            `json:"name"`
		URI         string            `json:"uri"`
		Digest      map[string]string `json:"digest"`
		Annotations map[string]string `json:"annotations"`
	}
	var doc struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []rd   `json:"subject"`
		Predicate     struct {
			BuildDefinition struct {
				BuildType          string `json:"buildType"`
				ExternalParameters struct {
					Jobs     []provenance.Job  `json:"jobs"`
					Manifest map[string]string `json:"manifest"`
					Version  string            `json:"version"`
				} `json:"externalParameters"`
				ResolvedDependencies []rd `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder  map[string]string `json:"builder"`
				Metadata map[string]string `json:"metadata"`
			} `json:"runDetails"`
		} `json:"predicate"`
	}
	dec := json.NewDecoder(bytes.NewReader(st))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&doc), "%s", st)

	assert.Equal(t, "https://in-toto.io/Statement/v1", doc.Type)
	assert.Equal(t, "https://slsa.dev/provenance/v1", doc.PredicateType)
	require.Len(t, doc.Subject, 3)
	assert.Equal(t, rd{Name: "app/linux_amd64/default/app", Digest: map[string]string{"sha256": strings.Repeat("22", 32)}}, doc.Subject[0], "sorted by name")
	assert.Equal(t, "app/linux_arm64/default/app", doc.Subject[2].Name)

	bd := doc.Predicate.BuildDefinition
	assert.Equal(t, provenance.BuildType, bd.BuildType)
	assert.Equal(t, []provenance.Job{
		{ID: "app/linux/amd64/default", Argv: []string{"go", "build", "-o", "y"}, Env: []string{"GOOS=linux", "GOARCH=amd64", "CC=zig cc -target x86_64-linux-gnu.2.17"}},
		{ID: "app/linux/arm64/default", Dir: "cmd/app", Argv: []string{"go", "build", "-o", "x"}, Env: []string{"GOOS=linux", "GOARCH=arm64"}},
	}, bd.ExternalParameters.Jobs, "sorted by id, env in the plan's order")
	assert.Equal(t, "1.2.3", bd.ExternalParameters.Version)
	assert.Equal(t, map[string]string{"path": "portmatrix.yaml", "sha256": strings.Repeat("ab", 32)}, bd.ExternalParameters.Manifest)
	assert.Equal(t, []rd{
		{Name: "manifest:portmatrix.yaml", Digest: map[string]string{"sha256": strings.Repeat("ab", 32)}},
		{Name: "source", URI: "git+https://github.com/example/app", Digest: map[string]string{"gitCommit": "0123456789abcdef0123456789abcdef01234567"}},
		{Name: "go", URI: "pkg:golang/stdlib@go1.26.8", Annotations: map[string]string{"version": "go1.26.8"}},
		{Name: "zig cc", URI: "pkg:generic/zig-cc@0.11.0", Annotations: map[string]string{"version": "0.11.0"}},
	}, bd.ResolvedDependencies, "manifest, source, then toolchains by name, the repeated one once")

	rdt := doc.Predicate.RunDetails
	assert.Equal(t, map[string]string{"id": "https://github.com/portmatrix/portmatrix@v1.2.3"}, rdt.Builder)
	assert.Equal(t, "2026-12-01T10:00:00Z", rdt.Metadata["startedOn"])
	assert.Equal(t, "2026-12-01T10:01:30Z", rdt.Metadata["finishedOn"])
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, rdt.Metadata["invocationId"])

	b := build()
	b.InvocationID = "https://ci.example.com/runs/7"
	assert.Contains(t, string(statement(t, b)), `"invocationId":"https://ci.example.com/runs/7"`)
}

// TestStatementOptionalParts: a statement with only what is required, and
// the source's odd cases.
func TestStatementOptionalParts(t *testing.T) {
	minimal := provenance.Build{BuilderID: "https://example.com/b", Subjects: []provenance.Artifact{{Name: "a", SHA256: strings.Repeat("00", 32)}}}
	st := statement(t, minimal)
	assert.NotContains(t, string(st), "startedOn", "zero times are left out")
	assert.NotContains(t, string(st), "resolvedDependencies")
	assert.NotContains(t, string(st), `"version"`)

	b := minimal
	b.Source = provenance.Dependency{URI: "git+https://example.com/r"}
	assert.Contains(t, string(statement(t, b)), `"resolvedDependencies":[{"name":"source","uri":"git+https://example.com/r"}]`, "remote without a commit")
	sha256Commit := strings.Repeat("ab", 32)
	b.Source = provenance.Dependency{Version: sha256Commit}
	assert.Contains(t, string(statement(t, b)), `{"annotations":{"version":"`+sha256Commit+`"},"name":"source"}`,
		"a SHA-256 git commit is not an in-toto gitCommit (SHA-1 sized)")
}

// TestStatementRejects: an invalid statement is an error naming what is
// wrong, caught before anything is signed.
func TestStatementRejects(t *testing.T) {
	for name, c := range map[string]struct {
		change func(*provenance.Build)
		want   string
	}{
		"no subject":       {func(b *provenance.Build) { b.Subjects = nil }, "no subject"},
		"missing digest":   {func(b *provenance.Build) { b.Subjects[0].SHA256 = "" }, `subject "app/linux_arm64/default/app": sha256 "" is not 64 lowercase hex digits`},
		"short digest":     {func(b *provenance.Build) { b.Subjects[0].SHA256 = "abcd" }, "is not 64 lowercase hex digits"},
		"uppercase digest": {func(b *provenance.Build) { b.Subjects[0].SHA256 = strings.Repeat("AB", 32) }, "is not 64 lowercase hex digits"},
		"no name":          {func(b *provenance.Build) { b.Subjects[0].Name = "" }, "has no name"},
		"twice":            {func(b *provenance.Build) { b.Subjects[0].Name = b.Subjects[1].Name }, `subject "app/linux_amd64/default/app" is listed twice`},
		"no builder":       {func(b *provenance.Build) { b.BuilderID = "" }, "builder"},
		"manifest digest":  {func(b *provenance.Build) { b.Manifest.SHA256 = "xyz" }, `manifest "portmatrix.yaml": sha256 "xyz"`},
		"dependency":       {func(b *provenance.Build) { b.Dependencies[0].SHA256 = "12" }, `resolved dependency "zig cc": digest has incorrect length`},
	} {
		t.Run(name, func(t *testing.T) {
			b := build()
			c.change(&b)
			_, err := provenance.Statement(b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
