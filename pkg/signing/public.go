package signing

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// PublicKey is a key a user trusts to have signed a release.
type PublicKey struct {
	pub    crypto.PublicKey
	ssh    ssh.PublicKey
	source string
}

// sshKeyTypes are the ssh key types a PublicKey can be: the plain ed25519
// and ECDSA ones (not certificates, not FIDO "sk-" keys, whose signatures
// differ).
var sshKeyTypes = []string{
	ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
}

// ParsePublicKey reads one public key: PKIX PEM ("PUBLIC KEY", what cosign
// and openssl write), an authorized_keys line ("ssh-ed25519 AAAA…
// comment", ssh-keygen's .pub file) or an allowed_signers line ("release
// namespaces="file" ssh-ed25519 AAAA…"); blank and # lines are skipped.
//
// Refused, each with its reason: a private key (verifying needs only the
// public half, and a private key handed around for that is a leak waiting
// to happen), a file with more than one key (give each on its own, so that
// none is dropped silently), a cert-authority line (it trusts certificates,
// which this package does not check), RSA, certificates and FIDO keys.
func ParsePublicKey(data []byte, source string) (*PublicKey, error) {
	if block, _ := pem.Decode(bytes.TrimSpace(data)); block != nil {
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("%s: a private key; give the public key (the .pub file, ssh-keygen -y -f KEY, or openssl pkey -in KEY -pubout)", source)
		}
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("%s: PEM block %q is not a public key (want PUBLIC KEY)", source, block.Type)
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			// x509's own messages say something; asn1's are noise.
			why := ""
			if msg := scrub(err); strings.HasPrefix(msg, "x509: ") {
				why = " (" + msg + ")"
			}
			return nil, fmt.Errorf("%s: the PEM PUBLIC KEY is not a valid PKIX public key%s", source, why)
		}
		return newPublic(pub, source)
	}
	var found []ssh.PublicKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseKeyLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", source, n, err)
		}
		found = append(found, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%s: no public key in it", source)
	case 1:
	default:
		return nil, fmt.Errorf("%s: %d keys in it; give each key on its own", source, len(found))
	}
	ck, ok := found[0].(ssh.CryptoPublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported ssh key type %s", source, found[0].Type())
	}
	return newPublic(ck.CryptoPublicKey(), source)
}

// parseKeyLine reads an authorized_keys or allowed_signers line. An
// allowed_signers line starts with principals (and options) before the
// key type, so the key is tried from each field on.
func parseKeyLine(line string) (ssh.PublicKey, error) {
	fields := strings.Fields(line)
	for i := range fields {
		k, _, options, _, err := ssh.ParseAuthorizedKey([]byte(strings.Join(fields[i:], " ")))
		if err != nil {
			continue
		}
		for _, o := range options {
			if strings.EqualFold(o, "cert-authority") {
				return nil, errors.New("a cert-authority line trusts SSH certificates, which are not supported; give the signing key itself")
			}
		}
		if !slices.Contains(sshKeyTypes, k.Type()) {
			return nil, fmt.Errorf("ssh key type %s is not supported; ed25519 and ECDSA are", k.Type())
		}
		return k, nil
	}
	return nil, errors.New("not a PEM public key, an ssh public key or an allowed_signers line")
}

// newPublic checks pub is a supported key and makes the PublicKey.
func newPublic(pub crypto.PublicKey, source string) (*PublicKey, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if _, err := curveHash(k.Curve); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	default:
		return nil, fmt.Errorf("%s: unsupported public key type %T; ed25519 and ECDSA are supported", source, pub)
	}
	s, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", source, scrub(err))
	}
	return &PublicKey{pub: pub, ssh: s, source: source}, nil
}

// Public is the key: ed25519.PublicKey or *ecdsa.PublicKey.
func (p *PublicKey) Public() crypto.PublicKey { return p.pub }

// KeyID is the key's OpenSSH fingerprint ("SHA256:…"), as `ssh-keygen -l`
// prints it and Key.KeyID gives it.
func (p *PublicKey) KeyID() string { return ssh.FingerprintSHA256(p.ssh) }

// Matches says whether pub is this key.
func (p *PublicKey) Matches(pub crypto.PublicKey) bool {
	k, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(p.pub)
}

// String names the key: "SHA256:… from release.pub".
func (p *PublicKey) String() string { return p.KeyID() + " from " + p.source }

// PublicPEM is the key as PKIX PEM ("PUBLIC KEY").
func (p *PublicKey) PublicPEM() []byte { return publicPEM(p.pub) }

// AuthorizedKey is the key as an authorized_keys line ("ssh-ed25519
// AAAA…").
func (p *PublicKey) AuthorizedKey() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(p.ssh)))
}

// VerifySSH checks an armored SSH signature of msg in namespace, as
// `ssh-keygen -Y verify -n namespace` does: the signature must name this
// key and the namespace, and verify over the message's hash (SHA-256 or
// SHA-512, as the signature says).
func (p *PublicKey) VerifySSH(msg io.Reader, armored []byte, namespace string) error {
	sig, err := sshsig.Unarmor(armored)
	if err != nil {
		return fmt.Errorf("not an SSH signature: %w", err)
	}
	if err := sshsig.Verify(msg, sig, p.ssh, sig.HashAlgorithm, namespace); err != nil {
		switch {
		case errors.Is(err, sshsig.ErrPublicKeyMismatch):
			return fmt.Errorf("signed by %s, not by %s", ssh.FingerprintSHA256(sig.PublicKey), p.KeyID())
		case errors.Is(err, sshsig.ErrNamespaceMismatch):
			return fmt.Errorf("signed for namespace %q, not %q", sig.Namespace, namespace)
		}
		return fmt.Errorf("does not verify with %s: %w", p.KeyID(), err)
	}
	return nil
}
