// Package signing holds the keys a release is signed with and makes the
// signatures standard tools verify, offline: an SSH signature (sshsig, what
// `ssh-keygen -Y sign` writes and `ssh-keygen -Y verify` checks) for
// SHA256SUMS, and DSSE signatures (what in-toto, securesystemslib and
// `cosign verify-blob-attestation --key` check) for the provenance.
//
// Threat model. A signature proves that the holder of the private key
// signed these bytes, nothing about where or how they were built. The key
// is the user's: portmatrix never generates, stores or uploads one. A Key
// holds it in memory only; its String and every error name the key's
// source ("key file keys/release.pem", "$RELEASE_KEY") and its public
// fingerprint, never the key. Keyless signing (Sigstore's Fulcio
// certificates and Rekor log) needs the network and an OIDC identity, so it
// is not done here: docs/signing.md shows how to add cosign to a CI job.
//
// Keys: ed25519 and ECDSA (P-256, P-384, P-521), as PKCS#8 PEM ("PRIVATE
// KEY"), SEC1 PEM ("EC PRIVATE KEY") or OpenSSH ("OPENSSH PRIVATE KEY",
// passphrase-protected ones too). RSA is refused: its two DSSE signature
// schemes (PKCS#1 v1.5 and PSS) are verified differently by different
// tools, which is the kind of ambiguity a release signature must not have.
//
// Determinism: ed25519 signatures are deterministic by construction; ECDSA
// signatures are made with RFC 6979 (a nil random source, Go 1.24+), so
// signing the same bytes with the same key gives the same signature.
package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/hiddeco/sshsig"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"golang.org/x/crypto/ssh"
)

// SumsNamespace is the sshsig namespace of the SHA256SUMS signature: the
// one `ssh-keygen -Y sign -n file` uses, so users verify with `-n file`.
const SumsNamespace = "file"

// PassphraseEnv is the variable portmatrix's docs suggest for the
// passphrase of an encrypted OpenSSH key (release.sign.passphrase_env).
const PassphraseEnv = "PORTMATRIX_SIGNING_PASSPHRASE"

// Key is a private signing key and where it came from.
type Key struct {
	signer crypto.Signer
	ssh    ssh.Signer
	source string
	kind   string
}

// LoadKey parses a private key (see the package documentation for the
// formats). source names where it came from, for messages; passphrase
// opens an encrypted OpenSSH key. No error contains key material.
func LoadKey(data, passphrase []byte, source string) (*Key, error) {
	block, _ := pem.Decode(bytes.TrimSpace(data))
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM or OpenSSH private key", source)
	}
	var raw any
	var err error
	switch block.Type {
	case "OPENSSH PRIVATE KEY":
		if len(passphrase) > 0 {
			raw, err = ssh.ParseRawPrivateKeyWithPassphrase(data, passphrase)
		} else {
			raw, err = ssh.ParseRawPrivateKey(data)
		}
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("%s: the key is encrypted: give its passphrase in a variable named by release.sign.passphrase_env (such as %s)", source, PassphraseEnv)
		}
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("%s: the passphrase does not open the key", source)
		}
	case "PRIVATE KEY":
		raw, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		raw, err = x509.ParseECPrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%s: encrypted PKCS#8 keys are not supported; use an OpenSSH key with a passphrase, or an unencrypted key held by a CI secret", source)
	case "PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("%s: a %s, not a private key: signing needs the private key", source, strings.ToLower(block.Type))
	default:
		return nil, fmt.Errorf("%s: PEM block %q is not a private key (want PRIVATE KEY, EC PRIVATE KEY or OPENSSH PRIVATE KEY)", source, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: cannot parse the private key: %s", source, scrub(err))
	}
	k := &Key{source: source}
	switch key := raw.(type) {
	case ed25519.PrivateKey:
		k.signer, k.kind = key, "ed25519"
	case *ed25519.PrivateKey:
		k.signer, k.kind = *key, "ed25519"
	case *ecdsa.PrivateKey:
		if _, err := curveHash(key.Curve); err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		k.signer, k.kind = key, "ecdsa-"+key.Curve.Params().Name
	case *rsa.PrivateKey:
		return nil, fmt.Errorf("%s: RSA keys are not supported; use ed25519 (ssh-keygen -t ed25519) or ECDSA P-256", source)
	default:
		return nil, fmt.Errorf("%s: unsupported private key type %T; use ed25519 or ECDSA", source, raw)
	}
	s, err := ssh.NewSignerFromSigner(k.signer)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	k.ssh = s
	return k, nil
}

// scrub keeps an error message short and free of key bytes: parsers
// report structure, never content, but a message is cut at its first line
// anyway.
func scrub(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// curveHash is the hash DSSE's ECDSA signatures use for a curve.
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

// Public is the public half.
func (k *Key) Public() crypto.PublicKey { return k.signer.Public() }

// KeyID is the key's OpenSSH fingerprint, "SHA256:…", as `ssh-keygen -l`
// prints it.
func (k *Key) KeyID() string { return ssh.FingerprintSHA256(k.ssh.PublicKey()) }

// PublicPEM is the public key as PKIX PEM ("PUBLIC KEY"), the form cosign
// --key and securesystemslib read.
func (k *Key) PublicPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return nil // ed25519 and ECDSA always marshal
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// AuthorizedKey is the public key as an authorized_keys line
// ("ssh-ed25519 AAAA…"), the form an allowed_signers file takes after the
// principal.
func (k *Key) AuthorizedKey() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.ssh.PublicKey())))
}

// String names the key without its secret.
func (k *Key) String() string {
	return fmt.Sprintf("%s key %s from %s", k.kind, k.KeyID(), k.source)
}

// SignSSH signs msg as `ssh-keygen -Y sign -n namespace` does, with
// SHA-512, and returns the armored signature ("-----BEGIN SSH
// SIGNATURE-----").
func (k *Key) SignSSH(msg io.Reader, namespace string) ([]byte, error) {
	sig, err := sshsig.SignWithRand(msg, nil, k.ssh, sshsig.HashSHA512, namespace)
	if err != nil {
		return nil, fmt.Errorf("signing with %s: %w", k, err)
	}
	return sshsig.Armor(sig), nil
}

// DSSE is the key as a DSSE signer for go-securesystemslib's dsse
// package: ed25519 signs the PAE bytes; ECDSA signs their SHA-256
// (P-256; SHA-384 for P-384, SHA-512 for P-521), ASN.1 DER, as cosign and
// in-toto verify. Its KeyID is empty, as cosign writes it, so verifiers
// try every key they are given.
func (k *Key) DSSE() dsse.SignerVerifier { return dsseKey{k: k} }

type dsseKey struct{ k *Key }

var _ dsse.SignerVerifier = dsseKey{}

func (d dsseKey) Sign(_ context.Context, data []byte) ([]byte, error) {
	switch key := d.k.signer.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(key, data), nil
	case *ecdsa.PrivateKey:
		h, _ := curveHash(key.Curve)
		digest := sum(h, data)
		// A nil random source gives an RFC 6979 deterministic signature.
		return key.Sign(nil, digest, h)
	}
	return nil, fmt.Errorf("unsupported key %T", d.k.signer)
}

func (d dsseKey) Verify(_ context.Context, data, sig []byte) error {
	return verifyDSSE(d.k.Public(), data, sig)
}

func (dsseKey) KeyID() (string, error)     { return "", nil }
func (d dsseKey) Public() crypto.PublicKey { return d.k.Public() }

// sum hashes data with h.
func sum(h crypto.Hash, data []byte) []byte {
	var w hash.Hash
	switch h {
	case crypto.SHA384:
		w = sha512.New384()
	case crypto.SHA512:
		w = sha512.New()
	default:
		w = sha256.New()
	}
	w.Write(data)
	return w.Sum(nil)
}

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
		if ecdsa.VerifyASN1(key, sum(h, data), sig) {
			return nil
		}
	default:
		return fmt.Errorf("unsupported public key %T", pub)
	}
	return errors.New("signature does not verify")
}
