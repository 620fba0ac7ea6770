package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestCIExamplesUseRealFlags parses every portmatrix command line of the
// CI examples in examples/ci with the real command tree, so that a renamed
// flag cannot leave the documented workflows broken.
func TestCIExamplesUseRealFlags(t *testing.T) {
	files, err := filepath.Glob("../../examples/ci/*.yml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	subst := strings.NewReplacer(
		"${{ matrix.shard }}", "1/4", "${{ matrix.index }}", "1",
		"$CI_NODE_INDEX/$CI_NODE_TOTAL", "1/4", "$CI_NODE_INDEX", "1",
		`"$MANIFEST"`, "portmatrix.yaml", `"$SHARDS"`, "4", `"`, "",
	)
	cmdRE := regexp.MustCompile(`portmatrix (build|plan|merge|inspect|init|doctor|targets|sbom|verify-release)\b([^)]*)`)
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var doc any
		require.NoError(t, yaml.Unmarshal(data, &doc), "%s is not valid YAML", f)
		for i, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			m := cmdRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			total++
			args := strings.Fields(subst.Replace(m[2]))
			root := newRoot(Stdio{})
			cmd, _, err := root.Find([]string{m[1]})
			require.NoError(t, err)
			assert.NoError(t, cmd.ParseFlags(args), "%s:%d: portmatrix %s %s", f, i+1, m[1], strings.Join(args, " "))
		}
	}
	assert.GreaterOrEqual(t, total, 5, "the examples run plan, build and merge")
}
