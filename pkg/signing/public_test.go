package signing_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/portmatrix/portmatrix/pkg/signing"
)

func TestParsePublicKey(t *testing.T) {
	k := goKey(t)
	for name, data := range map[string]string{
		"pem":             string(k.PublicPEM()),
		"authorized_keys": k.AuthorizedKey() + " comment with spaces\n",
		"allowed_signers": "# who may sign\n\nrelease@example.com,ci@example.com namespaces=\"file\" " + k.AuthorizedKey() + " release key\n",
		"options":         `release namespaces="file,git",valid-after="20240101" ` + k.AuthorizedKey() + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			pub, err := signing.ParsePublicKey([]byte(data), name)
			require.NoError(t, err)
			assert.Equal(t, k.KeyID(), pub.KeyID())
			assert.True(t, pub.Matches(k.Public()))
			assert.False(t, pub.Matches(goKey(t).Public()))
			assert.Equal(t, k.AuthorizedKey(), pub.AuthorizedKey())
			assert.Equal(t, string(k.PublicPEM()), string(pub.PublicPEM()))
			assert.Equal(t, k.KeyID()+" from "+name, pub.String())
		})
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	k, other := goKey(t), goKey(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsaDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	rsaSSH, err := ssh.NewPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	for name, c := range map[string]struct {
		data, want string
	}{
		"private key":    {string(signing.RSAKey(t)), "keys.pem: a private key; give the public key"},
		"junk":           {"nonsense words here", "keys.pem:1: not a PEM public key, an ssh public key or an allowed_signers line"},
		"empty":          {"# nothing\n\n", "keys.pem: no public key in it"},
		"two keys":       {"a " + k.AuthorizedKey() + "\nb " + other.AuthorizedKey() + "\n", "keys.pem: 2 keys in it; give each key on its own"},
		"bad second":     {k.AuthorizedKey() + "\nssh-ed25519 AAAA-not-base64\n", "keys.pem:2: not a PEM public key"},
		"cert-authority": {"*@example.com cert-authority " + k.AuthorizedKey(), "keys.pem:1: a cert-authority line trusts SSH certificates"},
		"rsa pem":        {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaDER})), "keys.pem: unsupported public key type *rsa.PublicKey"},
		"rsa ssh":        {string(ssh.MarshalAuthorizedKey(rsaSSH)), "keys.pem:1: ssh key type ssh-rsa is not supported"},
		"other pem":      {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", `keys.pem: PEM block "CERTIFICATE" is not a public key`},
		"broken pem":     {"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "keys.pem: the PEM PUBLIC KEY is not a valid PKIX public key"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := signing.ParsePublicKey([]byte(c.data), "keys.pem")
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestVerifySSHErrors: each way a signature fails says which.
func TestVerifySSHErrors(t *testing.T) {
	k, other := goKey(t), goKey(t)
	sig, err := k.SignSSH(strings.NewReader("x"), signing.SumsNamespace)
	require.NoError(t, err)
	pub := signing.MustPublic(t, k)
	otherPub := signing.MustPublic(t, other)
	assert.NoError(t, pub.VerifySSH(strings.NewReader("x"), sig, signing.SumsNamespace))
	assert.ErrorContains(t, otherPub.VerifySSH(strings.NewReader("x"), sig, signing.SumsNamespace),
		"signed by "+k.KeyID()+", not by "+other.KeyID())
	assert.ErrorContains(t, pub.VerifySSH(strings.NewReader("x"), sig, "git"), `signed for namespace "file", not "git"`)
	assert.ErrorContains(t, pub.VerifySSH(strings.NewReader("y"), sig, signing.SumsNamespace), "does not verify with "+k.KeyID())
	assert.ErrorContains(t, pub.VerifySSH(strings.NewReader("x"), []byte("not a signature"), signing.SumsNamespace), "not an SSH signature")
}

// FuzzParsePublicKey: any input gives a key or an error, never a panic,
// and a key it gives has a fingerprint.
func FuzzParsePublicKey(f *testing.F) {
	k := goKey(f)
	f.Add([]byte(k.PublicPEM()))
	f.Add([]byte("release namespaces=\"file\" " + k.AuthorizedKey()))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := signing.ParsePublicKey(data, "fuzz")
		if err == nil && !strings.HasPrefix(pub.KeyID(), "SHA256:") {
			t.Fatalf("key without a fingerprint: %q", pub.KeyID())
		}
	})
}
