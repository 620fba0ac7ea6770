package fingerprint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/goenv"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// loadIdentity fills g.identity: the go env answers, the go binary and the
// compile/link/asm/cgo tools by path, size and mtime, and GOROOT's VERSION
// and go.env and the user's go env file by content.
func (g *Global) loadIdentity() error {
	var b strings.Builder
	for _, k := range goenv.Vars {
		if k != "GOCACHE" { // asked only to skip it inside a module
			fmt.Fprintf(&b, "%s=%q\n", k, g.goEnv[k])
		}
	}
	goPath, err := lookGo(g.goBin)
	if err != nil {
		return fmt.Errorf("fingerprint: finding %s: %w", g.goBin, err)
	}
	b.WriteString("go-binary " + fileStamp(goPath) + "\n")
	root, tools := g.goEnv["GOROOT"], g.goEnv["GOTOOLDIR"]
	if root == "" || tools == "" {
		return fmt.Errorf("fingerprint: %s env gave no GOROOT or GOTOOLDIR", g.goBin)
	}
	for _, t := range []string{"compile", "link", "asm", "cgo"} {
		b.WriteString("tool " + fileStamp(filepath.Join(tools, t+exeSuffix())) + "\n")
	}
	b.WriteString("VERSION " + fileContent(filepath.Join(root, "VERSION")) + "\n")
	rootEnv := fileContent(filepath.Join(root, "go.env"))
	b.WriteString("go.env " + rootEnv + "\n")
	g.rootFile = parseEnvFile(rootEnv)
	g.userFile = map[string]string{}
	if f := g.goEnv["GOENV"]; f != "" && f != "off" {
		user := fileContent(f)
		b.WriteString("GOENV " + user + "\n")
		g.userFile = parseEnvFile(user)
	}
	g.identity = b.String()
	if v := g.goEnv["GOVERSION"]; v == "" || strings.HasPrefix(v, "devel") {
		g.devel = uncertain("go version %q is a development toolchain, whose GOROOT sources are not hashed", v)
	}
	return nil
}

func exeSuffix() string {
	if filepath.Separator == '\\' {
		return ".exe"
	}
	return ""
}

// fileStamp identifies a program by its path, the file it resolves to, its
// size and mtime: an upgrade replaces the file.
func fileStamp(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Sprintf("%q absent", path)
	}
	st, err := os.Stat(real)
	if err != nil {
		return fmt.Sprintf("%q absent", path)
	}
	return fmt.Sprintf("%q -> %q %d %d %v", path, real, st.Size(), st.ModTime().UnixNano(), st.Mode())
}

// fileContent is a small file's content, or "absent".
func fileContent(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "absent"
	}
	return fmt.Sprintf("%q", data)
}

// parseEnvFile reads KEY=VALUE lines the way cmd/go does (no quoting;
// comments and malformed lines skipped). content is quoted by fileContent.
func parseEnvFile(quoted string) map[string]string {
	m := map[string]string{}
	var content string
	if _, err := fmt.Sscanf(quoted, "%q", &content); err != nil {
		return m
	}
	for line := range strings.SplitSeq(content, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || k[0] < 'A' || k[0] > 'Z' {
			continue
		}
		m[k] = v
	}
	return m
}

func envMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// ignoredGoVars are variables that tune the go process itself (or zig)
// or its downloads and caches but cannot change what it writes (go.sum
// pins every module's content), so a CI job with a fresh GOTMPDIR still
// skips.
var ignoredGoVars = []string{
	"GOCACHE", "GOCACHEPROG", "GOTMPDIR", "GOCOVERDIR", "GOTELEMETRY", "GOTELEMETRYDIR",
	"GOMAXPROCS", "GOTRACEBACK", "GOGC", "GOMEMLIMIT", "GOPROXY", "GONOPROXY",
	"GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOINSECURE", "GOAUTH", "GOVCS",
	// zig's caches (a zig job's own env sets them): zig keys what it
	// builds there by content, so another cache directory builds the same.
	"ZIG_GLOBAL_CACHE_DIR", "ZIG_LOCAL_CACHE_DIR",
}

// cVars are read by C compilers and linkers (gcc, clang, ld, Apple's tools):
// include and library search paths, the __DATE__ of reproducible builds,
// rpaths and SDKs.
var cVars = []string{
	"CC", "CXX", "AR", "FC", "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH",
	"OBJC_INCLUDE_PATH", "LIBRARY_PATH", "COMPILER_PATH", "GCC_EXEC_PREFIX",
	"SOURCE_DATE_EPOCH", "LD_RUN_PATH", "LD_LIBRARY_PATH", "SDKROOT", "DEVELOPER_DIR",
	"MACOSX_DEPLOYMENT_TARGET", "IPHONEOS_DEPLOYMENT_TARGET", "GIT_DIR",
	"GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES",
}

// keepVar says whether an inherited variable can change a build: every GO*
// (except ignoredGoVars), CGO_*, PKG_CONFIG*, ZIG_* and the C variables.
// PATH is not: it matters only for finding programs, and the go binary and
// the C compilers are hashed by identity as found on it, so an unrelated
// PATH change (a new tool, a virtualenv) does not force a rebuild.
func keepVar(k string) bool {
	switch {
	case slices.Contains(ignoredGoVars, k):
		return false
	case strings.HasPrefix(k, "GO"), strings.HasPrefix(k, "CGO_"), strings.HasPrefix(k, "PKG_CONFIG"), strings.HasPrefix(k, "ZIG_"):
		return true
	}
	return slices.Contains(cVars, k)
}

// filterEnv keeps what can change a build, one value per name (the last, as
// exec.Cmd does), sorted.
func filterEnv(environ []string) []string {
	var out []string
	for k, v := range envMap(environ) {
		if keepVar(k) {
			out = append(out, k+"="+v)
		}
	}
	slices.Sort(out)
	return out
}

// jobEnv answers what the go command of one job sees for a setting.
type jobEnv struct {
	g      *Global
	job    map[string]string // the job's own Env
	merged map[string]string // inherited, then the job's Env on top
}

func (g *Global) jobEnv(job plan.Job) jobEnv {
	j := envMap(job.Env)
	merged := make(map[string]string, len(g.inherited)+len(j))
	for k, v := range g.inherited {
		merged[k] = v
	}
	for k, v := range j {
		merged[k] = v
	}
	return jobEnv{g: g, job: j, merged: merged}
}

// get is the effective value of a go setting, the way cmd/go's cfg.Getenv
// finds it: a non-empty environment value, else the user's go env file, else
// GOROOT/go.env, else the default. known is false when the default cannot
// be told (the job clears a variable the inherited environment sets, and no
// file sets it), because the go env query saw the inherited value.
func (e jobEnv) get(k string) (v string, known bool) {
	if v := e.merged[k]; v != "" {
		return v, true
	}
	if v, ok := e.g.userFile[k]; ok {
		return v, true
	}
	if v, ok := e.g.rootFile[k]; ok {
		return v, true
	}
	if e.g.inherited[k] == "" {
		return e.g.goEnv[k], true
	}
	return "", false
}

// check refuses settings that select a toolchain, a module mode or a go env
// file the go env query did not see.
func (e jobEnv) check() error {
	for _, k := range []string{"GOROOT", "GOENV"} {
		if v, ok := e.job[k]; ok && v != e.g.goEnv[k] {
			return uncertain("the job sets %s=%s, another toolchain setup than the one keyed", k, v)
		}
	}
	tc, known := e.get("GOTOOLCHAIN")
	if !known || strings.Contains(tc, "path") {
		return uncertain("GOTOOLCHAIN=%s may pick a go binary from PATH", tc)
	}
	if v, _ := e.get("GO111MODULE"); v == "off" {
		return uncertain("GO111MODULE=off builds in GOPATH mode")
	}
	return nil
}
