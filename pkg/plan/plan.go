// Package plan turns a manifest into jobs: the exact argv and environment of
// every go build, its output path and its expectation. It is pure: it runs
// nothing and writes nothing, so `portmatrix plan` can show exactly what
// `portmatrix build` will do.
package plan

import (
	"slices"
	"strconv"
	"time"

	"fmt"
	"path/filepath"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/quoted"
	"github.com/portmatrix/portmatrix/pkg/toolchain"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// Stamp is the release information that templates can use.
type Stamp struct {
	Version     string `json:"version"`
	Commit      string `json:"commit"`
	ShortCommit string `json:"short_commit,omitempty"`
	Tag         string `json:"tag,omitempty"`
	Date        string `json:"date"`
	// DateSource says where Date came from: "--date", "SOURCE_DATE_EPOCH",
	// "git" (the commit time) or "now". Archives take their fixed mtime
	// from Date unless it is "now", which would make them differ run to run.
	DateSource string `json:"date_source,omitempty"`
}

// The values of Stamp.DateSource.
const (
	DateFromFlag  = "--date"
	DateFromEpoch = "SOURCE_DATE_EPOCH"
	DateFromGit   = "git"
	DateFromNow   = "now"
)

// DateSources lists every Stamp.DateSource.
var DateSources = []string{DateFromFlag, DateFromEpoch, DateFromGit, DateFromNow}

// Options are the inputs to New besides the manifest.
type Options struct {
	// Table is the platform list of the Go toolchain in use.
	Table *target.Table
	// GoBin is argv[0] of every job ("go" when empty).
	GoBin string
	// ManifestDir is the absolute directory relative paths start from.
	ManifestDir string
	// DistDir overrides the manifest's dist directory (absolute or relative
	// to the working directory) when not empty.
	DistDir string
	// Stamp fills .Version, .Commit and .Date.
	Stamp Stamp
	// Targets, when not empty, keeps only the jobs whose target matches one
	// of these patterns (the --targets flag).
	Targets []string
	// Builds, when not empty, keeps only these build ids (the --build flag).
	Builds []string
	// Host is the machine's platform, for choosing C toolchains (native
	// gcc on the host's own target, cross compilers elsewhere).
	Host target.Target
	// Passthrough names more variables to pass through to every job, on top
	// of the manifest's env_passthrough (--env-passthrough).
	Passthrough []string
	// LookupEnv reads the environment for env_passthrough (os.LookupEnv
	// in production); nil passes nothing through.
	LookupEnv func(string) (string, bool)
	// SelectToolchain picks the C toolchain of a cgo job; when nil,
	// toolchain.Select with Host and exec.LookPath. Tests pass a fake so
	// that plans do not depend on what the machine has installed.
	SelectToolchain func(toolchain.Need, toolchain.Overrides) (toolchain.Toolchain, error)
	// Zig is the zig on the machine (nil: none), for toolchain: zig, glibc
	// floors and targets Debian has no compiler for.
	Zig *toolchain.Zig
	// ZigCache is the shared zig cache every zig job uses.
	ZigCache string
	// Release overrides the manifest's release section (the flags).
	Release ReleaseFlags
}

// Expectation is the policy a job's binary must meet, merged key by key
// from the build's, the variant's and the matching rules' expects.
type Expectation struct {
	Linkage string `json:"linkage"`
	// Source is "file:line" of the expect that set the linkage, or "default".
	Source         string   `json:"source"`
	MaxGlibc       string   `json:"max_glibc,omitempty"`
	LibsAllow      []string `json:"libs_allow,omitempty"`
	LibsDeny       []string `json:"libs_deny,omitempty"`
	SystemLibsOnly *bool    `json:"system_libs_only,omitempty"`
	MinMacOS       string   `json:"min_macos,omitempty"`
	Stripped       *bool    `json:"stripped,omitempty"`
	PIE            *bool    `json:"pie,omitempty"`
	Cgo            *bool    `json:"cgo,omitempty"`
}

// Merge applies the keys x sets on top of e; source names where x is.
func (e *Expectation) Merge(x *manifest.Expect, source string) {
	if x == nil {
		return
	}
	if x.Linkage != "" {
		e.Linkage, e.Source = x.Linkage, source
	}
	if x.MaxGlibc != "" {
		e.MaxGlibc = x.MaxGlibc
	}
	if len(x.LibsAllow) > 0 {
		e.LibsAllow = x.LibsAllow
	}
	if len(x.LibsDeny) > 0 {
		e.LibsDeny = x.LibsDeny
	}
	if x.SystemLibsOnly != nil {
		e.SystemLibsOnly = x.SystemLibsOnly
	}
	if x.MinMacOS != "" {
		e.MinMacOS = x.MinMacOS
	}
	if x.Stripped != nil {
		e.Stripped = x.Stripped
	}
	if x.PIE != nil {
		e.PIE = x.PIE
	}
	if x.Cgo != nil {
		e.Cgo = x.Cgo
	}
}

// Policies lists the keys beyond linkage that are set, for one-line summaries.
func (e Expectation) Policies() []string {
	var out []string
	b := func(name string, v *bool) {
		if v != nil {
			out = append(out, fmt.Sprintf("%s=%v", name, *v))
		}
	}
	if e.MaxGlibc != "" {
		out = append(out, "max_glibc="+e.MaxGlibc)
	}
	if len(e.LibsAllow) > 0 {
		out = append(out, "libs_allow="+strings.Join(e.LibsAllow, ","))
	}
	if len(e.LibsDeny) > 0 {
		out = append(out, "libs_deny="+strings.Join(e.LibsDeny, ","))
	}
	b("system_libs_only", e.SystemLibsOnly)
	if e.MinMacOS != "" {
		out = append(out, "min_macos="+e.MinMacOS)
	}
	b("stripped", e.Stripped)
	b("pie", e.PIE)
	b("cgo", e.Cgo)
	return out
}

// Job is one go build.
type Job struct {
	Index     int           `json:"index"`
	ID        string        `json:"id"`
	Build     string        `json:"build"`
	Variant   string        `json:"variant"`
	Target    target.Target `json:"target"`
	Cgo       bool          `json:"cgo"`
	Linkmode  string        `json:"linkmode,omitempty"`
	Buildmode string        `json:"buildmode,omitempty"`
	// Dir is the directory the go command runs in (the module).
	Dir string `json:"dir"`
	// Argv is the exact command; Argv[OutputArg] is the output path.
	Argv []string `json:"argv"`
	// Env is what the job sets on top of the inherited environment
	// (Plan.Inherit), in order: the target's variables, CGO_ENABLED,
	// GOFLAGS, GOTOOLCHAIN, the C toolchain's, the manifest's env, the
	// variables passed through, GOMAXPROCS (WithThreads).
	Env []string `json:"env"`
	// Output is the final path of the binary.
	Output string `json:"output"`
	// Log is where the full compiler output of the job is written.
	Log    string      `json:"log"`
	Expect Expectation `json:"expect"`
	// Toolchain is the C toolchain of a cgo job (its CC/CXX are in Env).
	Toolchain *toolchain.Toolchain `json:"toolchain,omitempty"`
	// StaticC says the C linker is asked to link statically (-extldflags
	// with -static or -static-pie), which the preflight must prove it can.
	StaticC bool `json:"static_c,omitempty"`
	// Smoke, when set, runs the binary after it is built.
	Smoke *Smoke `json:"smoke,omitempty"`
	// Archive, when set, is the release archive packed from the binary.
	Archive *Archive `json:"archive,omitempty"`
}

// Archive is the release archive of one job.
type Archive struct {
	// Format is "tar.gz" or "zip".
	Format string `json:"format"`
	// Path is the archive's absolute path (in the dist directory).
	Path string `json:"path"`
	// Root is the top directory inside the archive ("" for none).
	Root string `json:"root,omitempty"`
	// Files are the extra files, in manifest order, globs expanded.
	Files []ArchiveFile `json:"files,omitempty"`
}

// ArchiveFile is one extra file of an archive: Src on disk, Name inside.
type ArchiveFile struct {
	Src  string `json:"src"`
	Name string `json:"name"`
}

// Smoke is how to run a job's binary to show that it starts.
type Smoke struct {
	Args    []string      `json:"args"`
	Timeout time.Duration `json:"timeout"`
}

// DefaultSmokeTimeout bounds a smoke run when the manifest gives no timeout.
const DefaultSmokeTimeout = 10 * time.Second

// OutputArg is the index in Job.Argv of the output path (after "-o").
const OutputArg = 3

// Plan is every job of a manifest, in a stable order: builds as listed, then
// targets in platform-table order, then variants as listed.
type Plan struct {
	Manifest string `json:"manifest"`
	DistDir  string `json:"dist"`
	// Inherit names the variables every job inherits from portmatrix's
	// environment (goenv.Inherit, as set here); nothing else of it reaches
	// a build. Set by the caller, which knows the environment.
	Inherit  []string `json:"inherit"`
	Jobs     []Job    `json:"jobs"`
	Warnings []string `json:"warnings"`
	// Release is the release's SBOMs, provenance and signing key (nil:
	// none of them).
	Release *Release `json:"release,omitempty"`
}

// WithThreads returns jobs with GOMAXPROCS=n added to every job's
// environment that does not set it itself (sched.ThreadsFor decides n), so
// the plan shows the thread count each build runs with; n < 1 returns jobs
// as they are.
func WithThreads(jobs []Job, n int) []Job {
	if n < 1 {
		return jobs
	}
	out := make([]Job, len(jobs))
	for i, j := range jobs {
		if j.Threads() == 0 { // a job's own GOMAXPROCS (its env) is kept
			j.Env = append(slices.Clip(j.Env), "GOMAXPROCS="+strconv.Itoa(n))
		}
		out[i] = j
	}
	return out
}

// Threads is the GOMAXPROCS a job's environment gives its build (set by
// WithThreads), 0 when none.
func (j Job) Threads() int {
	n := 0
	for _, kv := range j.Env {
		if v, ok := strings.CutPrefix(kv, "GOMAXPROCS="); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	return n
}

// LogDir is the directory under the dist directory that holds job logs.
const LogDir = ".portmatrix/logs"

// New plans a manifest. It returns every problem it finds; the plan is
// usable only when there are none.
func New(m *manifest.Manifest, opt Options) (*Plan, manifest.Problems) {
	pl := &planner{m: m, opt: opt}
	return pl.run()
}

// ShellLine renders a job as one line a user can paste into a POSIX shell.
func (j Job) ShellLine() string {
	var b strings.Builder
	b.WriteString("cd ")
	b.WriteString(quoted.Shell(j.Dir))
	b.WriteString(" && ")
	for _, kv := range j.Env {
		k, v, _ := strings.Cut(kv, "=")
		b.WriteString(k + "=" + quoted.Shell(v) + " ")
	}
	for i, a := range j.Argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoted.Shell(a))
	}
	return b.String()
}

// Ext is the file extension a binary for goos/goarch gets by default.
func Ext(t target.Target) string {
	switch {
	case t.GOOS == "windows":
		return ".exe"
	case t.GOARCH == "wasm":
		return ".wasm"
	}
	return ""
}

// DistDir resolves the dist directory of a manifest.
func DistDir(m *manifest.Manifest, manifestDir, override string) string {
	if override != "" {
		if abs, err := filepath.Abs(override); err == nil {
			return abs
		}
		return override
	}
	d := m.Dist
	if d == "" {
		d = "dist"
	}
	return filepath.Join(manifestDir, filepath.FromSlash(d))
}

func fileLine(file string, l manifest.Loc) string {
	return fmt.Sprintf("%s:%d", filepath.Base(file), l.Line)
}
