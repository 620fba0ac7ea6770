package releasecheck_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/provenance"
	"github.com/portmatrix/portmatrix/pkg/releasecheck"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

// release writes a small release into a temporary directory: two files,
// SHA256SUMS, its signature and a signed provenance naming the files.
func release(t *testing.T, key *signing.Key, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	var entries []checksum.Entry
	var subjects []provenance.Artifact
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		sum := sha256.Sum256([]byte(content))
		entries = append(entries, checksum.Entry{Name: name, SHA256: hex.EncodeToString(sum[:])})
		subjects = append(subjects, provenance.Artifact{Name: name, SHA256: hex.EncodeToString(sum[:])})
	}
	require.NoError(t, checksum.WriteFile(filepath.Join(dir, "SHA256SUMS"), entries))
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	require.NoError(t, err)
	sig, err := key.SignSSH(strings.NewReader(string(sums)), signing.SumsNamespace)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "SHA256SUMS.sig"), sig, 0o644))
	st, err := provenance.Statement(provenance.Build{BuilderID: "https://example.com/b", Subjects: subjects})
	require.NoError(t, err)
	env, err := provenance.Envelope(context.Background(), st, key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "provenance.intoto.jsonl"), env, 0o644))
	return dir
}

func newKey(t *testing.T) (*signing.Key, *signing.PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	k, err := signing.LoadKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil, "test")
	require.NoError(t, err)
	p, err := signing.ParsePublicKey([]byte(k.AuthorizedKey()), "test.pub")
	require.NoError(t, err)
	return k, p
}

func failures(r *releasecheck.Result) []string {
	var out []string
	for _, c := range r.Checks {
		if c.Status == releasecheck.Failed {
			out = append(out, c.File+": "+c.What)
		}
	}
	return out
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	key, pub := newKey(t)
	_, otherPub := newKey(t)
	files := map[string]string{"a/app": "binary bytes", "app.tar.gz": "archive bytes"}

	dir := release(t, key, files)
	res, err := releasecheck.Verify(ctx, releasecheck.Options{Dir: dir, Keys: []*signing.PublicKey{pub}, RequireSigned: true})
	require.NoError(t, err)
	assert.Empty(t, failures(res))

	t.Run("another key", func(t *testing.T) {
		res, err := releasecheck.Verify(ctx, releasecheck.Options{Dir: dir, Keys: []*signing.PublicKey{otherPub}})
		require.NoError(t, err)
		f := strings.Join(failures(res), "\n")
		assert.Contains(t, f, "SHA256SUMS.sig: signature of SHA256SUMS does not verify")
		assert.Contains(t, f, "provenance.intoto.jsonl: line 1: no signature verifies")
	})
	t.Run("a missing file and a changed one", func(t *testing.T) {
		dir := release(t, key, files)
		require.NoError(t, os.Remove(filepath.Join(dir, "a", "app")))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "app.tar.gz"), []byte("evil"), 0o644))
		res, err := releasecheck.Verify(ctx, releasecheck.Options{Dir: dir, Keys: []*signing.PublicKey{pub}})
		require.NoError(t, err)
		f := strings.Join(failures(res), "\n")
		assert.Contains(t, f, "a/app: listed in SHA256SUMS but")
		assert.Contains(t, f, "app.tar.gz: sha256 ")
	})
	t.Run("a file added to the sums but not to the provenance", func(t *testing.T) {
		dir := release(t, key, files)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "extra"), []byte("x"), 0o644))
		f, err := os.OpenFile(filepath.Join(dir, "SHA256SUMS"), os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.WriteString("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  extra\n")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		res, err := releasecheck.Verify(ctx, releasecheck.Options{Dir: dir, Keys: []*signing.PublicKey{pub}})
		require.NoError(t, err)
		fs := strings.Join(failures(res), "\n")
		assert.Contains(t, fs, "extra: listed in SHA256SUMS but not a subject of provenance.intoto.jsonl")
		assert.Contains(t, fs, "SHA256SUMS.sig: signature of SHA256SUMS does not verify")
	})
	t.Run("unsigned and no key", func(t *testing.T) {
		dir := release(t, key, files)
		require.NoError(t, os.Remove(filepath.Join(dir, "SHA256SUMS.sig")))
		res, err := releasecheck.Verify(ctx, releasecheck.Options{Dir: dir})
		require.NoError(t, err)
		assert.Empty(t, failures(res), "without --require-signature, not verified is a note")
		res, err = releasecheck.Verify(ctx, releasecheck.Options{Dir: dir, RequireSigned: true})
		require.NoError(t, err)
		f := strings.Join(failures(res), "\n")
		assert.Contains(t, f, "SHA256SUMS: not signed (no SHA256SUMS.sig)")
		assert.Contains(t, f, "provenance.intoto.jsonl: signature present but not verified")
	})
	t.Run("a sums line that leaves the directory", func(t *testing.T) {
		dir := release(t, key, files)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(strings.Repeat("0", 64)+"  ../outside\n"), 0o644))
		_, err := releasecheck.Verify(ctx, releasecheck.Options{Dir: dir})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "SHA256SUMS")
	})
	t.Run("no SHA256SUMS", func(t *testing.T) {
		_, err := releasecheck.Verify(ctx, releasecheck.Options{Dir: t.TempDir()})
		assert.ErrorContains(t, err, "SHA256SUMS")
	})
}
