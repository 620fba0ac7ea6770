package toolchain_test

import (
	"context"
	"debug/elf"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// These tests run the real zig (scripts/install-toolchains.sh installs
// 0.11.0), with the shared zig cache, so the C libraries zig builds the
// first time are built once for the whole test run.

func findZig(t *testing.T) (*toolchain.Zig, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs zig and the go toolchain")
	}
	needtool.Path(t, "bash scripts/install-toolchains.sh (zig 0.11.0 from the npm registry)", "zig")
	z, err := toolchain.FindZig(context.Background(), exec.LookPath)
	require.NoError(t, err)
	cache, err := toolchain.ZigCacheDir(os.Getenv)
	require.NoError(t, err)
	return z, cache
}

// zigBuild builds the package in dir for t with the zig toolchain of need
// at floor glibc, with extra go build flags, and returns the binary, the
// combined output and the error.
func zigBuild(t *testing.T, z *toolchain.Zig, cache, dir string, tg target.Target, libc, glibc string, flags ...string) (string, string, error) {
	t.Helper()
	tc, err := toolchain.ZigToolchain(z, toolchain.Need{Target: tg, Libc: libc}, glibc, cache)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "bin")
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), tg.Env()...)
	cmd.Env = append(cmd.Env, "CGO_ENABLED=1", "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
	cmd.Env = append(cmd.Env, tc.Env()...)
	b, err := cmd.CombinedOutput()
	return out, string(b), err
}

var readelfGlibc = regexp.MustCompile(`Name: GLIBC_([0-9.]+)`)

// readelfFloor is the highest GLIBC_ version `readelf -V` lists as needed.
func readelfFloor(t *testing.T, bin string) string {
	readelf := needtool.Path(t, "apt-get install binutils", "readelf")
	out, err := exec.Command(readelf, "-V", "--wide", bin).Output()
	require.NoError(t, err)
	floor := ""
	for _, m := range readelfGlibc.FindAllStringSubmatch(string(out), -1) {
		if floor == "" || inspect.CompareVersions(m[1], floor) > 0 {
			floor = m[1]
		}
	}
	return floor
}

// TestZigFloorsAgreeWithReadelf builds the seed's os/user and net/http
// programs with cgo for glibc 2.17 on amd64 and arm64: the floor the
// inspector reads is the one readelf reads, is at most 2.17, and the
// programs run (natively, and under qemu with Debian's cross glibc).
func TestZigFloorsAgreeWithReadelf(t *testing.T) {
	z, cache := findZig(t)
	for _, c := range []struct {
		target, prog string
		run          []string
	}{
		{"linux/amd64", "whoami", nil},
		{"linux/arm64", "whoami", []string{"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"}},
		{"linux/amd64", "fileserver", nil},
		{"linux/arm64", "fileserver", []string{"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"}},
	} {
		t.Run(c.target+"/"+c.prog, func(t *testing.T) {
			tg, err := target.Parse(c.target)
			require.NoError(t, err)
			bin, out, err := zigBuild(t, z, cache, "../../examples/seed/"+c.prog, tg, "", "2.17")
			require.NoError(t, err, out)
			in, err := inspect.File(bin)
			require.NoError(t, err)
			assert.Equal(t, inspect.Linkage("dynamic"), in.Linkage)
			assert.NotEmpty(t, in.MaxGlibc)
			assert.LessOrEqual(t, inspect.CompareVersions(in.MaxGlibc, "2.17"), 0, "floor %s", in.MaxGlibc)
			assert.Equal(t, readelfFloor(t, bin), in.MaxGlibc, "inspect and readelf -V disagree")
			argv := append(append([]string{}, c.run...), bin)
			if len(c.run) > 0 {
				needtool.Path(t, "apt-get install qemu-user libc6-arm64-cross", c.run[0])
			}
			if c.prog == "fileserver" {
				serves(t, argv)
				return
			}
			run, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			require.NoError(t, err, "%s", run)
			assert.Contains(t, string(run), "uid ")
		})
	}
}

// serves starts the file server argv on a free loopback port, in a
// directory holding one file, and fetches that file through it.
func serves(t *testing.T, argv []string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("served at glibc 2.17"), 0o644))
	cmd := exec.Command(argv[0], append(argv[1:], "-addr", addr)...)
	cmd.Dir = dir
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/hello.txt")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, "served at glibc 2.17", string(body))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v did not serve within 30s: %v\n%s", argv, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const getrandomSource = `package main

/*
#include <sys/random.h>
static int fill(void) { unsigned char b[8]; return (int)getrandom(b, sizeof b, 0); }
*/
import "C"

import "fmt"

func main() { fmt.Println(C.fill()) }
`

// TestZigNewerSymbolNeverPassesSilently: C code calling getrandom (glibc
// 2.25) cannot link at a 2.17 floor, and at 2.28 it links with the real
// floor, 2.25, which the inspector reads.
func TestZigNewerSymbolNeverPassesSilently(t *testing.T) {
	z, cache := findZig(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module gr\n\ngo 1.21\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(getrandomSource), 0o644))
	amd64 := target.Target{GOOS: "linux", GOARCH: "amd64"}

	_, out, err := zigBuild(t, z, cache, dir, amd64, "", "2.17")
	require.Error(t, err)
	assert.Contains(t, out, "undefined symbol: getrandom")

	bin, out, err := zigBuild(t, z, cache, dir, amd64, "", "2.28")
	require.NoError(t, err, out)
	in, err := inspect.File(bin)
	require.NoError(t, err)
	assert.Equal(t, "2.25", in.MaxGlibc)
	assert.Contains(t, in.GlibcSymbols, "getrandom")
}

// TestZigIgnoresDashS is why the plan adds -Wl,--strip-all to zig jobs
// with -s: under external linking Go passes -s to the C linker, and zig cc
// 0.11.0 keeps the symbol table anyway.
func TestZigIgnoresDashS(t *testing.T) {
	z, cache := findZig(t)
	amd64 := target.Target{GOOS: "linux", GOARCH: "amd64"}
	symtab := func(bin string) bool {
		f, err := elf.Open(bin)
		require.NoError(t, err)
		defer f.Close()
		return f.Section(".symtab") != nil
	}
	bin, out, err := zigBuild(t, z, cache, "../../examples/seed/cgohello", amd64, "", "2.17", "-ldflags=-s")
	require.NoError(t, err, out)
	assert.True(t, symtab(bin), "zig now honours -s: the plan's -Wl,--strip-all can go")
	bin, out, err = zigBuild(t, z, cache, "../../examples/seed/cgohello", amd64, "", "2.17", "-ldflags=-s -extldflags=-Wl,--strip-all")
	require.NoError(t, err, out)
	assert.False(t, symtab(bin))
}

// TestZigMuslStatic: musl on a foreign arch, linked -static, needs nothing
// at run time and starts under qemu without a sysroot.
func TestZigMuslStatic(t *testing.T) {
	z, cache := findZig(t)
	qemu := needtool.Path(t, "apt-get install qemu-user", "qemu-aarch64")
	arm64 := target.Target{GOOS: "linux", GOARCH: "arm64"}
	bin, out, err := zigBuild(t, z, cache, "../../examples/seed/whoami", arm64, "musl", "", "-ldflags=-linkmode=external -extldflags=-static")
	require.NoError(t, err, out)
	in, err := inspect.File(bin)
	require.NoError(t, err)
	assert.Equal(t, inspect.Linkage("static"), in.Linkage)
	run, err := exec.Command(qemu, bin).CombinedOutput()
	require.NoError(t, err, "%s", run)
}

// libcArtifacts lists the C runtime archives and libraries zig has built
// into cache.
func libcArtifacts(t *testing.T, cache string) []string {
	var out []string
	err := filepath.WalkDir(filepath.Join(cache, "o"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		switch d.Name() {
		case "libc.a", "libc.so.6", "libc.so", "libcompiler_rt.a", "libc_nonshared.a", "libunwind.a":
			out = append(out, p)
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(out)
	return out
}

// TestWarmZigCoversGoBuild: after WarmZig, on a cache of its own, a go
// build of another cgo program with the same toolchain makes zig build no
// C runtime: the warm-up builds every variant the go command asks for
// (a plain `zig cc` probe does not: the -fPIC link of cgo's dynamic import
// step is a libc of its own).
func TestWarmZigCoversGoBuild(t *testing.T) {
	z, _ := findZig(t)
	cache := t.TempDir()
	amd64 := target.Target{GOOS: "linux", GOARCH: "amd64"}
	tc, err := toolchain.ZigToolchain(z, toolchain.Need{Target: amd64}, "2.17", cache)
	require.NoError(t, err)
	require.True(t, toolchain.ZigCold(tc, false))
	u := toolchain.Use{Toolchain: tc, Targets: []string{"linux/amd64"}}
	require.NoError(t, toolchain.WarmZig(context.Background(), "go", u, os.Environ()))
	assert.False(t, toolchain.ZigCold(tc, false))
	before := libcArtifacts(t, cache)
	require.NotEmpty(t, before)
	_, out, err := zigBuild(t, z, cache, "../../examples/seed/cgohello", amd64, "", "2.17")
	require.NoError(t, err, out)
	assert.Equal(t, before, libcArtifacts(t, cache), "the go build built a C runtime the warm-up did not")
	assert.NoError(t, toolchain.WarmZig(context.Background(), "go", u, os.Environ()), "warm: nothing to do")
	assert.True(t, strings.HasPrefix(tc.Target, "x86_64-linux-gnu.2.17"))
}
