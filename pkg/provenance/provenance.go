// Package provenance writes and reads the SLSA provenance v1 of a release:
// an in-toto Statement v1 whose subjects are the release's artifacts and
// whose predicate says how they were built, wrapped in a DSSE envelope and
// written as one JSON line (`*.intoto.jsonl`, the form slsa-verifier,
// cosign and in-toto read).
//
// The statement is built with the in-toto attestation Go types (Statement,
// ResourceDescriptor, the provenance predicate) and checked with their
// Validate methods. Their protojson encoding is deliberately unstable
// (random spaces), so the bytes are re-encoded through encoding/json:
// sorted keys, no insignificant space, subjects sorted by name, jobs by id,
// dependencies by name. The same Build gives the same bytes, which is what
// lets two runs of one release, or a merge of its shards, write identical
// provenance, provided the caller passes the same times: see Build.Started.
//
// Threat model. The statement is what portmatrix recorded of the run
// (every job's argv and env, the toolchains, the manifest's hash, the
// source commit), signed with the user's key when one is given (package
// signing). A verified signature proves the key holder vouches for that
// record and for the subjects' hashes; it does not prove the record is
// complete or true, nor that the build ran on an isolated, hosted builder:
// this is SLSA Build level 1 provenance. Higher levels need the CI's own
// attestation (docs/signing.md). Open treats its input as hostile: bounded
// size, every line checked, no panics (fuzzed).
package provenance

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	prov "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The types and URIs of what is written.
const (
	// StatementType is the in-toto Statement's _type.
	StatementType = ita.StatementTypeUri
	// PredicateType is SLSA provenance v1's predicate type.
	PredicateType = "https://slsa.dev/provenance/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// BuildType names portmatrix's build type; the section of
	// docs/signing.md it points to defines its parameters.
	BuildType = "https://github.com/portmatrix/portmatrix/blob/main/docs/signing.md#build-type-v1"
)

// Artifact is a subject (or the manifest): a name relative to the dist
// directory (the manifest: to the repository) with forward slashes, and
// its SHA-256 as 64 lowercase hex digits.
type Artifact struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Job is one job of the build: its id, the directory it ran in and the
// exact argv and env it ran with (the plan's; env is what the job set on
// top of what it inherits).
type Job struct {
	ID string `json:"id"`
	// Dir is the working directory relative to the manifest's, with
	// forward slashes; "" leaves it out. An absolute path would make the
	// statement differ between machines.
	Dir  string   `json:"dir,omitempty"`
	Argv []string `json:"argv"`
	Env  []string `json:"env,omitempty"`
}

// Dependency is a resolved dependency of the build: a toolchain (Name,
// Version, URI such as pkg:golang/stdlib@go1.26.8, SHA256 of its binary
// when known) or the source (URI its git remote, Version its commit).
type Dependency struct {
	Name, URI, Version, SHA256 string
}

// Build is everything the statement says.
type Build struct {
	// BuilderID is runDetails.builder.id: what ran the build, such as
	// "https://github.com/portmatrix/portmatrix@v1.2.3" or a CI's URI.
	BuilderID string
	// Manifest is the manifest file and the SHA-256 of its bytes.
	Manifest Artifact
	// Source is the source repository: URI its remote in the SPDX form
	// ("git+https://github.com/org/repo"), "" when unknown (a local path
	// is machine-specific and proves nothing to a consumer, so it is not
	// made up); Version its commit. All zero leaves it out.
	Source Dependency
	// Version is the release's version stamp.
	Version string
	// Jobs are the jobs that built the subjects.
	Jobs []Job
	// Dependencies are the toolchains: Go, each C compiler, zig.
	Dependencies []Dependency
	// InvocationID identifies the run; "" derives it from the subjects'
	// names and hashes, so one release has one id.
	InvocationID string
	// Started and Finished bound the run; they are written to the second,
	// in UTC, and left out when zero. They are the only inputs that
	// change from run to run: for byte-identical provenance, pass times
	// clamped to SOURCE_DATE_EPOCH (the reproducible-builds rule: a time
	// later than SOURCE_DATE_EPOCH becomes SOURCE_DATE_EPOCH), as the
	// pipeline does.
	Started, Finished time.Time
	// Subjects are the release's artifacts; at least one.
	Subjects []Artifact
}

// Statement is the in-toto Statement of b as deterministic JSON (no
// trailing newline): the same Build gives the same bytes, whatever the
// order of its subjects, jobs and dependencies. It fails when b would make
// an invalid statement: no subject, a subject without a name or a valid
// SHA-256, a subject listed twice, no builder id.
func Statement(b Build) ([]byte, error) {
	subjects, err := sortedSubjects(b.Subjects)
	if err != nil {
		return nil, err
	}
	jobs := slices.Clone(b.Jobs)
	slices.SortStableFunc(jobs, func(x, y Job) int { return strings.Compare(x.ID, y.ID) })

	ext := map[string]any{
		"manifest": map[string]any{"path": b.Manifest.Name, "sha256": b.Manifest.SHA256},
		"jobs":     jobsValue(jobs),
	}
	if b.Version != "" {
		ext["version"] = b.Version
	}
	extPB, err := structpb.NewStruct(ext)
	if err != nil {
		return nil, fmt.Errorf("external parameters: %w", err)
	}
	deps, err := dependencies(b)
	if err != nil {
		return nil, err
	}
	invocation := b.InvocationID
	if invocation == "" {
		h := sha256.New()
		for _, s := range subjects {
			fmt.Fprintf(h, "%s\x00%s\n", s.Name, s.SHA256)
		}
		invocation = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	pred := &prov.Provenance{
		BuildDefinition: &prov.BuildDefinition{BuildType: BuildType, ExternalParameters: extPB, ResolvedDependencies: deps},
		RunDetails: &prov.RunDetails{
			Builder:  &prov.Builder{Id: b.BuilderID},
			Metadata: &prov.BuildMetadata{InvocationId: invocation},
		},
	}
	if !b.Started.IsZero() {
		pred.RunDetails.Metadata.StartedOn = timestamppb.New(b.Started.UTC().Truncate(time.Second))
	}
	if !b.Finished.IsZero() {
		pred.RunDetails.Metadata.FinishedOn = timestamppb.New(b.Finished.UTC().Truncate(time.Second))
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("provenance predicate: %w", err)
	}
	predPB, err := toStruct(pred)
	if err != nil {
		return nil, err
	}
	st := &ita.Statement{Type: StatementType, PredicateType: PredicateType, Predicate: predPB}
	for _, s := range subjects {
		st.Subject = append(st.Subject, &ita.ResourceDescriptor{Name: s.Name, Digest: map[string]string{"sha256": s.SHA256}})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	return canonical(st)
}

// sortedSubjects checks the subjects and sorts them by name.
func sortedSubjects(in []Artifact) ([]Artifact, error) {
	if len(in) == 0 {
		return nil, errors.New("in-toto statement: no subject: the release has no artifact to name")
	}
	out := slices.Clone(in)
	slices.SortFunc(out, func(x, y Artifact) int { return strings.Compare(x.Name, y.Name) })
	for i, s := range out {
		if s.Name == "" {
			return nil, fmt.Errorf("subject with sha256 %q has no name", s.SHA256)
		}
		if !isSHA256(s.SHA256) {
			return nil, fmt.Errorf("subject %q: sha256 %q is not 64 lowercase hex digits", s.Name, s.SHA256)
		}
		if i > 0 && out[i-1].Name == s.Name {
			return nil, fmt.Errorf("subject %q is listed twice", s.Name)
		}
	}
	return out, nil
}

func isSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size && s == strings.ToLower(s)
}

// dependencies are the resolved dependencies: the manifest, the source,
// then the toolchains sorted by name and version, duplicates dropped.
func dependencies(b Build) ([]*ita.ResourceDescriptor, error) {
	var deps []*ita.ResourceDescriptor
	if m := b.Manifest; m.SHA256 != "" {
		if !isSHA256(m.SHA256) {
			return nil, fmt.Errorf("manifest %q: sha256 %q is not 64 lowercase hex digits", m.Name, m.SHA256)
		}
		deps = append(deps, &ita.ResourceDescriptor{Name: "manifest:" + m.Name, Digest: map[string]string{"sha256": m.SHA256}})
	}
	if src := b.Source; src.URI != "" || src.Version != "" || src.SHA256 != "" {
		rd := &ita.ResourceDescriptor{Name: cmp.Or(src.Name, "source"), Uri: src.URI, Digest: map[string]string{}}
		if isGitCommit(src.Version) {
			rd.Digest["gitCommit"] = src.Version
		} else if src.Version != "" {
			// A SHA-256 git repository's commit, or a tag: in-toto's
			// gitCommit is SHA-1 sized.
			rd.Annotations, _ = structpb.NewStruct(map[string]any{"version": src.Version})
		}
		if src.SHA256 != "" {
			rd.Digest["sha256"] = src.SHA256
		}
		if len(rd.Digest) == 0 {
			rd.Digest = nil
		}
		deps = append(deps, rd)
	}
	tools := slices.Clone(b.Dependencies)
	slices.SortFunc(tools, func(x, y Dependency) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Version, y.Version),
			strings.Compare(x.URI, y.URI), strings.Compare(x.SHA256, y.SHA256))
	})
	tools = slices.Compact(tools)
	for _, d := range tools {
		rd := &ita.ResourceDescriptor{Name: d.Name, Uri: d.URI}
		if d.SHA256 != "" {
			rd.Digest = map[string]string{"sha256": d.SHA256}
		}
		if rd.Uri == "" && rd.Digest == nil {
			rd.Uri = "pkg:generic/" + url.PathEscape(strings.ReplaceAll(d.Name, " ", "-"))
			if d.Version != "" {
				rd.Uri += "@" + url.PathEscape(d.Version)
			}
		}
		if d.Version != "" {
			rd.Annotations, _ = structpb.NewStruct(map[string]any{"version": d.Version})
		}
		deps = append(deps, rd)
	}
	for _, rd := range deps {
		if err := rd.Validate(); err != nil {
			return nil, fmt.Errorf("resolved dependency %q: %w", rd.GetName(), err)
		}
	}
	return deps, nil
}

// isGitCommit says whether v is a SHA-1 git commit id, the size in-toto's
// gitCommit digest takes.
func isGitCommit(v string) bool {
	b, err := hex.DecodeString(v)
	return err == nil && len(b) == 20
}

// jobsValue is the jobs as structpb accepts them.
func jobsValue(jobs []Job) []any {
	out := make([]any, len(jobs))
	for i, j := range jobs {
		m := map[string]any{"id": j.ID, "argv": strs(j.Argv)}
		if j.Dir != "" {
			m["dir"] = j.Dir
		}
		if len(j.Env) > 0 {
			m["env"] = strs(j.Env)
		}
		out[i] = m
	}
	return out
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// toStruct is a message as a google.protobuf.Struct (its JSON form).
func toStruct(m proto.Message) (*structpb.Struct, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(b, s); err != nil {
		return nil, err
	}
	return s, nil
}

// canonical is the message's JSON with sorted keys and no insignificant
// space: protojson's output, decoded and encoded again by encoding/json
// (which sorts map keys). Numbers stay as written (UseNumber).
func canonical(m proto.Message) ([]byte, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}
