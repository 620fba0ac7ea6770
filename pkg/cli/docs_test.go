package cli

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
)

// cliDoc is the generated reference, for the tests.
func cliDoc(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, writeCLIDoc(&b))
	return b.String()
}

// TestCLIDoc keeps docs/cli.md equal to what the command tree says; after a
// change to a command, its flags or its help, regenerate the file with
// go test ./pkg/cli -run TestCLIDoc -update and review the diff.
func TestCLIDoc(t *testing.T) {
	snapshot.Check(t, "../../docs/cli.md", cliDoc(t))
}

// TestCLIDocMachineIndependent generates the reference again with another
// GOMAXPROCS and another environment (home, caches, go command): a default
// that depends on them and is not normalised would make docs/cli.md differ
// from machine to machine.
func TestCLIDocMachineIndependent(t *testing.T) {
	want := cliDoc(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 5))
	for _, k := range []string{"HOME", "XDG_CACHE_HOME", "PORTMATRIX_CACHE", "GO", "GOFLAGS", "GOMAXPROCS", "SOURCE_DATE_EPOCH", "NO_COLOR", "COLUMNS"} {
		t.Setenv(k, "/elsewhere/"+k)
	}
	assert.Equal(t, want, cliDoc(t), "the reference depends on the machine or the environment")
}

func TestAnchor(t *testing.T) {
	assert.Equal(t, "portmatrix-completion-bash", anchor("portmatrix completion bash"))
	assert.Equal(t, "exit-codes", anchor("Exit codes"))
	assert.Equal(t, "manifest-reference-portmatrixyaml", anchor("Manifest reference (`portmatrix.yaml`)"))
}
