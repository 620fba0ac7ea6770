package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReleasePlan(t *testing.T) {
	const src = `version: 1
builds:
  - id: app
    targets: [linux/amd64]
release:
  sbom: {}
  provenance: {}
  sign: {key: keys/release.pem, passphrase_env: PASS}
`
	opt := options(t)
	pl, ps := New(parseString(t, src), opt)
	require.Empty(t, ps, ps.Error())
	require.NotNil(t, pl.Release)
	assert.Equal(t, &Release{
		SBOM:       []string{"cyclonedx", "spdx"},
		Provenance: filepath.Join(pl.DistDir, "provenance.intoto.jsonl"),
		Sign:       &SignKey{File: filepath.Join(opt.ManifestDir, "keys", "release.pem"), PassphraseEnv: "PASS"},
	}, pl.Release)
	var text strings.Builder
	require.NoError(t, pl.WriteText(&text, "", 0))
	assert.Contains(t, text.String(), "# release: SBOM (cyclonedx, spdx) beside every binary; SLSA provenance "+pl.Release.Provenance+"; SHA256SUMS and the provenance signed with key file "+pl.Release.Sign.File+"\n")

	t.Run("flags override", func(t *testing.T) {
		o := opt
		o.Release = ReleaseFlags{SBOM: "spdx", Provenance: "none", SignKeyEnv: "RELEASE_KEY"}
		pl, ps := New(parseString(t, src), o)
		require.Empty(t, ps, ps.Error())
		assert.Equal(t, &Release{SBOM: []string{"spdx"}, Sign: &SignKey{Env: "RELEASE_KEY", PassphraseEnv: "PASS"}}, pl.Release)
		o.Release = ReleaseFlags{SBOM: "none", Provenance: "none", SignKey: "none"}
		pl, ps = New(parseString(t, src), o)
		require.Empty(t, ps, ps.Error())
		assert.Nil(t, pl.Release, "everything turned off")
	})
	t.Run("bad flags", func(t *testing.T) {
		o := opt
		o.Release = ReleaseFlags{SBOM: "cyclonedx,swid", Provenance: "a/b.jsonl", SignKey: "k", SignKeyEnv: "K"}
		_, ps := New(parseString(t, src), o)
		assert.Contains(t, ps.Error(), `--sbom: "swid" is not an SBOM format`)
		assert.Contains(t, ps.Error(), `--provenance: "a/b.jsonl" must be a plain file name`)
		assert.Contains(t, ps.Error(), "--sign-key: give --sign-key or --sign-key-env, not both")
	})
	t.Run("no manifest section", func(t *testing.T) {
		pl, ps := New(parseString(t, "version: 1\nbuilds: [{id: app, targets: [linux/amd64]}]\n"), opt)
		require.Empty(t, ps, ps.Error())
		assert.Nil(t, pl.Release)
	})
}

// A private key must never ship: not from the dist directory, not packed
// into an archive by a glob.
func TestReleaseKeyNeverShips(t *testing.T) {
	opt := options(t, "keys", "dist")
	for _, f := range []string{"keys/release.pem", "LICENSE", "dist/k.pem"} {
		require.NoError(t, os.WriteFile(filepath.Join(opt.ManifestDir, f), []byte("x"), 0o600))
	}
	_, ps := New(parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/amd64]
    archive: {files: [LICENSE, "keys/*"]}
release:
  sign: {key: keys/release.pem}
`), opt)
	require.Len(t, ps, 1)
	assert.Equal(t, 7, ps[0].Line, "at release.sign.key")
	assert.Contains(t, ps[0].Msg, "would be packed into app_1.2.3_linux_amd64.tar.gz")

	_, ps = New(parseString(t, "version: 1\nbuilds: [{id: app, targets: [linux/amd64]}]\nrelease: {sign: {key: dist/k.pem}}\n"), opt)
	require.Len(t, ps, 1)
	assert.Contains(t, ps[0].Msg, "is inside the dist directory")

	o := opt
	o.Release.SignKey = filepath.Join(opt.ManifestDir, "dist", "k.pem")
	_, ps = New(parseString(t, "version: 1\nbuilds: [{id: app, targets: [linux/amd64]}]\n"), o)
	require.Len(t, ps, 1)
	assert.Equal(t, "--sign-key", ps[0].File)
}
