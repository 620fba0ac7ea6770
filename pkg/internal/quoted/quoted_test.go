package quoted

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	for in, want := range map[string][]string{
		"gcc":                              {"gcc"},
		"  zig cc -target aarch64-linux  ": {"zig", "cc", "-target", "aarch64-linux"},
		`"/opt/my cc/bin/gcc" -O2`:         {"/opt/my cc/bin/gcc", "-O2"},
		`'a b' "c d"`:                      {"a b", "c d"},
		"":                                 nil,
	} {
		got, err := Split(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := Split(`"unterminated`)
	assert.ErrorContains(t, err, `unterminated " string`)
}
