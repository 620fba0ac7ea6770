package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"linux", "linux", 0},
		{"lniux", "linux", 1},
		{"linx", "linux", 1},
		{"darwn", "darwin", 1},
		{"", "abc", 3},
		{"ldflag", "ldflags", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			assert.Equal(t, tt.want, Distance(tt.a, tt.b))
		})
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"ldflags", "flags", "tags", "targets", "trimpath", "binary"}
	assert.Equal(t, []string{"ldflags", "flags"}, Closest("ldflag", cands, 2))
	assert.Equal(t, []string{"targets"}, Closest("tragets", cands, 1))
	assert.Empty(t, Closest("zzzzzzzzzz", cands, 3))
	assert.Equal(t, []string{"max_glibc"}, Closest("glibc", []string{"linkage", "max_glibc", "min_macos"}, 1))
}
