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
// sorted keys, no insignificant space. The same Build gives the same bytes,
// which is what lets two runs of one release, or a merge of its shards,
// write identical provenance.
//
// What it proves and what it does not: the statement is what portmatrix
// recorded of the run (every job's argv and env, the toolchains, the
// manifest's hash, the source commit), signed with the user's key when one
// is given (package signing). It is SLSA Build level 1 provenance: it does
// not prove the build ran on an isolated, hosted builder; that needs the
// CI's own attestation (docs/signing.md).
package provenance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	prov "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/portmatrix/portmatrix/pkg/signing"
)

// The types and URIs of what is written.
const (
	// StatementType is the in-toto Statement's _type.
	StatementType = ita.StatementTypeUri
	// PredicateType is SLSA provenance v1's predicate type.
	PredicateType = "https://slsa.dev/provenance/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// BuildType names portmatrix's build type; docs/signing.md defines
	// its parameters.
	BuildType = "https://github.com/portmatrix/portmatrix/blob/main/docs/signing.md#build-type-v1"
)

// Artifact is a subject (or the manifest): a name relative to the dist
// directory with forward slashes, and its hex SHA-256.
type Artifact struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// Job is one job of the build: its id and the exact argv and env it ran
// with (the plan's).
type Job struct {
	ID   string   `json:"id"`
	Argv []string `json:"argv"`
	Env  []string `json:"env,omitempty"`
}

// Dependency is a resolved dependency of the build: a toolchain (Name,
// Version, URI such as pkg:golang/stdlib@go1.26.8) or the source (Version
// is its commit).
type Dependency struct {
	Name, URI, Version, SHA256 string
}

// Build is everything the statement says.
type Build struct {
	// BuilderID is runDetails.builder.id.
	BuilderID string
	// Manifest is the manifest file and its SHA-256.
	Manifest Artifact
	// Source is the source commit (Version); zero when unknown.
	Source Dependency
	// Version is the release's version stamp.
	Version string
	// Jobs are the jobs that built the subjects.
	Jobs []Job
	// Dependencies are the toolchains.
	Dependencies []Dependency
	// InvocationID identifies the run; "" derives it from the subjects.
	InvocationID string
	// Started and Finished bound the run (to the second, UTC).
	Started, Finished time.Time
	// Subjects are the release's artifacts.
	Subjects []Artifact
}

// Statement is the in-toto Statement of b, deterministic JSON.
func Statement(b Build) ([]byte, error) {
	subjects := slices.Clone(b.Subjects)
	slices.SortFunc(subjects, func(x, y Artifact) int { return strings.Compare(x.Name, y.Name) })
	jobs := slices.Clone(b.Jobs)
	slices.SortFunc(jobs, func(x, y Job) int { return strings.Compare(x.ID, y.ID) })

	ext := map[string]any{
		"manifest": map[string]any{"path": b.Manifest.Name, "sha256": b.Manifest.SHA256},
		"jobs":     jobsValue(jobs),
	}
	if b.Version != "" {
		ext["version"] = b.Version
	}
	extPB, err := structpb.NewStruct(ext)
	if err != nil {
		return nil, err
	}
	var deps []*ita.ResourceDescriptor
	if b.Manifest.SHA256 != "" {
		deps = append(deps, &ita.ResourceDescriptor{Name: "manifest:" + b.Manifest.Name, Digest: map[string]string{"sha256": b.Manifest.SHA256}})
	}
	if b.Source.Version != "" {
		d := &ita.ResourceDescriptor{Name: "source", Uri: b.Source.URI, Digest: map[string]string{"gitCommit": b.Source.Version}}
		deps = append(deps, d)
	}
	for _, d := range b.Dependencies {
		rd := &ita.ResourceDescriptor{Name: d.Name, Uri: d.URI}
		if d.SHA256 != "" {
			rd.Digest = map[string]string{"sha256": d.SHA256}
		}
		if rd.Uri == "" && rd.Digest == nil {
			rd.Uri = "pkg:generic/" + strings.ReplaceAll(d.Name, " ", "-")
		}
		if d.Version != "" {
			rd.Annotations, _ = structpb.NewStruct(map[string]any{"version": d.Version})
		}
		deps = append(deps, rd)
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

// jobsValue is the jobs as structpb accepts them.
func jobsValue(jobs []Job) []any {
	out := make([]any, len(jobs))
	for i, j := range jobs {
		m := map[string]any{"id": j.ID, "argv": strs(j.Argv)}
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
// space: protojson's output, decoded and encoded again.
func canonical(m proto.Message) ([]byte, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
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

// Envelope wraps a statement in a DSSE envelope, signed with key (nil:
// no signature), as one JSON line ending in "\n".
func Envelope(ctx context.Context, statement []byte, key *signing.Key) ([]byte, error) {
	env := &dsse.Envelope{PayloadType: PayloadType, Payload: base64.StdEncoding.EncodeToString(statement), Signatures: []dsse.Signature{}}
	if key != nil {
		es, err := dsse.NewEnvelopeSigner(key.DSSE())
		if err != nil {
			return nil, err
		}
		if env, err = es.SignPayload(ctx, PayloadType, statement); err != nil {
			return nil, fmt.Errorf("signing the provenance with %s: %w", key, err)
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// ErrNotSigned is returned by Open when keys are given and an envelope
// has no signature.
var ErrNotSigned = errors.New("the provenance is not signed")
