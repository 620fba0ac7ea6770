package signing_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/signing"
)

const (
	payloadType = "application/vnd.in-toto+json"
	payload     = `{"_type":"https://in-toto.io/Statement/v1"}`
)

// sslVerifier is securesystemslib's own verifier for a PEM public key,
// loaded by its own loader: an implementation that is not ours.
func sslVerifier(t *testing.T, pemKey []byte) dsse.Verifier {
	t.Helper()
	ssl, err := signerverifier.LoadKey(pemKey)
	require.NoError(t, err)
	var v dsse.Verifier
	switch ssl.KeyType {
	case signerverifier.ED25519KeyType:
		v, err = signerverifier.NewED25519SignerVerifierFromSSLibKey(ssl)
	case signerverifier.ECDSAKeyType:
		v, err = signerverifier.NewECDSASignerVerifierFromSSLibKey(ssl)
	default:
		t.Fatalf("securesystemslib read a %s key", ssl.KeyType)
	}
	require.NoError(t, err)
	return v
}

// TestDSSEVerifiedBySecuresystemslib signs a DSSE envelope with every kind
// of key and verifies it with securesystemslib's verifier loaded from
// PublicPEM, and the raw signature over the PAE with openssl (a third
// implementation, the one cosign users have at hand); a changed payload, a
// changed signature and another key fail.
func TestDSSEVerifiedBySecuresystemslib(t *testing.T) {
	ctx := context.Background()
	keys := allKeys(t)
	openssl := tool(t, "apt-get install openssl", "openssl")
	other := signing.MustPublic(t, goKey(t))
	for _, kf := range keys {
		t.Run(kf.name, func(t *testing.T) {
			k := load(t, kf)
			es, err := dsse.NewEnvelopeSigner(k.DSSE())
			require.NoError(t, err)
			env, err := es.SignPayload(ctx, payloadType, []byte(payload))
			require.NoError(t, err)
			require.Len(t, env.Signatures, 1)
			assert.Empty(t, env.Signatures[0].KeyID, "no key id: verifiers try every key")
			again, err := es.SignPayload(ctx, payloadType, []byte(payload))
			require.NoError(t, err)
			assert.Equal(t, env.Signatures[0].Sig, again.Signatures[0].Sig, "deterministic (ed25519; ECDSA by RFC 6979)")

			ev, err := dsse.NewEnvelopeVerifier(sslVerifier(t, k.PublicPEM()))
			require.NoError(t, err)
			_, err = ev.Verify(ctx, env)
			require.NoError(t, err, "securesystemslib verifies")

			tampered := *env
			tampered.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(payload, "v1", "v2", 1)))
			_, err = ev.Verify(ctx, &tampered)
			assert.Error(t, err, "changed payload")
			retyped := *env
			retyped.PayloadType = "text/plain"
			_, err = ev.Verify(ctx, &retyped)
			assert.Error(t, err, "changed payload type (it is in the PAE)")
			sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
			require.NoError(t, err)
			sig[len(sig)/2] ^= 1
			flipped := *env
			flipped.Signatures = []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}
			_, err = ev.Verify(ctx, &flipped)
			assert.Error(t, err, "changed signature")

			evOther, err := dsse.NewEnvelopeVerifier(other.DSSE())
			require.NoError(t, err)
			_, err = evOther.Verify(ctx, env)
			assert.Error(t, err, "another key")

			// Our verifier, from the PEM, agrees.
			pub, err := signing.ParsePublicKey(k.PublicPEM(), "pub.pem")
			require.NoError(t, err)
			evOurs, err := dsse.NewEnvelopeVerifier(pub.DSSE())
			require.NoError(t, err)
			_, err = evOurs.Verify(ctx, env)
			assert.NoError(t, err)
			_, err = evOurs.Verify(ctx, &tampered)
			assert.Error(t, err)

			if openssl != "" {
				opensslVerifies(t, openssl, kf, k, env)
			}
		})
	}
}

// opensslVerifies checks the envelope's signature over the PAE with
// openssl, and that a changed PAE fails.
func opensslVerifies(t *testing.T, openssl string, kf keyFile, k *signing.Key, env *dsse.Envelope) {
	t.Helper()
	dir := t.TempDir()
	body, err := env.DecodeB64Payload()
	require.NoError(t, err)
	sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	require.NoError(t, err)
	pubFile, paeFile, sigFile := filepath.Join(dir, "pub.pem"), filepath.Join(dir, "pae"), filepath.Join(dir, "sig")
	require.NoError(t, os.WriteFile(pubFile, k.PublicPEM(), 0o644))
	require.NoError(t, os.WriteFile(sigFile, sig, 0o644))
	verify := func(pae []byte) (string, error) {
		require.NoError(t, os.WriteFile(paeFile, pae, 0o644))
		if !kf.ecdsa {
			return command(t, nil, openssl, "pkeyutl", "-verify", "-pubin", "-inkey", pubFile, "-rawin", "-in", paeFile, "-sigfile", sigFile)
		}
		digest := map[int]string{256: "-sha256", 384: "-sha384", 521: "-sha512"}[k.Public().(*ecdsa.PublicKey).Curve.Params().BitSize]
		return command(t, nil, openssl, "dgst", digest, "-verify", pubFile, "-signature", sigFile, paeFile)
	}
	pae := dsse.PAE(env.PayloadType, body)
	out, err := verify(pae)
	require.NoError(t, err, "openssl: %s", out)
	assert.Contains(t, out, "Verified")
	pae[len(pae)-2] ^= 1
	out, err = verify(pae)
	assert.Error(t, err, "openssl must refuse a changed PAE: %s", out)
}

// TestECDSAIsRFC6979 checks the ECDSA DSSE signatures against RFC 6979's
// own test vectors (A.2.5 P-256 with SHA-256, A.2.6 P-384 with SHA-384,
// message "sample"): the signatures are deterministic because they are
// RFC 6979's, with the hash DSSE verifiers expect for the curve.
func TestECDSAIsRFC6979(t *testing.T) {
	for _, c := range []struct {
		curve   elliptic.Curve
		d, r, s string
	}{
		{elliptic.P256(),
			"C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
			"EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
			"F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
		{elliptic.P384(),
			"6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5",
			"94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46",
			"99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8"},
	} {
		t.Run(c.curve.Params().Name, func(t *testing.T) {
			d, err := hex.DecodeString(c.d)
			require.NoError(t, err)
			priv, err := ecdsa.ParseRawPrivateKey(c.curve, d)
			require.NoError(t, err)
			der, err := x509.MarshalPKCS8PrivateKey(priv)
			require.NoError(t, err)
			k, err := signing.LoadKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil, "rfc6979")
			require.NoError(t, err)
			sig, err := k.DSSE().Sign(context.Background(), []byte("sample"))
			require.NoError(t, err)
			var rs struct{ R, S *big.Int }
			rest, err := asn1.Unmarshal(sig, &rs)
			require.NoError(t, err, "ASN.1 DER")
			require.Empty(t, rest)
			assert.Equal(t, strings.ToLower(c.r), hex.EncodeToString(rs.R.FillBytes(make([]byte, len(c.r)/2))))
			assert.Equal(t, strings.ToLower(c.s), hex.EncodeToString(rs.S.FillBytes(make([]byte, len(c.s)/2))))
		})
	}
}
