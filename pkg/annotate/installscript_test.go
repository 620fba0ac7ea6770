package annotate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeGo stands in for the go command to test install.sh's choices:
// `go env` answers from $FAKE_GOBIN and $FAKE_GOPATH, `go version -m`
// prints build info naming the module at the version in $FAKE/modversion
// (fails without it, as for a binary that is not Go), and `go install`
// records its directory, GOBIN and arguments in $FAKE/installs and puts a
// portmatrix in GOBIN.
const fakeGo = `#!/usr/bin/env bash
case $1 in
env)
	case $2 in
	GOBIN) echo "${FAKE_GOBIN:-}" ;;
	GOPATH) echo "$FAKE_GOPATH" ;;
	GOEXE) echo "" ;;
	esac
	;;
version)
	[ -f "$FAKE/modversion" ] || exit 1
	printf '%s: go1.26.8\n\tpath\tgithub.com/portmatrix/portmatrix/cmd/portmatrix\n\tmod\tgithub.com/portmatrix/portmatrix\t%s\th1:x=\n' "$3" "$(cat "$FAKE/modversion")"
	;;
install)
	echo "$PWD|$GOBIN|$*" >>"$FAKE/installs"
	mkdir -p "$GOBIN"
	printf '#!/bin/sh\n' >"$GOBIN/portmatrix"
	chmod +x "$GOBIN/portmatrix"
	;;
*) exit 2 ;;
esac
`

type installRun struct {
	installs []string // "dir|GOBIN|args" of each go install
	outputs  map[string]string
	path     string // what was added to $GITHUB_PATH
	gopath   string
	existing string // the portmatrix already on PATH, when there is one
	action   string // ACTION_PATH
}

// runInstall runs scripts/action/install.sh with the fake go, and a
// portmatrix on PATH built from onPath ("": none).
func runInstall(t *testing.T, version, ref, onPath string, env map[string]string) installRun {
	t.Helper()
	base := t.TempDir()
	r := installRun{gopath: filepath.Join(base, "gopath"), action: filepath.Join(base, "action")}
	fakeDir, goDir, preDir := filepath.Join(base, "fake"), filepath.Join(base, "go"), filepath.Join(base, "pre")
	for _, d := range []string{fakeDir, goDir, preDir, r.action} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(goDir, "go"), []byte(fakeGo), 0o755))
	if onPath != "" {
		r.existing = filepath.Join(preDir, "portmatrix")
		require.NoError(t, os.WriteFile(r.existing, []byte("#!/bin/sh\n"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(fakeDir, "modversion"), []byte(onPath), 0o644))
	}
	outFile, pathFile := filepath.Join(base, "github-output"), filepath.Join(base, "github-path")
	script, err := filepath.Abs(filepath.Join(repoRoot, "scripts", "action", "install.sh"))
	require.NoError(t, err)
	cmd := exec.Command("bash", script)
	cmd.Dir = base
	// Only the fakes and the system's directories: no real portmatrix.
	cmd.Env = []string{
		"PATH=" + strings.Join([]string{goDir, preDir, "/usr/bin", "/bin"}, string(os.PathListSeparator)),
		"FAKE=" + fakeDir, "FAKE_GOPATH=" + r.gopath, "GITHUB_OUTPUT=" + outFile, "GITHUB_PATH=" + pathFile,
		"PORTMATRIX_VERSION=" + version, "ACTION_REF=" + ref, "ACTION_PATH=" + r.action,
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "install.sh:\n%s", out.String())
	t.Logf("install.sh:\n%s", out.String())
	if data, err := os.ReadFile(filepath.Join(fakeDir, "installs")); err == nil {
		r.installs = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	data, err := os.ReadFile(outFile)
	require.NoError(t, err)
	r.outputs = parseOutputs(t, string(data))
	if data, err := os.ReadFile(pathFile); err == nil {
		r.path = string(data)
	}
	return r
}

func TestInstallScript(t *testing.T) {
	needBash(t)
	const pkg = "github.com/portmatrix/portmatrix/cmd/portmatrix"
	const pseudo = "v0.0.0-20260101120000-abcdef123456"
	installed := func(t *testing.T, r installRun, want string) {
		t.Helper()
		bin := filepath.Join(r.gopath, "bin")
		assert.Equal(t, []string{want}, r.installs)
		assert.Equal(t, map[string]string{"path": filepath.Join(bin, "portmatrix")}, r.outputs)
		assert.Equal(t, bin+"\n", r.path, "later steps find it on PATH")
	}
	skipped := func(t *testing.T, r installRun) {
		t.Helper()
		assert.Nil(t, r.installs, "nothing installed")
		assert.Equal(t, map[string]string{"path": r.existing}, r.outputs)
	}

	t.Run("the version input", func(t *testing.T) {
		r := runInstall(t, "v1.2.3", "v1", "", nil)
		installed(t, r, filepath.Dir(r.gopath)+"|"+filepath.Join(r.gopath, "bin")+"|install "+pkg+"@v1.2.3")
	})
	t.Run("else the action's ref", func(t *testing.T) {
		r := runInstall(t, "", "v1", "", nil)
		installed(t, r, filepath.Dir(r.gopath)+"|"+filepath.Join(r.gopath, "bin")+"|install "+pkg+"@v1")
	})
	t.Run("else the action's own checkout", func(t *testing.T) {
		r := runInstall(t, "", "", "", nil)
		installed(t, r, r.action+"|"+filepath.Join(r.gopath, "bin")+"|install ./cmd/portmatrix")
	})
	t.Run("GOBIN when set", func(t *testing.T) {
		gobin := filepath.Join(t.TempDir(), "gobin")
		r := runInstall(t, "v1.2.3", "", "", map[string]string{"FAKE_GOBIN": gobin})
		assert.Equal(t, []string{filepath.Dir(r.gopath) + "|" + gobin + "|install " + pkg + "@v1.2.3"}, r.installs)
		assert.Equal(t, map[string]string{"path": filepath.Join(gobin, "portmatrix")}, r.outputs)
	})
	t.Run("the same tag on PATH is kept", func(t *testing.T) {
		skipped(t, runInstall(t, "v1.2.3", "", "v1.2.3", nil))
	})
	t.Run("another tag on PATH is replaced", func(t *testing.T) {
		r := runInstall(t, "v1.2.3", "", "v1.2.2", nil)
		installed(t, r, filepath.Dir(r.gopath)+"|"+filepath.Join(r.gopath, "bin")+"|install "+pkg+"@v1.2.3")
	})
	t.Run("a version prefix is never taken as installed", func(t *testing.T) {
		// @v1 resolves to the newest v1.x.y, which the build info cannot
		// be compared with without asking the proxy.
		r := runInstall(t, "", "v1", "v1.2.3", nil)
		assert.Len(t, r.installs, 1)
	})
	t.Run("a commit its pseudo-version names is kept", func(t *testing.T) {
		skipped(t, runInstall(t, "abcdef1234567890abcdef1234567890abcdef12", "", pseudo, nil))
		skipped(t, runInstall(t, "abcdef1", "", pseudo, nil))
	})
	t.Run("another commit is installed", func(t *testing.T) {
		r := runInstall(t, "0123456789", "", pseudo, nil)
		assert.Len(t, r.installs, 1)
	})
	t.Run("a local build on PATH is replaced", func(t *testing.T) {
		r := runInstall(t, "", "", "(devel)", nil)
		assert.Len(t, r.installs, 1)
	})
}
