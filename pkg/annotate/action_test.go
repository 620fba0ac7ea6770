package annotate

// The GitHub Action at the repository root (action.yml, scripts/action)
// is tested here, beside the annotations and outputs it surfaces: its
// metadata's structure, actionlint over every workflow in the repository
// (with the action as a local action, so that actionlint checks the
// examples' inputs and outputs against action.yml), and in
// actionscripts_test.go its scripts with a fake portmatrix and a fake go.

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/report"
)

const repoRoot = "../.."

// actionMeta is action.yml, decoded strictly: a misspelt key is an error.
type actionMeta struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	Shell string            `yaml:"shell"`
	Env   map[string]string `yaml:"env"`
	Run   string            `yaml:"run"`
}

func readAction(t *testing.T) (actionMeta, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	require.NoError(t, err)
	var m actionMeta
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&m), "action.yml")
	return m, string(data)
}

// scriptOutputs are the output names a script writes to $GITHUB_OUTPUT
// (echo "NAME=..." or echo "NAME<<...").
func scriptOutputs(t *testing.T, script string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "action", script))
	require.NoError(t, err)
	var names []string
	for _, m := range regexp.MustCompile(`echo "([a-z_]+)(?:=|<<)`).FindAllStringSubmatch(string(data), -1) {
		names = append(names, m[1])
	}
	return names
}

// cliOutputs are the names portmatrix writes with --annotations github:
// GitHubOutputs's.
func cliOutputs(t *testing.T) []string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, GitHubOutputs(&b, &report.Report{}, "r.json"))
	var names []string
	for line := range strings.Lines(b.String()) {
		name, _, ok := strings.Cut(line, "=")
		require.True(t, ok, line)
		names = append(names, name)
	}
	return names
}

func TestActionMetadata(t *testing.T) {
	if testing.Short() {
		t.Skip("the action's tests run with the integration tests")
	}
	m, text := readAction(t)
	assert.NotEmpty(t, m.Name)
	assert.NotEmpty(t, m.Description)

	t.Run("inputs", func(t *testing.T) {
		want := map[string]string{"command": "build", "args": "", "manifest": "portmatrix.yaml", "version": ""}
		assert.ElementsMatch(t, keys(want), keys(m.Inputs))
		for name, def := range want {
			in := m.Inputs[name]
			assert.NotEmpty(t, in.Description, name)
			assert.False(t, in.Required, "%s has a default", name)
			if assert.NotNil(t, in.Default, "%s: default written out", name) {
				assert.Equal(t, def, *in.Default, name)
			}
		}
		for _, c := range []string{"build", "check", "merge", "plan", "verify-release"} {
			assert.Contains(t, m.Inputs["command"].Description, c)
		}
	})

	t.Run("outputs", func(t *testing.T) {
		for _, name := range []string{"report", "ok", "total", "failed", "violated"} {
			assert.Contains(t, m.Outputs, name, "the issue asks for output %s", name)
		}
		for name, o := range m.Outputs {
			assert.NotEmpty(t, o.Description, name)
			assert.Equal(t, "${{ steps.run.outputs."+name+" }}", o.Value, "output %s is the run step's output of that name", name)
		}
		for _, name := range cliOutputs(t) {
			assert.Contains(t, m.Outputs, name, "every output portmatrix writes is an output of the action")
		}
	})

	t.Run("steps", func(t *testing.T) {
		assert.Equal(t, "composite", m.Runs.Using)
		require.Len(t, m.Runs.Steps, 2)
		for i, s := range m.Runs.Steps {
			assert.Equal(t, "bash", s.Shell, "step %d", i)
			assert.NotEmpty(t, s.ID, "step %d", i)
		}
		install, run := m.Runs.Steps[0], m.Runs.Steps[1]
		assert.Equal(t, "install", install.ID)
		assert.Equal(t, `bash "${{ github.action_path }}/scripts/action/install.sh"`, install.Run)
		assert.Equal(t, "${{ github.action_ref }}", install.Env["ACTION_REF"], "through env: empty in a composite's run")
		assert.Equal(t, "${{ inputs.version }}", install.Env["PORTMATRIX_VERSION"])
		assert.Equal(t, "run", run.ID)
		assert.Equal(t, `bash "${{ github.action_path }}/scripts/action/run.sh"`, run.Run)
		assert.Equal(t, map[string]string{
			"PORTMATRIX":          "${{ steps.install.outputs.path }}",
			"PORTMATRIX_COMMAND":  "${{ inputs.command }}",
			"PORTMATRIX_MANIFEST": "${{ inputs.manifest }}",
			"PORTMATRIX_ARGS":     "${{ inputs.args }}",
		}, run.Env)
		for _, s := range m.Runs.Steps {
			assert.NotContains(t, s.Run, "inputs.", "inputs reach the scripts through env, never spliced into the script")
		}
	})

	t.Run("every steps.X.outputs.Y exists", func(t *testing.T) {
		writes := map[string][]string{
			"install": scriptOutputs(t, "install.sh"),
			"run":     append(scriptOutputs(t, "run.sh"), cliOutputs(t)...),
		}
		assert.Equal(t, []string{"path", "path"}, writes["install"])
		order := map[string]int{}
		for i, s := range m.Runs.Steps {
			order[s.ID] = i
		}
		refs := regexp.MustCompile(`\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}`)
		found := 0
		for _, r := range refs.FindAllStringSubmatch(text, -1) {
			found++
			_, ok := order[r[1]]
			if assert.True(t, ok, "%s: no step has id %q", r[0], r[1]) {
				assert.Contains(t, writes[r[1]], r[2], "%s: step %s never writes %s", r[0], r[1], r[2])
			}
		}
		for i, s := range m.Runs.Steps { // a step reads only the steps before it
			for _, v := range s.Env {
				for _, r := range refs.FindAllStringSubmatch(v, -1) {
					assert.Less(t, order[r[1]], i, "step %s reads %s", s.ID, r[0])
				}
			}
		}
		assert.GreaterOrEqual(t, found, len(m.Outputs)+1)
		for _, r := range regexp.MustCompile(`\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}`).FindAllStringSubmatch(text, -1) {
			assert.Contains(t, m.Inputs, r[1], "%s: no such input", r[0])
		}
	})
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// workflowFiles are the GitHub Actions workflows in the repository: YAML
// files with "on" and "jobs" at the top (GitLab's has no "on").
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != repoRoot && (strings.HasPrefix(name, ".") && name != ".github" || name == "dist" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yml" && ext != ".yaml" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var top map[string]any
		if yaml.Unmarshal(data, &top) == nil && top["on"] != nil && top["jobs"] != nil {
			out = append(out, path)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// usesThisAction is a step using the published action, at any ref.
var usesThisAction = regexp.MustCompile(`uses: portmatrix/portmatrix@\S+`)

// lint runs actionlint over one workflow with the repository as the
// project, shellcheck on run: scripts when it is installed.
func lint(t *testing.T, path string, content []byte) []*actionlint.Error {
	t.Helper()
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, opts)
	require.NoError(t, err)
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	proj, err := actionlint.NewProject(root)
	require.NoError(t, err)
	errs, err := l.Lint(path, content, proj)
	require.NoError(t, err)
	return errs
}

// TestActionlintWorkflows runs actionlint over every workflow in the
// repository. A step that uses portmatrix/portmatrix@REF is linted as the
// local action (uses: ./), which makes actionlint read action.yml and
// check the step's inputs and every steps.ID.outputs.NAME against it.
func TestActionlintWorkflows(t *testing.T) {
	if testing.Short() {
		t.Skip("the action's tests run with the integration tests")
	}
	// actionlint checks run: scripts with shellcheck when it is on PATH:
	// required in CI, so the lint is never weaker there than here.
	needtool.Path(t, "apt-get install shellcheck", "shellcheck")
	files := workflowFiles(t)
	var names []string
	for _, f := range files {
		names = append(names, filepath.ToSlash(f))
	}
	assert.Subset(t, names, []string{repoRoot + "/examples/ci/github-actions.yml", repoRoot + "/examples/ci/github-action.yml"})
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			local := usesThisAction.ReplaceAll(data, []byte("uses: ./"))
			for _, e := range lint(t, f, local) {
				t.Errorf("%s:%d:%d: %s [%s]", f, e.Line, e.Column, e.Message, e.Kind)
			}
		})
	}
	example, err := os.ReadFile(filepath.Join(repoRoot, "examples", "ci", "github-action.yml"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(usesThisAction.FindAll(example, -1)), 4, "the example uses the action in plan, build, merge and verify")
}

// TestActionlintSeesTheAction proves the lint above is not vacuous: a
// workflow giving the local action an input it does not have, and reading
// an output it does not have, is rejected.
func TestActionlintSeesTheAction(t *testing.T) {
	if testing.Short() {
		t.Skip("the action's tests run with the integration tests")
	}
	wf := []byte(`name: t
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: pm
        uses: ./
        with:
          comand: build
      - run: echo "$X"
        env:
          X: ${{ steps.pm.outputs.no_such_output }}
`)
	path := filepath.Join(repoRoot, "examples", "ci", "actionlint-probe.yml") // never written
	var msgs []string
	for _, e := range lint(t, path, wf) {
		msgs = append(msgs, e.Message)
	}
	all := strings.Join(msgs, "\n")
	assert.Contains(t, all, `input "comand" is not defined`)
	assert.Contains(t, all, "no_such_output")
}

// TestActionScriptsShellcheck runs shellcheck over the action's scripts
// when it is installed (scripts/install-deps.sh does not install it; the
// scripts were clean with shellcheck 0.9.0 when written).
func TestActionScriptsShellcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("the action's tests run with the integration tests")
	}
	sc := needtool.Path(t, "apt-get install shellcheck", "shellcheck")
	scripts, err := filepath.Glob(filepath.Join(repoRoot, "scripts", "action", "*.sh"))
	require.NoError(t, err)
	require.Len(t, scripts, 2)
	out, err := exec.Command(sc, scripts...).CombinedOutput()
	assert.NoError(t, err, "%s", out)
}
