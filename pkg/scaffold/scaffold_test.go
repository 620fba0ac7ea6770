package scaffold

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/portmatrix/portmatrix/pkg/manifest"
)

func TestExecName(t *testing.T) {
	tests := []struct{ importPath, want string }{
		{"example.com/app", "app"},
		{"example.com/app/cmd/server", "server"},
		{"example.com/tool/v2", "tool"},
		{"example.com/tool/v2/cmd/x", "x"},
		{"example.com/app/v1", "v1"},   // not a major version suffix
		{"example.com/app/v02", "v02"}, // nor this
		{"v2", "v2"},
	}
	for _, tt := range tests {
		t.Run(tt.importPath, func(t *testing.T) {
			assert.Equal(t, tt.want, execName(tt.importPath))
		})
	}
}

func TestBuildIDs(t *testing.T) {
	tests := []struct {
		name string
		pkgs []Package
		want []string
	}{
		{"distinct binaries", []Package{{Dir: "cmd/a", Binary: "a"}, {Dir: "cmd/b", Binary: "b"}}, []string{"a", "b"}},
		{"shared binary name", []Package{{Dir: ".", Binary: "tool"}, {Dir: "cmd/tool", Binary: "tool"}, {Dir: "internal/tool", Binary: "tool"}},
			[]string{"tool", "cmd-tool", "internal-tool"}},
		{"directory id already taken", []Package{{Dir: "cmd-x", Binary: "cmd-x"}, {Dir: "cmd/x", Binary: "x"}, {Dir: "y/x", Binary: "x"}},
			[]string{"cmd-x", "cmd-x-2", "y-x"}},
		{"characters a name cannot have", []Package{{Dir: "cmd/hi~there", Binary: "hi~there"}, {Dir: "cmd/_x", Binary: "_x"}},
			[]string{"hi-there", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, buildIDs(tt.pkgs))
		})
	}
}

// sample is a module with a root command, two commands under cmd/ (one with
// a major version suffix) and a command sharing the root's name.
var sample = Module{
	Path: "example.com/tool/v2",
	Dir:  "/src/tool",
	Packages: []Package{
		{ImportPath: "example.com/tool/v2", Dir: ".", Binary: "tool"},
		{ImportPath: "example.com/tool/v2/cmd/serve", Dir: "cmd/serve", Binary: "serve"},
		{ImportPath: "example.com/tool/v2/cmd/tool", Dir: "cmd/tool", Binary: "tool"},
		{ImportPath: "example.com/tool/v2/cmd/migrate/v3", Dir: "cmd/migrate/v3", Binary: "migrate"},
	},
}

// TestManifest checks the starter manifest: its text (golden), that the
// loader takes it without a single problem, what every build says, and that
// the editors' JSON Schema accepts it.
func TestManifest(t *testing.T) {
	out, err := Manifest(sample, Options{})
	require.NoError(t, err)
	snapshot.Check(t, "testdata/starter.golden", string(out))

	m := load(t, out)
	require.Len(t, m.Builds, 4)
	type build struct{ ID, Dir, Main, Binary string }
	var got []build
	for _, b := range m.Builds {
		got = append(got, build{b.ID, b.Dir, b.Main, b.Binary})
		assert.True(t, b.Trimpath, b.ID)
		assert.Equal(t, "-s -w", b.Ldflags, b.ID)
		assert.Equal(t, []string{"first-class"}, b.Targets, b.ID)
		assert.Empty(t, b.Variants, b.ID)
		require.NotNil(t, b.Expect, b.ID)
		assert.Equal(t, manifest.ExpectStatic, b.Expect.Linkage, b.ID)
		require.Len(t, b.Expectations, 1, b.ID)
		assert.Equal(t, []string{"darwin/*", "windows/*"}, b.Expectations[0].Targets, b.ID)
		assert.Equal(t, manifest.ExpectDynamic, b.Expectations[0].Expect.Linkage, b.ID)
	}
	assert.Equal(t, []build{
		{"tool", "", ".", ""},
		{"serve", "", "./cmd/serve", ""},
		{"cmd-tool", "", "./cmd/tool", ""},
		{"migrate", "", "./cmd/migrate/v3", "migrate"}, // the plan alone would call it v3
	}, got)
	validateSchema(t, out)
}

func TestManifestModuleDir(t *testing.T) {
	for _, dir := range []string{"sub", "../my tools", "#odd: dir"} {
		t.Run(dir, func(t *testing.T) {
			out, err := Manifest(sample, Options{ModuleDir: dir})
			require.NoError(t, err)
			m := load(t, out)
			for _, b := range m.Builds {
				assert.Equal(t, dir, b.Dir, b.ID)
			}
			validateSchema(t, out)
		})
	}
}

func TestManifestNoMainPackage(t *testing.T) {
	_, err := Manifest(Module{Path: "example.com/lib", Dir: "/src/lib"}, Options{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNoMainPackage))
	assert.Contains(t, err.Error(), "no main package in module example.com/lib (/src/lib)")
	assert.Contains(t, err.Error(), "add a package main")
}

// TestMainPackages asks the real go command about a module with a root
// command, commands under cmd/, a library, a nested module, testdata and a
// vendor-like _ directory: only the module's own main packages count.
func TestMainPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	hermeticGo(t)
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"go.mod":                    "module example.com/app/v2\n\ngo 1.21\n",
		"main.go":                   "package main\n\nfunc main() {}\n",
		"cmd/server/main.go":        "package main\n\nfunc main() {}\n",
		"cmd/tool/v3/main.go":       "package main\n\nfunc main() {}\n",
		"cmd/broken/main.go":        "package main\n\nfunc main() { undefined() }\n", // -find does not type-check
		"lib/lib.go":                "package lib\n",
		"lib/lib_test.go":           "package lib\n",
		"testdata/prog/main.go":     "package main\n\nfunc main() {}\n",
		"_old/main.go":              "package main\n\nfunc main() {}\n",
		"nested/go.mod":             "module example.com/nested\n\ngo 1.21\n",
		"nested/cmd/other/main.go":  "package main\n\nfunc main() {}\n",
		"cmd/server/server_test.go": "package main\n",
	})
	mod, err := MainPackages(context.Background(), "go", root)
	require.NoError(t, err)
	assert.Equal(t, "example.com/app/v2", mod.Path)
	assert.Equal(t, root, mod.Dir)
	assert.Equal(t, []Package{
		{ImportPath: "example.com/app/v2", Dir: ".", Binary: "app"},
		{ImportPath: "example.com/app/v2/cmd/broken", Dir: "cmd/broken", Binary: "broken"},
		{ImportPath: "example.com/app/v2/cmd/server", Dir: "cmd/server", Binary: "server"},
		{ImportPath: "example.com/app/v2/cmd/tool/v3", Dir: "cmd/tool/v3", Binary: "tool"},
	}, mod.Packages)

	// From a subdirectory: the packages below it, in the same module.
	sub, err := MainPackages(context.Background(), "go", filepath.Join(root, "cmd"))
	require.NoError(t, err)
	assert.Equal(t, root, sub.Dir)
	assert.Len(t, sub.Packages, 3)
	assert.Equal(t, "cmd/broken", sub.Packages[0].Dir)

	// The whole way: what init writes loads cleanly and fits the schema.
	out, err := Manifest(mod, Options{})
	require.NoError(t, err)
	load(t, out)
	validateSchema(t, out)
}

func TestMainPackagesErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	hermeticGo(t)
	ctx := context.Background()

	t.Run("not a module", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"main.go": "package main\n\nfunc main() {}\n"})
		_, err := MainPackages(ctx, "go", dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), dir+" is not in a Go module")
		assert.Contains(t, err.Error(), `run "go mod init"`)
	})
	t.Run("no main package", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"go.mod": "module example.com/lib\n\ngo 1.21\n", "lib.go": "package lib\n"})
		mod, err := MainPackages(ctx, "go", dir)
		require.NoError(t, err)
		assert.Empty(t, mod.Packages)
		_, err = Manifest(mod, Options{})
		assert.ErrorIs(t, err, ErrNoMainPackage)
		assert.Contains(t, err.Error(), "module example.com/lib")
	})
	t.Run("no such directory", func(t *testing.T) {
		_, err := MainPackages(ctx, "go", filepath.Join(t.TempDir(), "nope"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cannot scan")
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("no go command", func(t *testing.T) {
		dir := t.TempDir()
		_, err := MainPackages(ctx, filepath.Join(dir, "no-go"), dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no-go env GOMOD")
	})
}

// hermeticGo keeps the go command away from the network, the user's
// workspace and toolchain switching.
func hermeticGo(t *testing.T) {
	t.Setenv("GOWORK", "off")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOFLAGS", "")
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
}

// load parses a generated manifest and requires that the loader finds no
// problem in it.
func load(t *testing.T, data []byte) *manifest.Manifest {
	t.Helper()
	m, ps := manifest.Parse(data, "portmatrix.yaml")
	require.Empty(t, ps, "the starter manifest has problems:\n%s", data)
	require.NotNil(t, m)
	return m
}

// validateSchema checks a generated manifest against the JSON Schema that
// editors use (configs/portmatrix.schema.json).
func validateSchema(t *testing.T, data []byte) {
	t.Helper()
	f, err := os.Open("../../configs/portmatrix.schema.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("portmatrix.schema.json", doc))
	sch, err := c.Compile("portmatrix.schema.json")
	require.NoError(t, err)
	var v any
	require.NoError(t, yaml.Unmarshal(data, &v))
	assert.NoError(t, sch.Validate(v), "the starter manifest does not fit the schema:\n%s", data)
}
