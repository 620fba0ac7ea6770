package manifest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThreeTypos(t *testing.T) {
	m, ps := Load("testdata/three-typos.yaml")
	require.NotNil(t, m)
	assert.Equal(t, []string{
		`testdata/three-typos.yaml:5:5: builds[server].ldflag: unknown key "ldflag" (did you mean "ldflags"?)`,
		`testdata/three-typos.yaml:10:19: builds[server].variants[static].linkmode: unknown link mode "extrenal"; use internal or external (did you mean "external"?)`,
		`testdata/three-typos.yaml:12:17: builds[server].variants[static].expect: unknown expectation "statci"; use static, static-pie, dynamic or any (did you mean "static"?)`,
	}, lines(ps))
}

func lines(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}
