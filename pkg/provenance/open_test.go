package provenance_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/provenance"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

// newKey is a fresh ed25519 key, or ECDSA P-256 when ec is set.
func newKey(t testing.TB, ec bool) *signing.Key {
	t.Helper()
	var priv any
	var err error
	if ec {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	}
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	k, err := signing.LoadKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil, "test key")
	require.NoError(t, err)
	return k
}

func public(t testing.TB, k *signing.Key) *signing.PublicKey {
	t.Helper()
	p, err := signing.ParsePublicKey(k.PublicPEM(), "pub")
	require.NoError(t, err)
	return p
}

func decodeLine(t *testing.T, line []byte) *dsse.Envelope {
	t.Helper()
	var env dsse.Envelope
	require.NoError(t, json.Unmarshal(line, &env))
	return &env
}

func encodeLine(t *testing.T, env *dsse.Envelope) []byte {
	t.Helper()
	b, err := json.Marshal(env)
	require.NoError(t, err)
	return append(b, '\n')
}

// TestEnvelope signs a statement with ed25519 and ECDSA keys, verifies the
// line with securesystemslib's verifier loaded from the public PEM (not
// our code), and reads it back with Open.
func TestEnvelope(t *testing.T) {
	ctx := context.Background()
	st := statement(t, build())
	for _, ec := range []bool{false, true} {
		k := newKey(t, ec)
		t.Run(strings.Fields(k.String())[0], func(t *testing.T) {
			line, err := provenance.Envelope(ctx, st, k)
			require.NoError(t, err)
			require.True(t, bytes.HasSuffix(line, []byte("}\n")))
			require.Equal(t, 1, bytes.Count(line, []byte("\n")), "one line")
			again, err := provenance.Envelope(ctx, st, k)
			require.NoError(t, err)
			assert.Equal(t, string(line), string(again), "byte-identical envelopes (ECDSA too: RFC 6979)")

			env := decodeLine(t, line)
			assert.Equal(t, provenance.PayloadType, env.PayloadType)
			ssl, err := signerverifier.LoadKey(k.PublicPEM())
			require.NoError(t, err)
			var sv dsse.Verifier
			if ec {
				sv, err = signerverifier.NewECDSASignerVerifierFromSSLibKey(ssl)
			} else {
				sv, err = signerverifier.NewED25519SignerVerifierFromSSLibKey(ssl)
			}
			require.NoError(t, err)
			ev, err := dsse.NewEnvelopeVerifier(sv)
			require.NoError(t, err)
			_, payload, err := ev.VerifyAndDecode(ctx, env)
			require.NoError(t, err, "securesystemslib verifies")
			assert.Equal(t, string(st), string(payload))

			v, err := provenance.Open(ctx, line, public(t, k))
			require.NoError(t, err)
			assert.True(t, v.Signed)
			assert.Equal(t, []string{k.KeyID()}, v.KeyIDs)
			require.Len(t, v.Lines, 1)
			assert.Equal(t, 1, v.Lines[0].Number)
			assert.Equal(t, string(st), string(v.Lines[0].Payload))
			assert.Equal(t, "https://github.com/portmatrix/portmatrix@v1.2.3", v.Lines[0].Predicate.GetRunDetails().GetBuilder().GetId())
			assert.Equal(t, provenance.BuildType, v.Lines[0].Predicate.GetBuildDefinition().GetBuildType())
			assert.Equal(t, []provenance.Artifact{
				{Name: "app/linux_amd64/default/app", SHA256: strings.Repeat("22", 32)},
				{Name: "app/linux_amd64/default/app.cdx.json", SHA256: strings.Repeat("33", 32)},
				{Name: "app/linux_arm64/default/app", SHA256: strings.Repeat("11", 32)},
			}, v.Subjects)

			// The wrong key, a changed payload, a flipped signature.
			_, err = provenance.Open(ctx, line, public(t, newKey(t, ec)))
			assert.ErrorContains(t, err, "line 1: no signature verifies with the keys given (SHA256:")
			changed := *env
			changed.Payload = base64.StdEncoding.EncodeToString(bytes.Replace(st, []byte("1.2.3"), []byte("1.2.4"), 1))
			_, err = provenance.Open(ctx, encodeLine(t, &changed), public(t, k))
			assert.ErrorContains(t, err, "line 1: no signature verifies")
			sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
			require.NoError(t, err)
			sig[3] ^= 0x10
			flipped := *env
			flipped.Signatures = []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}
			_, err = provenance.Open(ctx, encodeLine(t, &flipped), public(t, k))
			assert.ErrorContains(t, err, "line 1: no signature verifies")

			// A keyid is an unauthenticated hint: another tool's id does not
			// stop the signature from verifying, nor does a repeated key.
			hinted := *env
			hinted.Signatures = []dsse.Signature{{KeyID: "some-other-scheme", Sig: env.Signatures[0].Sig}}
			v, err = provenance.Open(ctx, encodeLine(t, &hinted), public(t, newKey(t, ec)), public(t, k), public(t, k))
			require.NoError(t, err)
			assert.Equal(t, []string{k.KeyID()}, v.KeyIDs)
		})
	}
}

// TestEnvelopeUnsigned: without a key the envelope has no signature; Open
// reads it and says so, and refuses it when keys are given.
func TestEnvelopeUnsigned(t *testing.T) {
	ctx := context.Background()
	st := statement(t, build())
	unsigned, err := provenance.Envelope(ctx, st, nil)
	require.NoError(t, err)
	assert.Contains(t, string(unsigned), `"signatures":[]`)
	v, err := provenance.Open(ctx, unsigned)
	require.NoError(t, err)
	assert.False(t, v.Signed)
	assert.Empty(t, v.KeyIDs)
	assert.Len(t, v.Subjects, 3)
	_, err = provenance.Open(ctx, unsigned, public(t, newKey(t, false)))
	assert.ErrorIs(t, err, provenance.ErrNotSigned)
	assert.ErrorContains(t, err, "line 1:")

	// A signed line without keys: Signed, but nothing verified.
	signed, err := provenance.Envelope(ctx, st, newKey(t, false))
	require.NoError(t, err)
	v, err = provenance.Open(ctx, signed)
	require.NoError(t, err)
	assert.True(t, v.Signed)
	assert.Empty(t, v.KeyIDs)

	_, err = provenance.Envelope(ctx, []byte("not json"), nil)
	assert.ErrorContains(t, err, "not a JSON object")
}

// TestOpenSeveralLines: envelopes on several lines (and blank lines) are
// all read, each verified; Signed needs every line signed.
func TestOpenSeveralLines(t *testing.T) {
	ctx := context.Background()
	k := newKey(t, true)
	one := statement(t, build())
	b := build()
	b.Subjects = []provenance.Artifact{{Name: "other", SHA256: strings.Repeat("99", 32)}}
	two := statement(t, b)
	l1, err := provenance.Envelope(ctx, one, k)
	require.NoError(t, err)
	l2, err := provenance.Envelope(ctx, two, k)
	require.NoError(t, err)
	file := append(append(append([]byte{}, l1...), '\n'), l2...)
	v, err := provenance.Open(ctx, file, public(t, k))
	require.NoError(t, err)
	require.Len(t, v.Lines, 2)
	assert.Equal(t, 1, v.Lines[0].Number)
	assert.Equal(t, 3, v.Lines[1].Number)
	assert.Len(t, v.Subjects, 4)
	assert.Equal(t, "other", v.Subjects[3].Name)

	unsigned, err := provenance.Envelope(ctx, two, nil)
	require.NoError(t, err)
	v, err = provenance.Open(ctx, append(append([]byte{}, l1...), unsigned...))
	require.NoError(t, err)
	assert.False(t, v.Signed, "one unsigned line")
	_, err = provenance.Open(ctx, append(append([]byte{}, l1...), unsigned...), public(t, k))
	assert.ErrorContains(t, err, "line 2: the provenance is not signed")
}

// envelopeOf is an unsigned envelope line of any payload.
func envelopeOf(payloadType, payload string) []byte {
	b, _ := json.Marshal(dsse.Envelope{PayloadType: payloadType, Payload: base64.StdEncoding.EncodeToString([]byte(payload)), Signatures: []dsse.Signature{}})
	return append(b, '\n')
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	digest := strings.Repeat("00", 32)
	subject := `"subject":[{"name":"a","digest":{"sha256":"` + digest + `"}}]`
	validPredicate := `{"buildDefinition":{"buildType":"x","externalParameters":{"a":1}},"runDetails":{"builder":{"id":"b"}}}`
	stmt := func(parts ...string) string {
		return `{"_type":"https://in-toto.io/Statement/v1",` + strings.Join(parts, ",") + `}`
	}
	good := envelopeOf(provenance.PayloadType, stmt(subject, `"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":`+validPredicate))
	_, err := provenance.Open(ctx, good)
	require.NoError(t, err, "the base case is valid")

	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"nothing":          {nil, "no DSSE envelope in it"},
		"blank lines":      {[]byte("\n \n\n"), "no DSSE envelope in it"},
		"garbage":          {[]byte("{nope"), "line 1: not a DSSE envelope"},
		"json array":       {[]byte("[1,2]"), "line 1: not a DSSE envelope"},
		"oversize":         {make([]byte, provenance.MaxBytes+1), "67108865 bytes, more than the 64 MiB a provenance file may have"},
		"payload type":     {envelopeOf("text/plain", "{}"), `line 1: payloadType "text/plain", want "application/vnd.in-toto+json"`},
		"payload base64":   {[]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"%%%","signatures":[]}`), "line 1: payload is not base64"},
		"not a statement":  {envelopeOf(provenance.PayloadType, "[1,2]"), "line 1: not an in-toto statement"},
		"old statement":    {envelopeOf(provenance.PayloadType, `{"_type":"https://in-toto.io/Statement/v0.1"}`), `line 1: _type "https://in-toto.io/Statement/v0.1", want "https://in-toto.io/Statement/v1"`},
		"no subject":       {envelopeOf(provenance.PayloadType, stmt(`"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":`+validPredicate)), "line 1: in-toto statement: at least one subject required"},
		"no digest":        {envelopeOf(provenance.PayloadType, stmt(`"subject":[{"name":"a"}]`, `"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":`+validPredicate)), "line 1: in-toto statement: at least one digest required"},
		"bad digest":       {envelopeOf(provenance.PayloadType, stmt(`"subject":[{"name":"a","digest":{"sha256":"abcd"}}]`, `"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":`+validPredicate)), "line 1: in-toto statement: digest has incorrect length"},
		"sha512 only":      {envelopeOf(provenance.PayloadType, stmt(`"subject":[{"name":"a","digest":{"sha512":"`+strings.Repeat("00", 64)+`"}}]`, `"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":`+validPredicate)), `line 1: subject "a" has no sha256 digest`},
		"wrong predicate":  {envelopeOf(provenance.PayloadType, stmt(subject, `"predicateType":"https://example.com/x"`, `"predicate":{}`)), `line 1: predicateType "https://example.com/x", want "https://slsa.dev/provenance/v1"`},
		"empty predicate":  {envelopeOf(provenance.PayloadType, stmt(subject, `"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":{}`)), "line 1: predicate: buildDefinition required"},
		"no builder":       {envelopeOf(provenance.PayloadType, stmt(subject, `"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":{"buildDefinition":{"buildType":"x","externalParameters":{"a":1}},"runDetails":{"metadata":{}}}`)), "line 1: predicate:"},
		"mistyped field":   {envelopeOf(provenance.PayloadType, stmt(subject, `"predicateType":"https://slsa.dev/provenance/v1"`, `"predicate":{"buildDefinition":5}`)), "line 1: predicate is not SLSA provenance v1"},
		"third line bad":   {append(append(append([]byte{}, good...), '\n'), []byte("x\n")...), "line 3: not a DSSE envelope"},
		"statement as env": {[]byte(stmt(subject)), "line 1: payloadType \"\""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := provenance.Open(ctx, c.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// FuzzOpen: any input gives a result or an error, never a panic, with or
// without a key; a result always has a line, and with a key it names it.
func FuzzOpen(f *testing.F) {
	ctx := context.Background()
	k := newKey(f, false)
	pub := public(f, k)
	st, err := provenance.Statement(build())
	require.NoError(f, err)
	for _, key := range []*signing.Key{nil, k} {
		line, err := provenance.Envelope(ctx, st, key)
		require.NoError(f, err)
		f.Add(line)
	}
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AAAA"}]}`))
	f.Add(envelopeOf(provenance.PayloadType, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"`+strings.Repeat("00", 32)+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := provenance.Open(ctx, data)
		if err == nil && len(v.Lines) == 0 {
			t.Fatal("no error and no line")
		}
		v, err = provenance.Open(ctx, data, pub)
		if err == nil && (len(v.KeyIDs) != 1 || !v.Signed) {
			t.Fatalf("verified without naming the key: %+v", v)
		}
	})
}
