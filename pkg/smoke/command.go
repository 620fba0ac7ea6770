package smoke

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// Runner runs binaries. It holds what decides how: the host platform and how
// to find emulators, both replaceable so that tests and `portmatrix plan`
// can ask about any machine.
type Runner struct {
	// Host is the machine's platform (runtime.GOOS/GOARCH when zero).
	Host target.Target
	// LookPath finds qemu, wine, node and WASI runtimes (exec.LookPath when nil).
	LookPath func(string) (string, error)
	// Env is the environment of the programs run (os.Environ() when nil);
	// wine runs also get WINEDEBUG and WINEPREFIX unless Env sets them.
	Env []string
	// GOROOT is the root of the Go toolchain that built the binaries, where
	// js/wasm binaries find wasm_exec.js (package goenv asks it once per
	// run). When empty, the go command on PATH is asked.
	GOROOT string

	// exists and goroot replace the file system and `go env GOROOT` in tests.
	exists func(string) bool
	goroot func() string
}

// host386Loader is where an amd64 Linux host with 32-bit libraries keeps the
// i386 dynamic loader; without it a dynamic linux/386 binary cannot start
// natively and goes to qemu-i386 with its sysroot instead.
const host386Loader = "/lib/ld-linux.so.2"

func (r *Runner) host() target.Target {
	if r.Host.GOOS == "" {
		return target.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	}
	return r.Host
}

func (r *Runner) look(name string) (string, bool) {
	lp := r.LookPath
	if lp == nil {
		lp = exec.LookPath
	}
	p, err := lp(name)
	return p, err == nil && p != ""
}

func (r *Runner) exist(path string) bool {
	if r.exists != nil {
		return r.exists(path)
	}
	_, err := os.Stat(path)
	return err == nil
}

func (r *Runner) goRoot() string {
	if r.goroot != nil {
		return r.goroot()
	}
	if r.GOROOT != "" {
		return r.GOROOT
	}
	goBin, ok := r.look("go")
	if !ok {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Command decides how a request would run, without running it (used by
// `portmatrix plan` and tests): the argv without the Spec's arguments and a
// short name of the way ("native", "qemu-riscv64", "wine"), or a
// not-runnable Result saying why. Run can still end up elsewhere: see its
// fallbacks for linux/386 and wine.
func (r *Runner) Command(req Request) (argv []string, how string, notRunnable *Result) {
	bin := req.Path
	if abs, err := filepath.Abs(bin); err == nil {
		bin = abs
	}
	host, t := r.host(), req.Target
	if r.native(req, host) {
		return []string{bin}, "native", nil
	}
	switch t.GOOS {
	case "linux":
		return r.qemu(req, bin, host)
	case "windows":
		return r.wine(t, bin, host)
	case "js":
		return r.node(t, bin)
	case "wasip1":
		return r.wasi(t, bin)
	}
	return nil, "", elsewhere(t, host)
}

// native says whether the host runs the binary itself: its own platform
// (whatever the level: a CPU without AVX-512 gets its chance to say so), and
// 32-bit x86 on 64-bit x86 Linux and Windows, which run both. A dynamic
// linux/386 binary also needs the host's i386 loader.
func (r *Runner) native(req Request, host target.Target) bool {
	t := req.Target
	if t.GOOS != host.GOOS {
		return false
	}
	if t.GOARCH == host.GOARCH {
		return true
	}
	if t.GOARCH != "386" || host.GOARCH != "amd64" {
		return false
	}
	switch t.GOOS {
	case "windows":
		return true
	case "linux":
		return !req.Dynamic || r.exist(host386Loader)
	}
	return false
}

// qemu runs a foreign Linux binary under qemu-user, passing the sysroot of a
// dynamic one with -L so the command shows where its loader comes from.
func (r *Runner) qemu(req Request, bin string, host target.Target) ([]string, string, *Result) {
	t := req.Target
	if host.GOOS != "linux" {
		return nil, "", notRunnable("", t.Pair()+" binaries need Linux (qemu-user runs on Linux only); this is "+host.Pair())
	}
	name, pkg := toolchain.QEMU(t.GOARCH)
	if name == "" {
		return nil, "", notRunnable("", "qemu-user has no emulator for "+t.Pair()+"; nothing here can run it")
	}
	path, ok := r.look(name)
	if !ok {
		if p, ok2 := r.look(name + "-static"); ok2 {
			path, name, ok = p, name+"-static", true
		}
	}
	if !ok {
		return nil, name, notRunnable(name, t.Pair()+" binaries run under "+name+", which is not installed: apt-get install "+pkg)
	}
	argv := []string{path}
	if t.GOARCH == "386" {
		argv = append(argv, "-E", "GODEBUG="+r.godebug("asyncpreemptoff=1"))
	}
	if !req.Dynamic {
		return append(argv, bin), name, nil
	}
	if req.Sysroot == "" || !r.exist(req.Sysroot) {
		return nil, name, notRunnable(name, sysrootWhy(req, host))
	}
	return append(argv, "-L", req.Sysroot, bin), name + " -L " + req.Sysroot, nil
}

// godebug adds setting to the GODEBUG of the run's environment. qemu-i386
// (7.2) delivers the runtime's preemption signals so badly that Go
// programs crash at startup ("bad g in signal handler") most of the time;
// without asynchronous preemption they start every time.
func (r *Runner) godebug(setting string) string {
	env := r.Env
	if env == nil {
		env = os.Environ()
	}
	cur := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			cur = v
		}
	}
	key, _, _ := strings.Cut(setting, "=")
	switch {
	case cur == "":
		return setting
	case strings.Contains(","+cur, ","+key+"="):
		return cur
	}
	return cur + "," + setting
}

// sysrootWhy explains a dynamic foreign binary without its sysroot, naming
// the package of the toolchain table that provides one.
func sysrootWhy(req Request, host target.Target) string {
	t := req.Target
	why := "dynamic " + t.Pair() + " binary needs its sysroot for qemu"
	var dir, pkg string
	for _, c := range toolchain.Candidates(toolchain.Need{Target: t}, host) {
		if c.Sysroot != "" {
			dir, pkg = c.Sysroot, c.LibcPackage
			break
		}
	}
	if req.Sysroot != "" {
		why += ", and " + req.Sysroot + " does not exist"
		if dir == req.Sysroot && pkg != "" {
			return why + ": apt-get install " + pkg
		}
		return why
	}
	switch {
	case pkg != "":
		return why + ", and none was given (" + dir + ": apt-get install " + pkg + ")"
	case dir != "":
		return why + ", and none was given (" + dir + ", which Debian has no package for)"
	}
	return why + ", and none was given"
}

// wine runs x86 Windows binaries on x86 hosts. wine64 is preferred for
// amd64 where it is a command of its own; Debian's `wine` picks the right
// loader itself.
func (r *Runner) wine(t target.Target, bin string, host target.Target) ([]string, string, *Result) {
	if host.GOOS == "windows" {
		return nil, "", notRunnable("", t.Pair()+" binaries need a "+t.GOARCH+" machine; this is "+host.Pair())
	}
	if t.GOARCH != "amd64" && t.GOARCH != "386" {
		return nil, "", notRunnable("", t.Pair()+" binaries need Windows on "+t.GOARCH+"; wine here runs x86 Windows binaries only")
	}
	if host.GOARCH != "amd64" && !(host.GOARCH == "386" && t.GOARCH == "386") {
		return nil, "", notRunnable("", t.Pair()+" binaries need an x86 machine for wine; this is "+host.Pair())
	}
	names := []string{"wine"}
	if t.GOARCH == "amd64" {
		names = []string{"wine64", "wine"}
	}
	for _, n := range names {
		if p, ok := r.look(n); ok {
			return []string{p, bin}, n, nil
		}
	}
	return nil, "wine", notRunnable("wine", t.Pair()+" binaries run under wine, which is not installed: apt-get install wine")
}

// node runs js/wasm with the Go distribution's own loader, the way
// misc/wasm/go_js_wasm_exec does (with its larger V8 stack).
func (r *Runner) node(t target.Target, bin string) ([]string, string, *Result) {
	path, ok := r.look("node")
	if !ok {
		return nil, "node", notRunnable("node", t.Pair()+" binaries run under node, which is not installed: apt-get install nodejs")
	}
	root := r.goRoot()
	if root == "" {
		return nil, "node", notRunnable("node", t.Pair()+" binaries need wasm_exec_node.js from GOROOT, and `go env GOROOT` did not answer")
	}
	for _, dir := range []string{"lib/wasm", "misc/wasm"} { // Go 1.24+, then older
		js := filepath.Join(root, filepath.FromSlash(dir), "wasm_exec_node.js")
		if r.exist(js) {
			return []string{path, "--stack-size=8192", js, bin}, "node", nil
		}
	}
	return nil, "node", notRunnable("node", t.Pair()+" binaries need wasm_exec_node.js, which "+root+" has neither in lib/wasm nor in misc/wasm")
}

// wasi runs wasip1/wasm under wasmtime or wazero, whichever is on PATH.
func (r *Runner) wasi(t target.Target, bin string) ([]string, string, *Result) {
	for _, n := range []string{"wasmtime", "wazero"} {
		if p, ok := r.look(n); ok {
			return []string{p, "run", bin}, n, nil
		}
	}
	return nil, "", notRunnable("", t.Pair()+" binaries need a WASI runtime: install wasmtime (wasmtime.dev) or wazero (wazero.io); Debian packages neither")
}

// osNames are the systems that only their own kernel runs, as users call them.
var osNames = map[string]string{
	"darwin":    "macOS",
	"ios":       "an iPhone or iPad (or Apple's simulator on macOS)",
	"android":   "an Android device or emulator",
	"freebsd":   "FreeBSD",
	"netbsd":    "NetBSD",
	"openbsd":   "OpenBSD",
	"dragonfly": "DragonFly BSD",
	"solaris":   "Solaris or illumos",
	"illumos":   "illumos",
	"aix":       "AIX",
	"plan9":     "Plan 9",
}

// elsewhere explains a binary for a system this host cannot emulate.
func elsewhere(t, host target.Target) *Result {
	if t.GOOS == host.GOOS {
		return notRunnable("", t.Pair()+" binaries need a "+t.GOARCH+" machine; this is "+host.Pair())
	}
	name, ok := osNames[t.GOOS]
	if !ok {
		name = t.GOOS
	}
	return notRunnable("", t.GOOS+" binaries need "+name+"; nothing here can run them")
}
