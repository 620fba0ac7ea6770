package target

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixedTable is the platform list of go1.26.8, committed so that the
// expansion tests do not change when the toolchain does.
func fixedTable(t *testing.T) *Table {
	t.Helper()
	data, err := os.ReadFile("../internal/platforms/dist-list-go1.26.json")
	require.NoError(t, err)
	tb, err := ParseTable(data)
	require.NoError(t, err)
	return tb
}

func strs(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.String())
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Target
		wantErr string
	}{
		{"linux/amd64", Target{"linux", "amd64", ""}, ""},
		{"linux/arm/v7", Target{"linux", "arm", "v7"}, ""},
		{"linux", Target{}, "want goos/goarch"},
		{"linux//", Target{}, "empty element"},
		{"a/b/c/d", Target{}, "want goos/goarch"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
		})
	}
}

func TestEnvAndSlug(t *testing.T) {
	tg := Target{"linux", "arm", "v7"}
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}, tg.Env())
	assert.Equal(t, "linux_arm_v7", tg.Slug())
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=arm64", "GOARM64=v8.2"}, Target{"linux", "arm64", "v8.2"}.Env())
	assert.Equal(t, "linux_arm64_v8_2", Target{"linux", "arm64", "v8.2"}.Slug())
	// Without a level, the architecture's default is set all the same, so
	// GOAMD64 in the environment or a go env file cannot change the build.
	assert.Equal(t, []string{"GOOS=windows", "GOARCH=amd64", "GOAMD64=v1"}, Target{"windows", "amd64", ""}.Env())
	assert.Equal(t, []string{"GOOS=linux", "GOARCH=arm", "GOARM=7"}, Target{"linux", "arm", ""}.Env())
	assert.Equal(t, []string{"GOOS=js", "GOARCH=wasm"}, Target{"js", "wasm", ""}.Env(), "wasm has no levels")
	for _, arch := range LevelArchs() {
		l, ok := DefaultLevel(arch)
		if assert.True(t, ok, "%s has levels but no default", arch) {
			assert.Contains(t, l.Meaning, "(default", "%s: the default level's own description says so", arch)
		}
	}
}

func TestExpand(t *testing.T) {
	tb := fixedTable(t)
	tests := []struct {
		pattern string
		want    []string
		count   int
		wantErr string
	}{
		{pattern: "linux/amd64", want: []string{"linux/amd64"}},
		{pattern: "linux/arm/v7", want: []string{"linux/arm/v7"}},
		{pattern: "linux/arm/*", want: []string{"linux/arm/v5", "linux/arm/v6", "linux/arm/v7"}},
		{pattern: "*/arm64", count: 8},
		{pattern: "windows/*", want: []string{"windows/386", "windows/amd64", "windows/arm64"}},
		{pattern: "all", count: 47},
		{pattern: "first-class", want: []string{"darwin/amd64", "darwin/arm64", "linux/386", "linux/amd64", "linux/arm", "linux/arm64", "windows/386", "windows/amd64"}},
		{pattern: "cgo", count: 40},
		{pattern: "linux/*/v3", want: []string{"linux/amd64/v3"}},
		{pattern: "lniux/amd64", wantErr: `unknown platform "lniux/amd64": ` + "`go tool dist list` does not have it; did you mean \"linux/amd64\""},
		{pattern: "linux/arm/v9", wantErr: `arm has no level "v9"; its levels are v5, v6, v7`},
		{pattern: "linux/amd64/v5", wantErr: `its levels are v1, v2, v3, v4`},
		{pattern: "windows/amd64/v7", wantErr: ""},
		{pattern: "linux/riscv64/x", wantErr: "riscv64 has no level"},
		{pattern: "plan9/*/power9", wantErr: "matches no platform"},
		{pattern: "zz*/*", wantErr: "matches no platform"},
		{pattern: "linux/[", wantErr: "bad glob"},
		{pattern: "linux", wantErr: "or one of the sets all, first-class, cgo"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got, err := tb.Expand(tt.pattern)
			if tt.pattern == "windows/amd64/v7" {
				require.ErrorContains(t, err, "amd64 has no level \"v7\"; its levels are v1, v2, v3, v4")
				return
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			if tt.want != nil {
				assert.Equal(t, tt.want, strs(got))
			}
			if tt.count > 0 {
				assert.Len(t, got, tt.count)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tb := fixedTable(t)
	assert.True(t, tb.Matches("linux/*", Target{"linux", "arm", "v7"}))
	assert.True(t, tb.Matches("linux/arm", Target{"linux", "arm", "v7"}))
	assert.False(t, tb.Matches("linux/arm/v6", Target{"linux", "arm", "v7"}))
	assert.True(t, tb.Matches("first-class", Target{"darwin", "arm64", ""}))
	assert.False(t, tb.Matches("first-class", Target{"freebsd", "amd64", ""}))
	assert.False(t, tb.Matches("cgo", Target{"js", "wasm", ""}))
	assert.True(t, tb.Matches("all", Target{"js", "wasm", ""}))
}

func TestLevelsCoverToolchain(t *testing.T) {
	// Every level we offer must be accepted by the real go command.
	if testing.Short() {
		t.Skip("runs the go command")
	}
	tb, err := LoadTable(context.Background(), "go")
	require.NoError(t, err)
	for _, arch := range LevelArchs() {
		found := false
		for _, p := range tb.Platforms() {
			if p.GOARCH == arch {
				found = true
			}
		}
		assert.True(t, found, "levels listed for %s, which the toolchain does not know", arch)
	}
}

func TestLoadTableBadGo(t *testing.T) {
	_, err := LoadTable(context.Background(), "/nonexistent/go")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/go tool dist list -json")
}
