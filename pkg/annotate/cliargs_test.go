package annotate_test

// An external test package: it imports pkg/cli, which imports this
// package for --annotations, so in package annotate it would be a cycle.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/cli"
)

// recordingPortmatrix answers `CMD --help` with $FAKE/help-CMD (the real
// command's help) and otherwise records its argv and exits 0.
const recordingPortmatrix = `#!/usr/bin/env bash
if [ "${2:-}" = --help ]; then cat "$FAKE/help-$1"; exit 0; fi
printf '%s\n' "$@" >"$FAKE/argv"
`

// TestActionArgsParseWithTheRealCLI runs scripts/action/run.sh for every
// use of the action in the CI examples, with a portmatrix that shows the
// real command's --help (so run.sh passes --annotations exactly when the
// real command has it) and records the command line; that command line,
// with --help added, must then parse with the real command tree. A
// renamed flag, or a flag run.sh adds that a command does not take (-f
// for check), fails here.
func TestActionArgsParseWithTheRealCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("the action's tests run with the integration tests")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	subst := strings.NewReplacer("${{ matrix.shard }}", "1/4", "${{ matrix.index }}", "1", "${{ env.SHARDS }}", "4")
	files, err := filepath.Glob("../../examples/ci/*.yml")
	require.NoError(t, err)
	uses := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					Uses string            `yaml:"uses"`
					With map[string]string `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		require.NoError(t, yaml.Unmarshal(data, &wf), f)
		for job, j := range wf.Jobs {
			for i, s := range j.Steps {
				if !strings.HasPrefix(s.Uses, "portmatrix/portmatrix@") {
					continue
				}
				uses++
				env := map[string]string{}
				for in, name := range map[string]string{"command": "PORTMATRIX_COMMAND", "args": "PORTMATRIX_ARGS", "manifest": "PORTMATRIX_MANIFEST"} {
					if v, ok := s.With[in]; ok {
						env[name] = subst.Replace(v)
					}
				}
				argv := recordArgv(t, env)
				var out, errs bytes.Buffer
				code := cli.Main(context.Background(), append(argv, "--help"), cli.Stdio{Out: &out, Err: &errs, Getenv: func(string) string { return "" }})
				assert.Equal(t, 0, code, "%s: jobs.%s.steps[%d]: portmatrix %s\n%s", f, job, i, strings.Join(argv, " "), errs.String())
			}
		}
	}
	assert.GreaterOrEqual(t, uses, 4)
}

// recordArgv runs run.sh with env and returns the command line it gave
// portmatrix.
func recordArgv(t *testing.T, env map[string]string) []string {
	t.Helper()
	base := t.TempDir()
	fake, bin, temp := filepath.Join(base, "fake"), filepath.Join(base, "bin"), filepath.Join(base, "tmp")
	for _, d := range []string{fake, bin, temp} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(bin, "portmatrix"), []byte(recordingPortmatrix), 0o755))
	cmd := env["PORTMATRIX_COMMAND"]
	if cmd == "" {
		cmd = "build"
	}
	var help bytes.Buffer
	require.Equal(t, 0, cli.Main(context.Background(), []string{cmd, "--help"}, cli.Stdio{Out: &help, Err: &help}), help.String())
	require.NoError(t, os.WriteFile(filepath.Join(fake, "help-"+cmd), help.Bytes(), 0o644))

	script, err := filepath.Abs("../../scripts/action/run.sh")
	require.NoError(t, err)
	c := exec.Command("bash", script)
	c.Dir = base
	c.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "FAKE=" + fake,
		"RUNNER_TEMP=" + temp, "GITHUB_OUTPUT=" + filepath.Join(base, "out")}
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	out, err := c.CombinedOutput()
	require.NoError(t, err, "run.sh: %s", out)
	argv, err := os.ReadFile(filepath.Join(fake, "argv"))
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(argv), "\n"), "\n")
}
