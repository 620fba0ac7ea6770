package repro

import (
	"bytes"
	"context"
	"debug/elf"
	"debug/macho"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
)

// builds builds the test module once per flag set for one target, into
// files named like the keys. They use the user's GOCACHE: Compare needs no
// fresh one, and every build here links in well under a second once the
// standard library is cached.
func builds(t *testing.T, goos, goarch string, flags map[string][]string) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hello")
	writeModule(t, dir)
	out := t.TempDir()
	paths := map[string]string{}
	for name, f := range flags {
		p := filepath.Join(out, name)
		require.NoError(t, (&build.GoRunner{}).Run(context.Background(), goJob(dir, p, goos, goarch, f...)))
		paths[name] = p
	}
	return paths
}

// goBuildIDAt finds the Go build ID string the linker puts at the start of
// the text section of Mach-O and PE files.
func goBuildIDAt(t *testing.T, path string) (int64, int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	const prefix = "\xff Go build ID: \""
	i := bytes.Index(data, []byte(prefix))
	require.GreaterOrEqual(t, i, 0)
	j := bytes.Index(data[i:], []byte("\"\n \xff"))
	require.Greater(t, j, 0)
	return int64(i), int64(j + 4)
}

// lcUUID is the Mach-O LC_UUID load command (mach-o/loader.h).
const lcUUID = 0x1b

// machoLoadCommand finds the file offset and size of load command cmd.
func machoLoadCommand(t *testing.T, path string, cmd uint32) (int64, int64) {
	t.Helper()
	f, err := macho.Open(path)
	require.NoError(t, err)
	defer f.Close()
	off := int64(32) // 64-bit header
	for _, l := range f.Loads {
		raw := l.Raw()
		if f.ByteOrder.Uint32(raw) == cmd {
			return off, int64(len(raw))
		}
		off += int64(len(raw))
	}
	t.Fatalf("no load command %#x in %s", cmd, path)
	return 0, 0
}

func TestCompareRealBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go toolchain")
	}
	tests := []struct {
		goos, goarch, format string
		flags                []string // of both builds, besides -ldflags=-X main.version=one|two
		buildInfo            []Change
		sections             []string // what really differs
		region               func(t *testing.T, a string) (string, int64, int64)
	}{
		{
			goos: "linux", goarch: "amd64", format: "elf",
			// Without -trimpath the go command records -ldflags.
			buildInfo: []Change{{Key: "-ldflags", A: "-X main.version=one", B: "-X main.version=two"}},
			sections:  []string{".note.go.buildid", ".note.gnu.build-id", ".rodata", ".go.buildinfo"},
			region: func(t *testing.T, a string) (string, int64, int64) {
				f, err := elf.Open(a)
				require.NoError(t, err)
				defer f.Close()
				s := f.Section(".note.go.buildid")
				require.NotNil(t, s)
				return s.Name, int64(s.Offset), int64(s.FileSize)
			},
		},
		{
			goos: "windows", goarch: "amd64", format: "pe", flags: []string{"-trimpath"},
			// With -trimpath it does not (go.dev/issue/52372), so nothing in
			// the build info differs: the value is only in the data.
			sections: []string{".text", ".rdata"},
			region: func(t *testing.T, a string) (string, int64, int64) {
				off, size := goBuildIDAt(t, a)
				return "the Go build ID", off, size
			},
		},
		{
			goos: "darwin", goarch: "arm64", format: "macho", flags: []string{"-trimpath"},
			sections: []string{"__TEXT,__text", "__TEXT,__rodata"},
			region: func(t *testing.T, a string) (string, int64, int64) {
				off, size := machoLoadCommand(t, a, lcUUID)
				return "the LC_UUID load command", off, size
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/"+tt.goarch, func(t *testing.T) {
			bins := builds(t, tt.goos, tt.goarch, map[string][]string{
				"one": append([]string{"-ldflags=-X main.version=one"}, tt.flags...),
				"two": append([]string{"-ldflags=-X main.version=two"}, tt.flags...),
				// -trimpath keeps -ldflags out of the build info.
				"unused-x":  {"-trimpath", "-ldflags=-X main.nosuchvar=x"},
				"plain":     {"-trimpath"},
				"plain-too": {"-trimpath"},
			})

			t.Run("same flags, same bytes", func(t *testing.T) {
				d, err := Compare(bins["plain"], bins["plain-too"])
				require.NoError(t, err)
				assert.Nil(t, d)
			})

			t.Run("different -X value", func(t *testing.T) {
				a, b := bins["one"], bins["two"]
				d, err := Compare(a, b)
				require.NoError(t, err)
				require.NotNil(t, d)
				for _, l := range d.Lines() {
					t.Log(l)
				}
				assert.Equal(t, tt.format, d.A.Format)
				assert.Equal(t, tt.format, d.B.Format)
				assert.Equal(t, tt.buildInfo, d.BuildInfo)
				assert.Equal(t, tt.sections, sectionNames(d))
				assert.False(t, d.BuildIDOnly)
				assert.Equal(t, []string{"no flag suggestion: the difference is not in paths, version control stamps or the build ID"}, d.Suggestions())
				assertPrefix(t, a, b, d)

				name, off, size := tt.region(t, a)
				assert.Equal(t, name, d.Region)
				assert.True(t, d.Offset >= off && d.Offset < off+size, "offset %#x not in %s at %#x+%#x", d.Offset, name, off, size)
				assert.Equal(t, d.Offset-off, d.RegionOffset)
			})

			// An -X for a variable that does not exist changes nothing the
			// linker writes but the inputs hashed into the build ID (and,
			// without -trimpath, the recorded -ldflags).
			t.Run("only the build id differs", func(t *testing.T) {
				d, err := Compare(bins["plain"], bins["unused-x"])
				require.NoError(t, err)
				require.NotNil(t, d)
				for _, l := range d.Lines() {
					t.Log(l)
				}
				assert.Empty(t, d.BuildInfo)
				assert.True(t, d.BuildIDOnly)
				assert.Contains(t, d.Suggestions(), "add -buildid= to -ldflags (-ldflags=-buildid=): only bytes derived from the build ID differ")
				assertPrefix(t, bins["plain"], bins["unused-x"], d)
			})

			t.Run("truncated", func(t *testing.T) {
				data, err := os.ReadFile(bins["plain"])
				require.NoError(t, err)
				for _, n := range []int{100, len(data) / 2} {
					short := writeFile(t, "short", data[:n])
					_, err := Compare(bins["plain"], short)
					require.Error(t, err, "truncated to %d bytes", n)
					assert.Contains(t, err.Error(), short)
					t.Log(err)
				}
			})
		})
	}
}

func TestCompareSelf(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	d, err := Compare(exe, exe)
	require.NoError(t, err)
	assert.Nil(t, d)
}
