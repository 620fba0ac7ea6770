package toolchain

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/procgroup"
)

// Probe is the result of compiling and linking a tiny C program with a
// toolchain: a broken or half-installed cross compiler shows up here, once,
// with the command and the fix, instead of in every go build that uses it.
type Probe struct {
	Toolchain Toolchain `json:"toolchain"`
	// Static says the probe also linked with -static.
	Static bool `json:"static"`
	OK     bool `json:"ok"`
	// Command is the exact failing (or last) command.
	Command []string `json:"command"`
	// Output is the tail of the compiler's output on failure.
	Output string `json:"output"`
	// Install is an install hint when the failure looks like a missing
	// package ("apt-get install libc6-dev-arm64-cross").
	Install string `json:"install,omitempty"`
}

// ProbeRequest asks Preflight to try a toolchain, and with Static to also
// link -static (what `-extldflags -static` will ask of it).
type ProbeRequest struct {
	Toolchain Toolchain
	Static    bool
}

// probeSource calls printf so that libc is really linked, not just crt.
const probeSource = `#include <stdio.h>

int main(void) {
	printf("portmatrix preflight\n");
	return 0;
}
`

// outputTail is how much compiler output a failed Probe keeps.
const outputTail = 4000

// Preflight compiles and links a tiny C program (#include <stdio.h> and a
// printf, so libc is linked) with each distinct toolchain, once each, in
// parallel (bounded), in a temp dir; when static is true for a toolchain it
// also links with -static. Toolchains are the same when CC, CGO_CFLAGS and
// CGO_LDFLAGS are: the probe passes the flags like the go command does.
// Results follow the order in which toolchains first appear in reqs. ctx
// cancels; the temp dirs are removed (the compiler's own temp files go there
// too, through TMPDIR).
func Preflight(ctx context.Context, reqs []ProbeRequest, environ []string) []Probe {
	if environ == nil {
		environ = os.Environ()
	}
	var order []string
	merged := map[string]*ProbeRequest{}
	for _, r := range reqs {
		k := r.Toolchain.Key()
		if m, ok := merged[k]; ok {
			m.Static = m.Static || r.Static
			continue
		}
		r := r
		merged[k] = &r
		order = append(order, k)
	}
	probes := make([]Probe, len(order))
	sem := make(chan struct{}, min(4, max(1, runtime.NumCPU())))
	var wg sync.WaitGroup
	for i, k := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			probes[i] = probe(ctx, *merged[k], environ)
		}()
	}
	wg.Wait()
	return probes
}

// Key identifies a toolchain as the go command runs it: the same CC,
// CGO_CFLAGS and CGO_LDFLAGS compile and link the same way, so one probe
// serves every job that uses them.
func (t Toolchain) Key() string {
	return strings.Join(t.CC, "\x00") + "\x01" + t.CgoCFLAGS + "\x01" + t.CgoLDFLAGS
}

func probe(ctx context.Context, r ProbeRequest, environ []string) Probe {
	p := Probe{Toolchain: r.Toolchain, Static: r.Static}
	if len(r.Toolchain.CC) == 0 {
		p.Output = "no C compiler command"
		return p
	}
	if err := ctx.Err(); err != nil {
		p.Command = r.Toolchain.CC
		p.Output = "preflight canceled: " + err.Error()
		return p
	}
	dir, err := os.MkdirTemp("", "portmatrix-preflight-")
	if err != nil {
		p.Command = r.Toolchain.CC
		p.Output = err.Error()
		return p
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "probe.c")
	if err := os.WriteFile(src, []byte(probeSource), 0o644); err != nil {
		p.Command = r.Toolchain.CC
		p.Output = err.Error()
		return p
	}
	links := []bool{false}
	if r.Static {
		links = append(links, true)
	}
	if r.Toolchain.ZigCache != "" {
		// zig builds the target's libc into its cache on first use: the
		// probe does it once, for every job of the run.
		environ = append(slices.Clip(environ), "ZIG_GLOBAL_CACHE_DIR="+r.Toolchain.ZigCache, "ZIG_LOCAL_CACHE_DIR="+r.Toolchain.ZigCache)
	}
	for _, static := range links {
		p.Command = probeCommand(r.Toolchain, dir, src, static)
		out, err := run(ctx, dir, p.Command, environ)
		if err != nil {
			p.Output = tail(strings.TrimSpace(out+"\n"+err.Error()), outputTail)
			p.Install = hint(r.Toolchain, out, err)
			return p
		}
	}
	p.OK = true
	return p
}

// probeCommand is CC CGO_CFLAGS [-static] -o out src CGO_LDFLAGS, the shape
// of the go command's own compile and link steps folded into one.
func probeCommand(t Toolchain, dir, src string, static bool) []string {
	cmd := append([]string(nil), t.CC...)
	if f, ok := splitArgs(t.CgoCFLAGS); ok {
		cmd = append(cmd, f...)
	}
	out := "probe"
	if static {
		cmd = append(cmd, "-static")
		out = "probe-static"
	}
	cmd = append(cmd, "-o", filepath.Join(dir, out), src)
	if f, ok := splitArgs(t.CgoLDFLAGS); ok {
		cmd = append(cmd, f...)
	}
	return cmd
}

func run(ctx context.Context, dir string, argv []string, environ []string) (string, error) {
	return runIn(ctx, dir, dir, argv, environ)
}

// runIn runs argv in dir with TMPDIR=tmp.
func runIn(ctx context.Context, dir, tmp string, argv []string, environ []string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	// C locale, so hint() can read the messages; TMPDIR, so what gcc leaves
	// behind when it is killed goes with the probe's directory.
	cmd.Env = append(slices.Clip(environ), "LC_ALL=C", "TMPDIR="+tmp)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	procgroup.Set(cmd, 2*time.Second) // the compiler's own children (cc1, as, ld) are stopped with it
	err := procgroup.Run(cmd)
	procgroup.Kill(cmd)
	if err != nil && ctx.Err() != nil {
		err = errors.New("preflight canceled: " + ctx.Err().Error())
	}
	return buf.String(), err
}

// libcMissing are the messages of a compiler that has no C library to
// build against: headers, crt files or libc.a (-static) absent.
var libcMissing = []string{
	"stdio.h: No such file",
	"no include path in which to search for stdio.h",
	"bits/libc-header-start.h",
	"gnu/stubs-",
	"cannot find crt1.o",
	"cannot find Scrt1.o",
	"cannot find crti.o",
}

// libMissing is the linker failing to find the C library or the compiler's
// runtime libraries (not a library a user asked for, like -lcrypto).
var libMissing = regexp.MustCompile(`cannot find -l(c|gcc|gcc_s|mingw32|mingwex|msvcrt|kernel32)\b`)

// hint turns a failure into the Debian package that fixes it, when it
// looks like a missing package: the compiler itself, its libc, or lld.
func hint(t Toolchain, out string, err error) string {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		if t.Package != "" {
			return "apt-get install " + t.Package
		}
		if t.Name == "zig" {
			return ZigInstall
		}
		return ""
	}
	if strings.Contains(out, "-fuse-ld=lld") && strings.Contains(out, "invalid linker name") {
		return "apt-get install lld"
	}
	if t.LibcPackage == "" || t.Name == "zig" {
		return "" // zig carries its C libraries; LibcPackage is only its qemu sysroot
	}
	for _, m := range libcMissing {
		if strings.Contains(out, m) {
			return "apt-get install " + t.LibcPackage
		}
	}
	if libMissing.MatchString(out) {
		return "apt-get install " + t.LibcPackage
	}
	return ""
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return "…\n" + s
}
