package checksum

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
)

func sumOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

var (
	sumA = sumOf("a")
	sumB = sumOf("b")
)

func TestWriteFormat(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"empty", nil, ""},
		{"one", []Entry{{"tool.tar.gz", sumA}}, sumA + "  tool.tar.gz\n"},
		{
			"sorted by name, bytewise",
			[]Entry{{"b/x.zip", sumB}, {"B.zip", sumA}, {"a.tar.gz", sumA}},
			sumA + "  B.zip\n" + sumA + "  a.tar.gz\n" + sumB + "  b/x.zip\n",
		},
		{"spaces in names are kept", []Entry{{"my tool.zip", sumA}}, sumA + "  my tool.zip\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, tt.entries))
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		wantErr []string
	}{
		{"empty name", []Entry{{"", sumA}}, []string{`checksum entry "": empty name`}},
		{"newline", []Entry{{"a\nb", sumA}}, []string{`"a\nb"`, "newline"}},
		{"carriage return", []Entry{{"a\r", sumA}}, []string{"carriage return"}},
		{"backslash", []Entry{{`dist\a.zip`, sumA}}, []string{"backslash"}},
		{"absolute", []Entry{{"/tmp/a.zip", sumA}}, []string{`"/tmp/a.zip"`, "absolute"}},
		{"dot dot", []Entry{{"../a.zip", sumA}}, []string{`".."`}},
		{"dot slash", []Entry{{"./a.zip", sumA}}, []string{"clean relative path"}},
		{"trailing slash", []Entry{{"dir/", sumA}}, []string{"clean relative path"}},
		{"duplicate", []Entry{{"a.zip", sumA}, {"b.zip", sumA}, {"a.zip", sumB}}, []string{`"a.zip": listed more than once`}},
		{"uppercase hex", []Entry{{"a.zip", strings.ToUpper(sumA)}}, []string{"not 64 lowercase hex digits"}},
		{"short hex", []Entry{{"a.zip", sumA[:63]}}, []string{"not 64 lowercase hex digits"}},
		{"not hex", []Entry{{"a.zip", "g" + sumA[1:]}}, []string{"not 64 lowercase hex digits"}},
		{
			"every problem at once",
			[]Entry{{"", sumA}, {"x.zip", "nope"}},
			[]string{"empty name", `"x.zip": sha256 "nope"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.entries)
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			assert.Empty(t, buf.String(), "nothing is written when an entry is bad")
		})
	}
}

func TestRoundTrip(t *testing.T) {
	in := []Entry{{"z.zip", sumB}, {"dir/a b.tar.gz", sumA}, {"a.zip", sumA}}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, in))
	got, err := Parse(bytes.NewReader(buf.Bytes()), "SHA256SUMS")
	require.NoError(t, err)
	assert.Equal(t, []Entry{{"a.zip", sumA}, {"dir/a b.tar.gz", sumA}, {"z.zip", sumB}}, got)

	var again bytes.Buffer
	require.NoError(t, Write(&again, got))
	assert.Equal(t, buf.String(), again.String())
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []Entry
	}{
		{"empty file", "", nil},
		{"text mode", sumA + "  a.zip\n", []Entry{{"a.zip", sumA}}},
		{"binary mode", sumA + " *a.zip\n", []Entry{{"a.zip", sumA}}},
		{"uppercase hex is lowered", strings.ToUpper(sumA) + "  a.zip\n", []Entry{{"a.zip", sumA}}},
		{"no final newline", sumA + "  a.zip", []Entry{{"a.zip", sumA}}},
		{"crlf line ends, as sha256sum -c accepts", sumA + "  a.zip\r\n", []Entry{{"a.zip", sumA}}},
		{"file order kept, blank lines skipped", sumB + "  b.zip\n\n" + sumA + "  a.zip\n", []Entry{{"b.zip", sumB}, {"a.zip", sumA}}},
		{"name with spaces and a star", sumA + "  *x y.zip\n", []Entry{{"*x y.zip", sumA}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.input), "SHA256SUMS")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{"too short", sumA + "  a\nabc\n", `SHA256SUMS:2: line "abc" is too short`},
		{"bad hex", "x" + sumA[1:] + "  a.zip\n", "SHA256SUMS:1: " + `"x`},
		{"one space", sumA + " a.zip\n", `SHA256SUMS:1: want two spaces or " *" after the checksum, got " a"`},
		{"tab", sumA + "\ta.zip\n", `SHA256SUMS:1: want two spaces`},
		{"empty name", sumA + "  \n", "SHA256SUMS:1: name \"\": empty name"},
		{"carriage return inside a name", sumA + "  a\r.zip\n", "SHA256SUMS:1: name \"a\\r.zip\": name contains a newline or carriage return"},
		{"escaped", `\` + sumA + "  a\\nb\n", "SHA256SUMS:1: escaped names"},
		{"bsd tag", "SHA256 (a.zip) = " + sumA + "\n", "SHA256SUMS:1: BSD-style lines"},
		{"absolute", sumA + "  /etc/passwd\n", "SHA256SUMS:1: name \"/etc/passwd\": name is absolute"},
		{"dot dot", sumA + "  ../a.zip\n", `SHA256SUMS:1: name "../a.zip": name contains a ".." element`},
		{"duplicate", sumA + "  a.zip\n" + sumB + "  b.zip\n" + sumB + " *a.zip\n", `SHA256SUMS:3: "a.zip" is already listed on line 1`},
		{"line too long", sumA + "  " + strings.Repeat("x", 2<<20) + "\n", "SHA256SUMS:1: bufio.Scanner: token too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.input), "SHA256SUMS")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Nil(t, got)
		})
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
	}{
		{"empty", ""},
		{"small", "hello\n"},
		{"larger than a copy buffer", strings.Repeat("0123456789abcdef", 10_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			require.NoError(t, os.WriteFile(p, []byte(tt.content), 0o644))
			sum, size, err := File(p)
			require.NoError(t, err)
			assert.Equal(t, sumOf(tt.content), sum)
			assert.Equal(t, int64(len(tt.content)), size)
		})
	}
	t.Run("missing", func(t *testing.T) {
		p := filepath.Join(dir, "missing")
		_, _, err := File(p)
		require.Error(t, err)
		assert.ErrorIs(t, err, fs.ErrNotExist)
		assert.Contains(t, err.Error(), p)
	})
	t.Run("directory", func(t *testing.T) {
		_, _, err := File(dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "hashing "+dir+": not a regular file")
	})
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "SHA256SUMS")
	require.NoError(t, WriteFile(p, []Entry{{"a.zip", sumA}}))
	got, err := ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, []Entry{{"a.zip", sumA}}, got)
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), fi.Mode().Perm())

	t.Run("a bad entry keeps the old file and leaves no temp file", func(t *testing.T) {
		err := WriteFile(p, []Entry{{"../x", sumA}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), p+`: checksum entry "../x"`)
		data, rerr := os.ReadFile(p)
		require.NoError(t, rerr)
		assert.Equal(t, sumA+"  a.zip\n", string(data))
		assertOnly(t, dir, "SHA256SUMS")
	})
	t.Run("a failed rename leaves no temp file", func(t *testing.T) {
		// A non-empty directory where the file should go: everything works
		// up to the rename, which fails (even for root).
		sub := filepath.Join(dir, "taken")
		require.NoError(t, os.MkdirAll(filepath.Join(sub, "x"), 0o755))
		err := WriteFile(sub, []Entry{{"a.zip", sumA}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "writing "+sub)
		assertOnly(t, dir, "SHA256SUMS")
	})
	t.Run("ReadFile error names the file", func(t *testing.T) {
		bad := filepath.Join(dir, "BAD")
		require.NoError(t, os.WriteFile(bad, []byte(sumA+"  a\nnope\n"), 0o644))
		_, err := ReadFile(bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), bad+":2: ")
	})
}

// TestSha256sumAccepts checks the output with the real coreutils checker,
// in --strict mode so that any line it finds improper fails the test.
func TestSha256sumAccepts(t *testing.T) {
	sha256sum := needtool.Path(t, "apt-get install coreutils", "sha256sum")
	dir := t.TempDir()
	files := map[string]string{
		"tool_1.0_linux_amd64.tar.gz": "tar bytes",
		"tool_1.0_windows_amd64.zip":  "zip bytes",
		"sub/with space.txt":          "",
		"sub/*star.txt":               "star",
	}
	var entries []Entry
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		sum, _, err := File(p)
		require.NoError(t, err)
		entries = append(entries, Entry{Name: name, SHA256: sum})
	}
	require.NoError(t, WriteFile(filepath.Join(dir, "SHA256SUMS"), entries))

	check := func() (string, error) {
		cmd := exec.Command(sha256sum, "--strict", "-c", "SHA256SUMS")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := check()
	require.NoError(t, err, out)
	for name := range files {
		assert.Contains(t, out, name+": OK")
	}

	// And it notices a changed file, so the check above was real.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "with space.txt"), []byte("changed"), 0o644))
	out, err = check()
	var exitErr *exec.ExitError
	require.True(t, errors.As(err, &exitErr), "sha256sum -c should fail: %v\n%s", err, out)
	assert.Contains(t, out, "sub/with space.txt: FAILED")
}

// assertOnly checks that dir holds exactly names (no leftover temp files).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got)
}
