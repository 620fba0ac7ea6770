package signing_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
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

func pemOf(t *testing.T, typ string, der []byte, headers map[string]string) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
}

// TestLoadKeyErrors: every refusal names the source first, says what to
// do, and quotes no key material.
func TestLoadKeyErrors(t *testing.T) {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	encrypted, err := ssh.MarshalPrivateKeyWithPassphrase(ed, "c", []byte("pw"))
	require.NoError(t, err)
	openssh := pem.EncodeToMemory(encrypted)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsaSSH, err := ssh.MarshalPrivateKey(rsaKey, "")
	require.NoError(t, err)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	require.NoError(t, err)
	p224DER, err := x509.MarshalPKCS8PrivateKey(p224)
	require.NoError(t, err)
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	x25519DER, err := x509.MarshalPKCS8PrivateKey(x25519)
	require.NoError(t, err)
	edDER, err := x509.MarshalPKCS8PrivateKey(ed)
	require.NoError(t, err)
	edPEM := pemOf(t, "PRIVATE KEY", edDER, nil)
	sshPub, err := ssh.NewPublicKey(ed.Public())
	require.NoError(t, err)
	p256OID := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

	for name, c := range map[string]struct {
		data []byte
		pass string
		want string
	}{
		"empty":                {[]byte("\n"), "", "empty: no private key in it"},
		"garbage":              {[]byte("hello"), "", "not a PEM or OpenSSH private key"},
		"a .pub file":          {ssh.MarshalAuthorizedKey(sshPub), "", "an ssh public key, not a private key"},
		"escaped newlines":     {[]byte(strings.ReplaceAll(strings.TrimSpace(string(edPEM)), "\n", `\n`)), "", `its line breaks are the two characters \n`},
		"no passphrase":        {openssh, "", "the key is encrypted: give its passphrase in the variable release.sign.passphrase_env names (such as PORTMATRIX_SIGNING_PASSPHRASE)"},
		"wrong passphrase":     {openssh, "nope", "the passphrase does not open the key"},
		"public key pem":       {pemOf(t, "PUBLIC KEY", []byte{1}, nil), "", "a PEM public key, not a private key"},
		"certificate":          {pemOf(t, "CERTIFICATE", []byte{1}, nil), "", "a PEM certificate, not a private key"},
		"other pem":            {pemOf(t, "X509 CRL", []byte{1}, nil), "", `PEM block "X509 CRL" is not a private key`},
		"parameters only":      {pemOf(t, "EC PARAMETERS", p256OID, nil), "", "not a PEM or OpenSSH private key"},
		"broken pkcs8":         {pemOf(t, "PRIVATE KEY", []byte{0x30, 0x03, 1, 2, 3}, nil), "", "cannot parse the PKCS#8 private key"},
		"broken sec1":          {pemOf(t, "EC PRIVATE KEY", []byte{0x30, 0x03, 1, 2, 3}, nil), "", "cannot parse the SEC1 EC private key"},
		"broken openssh":       {pemOf(t, "OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00junk"), nil), "", "cannot parse the OpenSSH private key"},
		"encrypted pkcs8":      {pemOf(t, "ENCRYPTED PRIVATE KEY", []byte{1}, nil), "", "encrypted PKCS#8 keys are not supported"},
		"legacy encrypted pem": {pemOf(t, "EC PRIVATE KEY", []byte{1, 2, 3}, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}), "", "legacy encrypted PEM"},
		"rsa pkcs1":            {pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), nil), "", "RSA keys are not supported"},
		"rsa pkcs8":            {signing.RSAKey(t), "", "RSA keys are not supported"},
		"rsa openssh":          {pem.EncodeToMemory(rsaSSH), "", "RSA keys are not supported"},
		"p224":                 {pemOf(t, "PRIVATE KEY", p224DER, nil), "", "ECDSA curve P-224 is not supported; use P-256, P-384 or P-521"},
		"x25519":               {pemOf(t, "PRIVATE KEY", x25519DER, nil), "", "unsupported private key type *ecdh.PrivateKey"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := signing.LoadKey(c.data, []byte(c.pass), "key file k.pem")
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.True(t, strings.HasPrefix(err.Error(), "key file k.pem: "), err.Error())
			assert.NotContains(t, err.Error(), "\n")
			noSecret(t, c.data, err.Error())
		})
	}
}

// TestLoadKeyPassphraseCases: an encrypted OpenSSH key opens with its
// passphrase; an unencrypted one ignores a passphrase given anyway.
func TestLoadKeyPassphraseCases(t *testing.T) {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	enc, err := ssh.MarshalPrivateKeyWithPassphrase(ed, "c", []byte("pw"))
	require.NoError(t, err)
	plain, err := ssh.MarshalPrivateKey(ed, "c")
	require.NoError(t, err)
	a, err := signing.LoadKey(pem.EncodeToMemory(enc), []byte("pw"), "enc")
	require.NoError(t, err)
	b, err := signing.LoadKey(pem.EncodeToMemory(plain), []byte("pw"), "plain")
	require.NoError(t, err)
	assert.Equal(t, a.KeyID(), b.KeyID())
	assert.True(t, ed.Public().(ed25519.PublicKey).Equal(a.Public()))

	// A key with text around it (a CI secret with a comment line) and
	// Windows line ends.
	c, err := signing.LoadKey([]byte("# release key\r\n"+strings.ReplaceAll(string(pem.EncodeToMemory(plain)), "\n", "\r\n")), nil, "crlf")
	require.NoError(t, err)
	assert.Equal(t, a.KeyID(), c.KeyID())
}
