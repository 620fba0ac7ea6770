package provenance_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/provenance"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

func build() provenance.Build {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	return provenance.Build{
		BuilderID: "https://github.com/portmatrix/portmatrix@v1.2.3",
		Manifest:  provenance.Artifact{Name: "portmatrix.yaml", SHA256: strings.Repeat("ab", 32)},
		Source:    provenance.Dependency{Name: "source", Version: "0123456789abcdef0123456789abcdef01234567"},
		Version:   "1.2.3",
		Jobs: []provenance.Job{
			{ID: "app/linux/arm64/default", Argv: []string{"go", "build", "-o", "x"}, Env: []string{"GOOS=linux", "GOARCH=arm64"}},
			{ID: "app/linux/amd64/default", Argv: []string{"go", "build", "-o", "y"}, Env: []string{"GOOS=linux", "GOARCH=amd64", "CC=zig cc -target x86_64-linux-gnu.2.17"}},
		},
		Dependencies: []provenance.Dependency{{Name: "go", Version: "go1.26.8", URI: "pkg:golang/stdlib@go1.26.8"}, {Name: "zig cc", Version: "0.11.0"}},
		Started:      t0, Finished: t0.Add(90 * time.Second),
		Subjects: []provenance.Artifact{
			{Name: "app/linux_arm64/default/app", SHA256: strings.Repeat("11", 32)},
			{Name: "app/linux_amd64/default/app", SHA256: strings.Repeat("22", 32)},
			{Name: "app/linux_amd64/default/app.cdx.json", SHA256: strings.Repeat("33", 32)},
		},
	}
}

func key(t *testing.T) *signing.Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	k, err := signing.LoadKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil, "test key")
	require.NoError(t, err)
	return k
}

func public(t *testing.T, k *signing.Key) *signing.PublicKey {
	t.Helper()
	p, err := signing.ParsePublicKey(k.PublicPEM(), "pub")
	require.NoError(t, err)
	return p
}

func TestStatement(t *testing.T) {
	st, err := provenance.Statement(build())
	require.NoError(t, err)
	again, err := provenance.Statement(build())
	require.NoError(t, err)
	assert.Equal(t, st, again, "deterministic")

	// Input order does not matter; content does.
	b := build()
	b.Subjects[0], b.Subjects[2] = b.Subjects[2], b.Subjects[0]
	b.Jobs[0], b.Jobs[1] = b.Jobs[1], b.Jobs[0]
	reordered, err := provenance.Statement(b)
	require.NoError(t, err)
	assert.Equal(t, st, reordered)
	b.Subjects[1].SHA256 = strings.Repeat("44", 32)
	changed, err := provenance.Statement(b)
	require.NoError(t, err)
	assert.NotEqual(t, st, changed)

	var doc struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate struct {
			BuildDefinition struct {
				BuildType          string `json:"buildType"`
				ExternalParameters struct {
					Jobs []struct {
						ID   string   `json:"id"`
						Argv []string `json:"argv"`
						Env  []string `json:"env"`
					} `json:"jobs"`
					Manifest map[string]string `json:"manifest"`
					Version  string            `json:"version"`
				} `json:"externalParameters"`
				ResolvedDependencies []map[string]any `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder  map[string]any    `json:"builder"`
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
	assert.Equal(t, "app/linux_amd64/default/app", doc.Subject[0].Name, "sorted by name")
	assert.Equal(t, map[string]string{"sha256": strings.Repeat("22", 32)}, doc.Subject[0].Digest)
	bd := doc.Predicate.BuildDefinition
	assert.Equal(t, provenance.BuildType, bd.BuildType)
	require.Len(t, bd.ExternalParameters.Jobs, 2)
	assert.Equal(t, "app/linux/amd64/default", bd.ExternalParameters.Jobs[0].ID)
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=amd64", "CC=zig cc -target x86_64-linux-gnu.2.17"}, bd.ExternalParameters.Jobs[0].Env)
	assert.Equal(t, "1.2.3", bd.ExternalParameters.Version)
	assert.Equal(t, "portmatrix.yaml", bd.ExternalParameters.Manifest["path"])
	require.Len(t, bd.ResolvedDependencies, 4)
	assert.Equal(t, "source", bd.ResolvedDependencies[1]["name"])
	assert.Equal(t, "pkg:generic/zig-cc", bd.ResolvedDependencies[3]["uri"])
	assert.Equal(t, "https://github.com/portmatrix/portmatrix@v1.2.3", doc.Predicate.RunDetails.Builder["id"])
	assert.Equal(t, "2026-12-01T10:00:00Z", doc.Predicate.RunDetails.Metadata["startedOn"])
	assert.Equal(t, "2026-12-01T10:01:30Z", doc.Predicate.RunDetails.Metadata["finishedOn"])
	assert.True(t, strings.HasPrefix(doc.Predicate.RunDetails.Metadata["invocationId"], "sha256:"))

	_, err = provenance.Statement(provenance.Build{BuilderID: "x"})
	assert.ErrorContains(t, err, "subject", "a statement needs subjects")
	bad := build()
	bad.BuilderID = ""
	_, err = provenance.Statement(bad)
	assert.ErrorContains(t, err, "builder")
}

// TestEnvelopeVerifiedBySecuresystemslib signs a statement and verifies the
// line with securesystemslib's verifier loaded from the public PEM, then
// reads it back with Open.
func TestEnvelope(t *testing.T) {
	ctx := context.Background()
	st, err := provenance.Statement(build())
	require.NoError(t, err)
	k := key(t)
	line, err := provenance.Envelope(ctx, st, k)
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(line, []byte("}\n")))
	require.Equal(t, 1, bytes.Count(line, []byte("\n")), "one line")
	again, err := provenance.Envelope(ctx, st, k)
	require.NoError(t, err)
	assert.Equal(t, line, again, "ed25519: byte-identical envelopes")

	var env dsse.Envelope
	require.NoError(t, json.Unmarshal(line, &env))
	ssl, err := signerverifier.LoadKey(k.PublicPEM())
	require.NoError(t, err)
	sv, err := signerverifier.NewED25519SignerVerifierFromSSLibKey(ssl)
	require.NoError(t, err)
	ev, err := dsse.NewEnvelopeVerifier(sv)
	require.NoError(t, err)
	_, err = ev.Verify(ctx, &env)
	require.NoError(t, err)

	v, err := provenance.Open(ctx, line, public(t, k))
	require.NoError(t, err)
	assert.True(t, v.Signed)
	assert.Equal(t, []string{k.KeyID()}, v.KeyIDs)
	assert.Len(t, v.Subjects, 3)

	_, err = provenance.Open(ctx, line, public(t, key(t)))
	assert.ErrorContains(t, err, "line 1: no signature verifies with the keys given")

	unsigned, err := provenance.Envelope(ctx, st, nil)
	require.NoError(t, err)
	v, err = provenance.Open(ctx, unsigned)
	require.NoError(t, err)
	assert.False(t, v.Signed)
	_, err = provenance.Open(ctx, unsigned, public(t, k))
	assert.ErrorIs(t, err, provenance.ErrNotSigned)
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	envOf := func(payloadType, payload string) []byte {
		b, _ := json.Marshal(dsse.Envelope{PayloadType: payloadType, Payload: base64.StdEncoding.EncodeToString([]byte(payload)), Signatures: []dsse.Signature{}})
		return b
	}
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"empty":           {[]byte("\n\n"), "no DSSE envelope"},
		"garbage":         {[]byte("{nope"), "line 1: not a DSSE envelope"},
		"payload type":    {envOf("text/plain", "{}"), `payloadType "text/plain"`},
		"not a stmt":      {envOf(provenance.PayloadType, "[1,2]"), "not an in-toto statement"},
		"old statement":   {envOf(provenance.PayloadType, `{"_type":"https://in-toto.io/Statement/v0.1"}`), "_type"},
		"no subject":      {envOf(provenance.PayloadType, `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), "subject"},
		"wrong predicate": {envOf(provenance.PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"`+strings.Repeat("00", 32)+`"}}],"predicateType":"https://example.com/x","predicate":{}}`), "predicateType"},
		"second line bad": {append(append(envOf(provenance.PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"`+strings.Repeat("00", 32)+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), '\n'), []byte("x\n")...), "line 2:"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := provenance.Open(ctx, c.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func FuzzOpen(f *testing.F) {
	st, err := provenance.Statement(build())
	if err != nil {
		f.Fatal(err)
	}
	line, err := provenance.Envelope(context.Background(), st, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(line)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := provenance.Open(context.Background(), data)
		if err == nil && v.Statements == 0 {
			t.Fatal("no error and no statement")
		}
	})
}
