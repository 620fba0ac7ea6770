package signing_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

// keyFile is one private key in one of the accepted formats, and the tool
// that made it.
type keyFile struct {
	name       string
	maker      string // "ssh-keygen", "openssl" or "go"
	path       string // the key on disk, mode 0600
	data       []byte
	passphrase string
	pubPath    string // ssh-keygen's own .pub file; "" for the others
	ecdsa      bool
}

// The key set is made once per test binary: ssh-keygen and openssl are
// run a dozen times, and the passphrase-protected keys cost a KDF each.
var (
	keysOnce sync.Once
	keysDir  string
	keySet   []keyFile
	keysErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if keysDir != "" {
		os.RemoveAll(keysDir)
	}
	os.Exit(code)
}

// tool is the path of a key-making tool, or "" when it is missing: its
// keys are then left out (a test calling allKeys still runs with the
// others), except under CI=true, where needtool fails the test.
func tool(t *testing.T, install, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		needtool.Path(t, install, name)
	}
	t.Logf("%s not found: its keys are left out (%s)", name, install)
	return ""
}

// allKeys is every kind of key LoadKey accepts, made by ssh-keygen,
// openssl and Go.
func allKeys(t *testing.T) []keyFile {
	t.Helper()
	sshKeygen := tool(t, "apt-get install openssh-client", "ssh-keygen")
	openssl := tool(t, "apt-get install openssl", "openssl")
	keysOnce.Do(func() {
		keysDir, keysErr = os.MkdirTemp("", "signing-keys-")
		if keysErr == nil {
			keySet, keysErr = makeKeys(keysDir, sshKeygen, openssl)
		}
	})
	require.NoError(t, keysErr)
	require.NotEmpty(t, keySet)
	return keySet
}

func makeKeys(dir, sshKeygen, openssl string) ([]keyFile, error) {
	var out []keyFile
	run := func(name string, args ...string) error {
		b, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, b)
		}
		return nil
	}
	add := func(kf keyFile) error {
		data, err := os.ReadFile(kf.path)
		if err != nil {
			return err
		}
		kf.data = data
		out = append(out, kf)
		return os.Chmod(kf.path, 0o600)
	}
	if sshKeygen != "" {
		for _, c := range []struct {
			name, typ, bits, pass string
		}{
			{"ssh-keygen ed25519", "ed25519", "", ""},
			{"ssh-keygen ecdsa p256", "ecdsa", "256", ""},
			{"ssh-keygen ecdsa p384", "ecdsa", "384", ""},
			{"ssh-keygen ecdsa p521", "ecdsa", "521", ""},
			{"ssh-keygen ed25519 with passphrase", "ed25519", "", "s3cret pass"},
			{"ssh-keygen ecdsa p256 with passphrase", "ecdsa", "256", "s3cret pass"},
		} {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			// -a 4: few KDF rounds, the format is the same.
			args := []string{"-q", "-t", c.typ, "-N", c.pass, "-a", "4", "-C", "test", "-f", path}
			if c.bits != "" {
				args = append(args, "-b", c.bits)
			}
			if err := run(sshKeygen, args...); err != nil {
				return nil, err
			}
			if err := add(keyFile{name: c.name, maker: "ssh-keygen", path: path, passphrase: c.pass, pubPath: path + ".pub", ecdsa: c.typ == "ecdsa"}); err != nil {
				return nil, err
			}
		}
	}
	if openssl != "" {
		for _, c := range []struct {
			name  string
			args  []string
			ecdsa bool
		}{
			{"openssl genpkey ed25519", []string{"genpkey", "-algorithm", "ed25519"}, false},
			{"openssl genpkey ec p256", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, true},
			// EC PARAMETERS, then a SEC1 EC PRIVATE KEY.
			{"openssl ecparam p256 with parameters", []string{"ecparam", "-name", "prime256v1", "-genkey"}, true},
			{"openssl ecparam p384 sec1", []string{"ecparam", "-name", "secp384r1", "-genkey", "-noout"}, true},
		} {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".pem")
			if err := run(openssl, append(c.args, "-out", path)...); err != nil {
				return nil, err
			}
			if err := add(keyFile{name: c.name, maker: "openssl", path: path, ecdsa: c.ecdsa}); err != nil {
				return nil, err
			}
		}
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	goKeys := []struct {
		name  string
		typ   string
		key   any
		ecdsa bool
	}{
		{"go pkcs8 ed25519", "PRIVATE KEY", ed, false},
		{"go pkcs8 ecdsa p256", "PRIVATE KEY", ecKey(elliptic.P256()), true},
		{"go pkcs8 ecdsa p521", "PRIVATE KEY", ecKey(elliptic.P521()), true},
		{"go sec1 ecdsa p256", "EC PRIVATE KEY", ecKey(elliptic.P256()), true},
		{"go sec1 ecdsa p384", "EC PRIVATE KEY", ecKey(elliptic.P384()), true},
	}
	for _, g := range goKeys {
		var der []byte
		if g.typ == "EC PRIVATE KEY" {
			der, err = x509.MarshalECPrivateKey(g.key.(*ecdsa.PrivateKey))
		} else {
			der, err = x509.MarshalPKCS8PrivateKey(g.key)
		}
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, strings.ReplaceAll(g.name, " ", "_")+".pem")
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: g.typ, Bytes: der}), 0o600); err != nil {
			return nil, err
		}
		if err := add(keyFile{name: g.name, maker: "go", path: path, ecdsa: g.ecdsa}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ecKey(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// load is LoadKey of a key file, which must succeed.
func load(t *testing.T, kf keyFile) *signing.Key {
	t.Helper()
	k, err := signing.LoadKey(kf.data, []byte(kf.passphrase), "key file "+filepath.Base(kf.path))
	require.NoError(t, err, kf.name)
	return k
}

// goKey is a fresh ed25519 key, for tests that need any key.
func goKey(t testing.TB) *signing.Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	k, err := signing.LoadKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil, "go key")
	require.NoError(t, err)
	return k
}

// command runs a tool and returns its combined output.
func command(t *testing.T, stdin []byte, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = strings.NewReader(string(stdin))
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}
