package signing_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

// keyFile is one private key in one of the accepted formats, and how it
// was made.
type keyFile struct {
	name       string
	data       []byte
	passphrase string
}

// sshKeygen makes a key with the real ssh-keygen.
func sshKeygen(t *testing.T, typ, passphrase string) []byte {
	t.Helper()
	ssh := needtool.Path(t, "apt-get install openssh-client", "ssh-keygen")
	path := filepath.Join(t.TempDir(), "key")
	args := []string{"-q", "-t", typ, "-N", passphrase, "-C", "test", "-f", path}
	if typ == "ecdsa" {
		args = append(args, "-b", "256")
	}
	out, err := exec.Command(ssh, args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func pemKey(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func keys(t *testing.T) []keyFile {
	t.Helper()
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edDER, err := x509.MarshalPKCS8PrivateKey(edPriv)
	require.NoError(t, err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	sec1, err := x509.MarshalECPrivateKey(ec384)
	require.NoError(t, err)
	return []keyFile{
		{name: "openssh ed25519", data: sshKeygen(t, "ed25519", "")},
		{name: "openssh ecdsa", data: sshKeygen(t, "ecdsa", "")},
		{name: "openssh ed25519 with passphrase", data: sshKeygen(t, "ed25519", "s3cret"), passphrase: "s3cret"},
		{name: "pkcs8 ed25519", data: pemKey(t, "PRIVATE KEY", edDER)},
		{name: "pkcs8 ecdsa p256", data: pemKey(t, "PRIVATE KEY", ecDER)},
		{name: "sec1 ecdsa p384", data: pemKey(t, "EC PRIVATE KEY", sec1)},
	}
}

// TestSSHSignatureVerifiedBySSHKeygen signs a file with every kind of key
// and has the real `ssh-keygen -Y verify` check it, then a tampered copy.
func TestSSHSignatureVerifiedBySSHKeygen(t *testing.T) {
	sshKeygenBin := needtool.Path(t, "apt-get install openssh-client", "ssh-keygen")
	for _, kf := range keys(t) {
		t.Run(kf.name, func(t *testing.T) {
			k, err := signing.LoadKey(kf.data, []byte(kf.passphrase), "test key")
			require.NoError(t, err)
			dir := t.TempDir()
			sums := []byte("0123abcd  app_linux_amd64.tar.gz\n")
			sig, err := k.SignSSH(bytes.NewReader(sums), signing.SumsNamespace)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(sig, []byte("-----BEGIN SSH SIGNATURE-----")))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "SHA256SUMS.sig"), sig, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte("release "+k.AuthorizedKey()+"\n"), 0o644))

			verify := func(content []byte) (string, error) {
				cmd := exec.Command(sshKeygenBin, "-Y", "verify", "-f", filepath.Join(dir, "allowed_signers"),
					"-I", "release", "-n", "file", "-s", filepath.Join(dir, "SHA256SUMS.sig"))
				cmd.Stdin = bytes.NewReader(content)
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			out, err := verify(sums)
			require.NoError(t, err, out)
			assert.Contains(t, out, `Good "file" signature for release`)
			out, err = verify(append([]byte("f"), sums[1:]...))
			assert.Error(t, err, "a tampered SHA256SUMS must not verify: %s", out)

			// Our own verifier agrees, from the allowed_signers line.
			pub, err := signing.ParsePublicKey([]byte("release "+k.AuthorizedKey()), "allowed_signers")
			require.NoError(t, err)
			assert.NoError(t, pub.VerifySSH(bytes.NewReader(sums), sig, signing.SumsNamespace))
			assert.Error(t, pub.VerifySSH(bytes.NewReader(sums[1:]), sig, signing.SumsNamespace))
			assert.Error(t, pub.VerifySSH(bytes.NewReader(sums), sig, "git"), "another namespace")
		})
	}
}

// TestKeyIDIsSSHFingerprint compares KeyID with `ssh-keygen -lf`.
func TestKeyIDIsSSHFingerprint(t *testing.T) {
	sshKeygenBin := needtool.Path(t, "apt-get install openssh-client", "ssh-keygen")
	for _, kf := range keys(t) {
		k, err := signing.LoadKey(kf.data, []byte(kf.passphrase), "test key")
		require.NoError(t, err)
		pubFile := filepath.Join(t.TempDir(), "key.pub")
		require.NoError(t, os.WriteFile(pubFile, []byte(k.AuthorizedKey()+"\n"), 0o644))
		out, err := exec.Command(sshKeygenBin, "-lf", pubFile).Output()
		require.NoError(t, err)
		fields := strings.Fields(string(out))
		require.GreaterOrEqual(t, len(fields), 2)
		assert.Equal(t, fields[1], k.KeyID(), kf.name)
		assert.NotContains(t, k.String(), "PRIVATE", kf.name)
		assert.Contains(t, k.String(), k.KeyID())
	}
}

// TestDSSEVerifiedBySecuresystemslib signs a DSSE envelope with each key
// and verifies it with securesystemslib's own verifier, loaded from the
// PEM public key (an implementation that is not ours); a changed payload,
// a changed signature and another key fail.
func TestDSSEVerifiedBySecuresystemslib(t *testing.T) {
	ctx := context.Background()
	other, err := signing.LoadKey(keys(t)[3].data, nil, "other")
	require.NoError(t, err)
	for _, kf := range keys(t) {
		t.Run(kf.name, func(t *testing.T) {
			k, err := signing.LoadKey(kf.data, []byte(kf.passphrase), "test key")
			require.NoError(t, err)
			es, err := dsse.NewEnvelopeSigner(k.DSSE())
			require.NoError(t, err)
			env, err := es.SignPayload(ctx, "application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
			require.NoError(t, err)
			again, err := es.SignPayload(ctx, "application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
			require.NoError(t, err)
			assert.Equal(t, env.Signatures[0].Sig, again.Signatures[0].Sig, "deterministic signatures (ed25519; ECDSA with RFC 6979)")

			ssl, err := signerverifier.LoadKey(k.PublicPEM())
			require.NoError(t, err)
			var v dsse.Verifier
			switch ssl.KeyType {
			case signerverifier.ED25519KeyType:
				v, err = signerverifier.NewED25519SignerVerifierFromSSLibKey(ssl)
			default:
				v, err = signerverifier.NewECDSASignerVerifierFromSSLibKey(ssl)
			}
			require.NoError(t, err)
			ev, err := dsse.NewEnvelopeVerifier(v)
			require.NoError(t, err)
			_, err = ev.Verify(ctx, env)
			require.NoError(t, err)

			tampered := *env
			tampered.Payload = base64.StdEncoding.EncodeToString([]byte(`{"_type":"https://in-toto.io/Statement/v0.1"}`))
			_, err = ev.Verify(ctx, &tampered)
			assert.Error(t, err, "changed payload")
			flipped := *env
			sig := []byte(env.Signatures[0].Sig)
			sig[5] ^= 1
			flipped.Signatures = []dsse.Signature{{Sig: string(sig)}}
			_, err = ev.Verify(ctx, &flipped)
			assert.Error(t, err, "changed signature")

			evOther, err := dsse.NewEnvelopeVerifier(signing.MustPublic(t, other).DSSE())
			require.NoError(t, err)
			_, err = evOther.Verify(ctx, env)
			assert.Error(t, err, "another key")
		})
	}
}

func TestLoadKeyErrors(t *testing.T) {
	enc := sshKeygen(t, "ed25519", "pw")
	for name, c := range map[string]struct {
		data []byte
		pass string
		want string
	}{
		"garbage":          {[]byte("hello"), "", "not a PEM or OpenSSH private key"},
		"no passphrase":    {enc, "", "the key is encrypted: give its passphrase"},
		"wrong passphrase": {enc, "nope", "the passphrase does not open the key"},
		"public key":       {[]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), "", "not a private key"},
		"broken pkcs8":     {[]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "", "cannot parse the private key"},
		"encrypted pkcs8":  {[]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), "", "encrypted PKCS#8"},
		"rsa":              {signing.RSAKey(t), "", "RSA keys are not supported"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := signing.LoadKey(c.data, []byte(c.pass), "key file k.pem")
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.True(t, strings.HasPrefix(err.Error(), "key file k.pem: "), err.Error())
			assert.NotContains(t, err.Error(), "PRIVATE KEY-----")
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	k, err := signing.LoadKey(keys(t)[1].data, nil, "k")
	require.NoError(t, err)
	for name, data := range map[string]string{
		"pem":             string(k.PublicPEM()),
		"authorized_keys": k.AuthorizedKey() + " comment\n",
		"allowed_signers": "# who may sign\nrelease@example.com namespaces=\"file\" " + k.AuthorizedKey() + "\n",
	} {
		pub, err := signing.ParsePublicKey([]byte(data), name)
		require.NoError(t, err, name)
		assert.Equal(t, k.KeyID(), pub.KeyID(), name)
	}
	_, err = signing.ParsePublicKey(keys(t)[0].data, "private")
	assert.ErrorContains(t, err, "a private key; give the public key")
	_, err = signing.ParsePublicKey([]byte("nonsense words here"), "junk")
	assert.ErrorContains(t, err, "junk: not a PEM public key")
}
