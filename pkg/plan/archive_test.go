package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArchivePlan(t *testing.T) {
	opt := options(t)
	for _, f := range []string{"LICENSE", "README.md", "docs/a.md", "docs/b.md"} {
		p := filepath.Join(opt.ManifestDir, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(f), 0o644))
	}
	m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/arm/v7, windows/amd64, darwin/arm64]
    variants: [{name: default}, {name: static}]
    archive:
      files: [LICENSE, "docs/*.md"]
`)
	pl, ps := New(m, opt)
	require.Empty(t, ps, ps.Error())
	byID := map[string]*Archive{}
	for _, j := range pl.Jobs {
		byID[j.ID] = j.Archive
	}
	dist := pl.DistDir
	a := byID["app/linux/arm/v7/default"]
	require.NotNil(t, a)
	assert.Equal(t, "tar.gz", a.Format)
	assert.Equal(t, filepath.Join(dist, "app_1.2.3_linux_arm_v7.tar.gz"), a.Path)
	assert.Equal(t, "app_1.2.3_linux_arm_v7", a.Root)
	assert.Equal(t, []ArchiveFile{
		{Src: filepath.Join(opt.ManifestDir, "LICENSE"), Name: "LICENSE"},
		{Src: filepath.Join(opt.ManifestDir, "docs", "a.md"), Name: "docs/a.md"},
		{Src: filepath.Join(opt.ManifestDir, "docs", "b.md"), Name: "docs/b.md"},
	}, a.Files)
	assert.Equal(t, filepath.Join(dist, "app_1.2.3_linux_arm_v7_static.tar.gz"), byID["app/linux/arm/v7/static"].Path)
	assert.Equal(t, "zip", byID["app/windows/amd64/default"].Format, "windows gets zip by default")
	assert.Equal(t, filepath.Join(dist, "app_1.2.3_windows_amd64.zip"), byID["app/windows/amd64/default"].Path)

	t.Run("formats, no wrap, binary", func(t *testing.T) {
		m := parseString(t, `version: 1
builds:
  - id: app
    targets: [linux/amd64, windows/amd64]
    archive: {format: zip, windows_format: binary, wrap: false, name: "{{.Binary}}-{{.Slug}}"}
`)
		pl, ps := New(m, opt)
		require.Empty(t, ps, ps.Error())
		require.NotNil(t, pl.Jobs[0].Archive)
		assert.Equal(t, "zip", pl.Jobs[0].Archive.Format)
		assert.Equal(t, "", pl.Jobs[0].Archive.Root)
		assert.Equal(t, filepath.Join(pl.DistDir, "app-linux_amd64.zip"), pl.Jobs[0].Archive.Path)
		assert.Nil(t, pl.Jobs[1].Archive, "binary: no archive")
	})
}

func TestArchivePlanProblems(t *testing.T) {
	opt := options(t)
	require.NoError(t, os.Mkdir(filepath.Join(opt.ManifestDir, "docs"), 0o755))
	for _, tc := range []struct {
		name, archive, want string
	}{
		{"glob matches nothing", `{files: [LICENSE]}`, `portmatrix.yaml:6:15: builds[app].archive.files: "LICENSE" matches no file`},
		{"directory", `{files: [docs]}`, `builds[app].archive.files: "docs" matches ` + filepath.Join(opt.ManifestDir, "docs") + `, which is not a regular file`},
		{"names clash", `{name: "{{.Binary}}"}`, `builds[app].archive.name: jobs app/linux/amd64/default and app/linux/arm64/default both write`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parseString(t, "version: 1\nbuilds:\n  - id: app\n    targets: [linux/amd64, linux/arm64]\n    archive:\n      "+
				tc.archive[1:len(tc.archive)-1]+"\n")
			_, ps := New(m, opt)
			require.NotEmpty(t, ps)
			assert.Contains(t, ps.Error(), tc.want)
		})
	}
}
