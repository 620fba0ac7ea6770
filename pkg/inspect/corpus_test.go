package inspect

// The benchmark corpus: a few hundred MiB of real Go binaries of every
// format, built once into the user's cache directory and reused by every
// later benchmark run (and by scripts/bench-inspect.sh), because building
// it costs minutes and the point of the benchmark is the reading, not the
// building.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// corpusEnv names the environment variable that lets the benchmarks build
// the corpus when it is missing (PORTMATRIX_BENCH_CORPUS=build); without it
// they skip. Any other non-empty value is taken as the corpus directory.
const corpusEnv = "PORTMATRIX_BENCH_CORPUS"

// corpusComplete marks a fully built corpus; it is written last.
const corpusComplete = ".complete"

// corpusSources are the programs of the corpus. hello is the runtime and
// little else; embed carries a 4 MiB asset, as programs serving web assets
// do; nethttp is a real server (its standard library takes a minute to
// compile per platform, so it is built only for corpusNetHTTP); user needs
// cgo for os/user on linux/amd64, for glibc version needs.
var corpusSources = map[string]string{
	"go.mod": "module example.com/corpus\n\ngo 1.26\n",
	"hello/main.go": `package main

func main() { println("hello") }
`,
	"embed/main.go": `package main

import _ "embed"

//go:embed asset.bin
var asset string

func main() { println(len(asset)) }
`,
	"nethttp/main.go": `package main

import (
	"net/http"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		_ = http.ListenAndServe(os.Args[1], http.FileServer(http.Dir(".")))
	}
}
`,
	"user/main.go": `package main

import "os/user"

func main() {
	u, err := user.Current()
	if err == nil {
		println(u.Username)
	}
}
`,
}

// corpusAssetSize is the size of embed's asset: incompressible bytes from
// a fixed seed, so every rebuild embeds the same file.
const corpusAssetSize = 4 << 20

// corpusNetHTTP are the platforms that get the nethttp program: one or
// more of every format.
var corpusNetHTTP = []string{
	"linux/amd64", "linux/arm64", "freebsd/amd64", "openbsd/arm64", "solaris/amd64",
	"darwin/amd64", "darwin/arm64", "windows/amd64", "plan9/amd64", "js/wasm", "wasip1/wasm", "aix/ppc64",
}

// corpusJob is one `go build` of the corpus.
type corpusJob struct {
	name, goos, goarch, pkg string
	cgo                     bool
	args                    []string
}

// corpusDefaultDir is where the corpus lives unless corpusEnv names a
// directory: per Go version, since a new toolchain makes new binaries.
func corpusDefaultDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "portmatrix-bench", "corpus", runtime.Version()), nil
}

// benchCorpus returns the corpus files in name order, building the corpus
// first when it is incomplete and corpusEnv asks for it; otherwise it
// skips the benchmark with a message saying how to build it.
func benchCorpus(tb testing.TB) []string {
	tb.Helper()
	env := os.Getenv(corpusEnv)
	dir, err := corpusDefaultDir()
	if err != nil {
		tb.Fatal(err)
	}
	if env != "" && env != "build" {
		dir = env
	}
	if _, err := os.Stat(filepath.Join(dir, corpusComplete)); err != nil {
		if env != "build" {
			tb.Skipf("no benchmark corpus in %s; %s=build builds it (a few minutes, once)", dir, corpusEnv)
		}
		if err := buildCorpus(tb, dir); err != nil {
			tb.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var paths []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) < 100 {
		tb.Fatalf("%s holds only %d binaries; remove it and build it again", dir, len(paths))
	}
	return paths
}

// buildCorpus builds every corpus binary missing from dir, one `go build
// -p 1` at a time so a shared machine stays usable, then joins the darwin
// nethttp builds into universal binaries. A platform that fails to build
// is reported and left out; the corpus is still marked complete.
func buildCorpus(tb testing.TB, dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building the corpus: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mod, err := os.MkdirTemp("", "inspect-corpus-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(mod)
	for name, src := range corpusSources {
		if err := writeFileAll(filepath.Join(mod, name), []byte(src)); err != nil {
			return err
		}
	}
	asset := make([]byte, corpusAssetSize)
	seed := [32]byte{'p', 'm'}
	if _, err := rand.NewChaCha8(seed).Read(asset); err != nil {
		return err
	}
	if err := writeFileAll(filepath.Join(mod, "embed", "asset.bin"), asset); err != nil {
		return err
	}
	jobs, err := corpusJobs(goBin)
	if err != nil {
		return err
	}
	var failed []string
	for i, j := range jobs {
		out := filepath.Join(dir, j.name)
		if _, err := os.Stat(out); err == nil {
			continue
		}
		tb.Logf("corpus %d/%d: %s", i+1, len(jobs), j.name)
		tmp := filepath.Join(dir, ".tmp-"+j.name)
		args := append(append([]string{"build", "-p", "1", "-o", tmp}, j.args...), "./"+j.pkg)
		cmd := exec.Command(goBin, args...)
		cmd.Dir = mod
		cgo := "0"
		if j.cgo {
			cgo = "1"
		}
		cmd.Env = append(os.Environ(), "GOOS="+j.goos, "GOARCH="+j.goarch, "CGO_ENABLED="+cgo,
			"GOWORK=off", "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local", "GO111MODULE=on")
		if b, err := cmd.CombinedOutput(); err != nil {
			os.Remove(tmp)
			failed = append(failed, fmt.Sprintf("%s: %v\n%s", j.name, err, b))
			continue
		}
		if err := os.Rename(tmp, out); err != nil {
			return err
		}
	}
	for _, variant := range []string{"nethttp", "nethttp-s"} {
		if err := writeCorpusFat(dir, variant); err != nil {
			failed = append(failed, err.Error())
		}
	}
	for _, f := range failed {
		tb.Logf("corpus: left out %s", f)
	}
	return os.WriteFile(filepath.Join(dir, corpusComplete), []byte(runtime.Version()+"\n"), 0o644)
}

// corpusJobs lists the builds: hello and embed (each also with -s -w) for
// every platform that builds without cgo, nethttp for corpusNetHTTP, and
// the cgo programs on linux/amd64 when this host is one with gcc.
func corpusJobs(goBin string) ([]corpusJob, error) {
	out, err := exec.Command(goBin, "tool", "dist", "list", "-json").Output()
	if err != nil {
		return nil, fmt.Errorf("go tool dist list: %w", err)
	}
	var platforms []struct{ GOOS, GOARCH string }
	if err := json.Unmarshal(out, &platforms); err != nil {
		return nil, fmt.Errorf("go tool dist list: %w", err)
	}
	var jobs []corpusJob
	add := func(goos, goarch, pkg, suffix string, cgo bool, args ...string) {
		jobs = append(jobs, corpusJob{name: goos + "-" + goarch + "-" + pkg + suffix, goos: goos, goarch: goarch, pkg: pkg, cgo: cgo, args: args})
	}
	for _, p := range platforms {
		if p.GOOS == "ios" || (p.GOOS == "android" && p.GOARCH != "arm64") {
			continue // these need cgo and an external linker
		}
		pkgs := []string{"hello", "embed"}
		if slices.Contains(corpusNetHTTP, p.GOOS+"/"+p.GOARCH) {
			pkgs = append(pkgs, "nethttp")
		}
		for _, pkg := range pkgs {
			add(p.GOOS, p.GOARCH, pkg, "", false)
			add(p.GOOS, p.GOARCH, pkg, "-s", false, "-ldflags=-s -w")
		}
	}
	if _, err := exec.LookPath("gcc"); err == nil && runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		add("linux", "amd64", "user", "-cgo", true)
		add("linux", "amd64", "user", "-cgo-s", true, "-ldflags=-s -w")
		add("linux", "amd64", "user", "-cgo-pie", true, "-buildmode=pie")
		add("linux", "amd64", "nethttp", "-cgo", true)
	}
	return jobs, nil
}

// writeCorpusFat joins the darwin/arm64 and darwin/amd64 builds of a
// nethttp variant into a universal binary, as lipo would.
func writeCorpusFat(dir, variant string) error {
	arm, err1 := os.ReadFile(filepath.Join(dir, "darwin-arm64-"+variant))
	x86, err2 := os.ReadFile(filepath.Join(dir, "darwin-amd64-"+variant))
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("universal %s: %w", variant, err)
	}
	return os.WriteFile(filepath.Join(dir, "darwin-universal-"+variant), buildFat(14, arm, x86), 0o755)
}

// writeFileAll writes data to path, creating its directory.
func writeFileAll(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
