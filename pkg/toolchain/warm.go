package toolchain

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/target"
)

// warmSource is a cgo program that calls into libc, so that building it
// links the C runtime the way every cgo job of the target does.
const warmSource = `package main

/*
#include <stdio.h>
static void hello(void) { printf("portmatrix zig warm-up\n"); }
*/
import "C"

func main() { C.hello() }
`

// WarmZig builds a tiny cgo program with the go command (goBin) and a zig
// toolchain u, statically too when u.Static, in environ plus the target's
// and the toolchain's variables, so that zig builds into its cache every
// C runtime variant the jobs of u will link: the go command runs zig
// several ways (its flag probes, the -fPIC link of cgo's dynamic import
// step, the final link), and each is a libc zig builds separately, for
// minutes the first time. A probe with a plain `zig cc` would warm only
// one of them. On success the toolchain is marked warm (ZigCold is false
// after); a toolchain that is not zig, or already warm, is left alone.
func WarmZig(ctx context.Context, goBin string, u Use, environ []string) error {
	tc := u.Toolchain
	if tc.Name != "zig" || len(u.Targets) == 0 || (!ZigCold(tc, false) && !(u.Static && ZigCold(tc, true))) {
		return nil
	}
	t, err := target.Parse(u.Targets[0])
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "portmatrix-zig-warm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The module is not dir itself: dir is TMPDIR for the build, and the
	// go command ignores a go.mod in the temp root.
	mod := filepath.Join(dir, "warm")
	if err := os.Mkdir(mod, 0o755); err != nil {
		return err
	}
	for name, body := range map[string]string{"go.mod": "module portmatrix.invalid/warm\n\ngo 1.21\n", "main.go": warmSource} {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	env := append(slices.Clip(environ), t.Env()...)
	env = append(env, "CGO_ENABLED=1", "GOFLAGS=", "GOTOOLCHAIN=local")
	env = append(env, tc.Env()...)
	links := []bool{false}
	if u.Static {
		links = append(links, true)
	}
	for _, static := range links {
		argv := []string{goBin, "build", "-o", filepath.Join(dir, "bin")}
		if static {
			argv = append(argv, "-ldflags=-linkmode=external -extldflags=-static")
		}
		argv = append(argv, ".")
		if out, err := runIn(ctx, mod, dir, argv, env); err != nil {
			return fmt.Errorf("warming zig for %s: %s: %v\n%s", tc.Target, strings.Join(argv, " "), err, tail(strings.TrimSpace(out), outputTail))
		}
		markWarm(tc, static)
	}
	return nil
}
