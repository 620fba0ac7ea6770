package verify

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/plan"
)

// BinaryHashed inspects like Binary but takes the SHA-256 it is given
// instead of reading the whole file again.
func TestBinaryHashed(t *testing.T) {
	exe, err := os.Executable() // this test binary: a real Go binary of the host
	require.NoError(t, err)
	j := plan.Job{ID: "x", Output: exe}

	full := Binary(j)
	require.NoError(t, full.Err)
	require.Len(t, full.Info.SHA256, 64)

	given := BinaryHashed(j, "0123")
	require.NoError(t, given.Err)
	assert.Equal(t, "0123", given.Info.SHA256, "the given sum, not a second pass over the file")
	given.Info.SHA256 = full.Info.SHA256
	assert.Equal(t, full, given, "everything else as Binary inspects it")

	assert.Equal(t, full, BinaryHashed(j, ""), "no sum: Binary")
	assert.Error(t, BinaryHashed(plan.Job{ID: "x", Output: exe + ".missing"}, "0123").Err)
}
