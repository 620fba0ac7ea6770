package inspect

// Real C, C++ and Windows binaries for the tests, built at test time with
// gcc, g++ and MinGW-w64 into one shared temporary directory.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cFixture is one compiler run. Sources are in cSources; deps are built
// first into the same directory (so -L. finds them).
type cFixture struct {
	cc   string // gcc, g++, x86_64-w64-mingw32-gcc
	out  string // file name in the directory
	args []string
	deps []string
	// notExec marks compiler output that is not a program or library (an
	// object file): inspect refuses it, so the tests of executables skip it.
	notExec bool
}

const mingwCC = "x86_64-w64-mingw32-gcc"

var cFixtures = map[string]cFixture{
	"c-dynamic":            {cc: "gcc", out: "hello", args: []string{"-O1", "hello.c"}},
	"c-debug":              {cc: "gcc", out: "hello-g", args: []string{"-g", "hello.c"}},
	"c-stripped":           {cc: "gcc", out: "hello-s", args: []string{"-s", "hello.c"}},
	"c-static":             {cc: "gcc", out: "hello-static", args: []string{"-static", "hello.c"}},
	"c-static-pie":         {cc: "gcc", out: "hello-static-pie", args: []string{"-static-pie", "hello.c"}},
	"c-shared":             {cc: "gcc", out: "libfoo.so", args: []string{"-shared", "-fPIC", "-Wl,-soname,libfoo.so", "foo.c"}},
	"c-thirdparty":         {cc: "gcc", out: "usefoo", args: []string{"usefoo.c", "-L.", "-lfoo"}, deps: []string{"c-shared"}},
	"cxx-dynamic":          {cc: "g++", out: "hellocc", args: []string{"hello.cc"}},
	"mingw-exe":            {cc: mingwCC, out: "hello.exe", args: []string{"usefoo.c", "foo.c"}},
	"mingw-gui":            {cc: mingwCC, out: "gui.exe", args: []string{"-mwindows", "usefoo.c", "foo.c"}},
	"mingw-dll":            {cc: mingwCC, out: "foo.dll", args: []string{"-shared", "foo.c"}},
	"mingw-pthread":        {cc: mingwCC, out: "pthread.exe", args: []string{"-pthread", "hello.c"}},
	"mingw-pthread-static": {cc: mingwCC, out: "pthread-static.exe", args: []string{"-pthread", "-static", "hello.c"}},
	"c-object":             {cc: "gcc", out: "hello.o", args: []string{"-c", "hello.c"}, notExec: true},
	"mingw-object":         {cc: mingwCC, out: "foo.obj", args: []string{"-c", "foo.c"}, notExec: true},
}

var cSources = map[string]string{
	// pthread_create moved into libc proper in glibc 2.34, so a dynamic
	// build needs GLIBC_2.34 for it (and for __libc_start_main).
	"hello.c": `#include <stdio.h>
#include <pthread.h>
static void *run(void *p) { puts("thread"); return p; }
int main(void) { pthread_t t; pthread_create(&t, 0, run, 0); pthread_join(t, 0); puts("hello"); return 0; }
`,
	"hello.cc": `#include <iostream>
#include <string>
int main() { std::string s = "hello"; std::cout << s << std::endl; return 0; }
`,
	"foo.c":    "int foo(int x) { return x + 1; }\n",
	"usefoo.c": "#include <stdio.h>\nint foo(int);\nint main(void) { printf(\"%d\\n\", foo(41)); return 0; }\n",
}

// installHint names the Debian package that provides a compiler.
var installHint = map[string]string{
	"gcc": "gcc libc6-dev", "g++": "g++", mingwCC: "gcc-mingw-w64-x86-64", "readelf": "binutils",
}

// needTool returns the path of a command the tests need. Missing, it skips
// the test with the package to install, or fails it under CI=true, where
// scripts/install-deps.sh should have installed it.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found: apt-get install %s", name, installHint[name])
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (scripts/install-deps.sh installs it)")
	}
	t.Skip(msg)
	return ""
}

var cFixtureDir = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "inspect-cfixtures-")
	if err != nil {
		return "", err
	}
	cFixtureTmp.Store(dir)
	for name, src := range cSources {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
})

var cFixtureBuilds sync.Map // name -> func() (string, error)

// cFixturePath builds the named C fixture once per test binary.
func cFixturePath(t testing.TB, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs C compilers; skipped with -short")
	}
	fx, ok := cFixtures[name]
	if !ok {
		t.Fatalf("no C fixture %q", name)
	}
	needTool(t, fx.cc)
	for _, d := range fx.deps {
		cFixturePath(t, d)
	}
	build, _ := cFixtureBuilds.LoadOrStore(name, sync.OnceValues(func() (string, error) { return buildCFixture(fx) }))
	path, err := build.(func() (string, error))()
	if errors.Is(err, errSkipFixture) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func buildCFixture(fx cFixture) (string, error) {
	dir, err := cFixtureDir()
	if err != nil {
		return "", err
	}
	args := append([]string{"-o", fx.out}, fx.args...)
	cmd := exec.Command(fx.cc, args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		msg := string(b)
		if strings.Contains(msg, "cannot find -lc") || strings.Contains(msg, "rcrt1.o") || strings.Contains(msg, "cannot find -lpthread") {
			return "", fmt.Errorf("%w: %s %s: no static libraries: %s", errSkipFixture, fx.cc, strings.Join(args, " "), msg)
		}
		return "", fmt.Errorf("%s %s: %v\n%s", fx.cc, strings.Join(args, " "), err, msg)
	}
	return filepath.Join(dir, fx.out), nil
}
