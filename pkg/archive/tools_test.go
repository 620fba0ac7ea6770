package archive

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
)

// These tests hand the archives to the tools users will open them with.

// writeSample writes the sample sources as an archive of format and
// returns its path.
func writeSample(t *testing.T, format string) string {
	t.Helper()
	files := makeSources(t, t.TempDir(), sources, time.Now())
	p := filepath.Join(t.TempDir(), root+ext(format))
	_, _, err := Write(p, files, Options{Format: format, ModTime: modTime, Root: root})
	require.NoError(t, err)
	return p
}

// run runs a tool in UTC and the C locale and returns its output.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

func TestTarLists(t *testing.T) {
	tarBin := needtool.Path(t, "apt-get install tar", "tar")
	p := writeSample(t, TarGz)
	out := run(t, "", tarBin, "-tvzf", p)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, len(wantMembers), out)
	for i, line := range lines {
		// drwxr-xr-x 0/0  0 2023-11-14 20:13 tool_1.0_linux_amd64/
		f := strings.Fields(line)
		require.Len(t, f, 6, line)
		want := wantMembers[i]
		assert.Equal(t, want.mode.String(), f[0], line)
		assert.Equal(t, "0/0", f[1], line)
		assert.Equal(t, "2023-11-14 20:13", f[3]+" "+f[4], line)
		assert.Equal(t, want.name, f[5], line)
	}
}

func TestTarExtractKeepsTheExecutableBit(t *testing.T) {
	tarBin := needtool.Path(t, "apt-get install tar", "tar")
	p := writeSample(t, TarGz)
	dest := t.TempDir()
	run(t, dest, tarBin, "-xzf", p)
	assertExtracted(t, dest)
}

func TestUnzipLists(t *testing.T) {
	unzip := needtool.Path(t, "apt-get install unzip", "unzip")
	p := writeSample(t, Zip)

	// zipinfo (unzip -Z) shows the Unix modes, the Unix creator and the
	// extended timestamp's time.
	out := run(t, "", unzip, "-Z", p)
	for _, want := range wantMembers {
		line := lineNaming(t, out, want.name, lastField)
		assert.True(t, strings.HasPrefix(line, want.mode.String()+" "), "mode of %q:\n%s", want.name, line)
		assert.Contains(t, line, " unx ", line)
		assert.Contains(t, line, "23-Nov-14 20:13 ", line)
	}

	out = run(t, "", unzip, "-l", p)
	for _, want := range wantMembers {
		line := lineNaming(t, out, want.name, lastField)
		assert.Contains(t, line, "2023-11-14 20:13", line)
	}
}

func TestUnzipExtractKeepsTheExecutableBit(t *testing.T) {
	unzip := needtool.Path(t, "apt-get install unzip", "unzip")
	p := writeSample(t, Zip)
	dest := t.TempDir()
	run(t, dest, unzip, "-q", p)
	assertExtracted(t, dest)
}

// TestPythonZipfileLists reads the zip with a second, independent reader;
// it shows the MS-DOS time, rounded down to an even second.
func TestPythonZipfileLists(t *testing.T) {
	python := needtool.Path(t, "apt-get install python3", "python3")
	p := writeSample(t, Zip)
	out := run(t, "", python, "-m", "zipfile", "-l", p)
	for _, want := range wantMembers {
		line := lineNaming(t, out, want.name, firstField)
		assert.Contains(t, line, "2023-11-14 20:13:20", line)
	}
}

// assertExtracted checks the files an extractor made under dest: content,
// the executable bit and the modification time.
func assertExtracted(t *testing.T, dest string) {
	t.Helper()
	for _, want := range wantMembers {
		p := filepath.Join(dest, filepath.FromSlash(want.name))
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, want.mode.IsDir(), fi.IsDir(), want.name)
		if want.mode.IsDir() {
			continue
		}
		assert.Equal(t, want.mode&0o111 != 0, fi.Mode()&0o100 != 0, "%s: mode %v", want.name, fi.Mode())
		assert.True(t, wantTime.Equal(fi.ModTime()), "%s: mtime %v, want %v", want.name, fi.ModTime(), wantTime)
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, want.content, string(data), want.name)
	}
}

const (
	firstField = 0
	lastField  = -1
)

// lineNaming returns the line of a listing whose first or last field is
// name.
func lineNaming(t *testing.T, out, name string, field int) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		i := field
		if i < 0 {
			i = len(f) - 1
		}
		if f[i] == name {
			return line
		}
	}
	t.Fatalf("no line names %q in:\n%s", name, out)
	return ""
}
