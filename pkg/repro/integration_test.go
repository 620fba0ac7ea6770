package repro

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

const mainSrc = `package main

import "fmt"

var version = "dev"

func main() { fmt.Println("hello", version) }
`

const cgoSrc = `package main

// int twice(int x) { return 2 * x; }
import "C"

var _ = C.twice(2)
`

// writeModule writes a one-file main module into dir.
func writeModule(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.21\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(mainSrc), 0o644))
}

// goJob is a job as the planner writes it. GOFLAGS is set explicitly
// because the environment's go env file may set -buildvcs=false.
func goJob(dir, out, goos, goarch string, flags ...string) plan.Job {
	argv := append([]string{"go", "build", "-o", out}, flags...)
	return plan.Job{
		ID: "hello/" + goos + "/" + goarch + "/default", Dir: dir,
		Argv:   append(argv, "."),
		Env:    []string{"GOOS=" + goos, "GOARCH=" + goarch, "CGO_ENABLED=0", "GOFLAGS="},
		Output: out,
		Log:    out + ".log",
	}
}

// firstBuild builds job normally (the user's GOCACHE, the job's own paths).
func firstBuild(t *testing.T, job plan.Job) {
	t.Helper()
	start := time.Now()
	require.NoError(t, (&build.GoRunner{}).Run(context.Background(), job))
	t.Logf("first build of %s: %s", job.ID, time.Since(start).Round(time.Millisecond))
}

func timedCheck(t *testing.T, s *Session, job plan.Job) Result {
	t.Helper()
	res := s.Check(context.Background(), job)
	t.Logf("second build and comparison of %s: %s; verdict %s", job.ID, res.Duration.Round(time.Millisecond), res.Verdict)
	for _, l := range res.Details {
		t.Logf("  %s", l)
	}
	return res
}

func sectionNames(d *Difference) []string {
	var out []string
	for _, s := range d.Sections {
		out = append(out, s.Name)
	}
	return out
}

// TestCheckIntegration runs real second builds sharing one session (one
// fresh GOCACHE), so each target and flag set compiles the standard
// library once.
func TestCheckIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go toolchain")
	}
	tmp := t.TempDir()
	s, err := NewSession(Options{TempDir: tmp})
	require.NoError(t, err)
	defer func() {
		require.NoError(t, s.Close())
		entries, err := os.ReadDir(tmp)
		require.NoError(t, err)
		assert.Empty(t, entries, "the session left files behind")
	}()

	for _, target := range [][2]string{{"linux", "amd64"}, {"windows", "amd64"}} {
		t.Run("trimpath "+target[0]+"/"+target[1], func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "hello")
			writeModule(t, dir)
			job := goJob(dir, filepath.Join(t.TempDir(), "hello"), target[0], target[1], "-trimpath")
			firstBuild(t, job)
			res := timedCheck(t, s, job)
			assert.Equal(t, VerdictYes, res.Verdict, res.Details)
			assert.Empty(t, res.Details)
		})
	}

	t.Run("no trimpath linux/amd64", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "hello")
		writeModule(t, dir)
		job := goJob(dir, filepath.Join(t.TempDir(), "hello"), "linux", "amd64")
		firstBuild(t, job)
		opt := s.Options()
		second := filepath.Join(t.TempDir(), "second")
		opt.Runner = keepSecond(t, second)
		res := Check(context.Background(), job, opt)
		t.Logf("second build and comparison of %s: %s", job.ID, res.Duration.Round(time.Millisecond))
		for _, l := range res.Details {
			t.Logf("  %s", l)
		}
		require.Equal(t, VerdictNo, res.Verdict, res.Details)
		d := res.Diff
		require.NotNil(t, d)

		// What really differs when only the directory changes: the file
		// names in the pclntab and DWARF, the build IDs hashed from them,
		// the moduledata and symbols whose addresses follow the pclntab.
		names := sectionNames(d)
		for _, want := range []string{".note.go.buildid", ".note.gnu.build-id", ".gopclntab", ".debug_line", ".debug_info"} {
			assert.Contains(t, names, want)
		}
		assert.NotContains(t, names, ".text", "code does not depend on the directory")
		assert.Empty(t, d.BuildInfo, "the build info holds no directory")
		assert.False(t, d.TrimPath)
		assert.False(t, d.BuildIDOnly)
		assert.True(t, strings.HasPrefix(d.EmbeddedDir, tmp), "the second binary embeds its symlinked directory: %q", d.EmbeddedDir)
		assertPrefix(t, job.Output, second, d)
		region, regionOff := elfRegion(t, job.Output, d.Offset)
		assert.Equal(t, region, d.Region)
		assert.Equal(t, regionOff, d.RegionOffset)
		assert.Contains(t, strings.Join(res.Details, "\n"), "add -trimpath: the binary records the directory it was built in (.gopclntab, .debug_line, .debug_info differ)")
		for _, l := range res.Details {
			assert.NotContains(t, l, "\n")
		}
	})

	// -trimpath also maps the C compiler's paths (the module directory and
	// $WORK), so a cgo build is reproducible too. The first build gets its
	// own fresh GOCACHE: a user cache filled before the C headers or
	// compiler changed gives a genuinely different binary (see
	// TestCompareDebugStrings), which is the check's business, not this
	// test's.
	t.Run("cgo trimpath linux/amd64", func(t *testing.T) {
		needtool.Path(t, "apt-get install gcc", "gcc")
		dir := filepath.Join(t.TempDir(), "hello")
		writeModule(t, dir)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "c.go"), []byte(cgoSrc), 0o644))
		job := goJob(dir, filepath.Join(t.TempDir(), "hello"), "linux", "amd64", "-trimpath")
		job.Cgo = true
		job.Env = []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=1", "GOFLAGS=", "CC=gcc", "GOCACHE=" + t.TempDir()}
		firstBuild(t, job)
		res := timedCheck(t, s, job)
		assert.Equal(t, VerdictYes, res.Verdict, res.Details)
	})

	t.Run("vcs", func(t *testing.T) {
		git := needtool.Path(t, "apt-get install git", "git")
		repo := filepath.Join(t.TempDir(), "repo")
		dir := filepath.Join(repo, "app") // the module is below the repository root
		writeModule(t, dir)
		runGit := func(date string, args ...string) {
			cmd := exec.Command(git, args...)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(),
				"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_AUTHOR_DATE="+date,
				"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_COMMITTER_DATE="+date,
				"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "git %v: %s", args, out)
		}
		runGit("2024-01-01T00:00:00Z", "init", "-q")
		runGit("2024-01-01T00:00:00Z", "add", ".")
		runGit("2024-01-01T00:00:00Z", "commit", "-q", "-m", "first")

		job := goJob(dir, filepath.Join(t.TempDir(), "hello"), "linux", "amd64", "-trimpath", "-buildvcs=true")
		firstBuild(t, job)
		bi, err := buildinfo.ReadFile(job.Output)
		require.NoError(t, err)
		assert.True(t, slices.ContainsFunc(bi.Settings, func(s debug.BuildSetting) bool { return s.Key == "vcs.revision" }),
			"the first build is stamped: %v", bi.Settings)

		// The symlinked second build still sees .git above the module.
		res := timedCheck(t, s, job)
		assert.Equal(t, VerdictYes, res.Verdict, res.Details)

		// The stamp differs only if the checkout changes between the builds;
		// an empty commit changes it without touching a source file.
		runGit("2024-01-02T00:00:00Z", "commit", "-q", "--allow-empty", "-m", "second")
		res = timedCheck(t, s, job)
		require.Equal(t, VerdictNo, res.Verdict, res.Details)
		var keys []string
		for _, c := range res.Diff.BuildInfo {
			keys = append(keys, c.Key)
		}
		assert.Equal(t, []string{"vcs.revision", "vcs.time"}, keys)
		assert.Contains(t, res.Details, "build info vcs.time: 2024-01-01T00:00:00Z → 2024-01-02T00:00:00Z")
		assert.Contains(t, res.Details, "add -buildvcs=false, or build from an unchanging checkout: the version control stamp differs (vcs.revision, vcs.time)")
		assert.Empty(t, res.Diff.EmbeddedDir)
	})
}

// assertPrefix cross-checks d.Offset against the files' bytes: equal
// before it, different at it.
func assertPrefix(t *testing.T, a, b string, d *Difference) {
	t.Helper()
	ba, err := os.ReadFile(a)
	require.NoError(t, err)
	bb, err := os.ReadFile(b)
	require.NoError(t, err)
	require.Equal(t, int64(len(ba)), d.A.Size)
	require.Equal(t, int64(len(bb)), d.B.Size)
	require.Less(t, d.Offset, int64(min(len(ba), len(bb))))
	assert.True(t, bytes.Equal(ba[:d.Offset], bb[:d.Offset]), "bytes before the first difference are equal")
	assert.NotEqual(t, ba[d.Offset], bb[d.Offset], "bytes at the first difference differ")
}

// keepSecond wraps the real runner so a test can look at the second
// binary after Check has removed its temporary copy.
func keepSecond(t *testing.T, keep string) build.Runner {
	return build.RunnerFunc(func(ctx context.Context, job plan.Job) error {
		if err := (&build.GoRunner{}).Run(ctx, job); err != nil {
			return err
		}
		data, err := os.ReadFile(job.Output)
		require.NoError(t, err)
		return os.WriteFile(keep, data, 0o755)
	})
}

func headerBytes(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	b := make([]byte, 64)
	_, err = f.ReadAt(b, 0)
	require.NoError(t, err)
	return b
}

// elfRegion names what holds off in the ELF file at path, independently of
// the layout code (inspect.ReadLayout): a header table by the ELF header's
// fields, or a section by debug/elf.
func elfRegion(t *testing.T, path string, off int64) (string, int64) {
	t.Helper()
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, elf.ELFCLASS64, f.Class)
	hdr := headerBytes(t, path)
	u := uint64(off)
	phoff, shoff := binary.LittleEndian.Uint64(hdr[0x20:]), binary.LittleEndian.Uint64(hdr[0x28:])
	switch {
	case u < 64:
		return "the ELF header", off
	case u >= phoff && u < phoff+56*uint64(len(f.Progs)):
		return "the ELF program headers", int64(u - phoff)
	case u >= shoff && u < shoff+64*uint64(len(f.Sections)):
		return "the ELF section headers", int64(u - shoff)
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && u >= s.Offset && u < s.Offset+s.FileSize {
			return s.Name, int64(u - s.Offset)
		}
	}
	return "", 0
}
