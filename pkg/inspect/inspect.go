// Package inspect identifies a compiled binary by its bytes alone and
// reports what it is: its format, target GOOS/GOARCH, how it links, what it
// needs at load time (and whether that ships with the OS), the oldest glibc
// or OS release it runs on, whether it is stripped, its build IDs, the Go
// build information embedded in it and, when asked, its SHA-256.
// docs/linkage.md gives every rule.
//
// portmatrix builds one program for many GOOS/GOARCH targets; this package
// is how it proves what came out. It never executes the file it inspects,
// and reads only headers and the few tables it needs, not whole files
// (unless asked for the hash), so that checking hundreds of binaries is
// never the slow part of a build; Files reads many at once.
//
// The structure follows Go's own debug/buildinfo: the first bytes pick the
// format, one small unexported type per format does the work, and every
// error is wrapped exactly once with the name of the file.
//
// ReadLayout (layout.go) maps where the parts of a binary lie in its file
// (headers, load commands, sections, the Go build ID), so that comparing two
// builds (package repro) needs no parser of its own.
package inspect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/internal/dotted"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
)

// Format names a binary container format, so reports can say what kind of
// file a build produced without callers knowing any magic numbers.
type Format string

// The binary formats Go's toolchain can produce.
const (
	// FormatELF is ELF, used by linux, android, the BSDs, solaris and illumos.
	FormatELF Format = "elf"
	// FormatMachO is a thin (one-architecture) Mach-O, used by darwin and ios.
	FormatMachO Format = "macho"
	// FormatMachOFat is a universal Mach-O bundling several thin slices; its
	// Info carries one entry per slice in Slices.
	FormatMachOFat Format = "macho-fat"
	// FormatPE is Portable Executable, used by windows.
	FormatPE Format = "pe"
	// FormatPlan9 is the Plan 9 a.out format.
	FormatPlan9 Format = "plan9"
	// FormatWasm is a WebAssembly core module, used by js/wasm and wasip1/wasm.
	FormatWasm Format = "wasm"
	// FormatXCOFF is AIX's XCOFF, used by aix/ppc64.
	FormatXCOFF Format = "xcoff"
)

// Linkage says how a binary gets its code at load time, because "is this
// really static?" is the question portmatrix is most often asked to prove.
type Linkage string

// The linkage verdicts, from the most self-contained to the least known.
const (
	// LinkageStatic means the program runs without any dynamic loader.
	LinkageStatic Linkage = "static"
	// LinkageStaticPIE means a position-independent program that relocates
	// itself at startup, still without a dynamic loader or libraries.
	LinkageStaticPIE Linkage = "static-pie"
	// LinkageDynamic means a dynamic loader (PT_INTERP, dyld, the Windows
	// loader) must resolve libraries before the program runs.
	LinkageDynamic Linkage = "dynamic"
	// LinkageShared means a library to be loaded by others, not a program.
	LinkageShared Linkage = "shared-library"
	// LinkageUnknown means the bytes do not support a verdict; LinkageRule
	// says why.
	LinkageUnknown Linkage = "unknown"
)

// Info is what the bytes of one binary say. It exists so a build report can
// state facts about an artifact rather than repeat what was asked for.
// docs/linkage.md describes every field and the rule behind it.
type Info struct {
	Path        string   `json:"path"`
	Format      Format   `json:"format"`
	GOOS        string   `json:"goos,omitempty"` // inferred from the file; "" when the bytes cannot tell
	GOARCH      string   `json:"goarch,omitempty"`
	Linkage     Linkage  `json:"linkage"`
	LinkageRule string   `json:"linkage_rule"` // the plain-English rule that produced Linkage, e.g. "ET_EXEC without PT_INTERP"
	Interpreter string   `json:"interpreter,omitempty"`
	Needed      []string `json:"needed,omitempty"` // ELF DT_NEEDED, Mach-O LC_LOAD_DYLIB (+weak/reexport), PE DLL names, wasm import module names; sorted, deduplicated
	PIE         bool     `json:"pie"`
	Size        int64    `json:"size"`
	SHA256      string   `json:"sha256,omitempty"`      // hex SHA-256 of the whole file (of the slice, for a fat slice); "" unless Options.Hash
	Stripped    bool     `json:"stripped"`              // no symbol table (see docs/linkage.md for each format's test)
	DWARF       bool     `json:"dwarf"`                 // DWARF debug info (.debug_info or .zdebug_info) present
	BuildID     string   `json:"build_id,omitempty"`    // ELF: GNU build-id note, hex; Mach-O: LC_UUID
	GoBuildID   string   `json:"go_build_id,omitempty"` // the Go toolchain's build ID

	Libc           string    `json:"libc,omitempty"`      // glibc, musl, bionic, libSystem, msvcrt, ucrt, libc; "" when no C runtime is used
	Libraries      []Library `json:"libraries,omitempty"` // Needed, classified; same order as Needed
	SystemLibsOnly bool      `json:"system_libs_only"`    // every needed library ships with the OS (true when nothing is needed)

	MaxGlibc     string        `json:"max_glibc,omitempty"`     // highest GLIBC_x.y required (ELF .gnu.version_r), e.g. "2.34"
	GlibcSymbols []string      `json:"glibc_symbols,omitempty"` // imported symbols bound to GLIBC_<MaxGlibc>, sorted
	VersionNeeds []VersionNeed `json:"version_needs,omitempty"` // every (library, version) needed, by library then version
	MaxGLIBCXX   string        `json:"max_glibcxx,omitempty"`   // highest GLIBCXX_ version required
	MaxCXXABI    string        `json:"max_cxxabi,omitempty"`    // highest CXXABI_ version required
	MaxGCC       string        `json:"max_gcc,omitempty"`       // highest GCC_ version required (libgcc_s)

	MinOS            string     `json:"min_os,omitempty"`            // oldest OS release it runs on: MinOSHeader, raised to what its Go runtime needs (osfloor.go)
	MinOSHeader      string     `json:"min_os_header,omitempty"`     // what the header says: Mach-O minos; PE operating system version
	MinOSSource      string     `json:"min_os_source,omitempty"`     // where MinOS comes from: MinOSFromHeader or MinOSFromGoRuntime
	MinOSReason      string     `json:"min_os_reason,omitempty"`     // why the Go runtime raised it: its Go release and the release note
	SDK              string     `json:"sdk,omitempty"`               // Mach-O SDK version
	Subsystem        string     `json:"subsystem,omitempty"`         // PE subsystem: console, windows, efi-application, ...
	SubsystemVersion string     `json:"subsystem_version,omitempty"` // PE subsystem version, e.g. "6.1"
	Hardening        *Hardening `json:"hardening,omitempty"`         // PE DllCharacteristics; nil for other formats

	Go     *GoInfo `json:"go,omitempty"`     // nil when the file has no Go build info
	Slices []Info  `json:"slices,omitempty"` // fat Mach-O: one Info per architecture slice
}

// Library is one needed library and whether it belongs to the operating
// system, so a report can say what must be shipped next to a binary.
type Library struct {
	Name   string `json:"name"`
	System bool   `json:"system"`
}

// VersionNeed is one symbol version an ELF file requires from a library:
// the loader refuses to start the program on a system that lacks it.
type VersionNeed struct {
	Library string   `json:"library"`
	Version string   `json:"version"`           // "GLIBC_2.34"
	Symbols []string `json:"symbols,omitempty"` // imported symbols bound to this version, sorted
}

// Hardening is what the PE DllCharacteristics promise.
type Hardening struct {
	ASLR          bool `json:"aslr"` // IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE
	HighEntropyVA bool `json:"high_entropy_va"`
	NX            bool `json:"nx"`  // NX_COMPAT
	CFG           bool `json:"cfg"` // GUARD_CF
}

// GoInfo is the Go build information embedded in the binary (debug/buildinfo).
// It is reported so the requested build settings can be checked against
// what the toolchain actually recorded.
type GoInfo struct {
	GoVersion   string            `json:"go_version"`
	Path        string            `json:"path"`                   // main package path
	Main        string            `json:"main_module"`            // main module path
	MainVersion string            `json:"main_version,omitempty"` // main module version: "(devel)", a tag, or a pseudo-version
	Deps        int               `json:"deps"`                   // number of dependency modules
	Settings    map[string]string `json:"settings"`               // CGO_ENABLED, -ldflags, GOOS, GOARCH, GOAMD64, -buildmode, -tags, -trimpath, ...
	// Build is the whole parsed build info (every dependency module with
	// its version, sum and replacement), for SBOMs; not in reports.
	Build *debug.BuildInfo `json:"-"`
}

// Options says how much work an inspection does beyond reading headers.
// The zero value reads only the headers and the few tables Info needs.
type Options struct {
	// Hash fills Info.SHA256 (and each fat slice's). It is the only option
	// that reads the whole file, which for large binaries costs more than
	// everything else together: the build's verifier, writing SHA256SUMS,
	// asks for it; `portmatrix inspect` only with --sha256.
	Hash bool
}

// File opens the binary at path and inspects it with Read, so callers with a
// path need not manage the file themselves. It computes Info.SHA256, like
// FileWith with Options{Hash: true}. Errors name the path.
func File(path string) (*Info, error) {
	return FileWith(path, Options{Hash: true})
}

// FileWith is File with options: FileWith(path, Options{}) reads only what
// Info needs and leaves SHA256 empty.
func FileWith(path string, opt Options) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, wrapOpenErr(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, wrapOpenErr(path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("inspect: %s: not a regular file (%s)", path, st.Mode().Type())
	}
	return ReadWith(newBlockReader(f, st.Size()), st.Size(), path, opt)
}

// wrapOpenErr avoids naming the path twice: *fs.PathError already does.
func wrapOpenErr(path string, err error) error {
	if _, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("inspect: %w", err)
	}
	return fmt.Errorf("inspect: %s: %w", path, err)
}

// Read inspects the size bytes readable from r, so binaries can be inspected
// wherever they live (a file, an archive member, memory). name is recorded as
// Info.Path and used in errors. It computes Info.SHA256, like ReadWith with
// Options{Hash: true}. Read never panics on malformed input: panics inside
// the standard library's parsers are turned into errors.
func Read(r io.ReaderAt, size int64, name string) (*Info, error) {
	return ReadWith(r, size, name, Options{Hash: true})
}

// ReadWith is Read with options.
func ReadWith(r io.ReaderAt, size int64, name string, opt Options) (info *Info, err error) {
	defer func() {
		if v := recover(); v != nil {
			info, err = nil, newPanicError(v)
		}
		if err != nil {
			err = fmt.Errorf("inspect: %s: %w", name, err)
		}
	}()
	return read(r, size, name, opt)
}

// read is ReadWith without the error wrapping and panic recovery.
func read(r io.ReaderAt, size int64, name string, opt Options) (*Info, error) {
	if size < 0 {
		return nil, fmt.Errorf("negative size %d", size)
	}
	if size == 0 {
		return nil, errors.New("empty file")
	}
	ident := make([]byte, min(size, 16))
	if n, err := r.ReadAt(ident, 0); n < len(ident) {
		return nil, fmt.Errorf("reading magic: %w", truncated(err))
	}
	x, err := sniff(r, size, ident, opt)
	if err != nil {
		if other := otherBinary(r, size, ident); other != nil && errors.Is(err, ErrUnknownFormat) {
			return nil, other
		}
		return nil, err
	}
	info := &Info{Path: name, Format: x.format(), Size: size, Linkage: LinkageUnknown}
	if err := x.describe(info); err != nil {
		return nil, err
	}
	finish(info)
	if opt.Hash {
		if info.SHA256, err = fileSHA256(r, size); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// finish derives the fields every format shares from what describe found:
// Needed sorted and unique, then classified into Libraries; MinOS raised
// to what the Go runtime needs (a fat file's come from its slices).
func finish(info *Info) {
	if len(info.Slices) == 0 {
		applyGoRuntimeFloor(info)
	}
	info.Needed = sortedUnique(info.Needed)
	info.Libraries = classifyLibraries(info.GOOS, info.Needed)
	info.SystemLibsOnly = true
	for _, l := range info.Libraries {
		info.SystemLibsOnly = info.SystemLibsOnly && l.System
	}
}

// fileSHA256 hashes size bytes of r with filehash, portmatrix's one file
// hasher, so Info.SHA256 is the checksum every other part computes.
func fileSHA256(r io.ReaderAt, size int64) (string, error) {
	sum, n, err := filehash.Reader(io.NewSectionReader(r, 0, size))
	if err != nil || n != size {
		return "", atOffset("hashing", n, truncated(err))
	}
	return sum, nil
}

// binaryFile is what each format implements: one small type per format,
// chosen by magic, fills in the fields it can read.
type binaryFile interface {
	format() Format
	describe(info *Info) error
}

// sniff picks the format from the leading bytes, like debug/buildinfo does.
func sniff(r io.ReaderAt, size int64, ident []byte, opt Options) (binaryFile, error) {
	switch {
	case bytes.HasPrefix(ident, []byte("\x7fELF")):
		return &elfFile{r: r, size: size}, nil
	case bytes.HasPrefix(ident, []byte("\xfe\xed\xfa")) || (len(ident) >= 4 && bytes.HasPrefix(ident[1:], []byte("\xfa\xed\xfe"))):
		return &machoFile{r: r, size: size}, nil
	case bytes.HasPrefix(ident, []byte("\xca\xfe\xba\xbe")) || bytes.HasPrefix(ident, []byte("\xca\xfe\xba\xbf")):
		return newFatFile(r, size, ident, opt)
	case bytes.HasPrefix(ident, []byte("MZ")):
		return &peFile{r: r, size: size}, nil
	case bytes.HasPrefix(ident, []byte("\x00asm")):
		return &wasmFile{r: r, size: size}, nil
	case bytes.HasPrefix(ident, []byte{0x01, 0xf7}) || bytes.HasPrefix(ident, []byte{0x01, 0xdf}):
		return &xcoffFile{r: r, size: size}, nil
	case hasPlan9Magic(ident):
		return &plan9File{r: r, size: size}, nil
	}
	return nil, fmt.Errorf("%w (magic % x)", ErrUnknownFormat, ident[:min(len(ident), 8)])
}

// sortedUnique sorts and deduplicates names; nil when there are none, so the
// JSON field is omitted.
func sortedUnique(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// errTruncated is the cause of every short read, so messages stay uniform.
var errTruncated = errors.New("truncated")

// ErrUnknownFormat is returned (wrapped) for a file whose first bytes are
// not those of any executable format Go emits, so that a directory walk can
// pass over READMEs and checksum files while still reporting broken binaries.
var ErrUnknownFormat = errors.New("unrecognised binary format")

// truncated maps the short-read errors of io.ReaderAt to errTruncated and
// keeps any other I/O error as it is.
func truncated(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncated
	}
	return err
}

// malformed wraps a standard-library parser's error; its bare io.EOF
// becomes "truncated" so messages say what went wrong.
func malformed(kind string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errTruncated
	}
	return fmt.Errorf("malformed %s: %w", kind, err)
}

// offsetError locates a problem inside the file: "<what> at offset 0x1a: <err>".
type offsetError struct {
	what string
	off  int64
	err  error
}

func (e *offsetError) Error() string {
	return fmt.Sprintf("%s at offset %#x: %v", e.what, e.off, e.err)
}

func (e *offsetError) Unwrap() error { return e.err }

// atOffset builds an offsetError; err may be a string or an error.
func atOffset(what string, off int64, err any) error {
	switch e := err.(type) {
	case error:
		return &offsetError{what: what, off: off, err: e}
	default:
		return &offsetError{what: what, off: off, err: errors.New(fmt.Sprint(e))}
	}
}

// readAt reads exactly n bytes at off, refusing reads past size so a lying
// header cannot make us allocate more than the file holds.
func readAt(r io.ReaderAt, size, off int64, n uint64) ([]byte, error) {
	if off < 0 || off > size || n > uint64(size-off) {
		return nil, errTruncated
	}
	b := make([]byte, n)
	if got, err := r.ReadAt(b, off); got < len(b) {
		return nil, truncated(err)
	}
	return b, nil
}

// clampOff converts a file offset read from a header to int64; offsets too
// large for int64 are certainly past the end of the file anyway.
func clampOff(u uint64) int64 {
	if u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

// cstring returns b up to its first NUL byte.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// hasPlan9Magic reports whether ident starts with a Plan 9 a.out magic.
func hasPlan9Magic(ident []byte) bool {
	if len(ident) < 4 {
		return false
	}
	_, ok := plan9Arch[binary.BigEndian.Uint32(ident)]
	return ok
}

// panicError is a panic recovered while parsing. inParser records whether it
// came from a standard-library parser (debug/...) rather than this package,
// which the fuzz test uses to tell tolerated stdlib bugs from our own.
type panicError struct {
	value    any
	inParser bool
	frame    string
}

func (e *panicError) Error() string {
	return fmt.Sprintf("malformed file: parser panicked in %s: %v", e.frame, e.value)
}

// newPanicError must be called from the deferred function that recovered.
func newPanicError(v any) *panicError {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs) // skip Callers, newPanicError, the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	pe := &panicError{value: v, frame: "unknown"}
	for {
		fr, more := frames.Next()
		if fr.Function != "" && !strings.HasPrefix(fr.Function, "runtime.") {
			pe.frame = fr.Function
			pe.inParser = strings.HasPrefix(fr.Function, "debug/") || strings.HasPrefix(fr.Function, "internal/")
			break
		}
		if !more {
			break
		}
	}
	return pe
}

// CompareVersions compares dotted versions part by part, numerically where
// both parts are numbers: "2.3.4" < "2.17" < "2.34" (see dotted.Compare).
func CompareVersions(a, b string) int { return dotted.Compare(a, b) }
