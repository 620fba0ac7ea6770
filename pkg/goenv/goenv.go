// Package goenv asks the go command in use about itself, once per run:
// its version and host platform for the report, GOROOT for the smoke
// runner's wasm helpers, and every setting that can change an output for
// the fingerprint of unchanged jobs. One `go env -json` answers all of
// them, so a run never asks twice, and never asks a different go command
// (the one on PATH) than the one that builds (--go).
package goenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Vars are asked of `go env -json`: the toolchain's identity and every
// setting the go command reads that can change an output. Their effective
// values include `go env -w` settings and GOROOT/go.env, which the
// inherited environment alone does not show. GOGCCFLAGS is left out: it is
// costly and holds a temporary directory that differs run to run.
var Vars = []string{
	"GOVERSION", "GOROOT", "GOTOOLDIR", "GOENV", "GOHOSTOS", "GOHOSTARCH",
	"GOOS", "GOARCH", "GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64",
	"GOPPC64", "GORISCV64", "GOWASM", "GOEXPERIMENT", "GOFIPS140", "GODEBUG",
	"GOFLAGS", "GOTOOLCHAIN", "GOWORK", "GO111MODULE", "GOPATH", "GOMODCACHE",
	"GOCACHE", "GO_EXTLINK_ENABLED", "GCCGO", "CGO_ENABLED", "CC", "CXX", "FC",
	"AR", "PKG_CONFIG", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_FFLAGS",
	"CGO_LDFLAGS",
}

// Env is what `go env -json` answered for Vars, by name.
type Env map[string]string

// Version is the toolchain's version, e.g. "go1.26.8".
func (e Env) Version() string { return e["GOVERSION"] }

// LangVersion is the language version of the toolchain ("go1.26" for
// go1.26.8 or go1.26rc1), as the compiler's -lang takes it; "" when
// GOVERSION is not a release ("devel …"), which the type checker reads as
// the newest.
func (e Env) LangVersion() string {
	v, ok := strings.CutPrefix(e.Version(), "go")
	if !ok {
		return ""
	}
	major, rest, ok := strings.Cut(v, ".")
	if !ok || major == "" {
		return ""
	}
	minor := rest
	for i, c := range rest {
		if c < '0' || c > '9' {
			minor = rest[:i]
			break
		}
	}
	if minor == "" {
		return ""
	}
	return "go" + major + "." + minor
}

// HostOS is GOHOSTOS.
func (e Env) HostOS() string { return e["GOHOSTOS"] }

// HostArch is GOHOSTARCH.
func (e Env) HostArch() string { return e["GOHOSTARCH"] }

// Host is "goos/goarch" of the machine.
func (e Env) Host() string { return e.HostOS() + "/" + e.HostArch() }

// GOROOT is the toolchain's root directory.
func (e Env) GOROOT() string { return e["GOROOT"] }

// Query runs `goBin env -json Vars...` ("go" when goBin is empty) with
// environ as its environment (os.Environ() when nil), in the filesystem
// root, so no go.mod or go.work of the caller's directory switches the
// toolchain or answers GOWORK: what comes back is the toolchain the
// settings alone select.
func Query(ctx context.Context, goBin string, environ []string) (Env, error) {
	if goBin == "" {
		goBin = "go"
	}
	if environ == nil {
		environ = os.Environ()
	}
	cmd := exec.CommandContext(ctx, goBin, append([]string{"env", "-json"}, Vars...)...)
	cmd.Env = environ
	if wd, err := os.Getwd(); err == nil {
		cmd.Dir = filepath.VolumeName(wd) + string(filepath.Separator)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("asking %s for its settings (go env): %w: %s", goBin, err, strings.TrimSpace(stderr.String()))
	}
	m := Env{}
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("reading %s env -json: %w", goBin, err)
	}
	if m.Version() == "" || m.HostOS() == "" || m.HostArch() == "" {
		return nil, fmt.Errorf("%s env gave no GOVERSION, GOHOSTOS or GOHOSTARCH: is it a go command?", goBin)
	}
	return m, nil
}

// Inherit are the variables a job inherits from portmatrix's environment:
// what the go command and the C compilers need to find programs, their
// home, temporary files, caches and the network, and nothing that changes
// what they write. Every setting that can change an output (GOAMD64,
// GOEXPERIMENT, GOFLAGS, CGO_CFLAGS, CC, …) comes from the manifest, is set
// by the plan, or is passed through by name (env_passthrough), so it is in
// the plan and the report. docs/manifest.md lists them with the reasons.
var Inherit = []string{
	// Finding programs, the user's home and temporary files.
	"PATH", "HOME", "USER", "LOGNAME", "TMPDIR",
	// Windows: the system, the user's profile and temporary files.
	"SystemRoot", "SYSTEMROOT", "windir", "ComSpec", "PATHEXT", "USERPROFILE", "LOCALAPPDATA", "APPDATA", "TEMP", "TMP", "ProgramData",
	// The go command's caches, its go env file and its downloads: go.sum
	// pins every module's content, so none of these changes an output.
	"GOPATH", "GOMODCACHE", "GOCACHE", "GOCACHEPROG", "GOTMPDIR", "GOENV",
	"GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOSUMDB",
	"GOINSECURE", "GOAUTH", "GOVCS", "GOTELEMETRY", "GOTELEMETRYDIR",
	// Resource limits of the go command itself.
	"GOGC", "GOMEMLIMIT",
	// Proxies, certificates and credentials for fetching modules.
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "NETRC", "SSH_AUTH_SOCK", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS",
	"GIT_TERMINAL_PROMPT", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM",
}

// Inherited keeps the variables of environ that Inherit names, the last
// value of each (as exec.Cmd takes it), in environ's order.
func Inherited(environ []string) []string {
	last := map[string]int{}
	for i, kv := range environ {
		if k, _, ok := strings.Cut(kv, "="); ok && slices.Contains(Inherit, k) {
			last[k] = i
		}
	}
	var out []string
	for i, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); last[k] == i && slices.Contains(Inherit, k) {
			out = append(out, kv)
		}
	}
	return out
}

// Names are the names of environ's variables, sorted.
func Names(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if k, _, ok := strings.Cut(kv, "="); ok && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Setting is one line of a go env file (what `go env -w` writes).
type Setting struct {
	Key, Value string
	// Line is the line's number in the file, from 1.
	Line int
}

// UserFile reads the user's go env file (GOENV: what `go env -w` wrote),
// whose settings the go command applies where the environment leaves a
// variable empty. A missing file, or GOENV=off, has no settings.
func (e Env) UserFile() (path string, settings []Setting, err error) {
	path = e["GOENV"]
	if path == "" || path == "off" {
		return "", nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil, nil
	}
	if err != nil {
		return path, nil, err
	}
	for i, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && k != "" && !strings.HasPrefix(k, "#") && v != "" {
			settings = append(settings, Setting{Key: k, Value: v, Line: i + 1})
		}
	}
	return path, settings, nil
}
