// Package signing holds the keys a release is signed with and makes the
// signatures standard tools verify, offline: an SSH signature (sshsig, what
// `ssh-keygen -Y sign` writes and `ssh-keygen -Y verify` checks) for
// SHA256SUMS, and DSSE signatures (what in-toto, securesystemslib and
// `cosign verify-blob-attestation --key` check) for the provenance. The
// formats are the libraries' (hiddeco/sshsig, go-securesystemslib's dsse);
// this package only chooses keys, hashes and encodings, and its tests check
// the result with the real ssh-keygen, openssl and securesystemslib.
//
// Threat model. A signature proves that the holder of the private key
// signed these bytes: that SHA256SUMS (and so every file it lists) and the
// provenance statement are the ones the key holder released. It proves
// nothing about where or how the files were built, nor that the key holder
// is who a user thinks: users must get the public key through a channel
// they trust, never from the release directory. The key is the user's:
// portmatrix never generates, stores, uploads or writes one, and a Key
// holds it in memory only. Its String and every error name the key's
// source ("key file keys/release.pem", "$PORTMATRIX_SIGNING_KEY") and its
// public fingerprint, never the key. Keyless signing (Sigstore's Fulcio
// certificates and Rekor log) needs the network and an OIDC identity, so it
// is not done here: docs/signing.md shows how to add `cosign sign-blob` or
// a CI's own attestation after portmatrix.
//
// Keys: ed25519 and ECDSA (P-256, P-384, P-521), as PKCS#8 PEM ("PRIVATE
// KEY", what `openssl genpkey` writes), SEC1 PEM ("EC PRIVATE KEY", also
// after openssl's "EC PARAMETERS" block) or OpenSSH ("OPENSSH PRIVATE
// KEY", passphrase-protected ones too). RSA is refused: its two DSSE
// signature schemes (PKCS#1 v1.5 and PSS) are verified differently by
// different tools, which is the kind of ambiguity a release signature must
// not have. Encrypted PEM (PKCS#8 or the legacy Proc-Type headers) is
// refused with a pointer to an OpenSSH key with a passphrase.
//
// Determinism: ed25519 signatures are deterministic by construction; ECDSA
// signatures are made with a nil random source, which Go's crypto/ecdsa
// (1.24 and later, checked on 1.26) turns into RFC 6979 deterministic
// signatures; a test checks RFC 6979's own vectors. Signing the same bytes
// with the same key gives the same signature, SSH or DSSE.
package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// SumsNamespace is the sshsig namespace of the SHA256SUMS signature: the
// one `ssh-keygen -Y sign -n file` uses, so users verify with `-n file`.
const SumsNamespace = "file"

// PassphraseEnv is the variable portmatrix's docs suggest for the
// passphrase of an encrypted OpenSSH key (release.sign.passphrase_env
// names it).
const PassphraseEnv = "PORTMATRIX_SIGNING_PASSPHRASE"

// Key is a private signing key and where it came from. Its zero value is
// not usable; LoadKey makes one.
type Key struct {
	signer crypto.Signer
	ssh    ssh.Signer
	source string
	kind   string
}

// LoadKey parses a private key (see the package documentation for the
// formats). source names where it came from ("key file keys/release.pem",
// "$PORTMATRIX_SIGNING_KEY") and starts every error; passphrase opens an
// encrypted OpenSSH key and is ignored by an unencrypted one. No error
// contains key material.
func LoadKey(data, passphrase []byte, source string) (*Key, error) {
	raw, err := parsePrivate(data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	k := &Key{source: source}
	switch key := raw.(type) {
	case ed25519.PrivateKey:
		k.signer, k.kind = key, "ed25519"
	case *ed25519.PrivateKey:
		k.signer, k.kind = *key, "ed25519"
	case *ecdsa.PrivateKey:
		if _, err := curveHash(key.Curve); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		k.signer, k.kind = key, "ecdsa-"+key.Curve.Params().Name
	case *rsa.PrivateKey:
		return nil, fmt.Errorf("%s: %w", source, errRSA)
	default:
		return nil, fmt.Errorf("%s: unsupported private key type %T; use ed25519 or ECDSA", source, raw)
	}
	s, err := ssh.NewSignerFromSigner(k.signer)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", source, scrub(err))
	}
	k.ssh = s
	return k, nil
}

var errRSA = errors.New("RSA keys are not supported (DSSE verifiers disagree on the RSA scheme); use ed25519 (ssh-keygen -t ed25519) or ECDSA P-256")

// parsePrivate finds the private key block in data and parses it. Blocks
// that come with a key (openssl's EC PARAMETERS) are skipped.
func parsePrivate(data, passphrase []byte) (any, error) {
	rest := bytes.TrimSpace(data)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, notPEM(data)
		}
		if _, encrypted := block.Headers["Proc-Type"]; encrypted {
			return nil, errors.New("legacy encrypted PEM (Proc-Type header) is not supported: convert it to an OpenSSH key with a passphrase (ssh-keygen -p -f KEY) or hold an unencrypted key in a CI secret")
		}
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "OPENSSH PRIVATE KEY":
			return parseOpenSSH(block, passphrase)
		case "PRIVATE KEY":
			raw, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("cannot parse the PKCS#8 private key: %s", scrub(err))
			}
			return raw, nil
		case "EC PRIVATE KEY":
			raw, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("cannot parse the SEC1 EC private key: %s", scrub(err))
			}
			return raw, nil
		case "RSA PRIVATE KEY":
			return nil, errRSA
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted PKCS#8 keys are not supported: use an OpenSSH key with a passphrase (ssh-keygen -t ed25519), or an unencrypted key held by a CI secret")
		case "PUBLIC KEY", "CERTIFICATE", "SSH SIGNATURE":
			return nil, fmt.Errorf("a PEM %s, not a private key: signing needs the private key", strings.ToLower(block.Type))
		default:
			return nil, fmt.Errorf("PEM block %q is not a private key (want PRIVATE KEY, EC PRIVATE KEY or OPENSSH PRIVATE KEY)", block.Type)
		}
	}
}

// parseOpenSSH parses an OpenSSH private key block, decrypting it with
// passphrase when it is encrypted.
func parseOpenSSH(block *pem.Block, passphrase []byte) (any, error) {
	one := pem.EncodeToMemory(block)
	defer clear(one)
	raw, err := ssh.ParseRawPrivateKey(one)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing) && len(passphrase) == 0:
		return nil, fmt.Errorf("the key is encrypted: give its passphrase in the variable release.sign.passphrase_env names (such as %s)", PassphraseEnv)
	case errors.As(err, &missing):
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(one, passphrase)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, errors.New("the passphrase does not open the key")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot parse the OpenSSH private key: %s", scrub(err))
	}
	return raw, nil
}

// notPEM says what data is instead of a private key, as far as that can be
// told without quoting it.
func notPEM(data []byte) error {
	text := strings.TrimSpace(string(data))
	switch {
	case text == "":
		return errors.New("empty: no private key in it")
	case isPublicLine(text):
		return errors.New("an ssh public key, not a private key: give the private key file (without .pub)")
	case strings.Contains(text, "-----BEGIN") && strings.Contains(text, `\n`) && !strings.Contains(text, "\n"):
		return errors.New(`not a PEM or OpenSSH private key: its line breaks are the two characters \n (store the key's text with real newlines, e.g. "$(cat KEY)")`)
	}
	return errors.New("not a PEM or OpenSSH private key")
}

// isPublicLine says whether text looks like an authorized_keys line.
func isPublicLine(text string) bool {
	_, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	return err == nil
}

// scrub keeps an error message short and free of key bytes: the parsers
// report structure, never content, but a message is cut at its first line
// anyway.
func scrub(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// Public is the public half: ed25519.PublicKey or *ecdsa.PublicKey.
func (k *Key) Public() crypto.PublicKey { return k.signer.Public() }

// KeyID is the key's OpenSSH fingerprint, "SHA256:…", as `ssh-keygen -l`
// prints it: the name messages and reports give the key.
func (k *Key) KeyID() string { return ssh.FingerprintSHA256(k.ssh.PublicKey()) }

// PublicPEM is the public key as PKIX PEM ("PUBLIC KEY"), the form cosign
// --key, openssl and securesystemslib read.
func (k *Key) PublicPEM() []byte { return publicPEM(k.Public()) }

func publicPEM(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil // ed25519 and ECDSA on the supported curves always marshal
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// AuthorizedKey is the public key as an authorized_keys line
// ("ssh-ed25519 AAAA…", no comment), the form an allowed_signers line takes
// after the principal.
func (k *Key) AuthorizedKey() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.ssh.PublicKey())))
}

// String names the key without its secret: "ed25519 key SHA256:… from
// key file keys/release.pem".
func (k *Key) String() string {
	if k == nil || k.ssh == nil {
		return "no key"
	}
	return fmt.Sprintf("%s key %s from %s", k.kind, k.KeyID(), k.source)
}

// Format prints String for every verb, on a Key or a *Key: without it,
// %d or %+v of a Key value would print the private key's fields.
func (k Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// SignSSH signs msg as `ssh-keygen -Y sign -n namespace` does, hashing
// with SHA-512 as ssh-keygen does, and returns the armored signature
// ("-----BEGIN SSH SIGNATURE-----"). Like the DSSE signatures, ECDSA ones
// are deterministic (RFC 6979): the same bytes and key give the same file.
func (k *Key) SignSSH(msg io.Reader, namespace string) ([]byte, error) {
	// A nil random source: ed25519 needs none and ECDSA becomes RFC 6979.
	sig, err := sshsig.SignWithRand(msg, nil, k.ssh, sshsig.HashSHA512, namespace)
	if err != nil {
		return nil, fmt.Errorf("signing with %s: %w", k, err)
	}
	return sshsig.Armor(sig), nil
}
