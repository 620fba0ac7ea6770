package signing

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"strings"

	"github.com/hiddeco/sshsig"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"golang.org/x/crypto/ssh"
)

// PublicKey is a key a user trusts to have signed a release.
type PublicKey struct {
	pub    crypto.PublicKey
	ssh    ssh.PublicKey
	source string
}

// ParsePublicKey reads a public key: PKIX PEM ("PUBLIC KEY", what cosign
// and openssl write), an authorized_keys line ("ssh-ed25519 AAAA… comment",
// a .pub file of ssh-keygen), or an allowed_signers line ("release
// ssh-ed25519 AAAA…"). A private key is refused: verifying needs only the
// public half, and a private key passed around for that is a leak waiting
// to happen.
func ParsePublicKey(data []byte, source string) (*PublicKey, error) {
	if block, _ := pem.Decode(bytes.TrimSpace(data)); block != nil {
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("%s: a private key; give the public key (ssh-keygen -y -f KEY, or the .pub file)", source)
		}
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("%s: PEM block %q is not a public key", source, block.Type)
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		return newPublic(pub, source)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		// An allowed_signers line starts with principals (and options)
		// before the key type; try from each field.
		for i := range fields {
			k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.Join(fields[i:], " ")))
			if err != nil {
				continue
			}
			ck, ok := k.(ssh.CryptoPublicKey)
			if !ok {
				return nil, fmt.Errorf("%s: unsupported ssh key type %s", source, k.Type())
			}
			return newPublic(ck.CryptoPublicKey(), source)
		}
		return nil, fmt.Errorf("%s: not a PEM public key, an ssh public key or an allowed_signers line", source)
	}
	return nil, fmt.Errorf("%s: no public key in it", source)
}

func newPublic(pub crypto.PublicKey, source string) (*PublicKey, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if _, err := curveHash(k.Curve); err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
	default:
		return nil, fmt.Errorf("%s: unsupported public key type %T; ed25519 and ECDSA are", source, pub)
	}
	s, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	return &PublicKey{pub: pub, ssh: s, source: source}, nil
}

// KeyID is the key's OpenSSH fingerprint ("SHA256:…").
func (p *PublicKey) KeyID() string { return ssh.FingerprintSHA256(p.ssh) }

// Matches says whether pub is this key.
func (p *PublicKey) Matches(pub crypto.PublicKey) bool {
	k, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(p.pub)
}

// String names the key.
func (p *PublicKey) String() string { return p.KeyID() + " from " + p.source }

// VerifySSH checks an armored SSH signature of msg in namespace, as
// `ssh-keygen -Y verify -n namespace` does.
func (p *PublicKey) VerifySSH(msg io.Reader, armored []byte, namespace string) error {
	sig, err := sshsig.Unarmor(armored)
	if err != nil {
		return fmt.Errorf("not an SSH signature: %w", err)
	}
	if err := sshsig.Verify(msg, sig, p.ssh, sig.HashAlgorithm, namespace); err != nil {
		return fmt.Errorf("does not verify with %s: %w", p.KeyID(), err)
	}
	return nil
}

// DSSE is the key as a DSSE verifier (see Key.DSSE for the schemes).
func (p *PublicKey) DSSE() dsse.Verifier { return dsseVerifier{p: p} }

type dsseVerifier struct{ p *PublicKey }

var _ dsse.Verifier = dsseVerifier{}

func (d dsseVerifier) Verify(_ context.Context, data, sig []byte) error {
	return verifyDSSE(d.p.pub, data, sig)
}
func (dsseVerifier) KeyID() (string, error)     { return "", nil }
func (d dsseVerifier) Public() crypto.PublicKey { return d.p.pub }
