package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// DSSE is the key as a signer for go-securesystemslib's dsse package:
// ed25519 signs the PAE bytes; ECDSA signs their SHA-256 (P-256; SHA-384
// for P-384, SHA-512 for P-521) in ASN.1 DER, which is what cosign,
// in-toto and securesystemslib verify. ECDSA signatures are RFC 6979
// deterministic. Its KeyID is empty, as cosign writes it: a verifier then
// tries every key it is given instead of matching a key id scheme of its
// own (securesystemslib's differs from the SSH fingerprint).
func (k *Key) DSSE() dsse.SignerVerifier { return dsseKey{k: k} }

type dsseKey struct{ k *Key }

var _ dsse.SignerVerifier = dsseKey{}

// Sign signs the PAE bytes data.
func (d dsseKey) Sign(_ context.Context, data []byte) ([]byte, error) {
	switch key := d.k.signer.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(key, data), nil
	case *ecdsa.PrivateKey:
		h, err := curveHash(key.Curve)
		if err != nil {
			return nil, err
		}
		// A nil random source gives an RFC 6979 deterministic signature
		// (crypto/ecdsa, Go 1.24+), in ASN.1 DER.
		return key.Sign(nil, digest(h, data), h)
	}
	return nil, fmt.Errorf("unsupported key %T", d.k.signer)
}

// Verify checks a signature over the PAE bytes data.
func (d dsseKey) Verify(_ context.Context, data, sig []byte) error {
	return verifyDSSE(d.k.Public(), data, sig)
}

// KeyID is empty: see Key.DSSE.
func (dsseKey) KeyID() (string, error) { return "", nil }

// Public is the public half.
func (d dsseKey) Public() crypto.PublicKey { return d.k.Public() }

// DSSE is the key as a DSSE verifier (see Key.DSSE for the schemes).
func (p *PublicKey) DSSE() dsse.Verifier { return dsseVerifier{p: p} }

type dsseVerifier struct{ p *PublicKey }

var _ dsse.Verifier = dsseVerifier{}

// Verify checks a signature over the PAE bytes data.
func (d dsseVerifier) Verify(_ context.Context, data, sig []byte) error {
	return verifyDSSE(d.p.pub, data, sig)
}

// KeyID is empty: see Key.DSSE.
func (dsseVerifier) KeyID() (string, error) { return "", nil }

// Public is the key.
func (d dsseVerifier) Public() crypto.PublicKey { return d.p.pub }

// curveHash is the hash DSSE's ECDSA signatures use on a curve, the one
// securesystemslib and cosign pick by the curve's size.
func curveHash(c elliptic.Curve) (crypto.Hash, error) {
	switch c {
	case elliptic.P256():
		return crypto.SHA256, nil
	case elliptic.P384():
		return crypto.SHA384, nil
	case elliptic.P521():
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("ECDSA curve %s is not supported; use P-256, P-384 or P-521", c.Params().Name)
}

// digest hashes data with h (one of curveHash's).
func digest(h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return s[:]
	case crypto.SHA512:
		s := sha512.Sum512(data)
		return s[:]
	}
	s := sha256.Sum256(data)
	return s[:]
}

// errBadSignature is what a signature that does not verify gives.
var errBadSignature = errors.New("signature does not verify")

// verifyDSSE checks one DSSE signature over data (the PAE bytes).
func verifyDSSE(pub crypto.PublicKey, data, sig []byte) error {
	switch key := pub.(type) {
	case ed25519.PublicKey:
		if ed25519.Verify(key, data, sig) {
			return nil
		}
	case *ecdsa.PublicKey:
		h, err := curveHash(key.Curve)
		if err != nil {
			return err
		}
		if ecdsa.VerifyASN1(key, digest(h, data), sig) {
			return nil
		}
	default:
		return fmt.Errorf("unsupported public key %T", pub)
	}
	return errBadSignature
}
