// Package report holds the result of a portmatrix run as a plain value and
// renders it as a terminal table, JSON, Markdown (with an OS × architecture
// grid), a self-contained HTML page or JUnit XML.
//
// The Report value and its writers know nothing about building or
// verifying, so presentation stays separate from logic and the writers are
// tested with literal values; Collect (collect.go) is the one place that
// turns build, verify and smoke results into rows.
package report

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// SchemaVersion is the version of the JSON document written by WriteJSON, so
// that consumers can detect incompatible changes; bump it on any incompatible
// change to Report, Summary or Job.
const SchemaVersion = 1

// Status is the outcome of one job; it is a string so that the JSON document
// is self-describing and stable across reorderings of the constants.
type Status string

const (
	// StatusOK means the job built and every expectation holds.
	StatusOK Status = "ok"
	// StatusViolated means the job built, but an expectation does not hold.
	StatusViolated Status = "violated"
	// StatusFailed means go build failed or the output could not be inspected.
	StatusFailed Status = "failed"
	// StatusCancelled means the job was interrupted (Ctrl-C, --fail-fast, or
	// the timeout of the whole run).
	StatusCancelled Status = "cancelled"
	// StatusTimeout means the per-job timeout killed the build.
	StatusTimeout Status = "timeout"
	// StatusSkipped means the job never started (fail-fast).
	StatusSkipped Status = "skipped"
)

// built reports whether a job with status s produced an inspected binary,
// which is when its linkage is meaningful and counted in the Summary.
func built(s Status) bool {
	return s == StatusOK || s == StatusViolated
}

// Report is the complete result of one portmatrix run; it is the single value
// every writer renders, so that all output formats agree.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          string    `json:"tool"`       // "portmatrix <version>"
	GoVersion     string    `json:"go_version"` // toolchain version, e.g. "go1.26.8"
	Host          string    `json:"host"`       // goos/goarch of the machine
	Manifest      string    `json:"manifest"`   // path of the manifest
	Started       time.Time `json:"started"`
	DurationSec   float64   `json:"duration_seconds"`
	Summary       Summary   `json:"summary"`
	Jobs          []Job     `json:"jobs"`

	// Release identity, so that `portmatrix merge` can refuse fragments of
	// different releases: the template stamp, the hash of the manifest's
	// bytes and every job id of the whole plan (before sharding).
	Version string `json:"version,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	// DateSource says where Date comes from: --date, SOURCE_DATE_EPOCH,
	// git (the commit time) or now.
	DateSource     string   `json:"date_source,omitempty"`
	ManifestSHA256 string   `json:"manifest_sha256,omitempty"`
	Plan           []string `json:"plan,omitempty"`
	// Shard is set when the run built one part of the plan (--shard i/n).
	Shard *Shard `json:"shard,omitempty"`
	// Checksums is the SHA256SUMS file written for this run, relative to
	// the working directory ("" when none was written).
	Checksums string `json:"checksums,omitempty"`
	// Release is what the plan's release asks for (SBOMs, provenance,
	// signing key's source), so that merge writes the release's
	// provenance and signatures as the shards' manifest says.
	Release *plan.Release `json:"release,omitempty"`
	// Attestation is the release's provenance and signatures, when the
	// release asks for them (nil: none written).
	Attestation *Attestation `json:"attestation,omitempty"`
}

// Attestation is what a run wrote to vouch for the release: paths
// relative to the working directory, like Checksums.
type Attestation struct {
	// Provenance is the SLSA provenance statement (DSSE envelope, JSON
	// lines); "" when none was written.
	Provenance string `json:"provenance,omitempty"`
	// Subjects counts the artifacts the provenance names.
	Subjects int `json:"subjects,omitempty"`
	// ChecksumsSignature is the SSH signature of Checksums
	// (SHA256SUMS.sig); "" when unsigned.
	ChecksumsSignature string `json:"checksums_signature,omitempty"`
	// KeyID is the signing key's fingerprint ("SHA256:…", as ssh-keygen
	// -l prints it); "" when nothing was signed.
	KeyID string `json:"key_id,omitempty"`
}

// Shard names one part of a plan split over n machines: Index of Count,
// 1-based, as written on the command line ("2/4").
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// String is the command-line form, "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Artifact is a file the run produced besides the binary (an archive),
// named relative to the dist directory with forward slashes.
type Artifact struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Summary holds the counts of a run, so that consumers of the JSON document
// and readers of the summary line need not count jobs themselves.
type Summary struct {
	Total     int `json:"total"`
	OK        int `json:"ok"`
	Violated  int `json:"violated"`
	Failed    int `json:"failed"`
	Cancelled int `json:"cancelled"`
	Timeout   int `json:"timeout"`
	Skipped   int `json:"skipped"`
	// Cached counts ok jobs not rebuilt because their inputs did not
	// change since the run that built their binary.
	Cached int `json:"cached"`
	// Restored counts built jobs (ok or violated) whose binary was copied
	// from the output cache instead of being built.
	Restored int `json:"restored"`

	// Linkage counts over built jobs (status ok or violated) only: a job that
	// did not build has no meaningful linkage.
	Static    int `json:"static"`
	StaticPIE int `json:"static_pie"`
	Dynamic   int `json:"dynamic"`
}

// The values of Job.CheckMode.
const (
	// CheckModeTypeCheck: type-checked with go/types from source (package
	// typecheck), with the compiler's own checks it lacks.
	CheckModeTypeCheck = "typecheck"
	// CheckModeCompile: compiled with go build.
	CheckModeCompile = "compile"
)

// Job is the result of building one build × target × variant and checking the
// binary against its expectation; it carries everything needed to explain a
// failure without rerunning the build.
// CToolchain is the C toolchain of a cgo job in a report: which compiler,
// and for zig its version, target and the glibc floor asked (proved by
// MaxGlibc, from the bytes).
type CToolchain struct {
	Name string   `json:"name"` // native, aarch64-linux-gnu, mingw-w64-x86_64, musl-gcc, zig, clang, override
	CC   []string `json:"cc"`
	Zig  string   `json:"zig,omitempty"` // zig version
	// Target is zig's -target ("x86_64-linux-gnu.2.17").
	Target string `json:"target,omitempty"`
	// Glibc is the floor asked of zig: the binary must need no GLIBC_
	// version above it.
	Glibc string `json:"glibc,omitempty"`
	// Reason says why it was chosen when the manifest did not name it.
	Reason string `json:"reason,omitempty"`
	// Facts is what the toolchain is (compiler version, target, the C
	// library and its version), found out when the release asks for SBOMs
	// or provenance; nil otherwise.
	Facts *toolchain.Facts `json:"facts,omitempty"`
}

type Job struct {
	ID          string   `json:"id"` // "<build>/<target>/<variant>", unique
	Build       string   `json:"build"`
	Target      string   `json:"target"` // "goos/goarch" or "goos/goarch/level", e.g. "linux/arm/v7"
	GOOS        string   `json:"goos"`
	GOARCH      string   `json:"goarch"`
	Level       string   `json:"level,omitempty"`
	Variant     string   `json:"variant"`
	Cgo         bool     `json:"cgo"`
	Linkmode    string   `json:"linkmode,omitempty"` // "internal", "external" or "" (Go decides)
	Status      Status   `json:"status"`
	Output      string   `json:"output"`            // path of the binary
	Format      string   `json:"format,omitempty"`  // elf, macho, pe, plan9, wasm, xcoff
	Linkage     string   `json:"linkage,omitempty"` // static, static-pie, dynamic, shared-library, unknown
	LinkageRule string   `json:"linkage_rule,omitempty"`
	Interpreter string   `json:"interpreter,omitempty"`
	Needed      []string `json:"needed"` // always an array in JSON, [] when none
	Expect      string   `json:"expect"` // static, static-pie, dynamic, any
	Violations  []string `json:"violations"`
	Size        int64    `json:"size"`
	DurationSec float64  `json:"duration_seconds"`
	// GOMAXPROCS is the thread count the pool gave this build (build
	// --threads); 0 (omitted) when the build used the go command's default.
	GOMAXPROCS int      `json:"gomaxprocs,omitempty"`
	Error      string   `json:"error,omitempty"`
	LogTail    []string `json:"log_tail,omitempty"` // last lines of the compiler output of a failed build
	LogFile    string   `json:"log_file,omitempty"`

	// CToolchain is the C toolchain of a cgo job, as the plan chose it;
	// nil for pure-Go jobs.
	CToolchain *CToolchain `json:"c_toolchain,omitempty"`

	// Package is the Go package a `portmatrix check` row is about: the
	// import path of a binary's main package, or the pattern of the
	// packages a compile check covers; empty for manifest builds.
	Package string `json:"package,omitempty"`
	// CheckMode is how a `portmatrix check` row was answered:
	// CheckModeTypeCheck or CheckModeCompile; empty for manifest builds.
	CheckMode string `json:"check_mode,omitempty"`
	// CheckFallback is why a row of the type-check mode was compiled
	// instead (what the type checker cannot decide); empty when it was not.
	CheckFallback string `json:"check_fallback,omitempty"`

	// What the verifier read beyond linkage (docs/linkage.md).
	Libc           string   `json:"libc,omitempty"`          // glibc, musl, bionic, libSystem, msvcrt, ucrt, libc
	MaxGlibc       string   `json:"max_glibc,omitempty"`     // highest GLIBC_x.y needed: the oldest glibc it runs on
	GlibcSymbols   []string `json:"glibc_symbols,omitempty"` // the symbols that force MaxGlibc
	SystemLibsOnly bool     `json:"system_libs_only"`        // every needed library ships with the OS
	ThirdParty     []string `json:"third_party"`             // needed libraries that do not ship with the OS; always an array
	MinOS          string   `json:"min_os,omitempty"`        // oldest OS release it runs on: the header's, raised to what its Go runtime needs
	MinOSHeader    string   `json:"min_os_header,omitempty"` // what the header says: Mach-O minos, PE OS version
	MinOSSource    string   `json:"min_os_source,omitempty"` // "header" or "go-runtime" (inspect.MinOSFrom*)
	MinOSReason    string   `json:"min_os_reason,omitempty"` // for go-runtime: the Go release and the release note
	Stripped       bool     `json:"stripped"`
	PIE            bool     `json:"pie"`
	SHA256         string   `json:"sha256,omitempty"`

	// Cached says the build was skipped: every input of the job (Go
	// toolchain, environment, flags, C compiler, module files) and the
	// binary itself are as the run that built it recorded them. The
	// binary was still verified against the expectations.
	Cached bool `json:"cached,omitempty"`
	// Restored says the binary was copied from portmatrix's output cache
	// instead of being built: a build recorded there had every input of
	// this job, and the copy has the SHA-256 that build wrote. The binary
	// was inspected and verified like a built one.
	Restored bool `json:"restored,omitempty"`

	// File is Output relative to the dist directory, with forward slashes:
	// the name SHA256SUMS lists and merge matches on.
	File string `json:"file,omitempty"`
	// Archive is the job's release archive, when the build asks for one.
	Archive *Artifact `json:"archive,omitempty"`
	// SBOMs are the binary's SBOMs (BINARY.cdx.json, BINARY.spdx.json),
	// when the release asks for them.
	SBOMs []Artifact `json:"sboms,omitempty"`
	// Reproducible is "yes", "no" or "error" (repro.VerdictYes, VerdictNo,
	// VerdictError) when --reproducible checked the job, "" otherwise;
	// ReproDetails explains a "no" or an "error" (build settings, sections
	// and the first offset that differ, and the flags that would fix it).
	Reproducible string   `json:"reproducible,omitempty"`
	ReproDetails []string `json:"reproducible_details,omitempty"`

	// Argv and Env are the job's exact command and what it set on top of
	// the inherited environment (the plan's Inherit names), as it ran:
	// the record of how the binary was made.
	Argv []string `json:"argv,omitempty"`
	Env  []string `json:"env,omitempty"`

	// Runs is the smoke run of the binary (--smoke or smoke: in the
	// manifest); nil when it was not run.
	Runs *smoke.Result `json:"runs,omitempty"`
}

// OK says the job succeeded: Status is "ok". The JSON has it as "ok",
// derived from the status when written and checked against it when read,
// so consumers need not know every status to ask whether a row succeeded,
// and it can never disagree with the status.
func (j Job) OK() bool { return j.Status == StatusOK }

// jobJSON is Job as written: every field, plus "ok".
type jobJSON struct {
	jobFields
	OK *bool `json:"ok"`
}

// jobFields is Job without its methods, so encoding it does not recurse.
type jobFields Job

// MarshalJSON writes the job with "ok" derived from its status.
func (j Job) MarshalJSON() ([]byte, error) {
	ok := j.OK()
	return json.Marshal(jobJSON{jobFields: jobFields(j), OK: &ok})
}

// UnmarshalJSON reads a job; an "ok" that contradicts "status" is an
// error (a hand-edited or corrupt report).
func (j *Job) UnmarshalJSON(data []byte) error {
	var v jobJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*j = Job(v.jobFields)
	if v.OK != nil && *v.OK != j.OK() {
		return fmt.Errorf("job %s: \"ok\": %v contradicts \"status\": %q", j.ID, *v.OK, j.Status)
	}
	return nil
}

// Linkage values counted by Summarize; they match the strings the inspector
// reports.
const (
	linkStatic    = "static"
	linkStaticPIE = "static-pie"
	linkDynamic   = "dynamic"
)

// Summarize counts jobs by status and, over built jobs (ok or violated), by
// linkage, so that the CLI can fill Report.Summary from the job list alone.
// Jobs with an unknown status count only towards Total.
func Summarize(jobs []Job) Summary {
	s := Summary{Total: len(jobs)}
	for _, j := range jobs {
		switch j.Status {
		case StatusOK:
			s.OK++
		case StatusViolated:
			s.Violated++
		case StatusFailed:
			s.Failed++
		case StatusCancelled:
			s.Cancelled++
		case StatusTimeout:
			s.Timeout++
		case StatusSkipped:
			s.Skipped++
		}
		if !built(j.Status) {
			continue
		}
		if j.Cached {
			s.Cached++
		}
		if j.Restored {
			s.Restored++
		}
		switch j.Linkage {
		case linkStatic:
			s.Static++
		case linkStaticPIE:
			s.StaticPIE++
		case linkDynamic:
			s.Dynamic++
		}
	}
	return s
}

// ChecksumEntries lists the SHA256SUMS lines of the report: every
// shipped binary (a row with a File: built, or proved unchanged, and
// verified) and its archive, named relative to the dist directory.
func (r *Report) ChecksumEntries() []checksum.Entry {
	var out []checksum.Entry
	for _, j := range r.Jobs {
		if !built(j.Status) || j.File == "" || j.SHA256 == "" {
			continue
		}
		out = append(out, checksum.Entry{Name: j.File, SHA256: j.SHA256})
		if j.Archive != nil {
			out = append(out, checksum.Entry{Name: j.Archive.File, SHA256: j.Archive.SHA256})
		}
		for _, s := range j.SBOMs {
			out = append(out, checksum.Entry{Name: s.File, SHA256: s.SHA256})
		}
	}
	return out
}

// Failed reports whether any job is not ok (violated, failed, cancelled,
// timeout, skipped or an unknown status), which is when the CLI must exit
// with status 1. A report without jobs has not failed.
func (r *Report) Failed() bool {
	for _, j := range r.Jobs {
		if j.Status != StatusOK {
			return true
		}
	}
	return false
}

// summary returns r.Summary, or the counts computed from r.Jobs when the
// caller left Summary unset, so that writers never print "0 jobs" for a
// report that has jobs.
func (r *Report) summary() Summary {
	if r.Summary == (Summary{}) && len(r.Jobs) > 0 {
		return Summarize(r.Jobs)
	}
	return r.Summary
}
