package smoke

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/target"
)

func tgt(s string) target.Target {
	t, err := target.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// fakeRunner has the given commands on PATH (in /usr/bin) and the given
// files on disk, on a made-up host.
func fakeRunner(host string, cmds []string, files ...string) *Runner {
	onPath := map[string]bool{}
	for _, c := range cmds {
		onPath[c] = true
	}
	disk := map[string]bool{}
	for _, f := range files {
		disk[f] = true
	}
	return &Runner{
		Host: tgt(host),
		Env:  []string{"PATH=/usr/bin"}, // no GODEBUG from the test's environment
		LookPath: func(name string) (string, error) {
			if onPath[name] {
				return "/usr/bin/" + name, nil
			}
			return "", errors.New("not found")
		},
		exists: func(p string) bool { return disk[p] },
		goroot: func() string { return "/go" },
	}
}

func TestCommand(t *testing.T) {
	all := []string{"qemu-aarch64", "qemu-riscv64", "qemu-i386", "qemu-x86_64", "qemu-arm", "qemu-loongarch64", "wine", "wine64", "node", "wasmtime", "wazero"}
	const bin = "/b/prog"
	tests := []struct {
		name   string
		runner *Runner
		req    Request
		argv   []string
		how    string
		why    string // for not-runnable: a part of Why
	}{
		{"host target", fakeRunner("linux/amd64", nil), Request{Path: bin, Target: tgt("linux/amd64")}, []string{bin}, "native", ""},
		{"host target dynamic", fakeRunner("linux/amd64", nil), Request{Path: bin, Target: tgt("linux/amd64"), Dynamic: true}, []string{bin}, "native", ""},
		{"level the CPU may lack still native", fakeRunner("linux/amd64", nil), Request{Path: bin, Target: tgt("linux/amd64/v4")}, []string{bin}, "native", ""},
		{"darwin host", fakeRunner("darwin/arm64", nil), Request{Path: bin, Target: tgt("darwin/arm64")}, []string{bin}, "native", ""},
		{"linux/386 static on amd64", fakeRunner("linux/amd64", nil), Request{Path: bin, Target: tgt("linux/386")}, []string{bin}, "native", ""},
		{"linux/386 dynamic with host loader", fakeRunner("linux/amd64", nil, host386Loader), Request{Path: bin, Target: tgt("linux/386"), Dynamic: true}, []string{bin}, "native", ""},
		{"linux/386 dynamic without host loader", fakeRunner("linux/amd64", all, "/usr/i686-linux-gnu"), Request{Path: bin, Target: tgt("linux/386"), Dynamic: true, Sysroot: "/usr/i686-linux-gnu"},
			[]string{"/usr/bin/qemu-i386", "-E", "GODEBUG=asyncpreemptoff=1", "-L", "/usr/i686-linux-gnu", bin}, "qemu-i386 -L /usr/i686-linux-gnu", ""},
		{"windows/386 on amd64 windows", fakeRunner("windows/amd64", nil), Request{Path: bin, Target: tgt("windows/386")}, []string{bin}, "native", ""},
		{"linux/386 on arm64 host", fakeRunner("linux/arm64", all), Request{Path: bin, Target: tgt("linux/386")}, []string{"/usr/bin/qemu-i386", "-E", "GODEBUG=asyncpreemptoff=1", bin}, "qemu-i386", ""},
		{"static arm64", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("linux/arm64")}, []string{"/usr/bin/qemu-aarch64", bin}, "qemu-aarch64", ""},
		{"static arm64 ignores sysroot", fakeRunner("linux/amd64", all, "/usr/aarch64-linux-gnu"), Request{Path: bin, Target: tgt("linux/arm64"), Sysroot: "/usr/aarch64-linux-gnu"},
			[]string{"/usr/bin/qemu-aarch64", bin}, "qemu-aarch64", ""},
		{"arm64 level", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("linux/arm/v7")}, []string{"/usr/bin/qemu-arm", bin}, "qemu-arm", ""},
		{"dynamic arm64", fakeRunner("linux/amd64", all, "/usr/aarch64-linux-gnu"), Request{Path: bin, Target: tgt("linux/arm64"), Dynamic: true, Sysroot: "/usr/aarch64-linux-gnu"},
			[]string{"/usr/bin/qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", bin}, "qemu-aarch64 -L /usr/aarch64-linux-gnu", ""},
		{"amd64 on arm64 host", fakeRunner("linux/arm64", all), Request{Path: bin, Target: tgt("linux/amd64")}, []string{"/usr/bin/qemu-x86_64", bin}, "qemu-x86_64", ""},
		{"only the static qemu", fakeRunner("linux/amd64", []string{"qemu-riscv64-static"}), Request{Path: bin, Target: tgt("linux/riscv64")},
			[]string{"/usr/bin/qemu-riscv64-static", bin}, "qemu-riscv64-static", ""},
		{"plain qemu preferred", fakeRunner("linux/amd64", []string{"qemu-riscv64", "qemu-riscv64-static"}), Request{Path: bin, Target: tgt("linux/riscv64")},
			[]string{"/usr/bin/qemu-riscv64", bin}, "qemu-riscv64", ""},
		{"qemu missing", fakeRunner("linux/amd64", nil), Request{Path: bin, Target: tgt("linux/s390x")}, nil, "qemu-s390x",
			"linux/s390x binaries run under qemu-s390x, which is not installed: apt-get install qemu-user"},
		{"dynamic without sysroot", fakeRunner("linux/amd64", all, "/usr/aarch64-linux-gnu"), Request{Path: bin, Target: tgt("linux/arm64"), Dynamic: true}, nil, "qemu-aarch64",
			"dynamic linux/arm64 binary needs its sysroot for qemu, and none was given (/usr/aarch64-linux-gnu: apt-get install libc6-dev-arm64-cross)"},
		{"dynamic with missing sysroot", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("linux/arm64"), Dynamic: true, Sysroot: "/usr/aarch64-linux-gnu"}, nil, "qemu-aarch64",
			"dynamic linux/arm64 binary needs its sysroot for qemu, and /usr/aarch64-linux-gnu does not exist: apt-get install libc6-dev-arm64-cross"},
		{"dynamic loong64 has no package", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("linux/loong64"), Dynamic: true}, nil, "qemu-loongarch64",
			"(/usr/loongarch64-linux-gnu, which Debian has no package for)"},
		{"no qemu for the arch", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("linux/ppc64x")}, nil, "", "qemu-user has no emulator for linux/ppc64x"},
		{"linux on a mac", fakeRunner("darwin/arm64", all), Request{Path: bin, Target: tgt("linux/arm64")}, nil, "", "linux/arm64 binaries need Linux (qemu-user runs on Linux only); this is darwin/arm64"},
		{"windows/amd64 prefers wine64", fakeRunner("linux/amd64", all), Request{Path: bin + ".exe", Target: tgt("windows/amd64")}, []string{"/usr/bin/wine64", bin + ".exe"}, "wine64", ""},
		{"windows/amd64 with wine only", fakeRunner("linux/amd64", []string{"wine"}), Request{Path: bin + ".exe", Target: tgt("windows/amd64")}, []string{"/usr/bin/wine", bin + ".exe"}, "wine", ""},
		{"windows/386 uses wine", fakeRunner("linux/amd64", all), Request{Path: bin + ".exe", Target: tgt("windows/386")}, []string{"/usr/bin/wine", bin + ".exe"}, "wine", ""},
		{"wine missing", fakeRunner("linux/amd64", []string{"qemu-aarch64"}), Request{Path: bin + ".exe", Target: tgt("windows/amd64")}, nil, "wine",
			"windows/amd64 binaries run under wine, which is not installed: apt-get install wine"},
		{"windows/arm64", fakeRunner("linux/amd64", all), Request{Path: bin + ".exe", Target: tgt("windows/arm64")}, nil, "", "windows/arm64 binaries need Windows on arm64; wine here runs x86 Windows binaries only"},
		{"wine on arm64 host", fakeRunner("linux/arm64", all), Request{Path: bin + ".exe", Target: tgt("windows/amd64")}, nil, "", "need an x86 machine for wine; this is linux/arm64"},
		{"js with node", fakeRunner("linux/amd64", all, "/go/lib/wasm/wasm_exec_node.js"), Request{Path: bin + ".wasm", Target: tgt("js/wasm")},
			[]string{"/usr/bin/node", "--stack-size=8192", "/go/lib/wasm/wasm_exec_node.js", bin + ".wasm"}, "node", ""},
		{"js with old GOROOT layout", fakeRunner("linux/amd64", all, "/go/misc/wasm/wasm_exec_node.js"), Request{Path: bin + ".wasm", Target: tgt("js/wasm")},
			[]string{"/usr/bin/node", "--stack-size=8192", "/go/misc/wasm/wasm_exec_node.js", bin + ".wasm"}, "node", ""},
		{"js without loader", fakeRunner("linux/amd64", all), Request{Path: bin + ".wasm", Target: tgt("js/wasm")}, nil, "node", "/go has neither in lib/wasm nor in misc/wasm"},
		{"js without node", fakeRunner("linux/amd64", nil, "/go/lib/wasm/wasm_exec_node.js"), Request{Path: bin + ".wasm", Target: tgt("js/wasm")}, nil, "node", "apt-get install nodejs"},
		{"wasip1 with wasmtime", fakeRunner("linux/amd64", all), Request{Path: bin + ".wasm", Target: tgt("wasip1/wasm")}, []string{"/usr/bin/wasmtime", "run", bin + ".wasm"}, "wasmtime", ""},
		{"wasip1 with wazero", fakeRunner("linux/amd64", []string{"wazero"}), Request{Path: bin + ".wasm", Target: tgt("wasip1/wasm")}, []string{"/usr/bin/wazero", "run", bin + ".wasm"}, "wazero", ""},
		{"wasip1 without runtime", fakeRunner("linux/amd64", nil), Request{Path: bin + ".wasm", Target: tgt("wasip1/wasm")}, nil, "", "need a WASI runtime: install wasmtime"},
		{"darwin", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("darwin/arm64")}, nil, "", "darwin binaries need macOS; nothing here can run them"},
		{"ios", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("ios/arm64")}, nil, "", "ios binaries need an iPhone or iPad"},
		{"android", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("android/arm64")}, nil, "", "android binaries need an Android device or emulator"},
		{"freebsd", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("freebsd/amd64")}, nil, "", "freebsd binaries need FreeBSD; nothing here can run them"},
		{"plan9", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("plan9/386")}, nil, "", "plan9 binaries need Plan 9"},
		{"unknown system", fakeRunner("linux/amd64", all), Request{Path: bin, Target: tgt("hurd/amd64")}, nil, "", "hurd binaries need hurd; nothing here can run them"},
		{"same system, other arch", fakeRunner("freebsd/amd64", all), Request{Path: bin, Target: tgt("freebsd/arm64")}, nil, "", "freebsd/arm64 binaries need a arm64 machine; this is freebsd/amd64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			argv, how, nr := tc.runner.Command(tc.req)
			if tc.why != "" {
				require.NotNil(t, nr, "want not-runnable, got %q", argv)
				assert.Nil(t, argv)
				assert.Equal(t, StatusNotRunnable, nr.Status)
				assert.Contains(t, nr.Why, tc.why)
				assert.Equal(t, tc.how, nr.How)
				assert.Equal(t, -1, nr.ExitCode)
				return
			}
			require.Nil(t, nr, "unexpected not-runnable")
			assert.Equal(t, tc.argv, argv)
			assert.Equal(t, tc.how, how)
		})
	}
}

func TestCommandMakesPathAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	argv, _, nr := fakeRunner("linux/amd64", []string{"qemu-aarch64"}).Command(Request{Path: "out/prog", Target: tgt("linux/arm64")})
	require.Nil(t, nr)
	require.Len(t, argv, 2)
	assert.True(t, len(argv[1]) > len("out/prog") && argv[1][0] == '/', "want an absolute path, got %q", argv[1])
}

func TestGodebug(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"none", []string{"PATH=/bin"}, "asyncpreemptoff=1"},
		{"added to the user's", []string{"GODEBUG=madvdontneed=1"}, "madvdontneed=1,asyncpreemptoff=1"},
		{"the user's own choice wins", []string{"GODEBUG=asyncpreemptoff=0"}, "asyncpreemptoff=0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, (&Runner{Env: tc.env}).godebug("asyncpreemptoff=1"))
		})
	}
}

func TestResultString(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		want string
	}{
		{"ok native", Result{Status: StatusOK, How: "native"}, "ok (native)"},
		{"ok qemu with sysroot", Result{Status: StatusOK, How: "qemu-aarch64 -L /usr/aarch64-linux-gnu"}, "ok (qemu-aarch64)"},
		{"exit code with output", Result{Status: StatusFailed, ExitCode: 2, Why: "exited with status 2", Output: []string{"first line", "second"}}, "failed (exit 2: first line)"},
		{"exit code without output", Result{Status: StatusFailed, ExitCode: 3}, "failed (exit 3)"},
		{"timeout", Result{Status: StatusFailed, ExitCode: -1, Why: "timed out after 1s; its process group was killed"}, "failed (timed out after 1s; its process group was killed)"},
		{"signal with long output", Result{Status: StatusFailed, ExitCode: -1, Why: "killed by signal: segmentation fault",
			Output: []string{"panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV]"}},
			"failed (killed by signal: segmentation fault: panic: runtime error: invalid memory address or nil pointer…)"},
		{"not runnable", Result{Status: StatusNotRunnable, Why: "darwin binaries need macOS; nothing here can run them"}, "not runnable here (darwin binaries need macOS; nothing here can run them)"},
		{"zero", Result{}, "not run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.res.String()) })
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		out  string
		wine bool
		want []string
	}{
		{"blank lines and CRLF", "\r\nhello\r\n\n  \nworld\r\n", false, []string{"hello", "world"}},
		{"at most five", "1\n2\n3\n4\n5\n6\n7\n", false, []string{"1", "2", "3", "4", "5"}},
		{"wine prefix noise dropped", "wine: created the configuration directory '/x'\nwine: configuration in L\"/x\" has been updated.\nhello\n", true, []string{"hello"}},
		{"wine errors kept", "wine: could not load kernel32.dll\n", true, []string{"wine: could not load kernel32.dll"}},
		{"noise only filtered under wine", "wine: configuration in x\n", false, []string{"wine: configuration in x"}},
		{"nothing", "", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, lines([]byte(tc.out), tc.wine)) })
	}
}

func TestCappedKeepsTheStart(t *testing.T) {
	c := &capped{max: 8}
	for _, s := range []string{"hello", " world", "!"} {
		n, err := c.Write([]byte(s))
		require.NoError(t, err)
		assert.Equal(t, len(s), n, "a full buffer must not block or fail the writer")
	}
	assert.Equal(t, "hello wo", c.buf.String())
}

func TestWineVerdict(t *testing.T) {
	r := &Runner{}
	tests := []struct {
		name   string
		target string
		out    []string
		status Status
		why    string
	}{
		{"go 1.22+ on old wine", "windows/amd64", []string{"fatal error: bcryptprimitives.dll not found", "runtime: panic before malloc heap initialized"}, StatusNotRunnable, "wine 8.13 or newer"},
		{"386 without wine32", "windows/386", []string{"Application could not be started, or no application associated with the specified file.", "ShellExecuteEx failed: Internal error."}, StatusNotRunnable, "apt-get install wine32:i386"},
		{"a real failure stays failed", "windows/amd64", []string{"panic: boom"}, StatusFailed, "exited with status 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Result{Status: StatusFailed, ExitCode: 2, Why: "exited with status 2", Output: tc.out, Command: []string{"/nonexistent/wine", "x.exe"}}
			r.wineVerdict(Request{Target: tgt(tc.target)}, &res, "wine: noise\n"+strings.Join(tc.out, "\n"))
			assert.Equal(t, tc.status, res.Status)
			assert.Contains(t, res.Why, tc.why)
		})
	}
}

func TestWineEnv(t *testing.T) {
	t.Run("defaults added", func(t *testing.T) {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		env, first := wineEnv([]string{"PATH=/bin"})
		assert.True(t, first, "an empty cache has no prefix yet")
		assert.Contains(t, env, "WINEDEBUG=-all")
		assert.True(t, hasVar(env, "WINEPREFIX"))
	})
	t.Run("caller's settings kept", func(t *testing.T) {
		prefix := t.TempDir()
		env, _ := wineEnv([]string{"WINEDEBUG=+loaddll", "WINEPREFIX=" + prefix})
		assert.Equal(t, []string{"WINEDEBUG=+loaddll", "WINEPREFIX=" + prefix}, env)
	})
}
