package typecheck_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/check"
	"github.com/portmatrix/portmatrix/pkg/typecheck"
)

// The agreement tests build the fixtures of testdata with the real go
// command for every platform of the live `go tool dist list`, and compare
// what failed, package by package, with what the Session says, down to the
// file and line of each package's first error. -short skips them.

// verdict is what failed on one platform: per failing package its first
// error's "file:line" (a load error, which stops the go command before it
// compiles anything, as the package "load").
type verdict map[string]string

func extract(t *testing.T, archive string) string {
	t.Helper()
	a, err := txtar.ParseFile(filepath.Join("testdata", archive))
	require.NoError(t, err)
	dir := t.TempDir()
	for _, f := range a.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, f.Data, 0o644))
	}
	return dir
}

func platforms(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	require.NoError(t, err)
	return strings.Fields(string(out))
}

func goEnv(platform string) []string {
	goos, goarch, _ := strings.Cut(platform, "/")
	return append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
}

// built is go build's verdict on ./... for the platform.
func built(t *testing.T, dir, platform string) verdict {
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir, cmd.Env = dir, goEnv(platform)
	out, err := cmd.CombinedOutput()
	v := verdict{}
	if err == nil {
		return v
	}
	for _, d := range check.ParseLog(string(out), dir, "") {
		pkg := d.Package
		if pkg == "" || !strings.Contains(string(out), "# "+pkg) {
			pkg = "load"
		}
		v[pkg] = posLine(d.Pos)
	}
	if len(v) == 0 {
		t.Errorf("%s: go build failed with no error it could read: %v\n%s", platform, err, out)
	}
	return v
}

// posLine drops the column.
func posLine(pos string) string {
	if i := strings.LastIndex(pos, ":"); i > strings.Index(pos, ":") {
		return pos[:i]
	}
	return pos
}

// typechecked is the Session's verdict on ./... for the platform.
func typechecked(t *testing.T, s *typecheck.Session, dir, platform string) (verdict, []typecheck.Hazard) {
	cmd := exec.Command("go", check.ListDepsArgs("./...")...)
	cmd.Dir, cmd.Env = dir, goEnv(platform)
	data, err := cmd.Output()
	require.NoError(t, err, platform)
	g, err := typecheck.ParseGraph(data)
	require.NoError(t, err)
	var roots []string
	for _, p := range check.RootsOf(g) {
		roots = append(roots, p.ImportPath)
	}
	_, goarch, _ := strings.Cut(platform, "/")
	res, err := s.Check(context.Background(), g, typecheck.Platform{GOARCH: goarch}, roots)
	require.NoError(t, err)
	v := verdict{}
	if len(res.LoadErrors) > 0 {
		v["load"] = ""
		return v, res.Hazards
	}
	for _, p := range res.Packages {
		if len(p.Errors) > 0 {
			e := p.Errors[0]
			rel, err := filepath.Rel(dir, e.Pos.Filename)
			require.NoError(t, err)
			v[p.ImportPath] = fmt.Sprintf("%s:%d", filepath.ToSlash(rel), e.Pos.Line)
		}
	}
	return v, res.Hazards
}

// agree checks the archive on every platform both ways.
func agree(t *testing.T, archive string) map[string]verdict {
	if testing.Short() {
		t.Skip("builds a module for every platform with the go command")
	}
	dir := extract(t, archive)
	s := typecheck.NewSession("")
	plats := platforms(t)
	var mu sync.Mutex
	got := map[string]verdict{}
	var g errgroup.Group
	g.SetLimit(2)
	for _, pl := range plats {
		g.Go(func() error {
			want := built(t, dir, pl)
			have, hazards := typechecked(t, s, dir, pl)
			assert.Empty(t, hazards, pl)
			assert.Equal(t, want, have, "%s: go build (want) against the type checker", pl)
			mu.Lock()
			got[pl] = want
			mu.Unlock()
			return nil
		})
	}
	require.NoError(t, g.Wait())
	return got
}

func failing(got map[string]verdict, pkg string) []string {
	var out []string
	for pl, v := range got {
		if _, ok := v[pkg]; ok {
			out = append(out, pl)
		}
	}
	sort.Strings(out)
	return out
}

func TestAgreementWithGoBuild(t *testing.T) {
	got := agree(t, "agree.txtar")
	// The fixture does what it says: each case fails somewhere and not
	// everywhere, so that agreeing is not agreeing on "all fail".
	for _, pkg := range []string{"example.com/agree/tagged", "example.com/agree/asm", "example.com/agree/sizes", "example.com/agree/sig", "example.com/agree/ln", "example.com/agree/unused", "load"} {
		n := len(failing(got, pkg))
		assert.True(t, n > 0 && n < len(got), "%s fails on %d of %d platforms", pkg, n, len(got))
	}
	assert.Contains(t, failing(got, "example.com/agree/sizes"), "linux/386")
	assert.NotContains(t, failing(got, "example.com/agree/sizes"), "linux/amd64")
	assert.NotContains(t, failing(got, "example.com/agree/asm"), "linux/amd64")
	assert.Contains(t, failing(got, "load"), "ios/arm64")
}

func TestAgreementLoadErrors(t *testing.T) {
	got := agree(t, "agreeload.txtar")
	assert.Contains(t, failing(got, "load"), "windows/amd64")
	assert.NotContains(t, failing(got, "load"), "linux/amd64")
}
