package inspect

// Real binaries for the integration tests: tiny Go programs built with the
// real toolchain, once per test binary, into one shared temporary module.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fixture is one `go build` of a program in the shared module.
type fixture struct {
	goos, goarch string
	cgo          bool
	pkg          string // hello (println only), netc (cgo + net), lib (c-shared exports)
	args         []string
}

var fixtures = map[string]fixture{
	"linux-amd64":                  {goos: "linux", goarch: "amd64", pkg: "hello"},
	"linux-amd64-cgo-net":          {goos: "linux", goarch: "amd64", pkg: "netc", cgo: true},
	"linux-amd64-pie":              {goos: "linux", goarch: "amd64", pkg: "hello", args: []string{"-buildmode=pie"}},
	"linux-amd64-static-pie":       {goos: "linux", goarch: "amd64", pkg: "hello", cgo: true, args: []string{"-buildmode=pie", "-ldflags=-linkmode external -extldflags -static-pie"}},
	"linux-amd64-c-shared":         {goos: "linux", goarch: "amd64", pkg: "lib", cgo: true, args: []string{"-buildmode=c-shared"}},
	"linux-amd64-cgo-net-stripped": {goos: "linux", goarch: "amd64", pkg: "netc", cgo: true, args: []string{"-trimpath", "-ldflags=-s -w"}},
	"darwin-arm64-stripped":        {goos: "darwin", goarch: "arm64", pkg: "hello", args: []string{"-trimpath", "-ldflags=-s -w"}},
	"windows-amd64-stripped":       {goos: "windows", goarch: "amd64", pkg: "hello", args: []string{"-trimpath", "-ldflags=-s -w"}},
	"linux-arm64":                  {goos: "linux", goarch: "arm64", pkg: "hello"},
	"linux-386":                    {goos: "linux", goarch: "386", pkg: "hello"},
	"linux-riscv64":                {goos: "linux", goarch: "riscv64", pkg: "hello"},
	"linux-s390x":                  {goos: "linux", goarch: "s390x", pkg: "hello"},
	"linux-ppc64le":                {goos: "linux", goarch: "ppc64le", pkg: "hello"},
	"linux-mips64":                 {goos: "linux", goarch: "mips64", pkg: "hello"},
	"freebsd-amd64":                {goos: "freebsd", goarch: "amd64", pkg: "hello"},
	"openbsd-amd64":                {goos: "openbsd", goarch: "amd64", pkg: "hello"},
	"netbsd-amd64":                 {goos: "netbsd", goarch: "amd64", pkg: "hello"},
	"darwin-arm64":                 {goos: "darwin", goarch: "arm64", pkg: "hello"},
	"darwin-amd64":                 {goos: "darwin", goarch: "amd64", pkg: "hello"},
	"windows-amd64":                {goos: "windows", goarch: "amd64", pkg: "hello"},
	"windows-386":                  {goos: "windows", goarch: "386", pkg: "hello"},
	"windows-arm64":                {goos: "windows", goarch: "arm64", pkg: "hello"},
	"plan9-amd64":                  {goos: "plan9", goarch: "amd64", pkg: "hello"},
	"plan9-386":                    {goos: "plan9", goarch: "386", pkg: "hello"},
	"js-wasm":                      {goos: "js", goarch: "wasm", pkg: "hello"},
	"wasip1-wasm":                  {goos: "wasip1", goarch: "wasm", pkg: "hello"},
	"aix-ppc64":                    {goos: "aix", goarch: "ppc64", pkg: "hello"},
	"linux-amd64-stripped":         {goos: "linux", goarch: "amd64", pkg: "hello", args: []string{"-ldflags=-s -w"}},
	"windows-amd64-gui":            {goos: "windows", goarch: "amd64", pkg: "hello", args: []string{"-ldflags=-H windowsgui"}},
	"solaris-amd64":                {goos: "solaris", goarch: "amd64", pkg: "hello"},
	"android-arm64":                {goos: "android", goarch: "arm64", pkg: "hello"},
	"wasip1-wasm-stripped":         {goos: "wasip1", goarch: "wasm", pkg: "hello", args: []string{"-ldflags=-s -w"}},
}

// The fixture programs. hello uses only println so cross builds compile
// little more than the runtime.
var fixtureSources = map[string]string{
	"go.mod": "module example.com/fixture\n\ngo 1.26\n",
	"hello/main.go": `package main

func main() { println("hello") }
`,
	"netc/main.go": `package main

import "net"

func main() { println(net.ParseIP("127.0.0.1").String()) }
`,
	"lib/main.go": `package main

import "C"

//export Add
func Add(a, b C.int) C.int { return a + b }

func main() {}
`,
}

// errSkipFixture marks fixtures this machine cannot build (no toolchain,
// no C compiler, no static libc), which skips rather than fails.
var errSkipFixture = errors.New("cannot build here")

// fixtureEnv is the toolchain and the shared module directory.
type fixtureEnv struct{ goBin, dir string }

// fixtureTmp, cFixtureTmp and benchTmp remember the temporary directories
// of the Go fixtures, the C fixtures and the benchmark so TestMain can
// remove them.
var fixtureTmp, cFixtureTmp, benchTmp atomic.Value

var fixtureModule = sync.OnceValues(func() (fixtureEnv, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fixtureEnv{}, fmt.Errorf("%w: no go command in PATH", errSkipFixture)
	}
	dir, err := os.MkdirTemp("", "inspect-fixtures-")
	if err != nil {
		return fixtureEnv{}, err
	}
	fixtureTmp.Store(dir)
	for name, src := range fixtureSources {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fixtureEnv{}, err
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			return fixtureEnv{}, err
		}
	}
	return fixtureEnv{goBin: goBin, dir: dir}, nil
})

var fixtureBuilds sync.Map // name -> func() (string, error)

// fixturePath builds the named fixture (once per test binary) and returns
// its path. Tests that use it should call t.Parallel first so independent
// builds overlap.
func fixturePath(t testing.TB, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds real Go programs; skipped with -short")
	}
	fx, ok := fixtures[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	build, _ := fixtureBuilds.LoadOrStore(name, sync.OnceValues(func() (string, error) { return buildFixture(name, fx) }))
	path, err := build.(func() (string, error))()
	if errors.Is(err, errSkipFixture) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: run scripts/install-deps.sh)", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func buildFixture(name string, fx fixture) (string, error) {
	env, err := fixtureModule()
	if err != nil {
		return "", err
	}
	goBin, dir := env.goBin, env.dir
	cgo := "0"
	if fx.cgo {
		cgo = "1"
		if fx.goos != runtime.GOOS || fx.goarch != runtime.GOARCH {
			return "", fmt.Errorf("%w: %s uses cgo, which needs a %s/%s host", errSkipFixture, name, fx.goos, fx.goarch)
		}
		if _, err := exec.LookPath("gcc"); err != nil {
			return "", fmt.Errorf("%w: %s needs a C compiler", errSkipFixture, name)
		}
	}
	out := filepath.Join(dir, "bin", name)
	args := append(append([]string{"build", "-o", out}, fx.args...), "./"+fx.pkg)
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOOS="+fx.goos, "GOARCH="+fx.goarch, "CGO_ENABLED="+cgo,
		"GOWORK=off", "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local", "GO111MODULE=on")
	if b, err := cmd.CombinedOutput(); err != nil {
		msg := string(b)
		if name == "linux-amd64-static-pie" && (strings.Contains(msg, "cannot find -lc") || strings.Contains(msg, "rcrt1.o")) {
			return "", fmt.Errorf("%w: no static libc for -static-pie: %s", errSkipFixture, msg)
		}
		return "", fmt.Errorf("go %s (GOOS=%s GOARCH=%s CGO_ENABLED=%s): %v\n%s", strings.Join(args, " "), fx.goos, fx.goarch, cgo, err, msg)
	}
	return out, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, v := range []*atomic.Value{&fixtureTmp, &cFixtureTmp, &benchTmp} {
		if dir, ok := v.Load().(string); ok {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}
