package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/platforms"
	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	snapshot.Check(t, path, got)
}

// stamp is the release information every test plan uses.
var stamp = Stamp{Version: "1.2.3", Commit: "abc1234", Date: "2024-05-06T07:08:09Z"}

// options returns plan options for a manifest directory made under
// t.TempDir(), with the go1.26.8 platform table.
func options(t *testing.T, dirs ...string) Options {
	t.Helper()
	dir := t.TempDir()
	for _, d := range dirs {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755))
	}
	return Options{Table: platforms.Table(), ManifestDir: dir, Stamp: stamp,
		Host: target.Target{GOOS: "linux", GOARCH: "amd64"}, SelectToolchain: fakeToolchain}
}

// fakeToolchain serves every cgo job with a compiler named "cc", so plan
// tests do not depend on the toolchain table or on this machine.
func fakeToolchain(n toolchain.Need, ov toolchain.Overrides) (toolchain.Toolchain, error) {
	return toolchain.Toolchain{Name: "fake", CC: []string{"cc"}, Libc: "glibc"}, nil
}

// parse reads a manifest that must have no problems of its own.
func parse(t *testing.T, file string) *manifest.Manifest {
	t.Helper()
	m, ps := manifest.Load(file)
	require.NotNil(t, m, ps.Error())
	require.Empty(t, ps, "the manifest itself must be valid:\n%s", ps.Error())
	return m
}

// parseString is parse for a manifest written inline.
func parseString(t *testing.T, src string) *manifest.Manifest {
	t.Helper()
	m, ps := manifest.Parse([]byte(src), "portmatrix.yaml")
	require.NotNil(t, m, ps.Error())
	require.Empty(t, ps, "the manifest itself must be valid:\n%s", ps.Error())
	return m
}

// render prints a plan and its problems for golden files, with the manifest
// directory shown as $DIR.
func render(pl *Plan, ps manifest.Problems, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "manifest: %s\ndist: %s\n", pl.Manifest, pl.DistDir)
	if len(pl.Warnings) > 0 {
		b.WriteString("warnings:\n")
		for _, w := range pl.Warnings {
			fmt.Fprintf(&b, "  %s\n", w)
		}
	}
	fmt.Fprintf(&b, "jobs: %d\n", len(pl.Jobs))
	for _, j := range pl.Jobs {
		fmt.Fprintf(&b, "[%d] %s\n  $ %s\n  expect=%s\n  log=%s\n", j.Index, j.ID, j.ShellLine(), j.Expect, j.Log)
	}
	if len(ps) > 0 {
		b.WriteString("problems:\n")
		for _, p := range ps {
			fmt.Fprintf(&b, "  %s\n", p.Error())
		}
	}
	return strings.ReplaceAll(b.String(), dir, "$DIR")
}

// problemLines renders problems one per line with the directory as $DIR.
func problemLines(ps manifest.Problems, dir string) []string {
	var out []string
	for _, p := range ps {
		line := p.Error()
		if dir != "" {
			line = strings.ReplaceAll(line, dir, "$DIR")
		}
		out = append(out, line)
	}
	return out
}

func jobIDs(pl *Plan) []string {
	var out []string
	for _, j := range pl.Jobs {
		out = append(out, j.ID)
	}
	return out
}
