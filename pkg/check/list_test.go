package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseList(t *testing.T) {
	out := `{
	"ImportPath": "example.com/fx/cmd/tool",
	"Name": "main",
	"Module": {"Path": "example.com/fx", "Main": true},
	"GoFiles": ["main.go"]
}
{
	"ImportPath": "example.com/fx/cgoonly",
	"Name": "cgoonly",
	"Module": {"Path": "example.com/fx"},
	"CgoFiles": ["c.go"]
}
{
	"ImportPath": "example.com/fx/testonly",
	"Name": "testonly",
	"Module": {"Path": "example.com/fx"}
}
{
	"ImportPath": "example.com/fx/winonly",
	"Module": {"Path": "example.com/fx"},
	"Error": {"Err": "build constraints exclude all Go files in /m/winonly"}
}
{
	"ImportPath": "example.com/fx/broken",
	"Module": {"Path": "example.com/fx"},
	"Error": {"Err": "broken/b.go:1:1: expected 'package', found pakage"}
}
`
	pkgs, err := ParseList([]byte(out))
	require.NoError(t, err)
	assert.Equal(t, []Package{
		{ImportPath: "example.com/fx/cmd/tool", Name: "main", Module: "example.com/fx"},
		{ImportPath: "example.com/fx/cgoonly", Name: "cgoonly", Module: "example.com/fx"},
		{ImportPath: "example.com/fx/broken", Module: "example.com/fx", Error: "broken/b.go:1:1: expected 'package', found pakage"},
	}, pkgs, "excluded and test-only packages are passed over, as go build ./... does; broken ones are kept for the build to report")
	assert.True(t, pkgs[0].Main())
	assert.False(t, pkgs[1].Main())

	_, err = ParseList([]byte(`{"ImportPath": "./nothing/...", "Error": {"Err": "pattern ./nothing/...: lstat ./nothing/: no such file or directory"}}`))
	assert.EqualError(t, err, "pattern ./nothing/...: lstat ./nothing/: no such file or directory")

	_, err = ParseList([]byte("{"))
	assert.ErrorContains(t, err, "reading go list output")
}
