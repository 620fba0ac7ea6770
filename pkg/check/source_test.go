package check

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSource(t *testing.T) {
	cwd := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(cwd, "sub", "pkg"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cwd, "file.go"), nil, 0o644))
	tests := []struct {
		arg     string
		want    Source
		wantErr string
	}{
		{arg: "", want: Source{Dir: cwd, Pattern: "./...", Arg: "./..."}},
		{arg: "./...", want: Source{Dir: cwd, Pattern: "./...", Arg: "./..."}},
		{arg: "./sub/...", want: Source{Dir: cwd, Pattern: "./sub/...", Arg: "./sub/..."}},
		{arg: "sub", want: Source{Dir: filepath.Join(cwd, "sub"), Pattern: "./...", Arg: "sub"}},
		{arg: filepath.Join(cwd, "sub", "pkg"), want: Source{Dir: filepath.Join(cwd, "sub", "pkg"), Pattern: "./...", Arg: filepath.Join(cwd, "sub", "pkg")}},
		{arg: "golang.org/x/term@v0.48.0", want: Source{Module: "golang.org/x/term", Version: "v0.48.0", Arg: "golang.org/x/term@v0.48.0"}},
		{arg: "golang.org/x/term@latest", want: Source{Module: "golang.org/x/term", Version: "latest", Arg: "golang.org/x/term@latest"}},
		{arg: "golang.org/x/term@", wantErr: `"golang.org/x/term@": want MODULE@VERSION, e.g. golang.org/x/term@v0.20.0 or golang.org/x/term@latest`},
		{arg: "@v1.0.0", wantErr: `"@v1.0.0": want MODULE@VERSION`},
		{arg: "./sub@v1.0.0", wantErr: `"./sub@v1.0.0": a local directory has no version; give the directory alone`},
		{arg: "golang.org/x/sys/...@v0.1.0", wantErr: `a published module is checked whole`},
		{arg: "a@b@c", wantErr: `"a@b@c": more than one @`},
		{arg: "nope", wantErr: "nope is not a directory (check takes MODULE@VERSION, a directory or a pattern such as ./...)"},
		{arg: "file.go", wantErr: "file.go is not a directory"},
		{arg: "golang.org/x/term", wantErr: "golang.org/x/term is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := ParseSource(tt.arg, cwd)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want.Module != "", got.Published())
		})
	}
}

func TestCopyTreeMakesAWritableCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "mod@v1.0.0")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "go.mod"), []byte("module m\n"), 0o444))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "run.sh"), []byte("#!/bin/sh\n"), 0o555))
	require.NoError(t, os.Chmod(filepath.Join(src, "sub"), 0o555)) // as in the module cache
	require.NoError(t, os.Chmod(src, 0o555))
	t.Cleanup(func() {
		_ = os.Chmod(src, 0o755)
		_ = os.Chmod(filepath.Join(src, "sub"), 0o755)
	})

	dst := filepath.Join(t.TempDir(), "src")
	require.NoError(t, copyTree(src, dst))
	for name, mode := range map[string]os.FileMode{".": 0o755 | os.ModeDir, "sub": 0o755 | os.ModeDir, "go.mod": 0o644, "sub/run.sh": 0o755} {
		fi, err := os.Stat(filepath.Join(dst, name))
		require.NoError(t, err)
		assert.Equal(t, mode, fi.Mode(), name)
	}
	data, err := os.ReadFile(filepath.Join(dst, "go.mod"))
	require.NoError(t, err)
	assert.Equal(t, "module m\n", string(data))
	require.NoError(t, os.WriteFile(filepath.Join(dst, "go.sum"), nil, 0o644), "the copy is writable")
	fi, err := os.Stat(filepath.Join(src, "go.mod"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o444), fi.Mode(), "the source is untouched")
}
