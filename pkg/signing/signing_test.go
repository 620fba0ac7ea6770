package signing_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/signing"
)

// TestSSHSignatureVerifiedBySSHKeygen signs a SHA256SUMS with every kind
// of key and has the real `ssh-keygen -Y verify` check it exactly as
// docs/signing.md tells users to, then a tampered copy and another
// namespace, which must fail.
func TestSSHSignatureVerifiedBySSHKeygen(t *testing.T) {
	keys := allKeys(t)
	sshKeygen := tool(t, "apt-get install openssh-client", "ssh-keygen")
	if sshKeygen == "" {
		t.Skip("needs ssh-keygen")
	}
	sums := []byte("0123abcd  app_linux_amd64.tar.gz\n4567cdef  app_windows_amd64.zip\n")
	for _, kf := range keys {
		t.Run(kf.name, func(t *testing.T) {
			k := load(t, kf)
			sig, err := k.SignSSH(bytes.NewReader(sums), signing.SumsNamespace)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(sig, []byte("-----BEGIN SSH SIGNATURE-----\n")), "%s", sig)
			again, err := k.SignSSH(bytes.NewReader(sums), signing.SumsNamespace)
			require.NoError(t, err)
			assert.Equal(t, string(sig), string(again), "deterministic (ed25519; ECDSA by RFC 6979)")

			dir := t.TempDir()
			sigFile := filepath.Join(dir, "SHA256SUMS.sig")
			signers := filepath.Join(dir, "allowed_signers")
			require.NoError(t, os.WriteFile(sigFile, sig, 0o644))
			require.NoError(t, os.WriteFile(signers, []byte("release "+k.AuthorizedKey()+"\n"), 0o644))
			verify := func(content []byte, namespace string) (string, error) {
				return command(t, content, sshKeygen, "-Y", "verify", "-f", signers, "-I", "release", "-n", namespace, "-s", sigFile)
			}
			out, err := verify(sums, "file")
			require.NoError(t, err, out)
			assert.Contains(t, out, `Good "file" signature for release with`)
			assert.Contains(t, out, k.KeyID(), "ssh-keygen names the key by the fingerprint KeyID gives")

			tampered := bytes.Replace(sums, []byte("0123"), []byte("0124"), 1)
			out, err = verify(tampered, "file")
			assert.Error(t, err, "a tampered SHA256SUMS must not verify: %s", out)
			out, err = verify(sums, "git")
			assert.Error(t, err, "another namespace must not verify: %s", out)

			// Our verifier agrees, from the same allowed_signers line.
			pub, err := signing.ParsePublicKey([]byte("release "+k.AuthorizedKey()), "allowed_signers")
			require.NoError(t, err)
			assert.NoError(t, pub.VerifySSH(bytes.NewReader(sums), sig, signing.SumsNamespace))
			assert.Error(t, pub.VerifySSH(bytes.NewReader(tampered), sig, signing.SumsNamespace))
			assert.ErrorContains(t, pub.VerifySSH(bytes.NewReader(sums), sig, "git"), `signed for namespace "file", not "git"`)
		})
	}
}

// TestVerifySSHReadsSSHKeygenSignatures is the other direction: a
// signature `ssh-keygen -Y sign` made verifies with VerifySSH from the
// .pub file, and fails on a tampered file.
func TestVerifySSHReadsSSHKeygenSignatures(t *testing.T) {
	keys := allKeys(t)
	sshKeygen := tool(t, "apt-get install openssh-client", "ssh-keygen")
	n := 0
	for _, kf := range keys {
		if kf.maker != "ssh-keygen" || kf.passphrase != "" {
			continue
		}
		n++
		t.Run(kf.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "SHA256SUMS")
			require.NoError(t, os.WriteFile(file, []byte("abc  app\n"), 0o644))
			out, err := command(t, nil, sshKeygen, "-Y", "sign", "-f", kf.path, "-n", "file", file)
			require.NoError(t, err, out)
			sig, err := os.ReadFile(file + ".sig")
			require.NoError(t, err)
			pubText, err := os.ReadFile(kf.pubPath)
			require.NoError(t, err)
			pub, err := signing.ParsePublicKey(pubText, kf.pubPath)
			require.NoError(t, err)
			assert.NoError(t, pub.VerifySSH(strings.NewReader("abc  app\n"), sig, signing.SumsNamespace))
			assert.Error(t, pub.VerifySSH(strings.NewReader("abd  app\n"), sig, signing.SumsNamespace))
		})
	}
	if sshKeygen != "" {
		assert.Positive(t, n)
	}
}

// TestPublicFormsMatchTools checks KeyID, AuthorizedKey and PublicPEM
// against what ssh-keygen and openssl derive from the same key file, not
// from our output: ssh-keygen's own .pub, `ssh-keygen -y` of a PEM ECDSA
// key, `ssh-keygen -e -m PKCS8`, `openssl pkey -pubout`.
func TestPublicFormsMatchTools(t *testing.T) {
	keys := allKeys(t)
	sshKeygen := tool(t, "apt-get install openssh-client", "ssh-keygen")
	openssl := tool(t, "apt-get install openssl", "openssl")
	if sshKeygen == "" {
		t.Skip("needs ssh-keygen")
	}
	fingerprint := func(t *testing.T, pubFile string) string {
		out, err := command(t, nil, sshKeygen, "-lf", pubFile)
		require.NoError(t, err, out)
		fields := strings.Fields(out)
		require.GreaterOrEqual(t, len(fields), 2, out)
		return fields[1]
	}
	keyLine := func(s string) string {
		f := strings.Fields(s)
		if len(f) < 2 {
			return s
		}
		return f[0] + " " + f[1]
	}
	for _, kf := range keys {
		t.Run(kf.name, func(t *testing.T) {
			k := load(t, kf)
			var toolPub string // the public key line a tool derived
			switch {
			case kf.pubPath != "":
				b, err := os.ReadFile(kf.pubPath)
				require.NoError(t, err)
				toolPub = keyLine(string(b))
				assert.Equal(t, fingerprint(t, kf.pubPath), k.KeyID(), "KeyID is `ssh-keygen -lf KEY.pub`")
			case kf.ecdsa:
				out, err := command(t, nil, sshKeygen, "-y", "-f", kf.path)
				require.NoError(t, err, out)
				toolPub = keyLine(out)
			}
			if toolPub != "" {
				assert.Equal(t, toolPub, k.AuthorizedKey())
			} else {
				// ssh-keygen reads no PEM ed25519 key: fingerprint our line.
				toolPub = k.AuthorizedKey()
			}
			pubFile := filepath.Join(t.TempDir(), "key.pub")
			require.NoError(t, os.WriteFile(pubFile, []byte(toolPub+"\n"), 0o644))
			assert.Equal(t, fingerprint(t, pubFile), k.KeyID())
			assert.True(t, strings.HasPrefix(k.KeyID(), "SHA256:"))

			switch {
			case kf.maker != "ssh-keygen" && openssl != "":
				out, err := command(t, nil, openssl, "pkey", "-in", kf.path, "-pubout")
				require.NoError(t, err, out)
				assert.Equal(t, out, string(k.PublicPEM()), "PublicPEM is `openssl pkey -pubout`")
			case kf.maker == "ssh-keygen" && kf.ecdsa:
				out, err := command(t, nil, sshKeygen, "-e", "-m", "PKCS8", "-f", kf.pubPath)
				require.NoError(t, err, out)
				assert.Equal(t, out, string(k.PublicPEM()), "PublicPEM is `ssh-keygen -e -m PKCS8`")
			}
		})
	}
}

// TestKeyNeverPrinted: no fmt verb on a Key or *Key prints more than its
// String, which names the source and the fingerprint only.
func TestKeyNeverPrinted(t *testing.T) {
	for _, kf := range allKeys(t) {
		k := load(t, kf)
		want := k.String()
		assert.Regexp(t, `^(ed25519|ecdsa-P-(256|384|521)) key SHA256:[A-Za-z0-9+/]{43} from key file \S+$`, want)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q", "%T"} {
			for _, v := range []any{k, *k} {
				got := fmt.Sprintf(verb, v)
				if verb == "%T" {
					assert.NotContains(t, got, "Private")
					continue
				}
				assert.Equal(t, want, got, "%s of %T", verb, v)
			}
		}
		noSecret(t, kf.data, want)
	}
}

// noSecret fails when msg holds a piece of the key file's encoded body.
func noSecret(t *testing.T, keyData []byte, msg string) {
	t.Helper()
	for _, line := range strings.Split(string(keyData), "\n") {
		line = strings.TrimSpace(line)
		if len(line) < 16 || strings.HasPrefix(line, "-----") || strings.Contains(line, ":") {
			continue
		}
		for i := 0; i+16 <= len(line); i += 8 {
			if strings.Contains(msg, line[i:i+16]) {
				t.Errorf("message %q holds key material %q", msg, line[i:i+16])
				return
			}
		}
	}
}
