package typecheck

import (
	"context"
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These are unit tests of the Session on graphs made by hand (no go
// command): what is shared, what fails, and the compiler's checks.
// agreement_test.go compares with go build.

// write writes files (name -> content) under a temporary directory and
// returns it.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

func graph(pkgs ...*Package) *Graph {
	g := &Graph{byPath: map[string]*Package{}}
	for _, p := range pkgs {
		g.Packages = append(g.Packages, p)
		g.byPath[p.ImportPath] = p
	}
	return g
}

func check(t *testing.T, s *Session, g *Graph, goarch string, roots ...string) *Result {
	t.Helper()
	res, err := s.Check(context.Background(), g, Platform{GOARCH: goarch}, roots)
	require.NoError(t, err)
	return res
}

func TestSharedAcrossPlatformsOfTheSameSizes(t *testing.T) {
	dir := write(t, map[string]string{"a/a.go": "package a\n\nconst N = 1\n"})
	a := &Package{ImportPath: "example.com/a", Name: "a", Dir: filepath.Join(dir, "a"), GoFiles: []string{"a.go"}, Module: &Module{Path: "example.com", GoVersion: "1.22"}}
	s := NewSession("go1.26")
	for _, arch := range []string{"amd64", "arm64", "386"} {
		assert.True(t, check(t, s, graph(a), arch, "example.com/a").OK())
	}
	st := s.Stats()
	assert.Equal(t, int64(1), st.Parsed, "one file, parsed once")
	assert.Equal(t, int64(2), st.Checked, "8-byte and 4-byte words")
	assert.Equal(t, int64(1), st.Shared, "arm64 reuses amd64's package")
}

func TestSizesDecideOverflow(t *testing.T) {
	dir := write(t, map[string]string{"a/a.go": "package a\n\nimport \"unsafe\"\n\nvar X int = 1 << 33 / int(unsafe.Sizeof(uintptr(0)))\n"})
	a := &Package{ImportPath: "example.com/a", Name: "a", Dir: filepath.Join(dir, "a"), GoFiles: []string{"a.go"}, Imports: []string{"unsafe"}}
	unsafePkg := &Package{ImportPath: "unsafe", Name: "unsafe", Standard: true}
	s := NewSession("go1.26")
	assert.True(t, check(t, s, graph(unsafePkg, a), "amd64", "example.com/a").OK())
	res := check(t, s, graph(unsafePkg, a), "arm", "example.com/a")
	require.False(t, res.OK())
	require.Len(t, res.Packages, 1)
	assert.Contains(t, res.Packages[0].Errors[0].String(), "a.go:5:13: ")
	assert.Contains(t, res.Packages[0].Errors[0].Msg, "overflows int")
}

func TestDependencyFailedIsNotChecked(t *testing.T) {
	dir := write(t, map[string]string{
		"dep/dep.go": "package dep\n\nvar X int = \"no\"\n",
		"use/use.go": "package use\n\nimport \"example.com/dep\"\n\nvar Y = dep.X + undefinedToo\n",
	})
	dep := &Package{ImportPath: "example.com/dep", Name: "dep", Dir: filepath.Join(dir, "dep"), GoFiles: []string{"dep.go"}}
	use := &Package{ImportPath: "example.com/use", Name: "use", Dir: filepath.Join(dir, "use"), GoFiles: []string{"use.go"}, Imports: []string{"example.com/dep"}}
	res := check(t, NewSession("go1.26"), graph(dep, use), "amd64", "example.com/use")
	require.Len(t, res.Packages, 2)
	assert.Equal(t, "example.com/dep", res.Packages[0].ImportPath)
	assert.NotEmpty(t, res.Packages[0].Errors)
	assert.True(t, res.Packages[1].DepFailed)
	assert.Empty(t, res.Packages[1].Errors, "go build prints nothing for a package whose dependency failed")
}

func TestLoadErrorsStopEverything(t *testing.T) {
	dir := write(t, map[string]string{"a/a.go": "package a\n\nvar X int = \"not checked\"\n"})
	a := &Package{ImportPath: "example.com/a", Name: "a", Dir: filepath.Join(dir, "a"), GoFiles: []string{"a.go"},
		DepsErrors: []*LoadError{{ImportStack: []string{"example.com/a", "example.com/b"}, Err: "build constraints exclude all Go files in /b"}}}
	res := check(t, NewSession("go1.26"), graph(a), "amd64", "example.com/a")
	assert.Equal(t, []string{"package example.com/a\n\timports example.com/b: build constraints exclude all Go files in /b"}, res.LoadErrors)
	assert.Empty(t, res.Packages)
	assert.False(t, res.OK())
	assert.Equal(t, "f.go:1:2: msg", (&LoadError{Pos: "f.go:1:2", Err: "msg"}).String())
}

func TestCompilerChecks(t *testing.T) {
	dir := write(t, map[string]string{
		"a/a.go":      "package a\n\n//go:linkname x runtime.x\nvar x int\n\nfunc NoBody() int\n\n//go:embed f\nvar F string\n",
		"b/b.go":      "package b\n\nfunc Asm() int\nfunc Missing() int\n",
		"b/b_amd64.s": "#include \"textflag.h\"\n\nTEXT ·Asm(SB),NOSPLIT,$0-8\n\tRET\nTEXT example∕com∕other·Other(SB),NOSPLIT,$0\n\tRET\n",
		"m/main.go":   "package main\n\nimport \"example.com/b\"\n\nfunc main() { b.Asm(); b.Missing() }\n",
		"n/main.go":   "package main\n\nimport \"example.com/b\"\n\nfunc main() { b.Asm() }\n",
	})
	a := &Package{ImportPath: "example.com/a", Name: "a", Dir: filepath.Join(dir, "a"), GoFiles: []string{"a.go"}}
	s := NewSession("go1.26")
	res := check(t, s, graph(a), "amd64", "example.com/a")
	require.Len(t, res.Packages, 1)
	var msgs []string
	for _, e := range res.Packages[0].Errors {
		msgs = append(msgs, e.String()[len(dir)+1:])
	}
	assert.Equal(t, []string{
		`a/a.go:3:3: //go:linkname only allowed in Go files that import "unsafe"`,
		"a/a.go:6:6: missing function body",
		`a/a.go:8:3: go:embed requires import "embed" (or import _ "embed", if package is not used)`,
	}, msgs)

	// With assembly the package is not complete: no error, but a program
	// that links it needs what the assembly does not define.
	b := &Package{ImportPath: "example.com/b", Name: "b", Dir: filepath.Join(dir, "b"), GoFiles: []string{"b.go"}, SFiles: []string{"b_amd64.s"}}
	m := &Package{ImportPath: "example.com/m", Name: "main", Dir: filepath.Join(dir, "m"), GoFiles: []string{"main.go"}, Imports: []string{"example.com/b"}}
	res = check(t, s, graph(b, m), "amd64", "example.com/b")
	assert.True(t, res.OK())
	assert.Empty(t, res.Hazards, "a library is not linked")
	res = check(t, s, graph(b, m), "amd64", "example.com/m")
	assert.True(t, res.OK())
	require.Len(t, res.Hazards, 1)
	assert.Equal(t, "example.com/b", res.Hazards[0].Package)
	assert.True(t, strings.HasSuffix(res.Hazards[0].Reason, ": Missing"), res.Hazards[0].Reason)

	// A function nothing calls is dead code: the linker never looks for it.
	n := &Package{ImportPath: "example.com/n", Name: "main", Dir: filepath.Join(dir, "n"), GoFiles: []string{"main.go"}, Imports: []string{"example.com/b"}}
	res = check(t, s, graph(b, n), "amd64", "example.com/n")
	assert.True(t, res.OK())
	assert.Empty(t, res.Hazards)
}

func TestLang(t *testing.T) {
	s := NewSession("go1.26")
	assert.Equal(t, "go1.26", s.lang(&Package{Standard: true}))
	assert.Equal(t, "go1.21", s.lang(&Package{Module: &Module{GoVersion: "1.21.3"}}))
	assert.Equal(t, "go1.16", s.lang(&Package{Module: &Module{}}), "the go command's default for a go.mod without a go directive")
}

func TestParseGraph(t *testing.T) {
	g, err := ParseGraph([]byte(`{"ImportPath": "a", "Imports": ["b"]}{"ImportPath": "b"}{"ImportPath": "c"}`))
	require.NoError(t, err)
	var got []string
	for _, p := range g.Closure([]string{"a"}) {
		got = append(got, p.ImportPath)
	}
	assert.Equal(t, []string{"a", "b"}, got)
	_, err = ParseGraph([]byte(`{"ImportPath": "a"}{"ImportPath": "a"}`))
	assert.ErrorContains(t, err, "a listed twice")
	_, err = ParseGraph([]byte(`{`))
	assert.ErrorContains(t, err, "reading go list output")
}

func TestMaxPackagesBoundsWhatIsKept(t *testing.T) {
	files := map[string]string{}
	var pkgs []*Package
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		files[n+"/x.go"] = "package " + n + "\n"
	}
	dir := write(t, files)
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		pkgs = append(pkgs, &Package{ImportPath: "example.com/" + n, Name: n, Dir: filepath.Join(dir, n), GoFiles: []string{"x.go"}})
	}
	s := NewSession("go1.26")
	s.MaxPackages = 4
	var roots []string
	for _, p := range pkgs {
		roots = append(roots, p.ImportPath)
	}
	assert.True(t, check(t, s, graph(pkgs...), "amd64", roots...).OK())
	assert.LessOrEqual(t, len(s.pkgs), 4)
	assert.Positive(t, s.Stats().Dropped)
	// What was dropped is checked again, with the same verdict.
	assert.True(t, check(t, s, graph(pkgs...), "amd64", roots...).OK())
	assert.Equal(t, int64(8), s.Stats().Parsed, "files are kept")
}

// TestLinknamePulls: a program's dependency may pull a symbol the standard
// library pushes and the linker does not block, or one it imports
// dynamically; anything else is the linker's to decide (a Hazard).
func TestLinknamePulls(t *testing.T) {
	goroot := write(t, map[string]string{
		"src/runtime/r.go":                       "package runtime\n\nimport _ \"unsafe\"\n\n//go:linkname pushed\nfunc pushed() {}\n\n//go:linkname blockedOne\nfunc blockedOne() {}\n\nfunc notPushed() {}\n\n//go:linkname local example.com/x.name\nfunc local() {}\n",
		"src/cmd/link/internal/loader/loader.go": "package loader\n\nvar blockedLinknames = map[string][]string{\n\t\"runtime.blockedOne\": {\"iter\"},\n}\n",
	})
	dir := write(t, map[string]string{
		"dep/dep.go": "package dep\n\nimport _ \"unsafe\"\n\n//go:cgo_import_dynamic libc_x x \"libc.so\"\n\n//go:linkname a runtime.pushed\nfunc a()\n\n//go:linkname b runtime.notPushed\nfunc b()\n\n//go:linkname c runtime.blockedOne\nfunc c()\n\n//go:linkname d libc_x\nvar d uintptr\n\n//go:linkname e example.com/x.name\nfunc e()\n\n//go:linkname f runtime.defined\nfunc f() {}\n",
		"m/main.go":  "package main\n\nimport _ \"example.com/dep\"\n\nfunc main() {}\n",
	})
	rt := &Package{ImportPath: "runtime", Name: "runtime", Standard: true, Dir: filepath.Join(goroot, "src", "runtime"), GoFiles: []string{"r.go"}, Imports: []string{"unsafe"}}
	unsafePkg := &Package{ImportPath: "unsafe", Name: "unsafe", Standard: true}
	dep := &Package{ImportPath: "example.com/dep", Name: "dep", Dir: filepath.Join(dir, "dep"), GoFiles: []string{"dep.go"}, Imports: []string{"unsafe", "runtime"}}
	m := &Package{ImportPath: "example.com/m", Name: "main", Dir: filepath.Join(dir, "m"), GoFiles: []string{"main.go"}, Imports: []string{"example.com/dep"}}
	res := check(t, NewSession("go1.26"), graph(unsafePkg, rt, dep, m), "amd64", "example.com/m")
	require.True(t, res.OK(), "%v", res.Packages)
	require.Len(t, res.Hazards, 2)
	assert.Equal(t, Hazard{"example.com/dep", "//go:linkname for the linker to decide: " +
		"b runtime.notPushed (the standard library gives it no link name), " +
		"c runtime.blockedOne (blocked by the linker), " +
		"e example.com/x.name (a symbol outside the standard library)"}, res.Hazards[0])
	assert.Equal(t, Hazard{"example.com/dep", "//go:linkname defining another package's symbol: f runtime.defined"}, res.Hazards[1])
}

// TestLimitOrdersAsTheCompiler: the first ten errors found, a file before
// another when an error in it was found first, then by line (what cmd/compile
// prints; reflex's x/sys on netbsd/arm64 showed it: sockcmsg_unix.go before
// fcntl.go).
func TestLimitOrdersAsTheCompiler(t *testing.T) {
	at := func(file string, line int) Error {
		return Error{Pos: token.Position{Filename: file, Line: line, Column: 1}, Msg: fmt.Sprint(file, line)}
	}
	var errs []Error
	errs = append(errs, at("s.go", 43), at("f.go", 13), at("s.go", 2))
	for i := 0; i < 8; i++ {
		errs = append(errs, at("a.go", i+1))
	}
	kept, more := limit(errs)
	assert.True(t, more)
	require.Len(t, kept, MaxErrors)
	assert.Equal(t, []Error{at("s.go", 2), at("s.go", 43), at("f.go", 13), at("a.go", 1)}, kept[:4])
	assert.Equal(t, at("a.go", 7), kept[9], "the eleventh error found is not printed")
}

// TestDeadCodeNeedsNoBody: a function without a body that only unreachable
// code refers to is dropped by the linker; reached through a call chain
// from main, through a variable's initializer or a method, it is needed.
func TestDeadCodeNeedsNoBody(t *testing.T) {
	dir := write(t, map[string]string{
		"b/b.go":        "package b\n\nfunc Asm() int\nfunc exit() int\n\n// Exit exits.\nfunc Exit() int { return exit() }\n\n// Chain calls Exit.\nfunc Chain() int { return Exit() }\n\n// T is a type.\ntype T struct{}\n\n// M calls exit.\nfunc (T) M() int { return exit() }\n",
		"b/b_amd64.s":   "TEXT ·Asm(SB),$0-8\n\tRET\n",
		"c/c.go":        "package c\n\nfunc exit() int\n\n// Exit exits.\nfunc Exit() int { return exit() }\n",
		"c/c_amd64.s":   "TEXT ·other(SB),$0\n\tRET\n",
		"dead/main.go":  "package main\n\nimport \"example.com/b\"\n\nfunc main() { b.Asm() }\n",
		"chain/main.go": "package main\n\nimport \"example.com/c\"\n\nfunc main() { helper() }\n\nfunc helper() { c.Exit() }\n",
		"init/main.go":  "package main\n\nimport \"example.com/c\"\n\nvar x = c.Exit\n\nfunc main() { _ = x }\n",
	})
	b := &Package{ImportPath: "example.com/b", Name: "b", Dir: filepath.Join(dir, "b"), GoFiles: []string{"b.go"}, SFiles: []string{"b_amd64.s"}}
	c := &Package{ImportPath: "example.com/c", Name: "c", Dir: filepath.Join(dir, "c"), GoFiles: []string{"c.go"}, SFiles: []string{"c_amd64.s"}}
	mainOf := func(name, dep string) *Package {
		return &Package{ImportPath: "example.com/" + name, Name: "main", Dir: filepath.Join(dir, name), GoFiles: []string{"main.go"}, Imports: []string{dep}}
	}
	s := NewSession("go1.26")
	hazards := func(m *Package, deps ...*Package) []Hazard {
		res := check(t, s, graph(append(deps, m)...), "amd64", m.ImportPath)
		require.True(t, res.OK(), "%v", res.Packages)
		return res.Hazards
	}
	// b's method M refers to exit: methods count as called, so b's exit is
	// needed by any program that links b.
	assert.Equal(t, []Hazard{{"example.com/b", "functions without a body for the linker to find in assembly: exit"}}, hazards(mainOf("dead", "example.com/b"), b))
	// c's exit is reached only through Exit: from main through a helper,
	// or kept in a variable.
	assert.Equal(t, []Hazard{{"example.com/c", "functions without a body for the linker to find in assembly: exit"}}, hazards(mainOf("chain", "example.com/c"), c))
	assert.Equal(t, []Hazard{{"example.com/c", "functions without a body for the linker to find in assembly: exit"}}, hazards(mainOf("init", "example.com/c"), c))
	deadC := write(t, map[string]string{"m/main.go": "package main\n\nimport _ \"example.com/c\"\n\nfunc main() {}\n"})
	assert.Empty(t, hazards(&Package{ImportPath: "example.com/m", Name: "main", Dir: filepath.Join(deadC, "m"), GoFiles: []string{"main.go"}, Imports: []string{"example.com/c"}}, c),
		"nothing calls c.Exit: its exit is dead code")
}
