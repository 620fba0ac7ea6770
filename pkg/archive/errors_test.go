package archive

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	good := makeSources(t, dir, []source{{"tool", "bin", 0o755}, {"README", "hi", 0o644}}, time.Now())
	tool, readme := good[0], good[1]
	missing := filepath.Join(dir, "no-such-file")

	tests := []struct {
		name    string
		files   []File
		opt     Options
		wantErr []string
	}{
		{"duplicate name", []File{tool, {Src: readme.Src, Name: "tool"}}, Options{}, []string{`"tool" (from ` + readme.Src + `): listed more than once (first from ` + tool.Src + `)`}},
		{"absolute name", []File{{Src: tool.Src, Name: "/usr/bin/tool"}}, Options{}, []string{`"/usr/bin/tool": name is absolute`}},
		{"dot dot", []File{{Src: tool.Src, Name: "bin/../../tool"}}, Options{}, []string{`"bin/../../tool": name contains a ".." element`}},
		{"empty name", []File{{Src: tool.Src}}, Options{}, []string{`"": empty name`}},
		{"backslash", []File{{Src: tool.Src, Name: `bin\tool`}}, Options{}, []string{`"bin\\tool": name contains a backslash`}},
		{"unclean name", []File{{Src: tool.Src, Name: "./tool"}}, Options{}, []string{`"./tool": name is not a clean relative path`}},
		{"missing source", []File{{Src: missing, Name: "tool"}}, Options{}, []string{`"tool": stat ` + missing + `: no such file or directory`}},
		{"no source", []File{{Name: "tool"}}, Options{}, []string{`"tool": no source file`}},
		{"directory source", []File{{Src: dir, Name: "tool"}}, Options{}, []string{`"tool": source ` + dir + ` is not a regular file`}},
		{"mode with type bits", []File{{Src: tool.Src, Name: "tool", Mode: fs.ModeSymlink | 0o755}}, Options{}, []string{`"tool": mode Lrwxr-xr-x has more than permission bits`}},
		{"file and directory", []File{{Src: tool.Src, Name: "doc"}, {Src: readme.Src, Name: "doc/README"}}, Options{}, []string{`"doc" is both a file and a directory`}},
		{"bad root", []File{tool}, Options{Root: "../up"}, []string{`root "../up": name contains a ".." element`}},
		{"root with a slash at the end", []File{tool}, Options{Root: "tool_1.0/"}, []string{`root "tool_1.0/": name is not a clean relative path`}},
		{"unknown format", []File{tool}, Options{Format: "rar"}, []string{`unknown format "rar" (want "tar.gz" or "zip")`}},
		{"no format", []File{tool}, Options{Format: "-"}, []string{`unknown format`}},
		{"tar.gz before 1970", []File{tool}, Options{Format: TarGz, ModTime: time.Unix(-1, 0)}, []string{"mod time 1969-12-31T23:59:59Z is outside what a gzip header can hold"}},
		{"after 2106", []File{tool}, Options{ModTime: time.Unix(1<<32, 0)}, []string{"mod time 2106-02-07T06:28:16Z is outside"}},
		{
			"every problem at once",
			[]File{{Src: missing, Name: "a"}, {Src: tool.Src, Name: "/b"}},
			Options{Format: "rar"},
			[]string{"unknown format", `"a": stat`, `"/b": name is absolute`},
		},
	}
	for _, format := range formats {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				opt := tt.opt
				switch opt.Format {
				case "":
					opt.Format = format
				case "-":
					opt.Format = ""
				}
				out := t.TempDir()

				t.Run("no file is left", func(t *testing.T) {
					p := filepath.Join(out, "new"+ext(format))
					sum, size, err := Write(p, tt.files, opt)
					require.Error(t, err)
					for _, want := range tt.wantErr {
						assert.Contains(t, err.Error(), want)
					}
					assert.Contains(t, err.Error(), "archive "+p+": ")
					assert.Empty(t, sum)
					assert.Zero(t, size)
					assertDirHolds(t, out)
				})
				t.Run("a previous archive is kept", func(t *testing.T) {
					p := filepath.Join(out, "old"+ext(format))
					require.NoError(t, os.WriteFile(p, []byte("previous good archive"), 0o644))
					_, _, err := Write(p, tt.files, opt)
					require.Error(t, err)
					assertContent(t, p, "previous good archive")
					assertDirHolds(t, out, filepath.Base(p))
				})
			})
		}
	}
}

func TestMissingSourceIsErrNotExist(t *testing.T) {
	_, _, err := Write(filepath.Join(t.TempDir(), "a.zip"), []File{{Src: "/no/such/file", Name: "x"}}, Options{Format: Zip})
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// TestFailureWhileWriting fails after the archive has been started: the
// temporary file must go, and the previous archive must stay.
func TestFailureWhileWriting(t *testing.T) {
	// /proc files claim size 0 and then yield bytes: a source that grew
	// after it was checked.
	const grower = "/proc/self/status"
	if _, err := os.Stat(grower); err != nil {
		t.Skipf("no %s: %v", grower, err)
	}
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			files := makeSources(t, dir, []source{{"a", "a", 0o644}}, time.Now())
			files = append(files, File{Src: grower, Name: "status"})
			p := filepath.Join(dir, "out", "t"+ext(format))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("previous good archive"), 0o644))

			_, _, err := Write(p, files, Options{Format: format})
			require.Error(t, err)
			assert.Contains(t, err.Error(), `archive `+p+`: "status": `+grower+` grew beyond 0 bytes while being archived`)
			assertContent(t, p, "previous good archive")
			assertDirHolds(t, filepath.Dir(p), filepath.Base(p))
		})
	}
}

func TestFailedRenameLeavesNoTempFile(t *testing.T) {
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			files := makeSources(t, t.TempDir(), []source{{"a", "a", 0o644}}, time.Now())
			// A non-empty directory where the archive should go.
			p := filepath.Join(dir, "t"+ext(format))
			require.NoError(t, os.MkdirAll(filepath.Join(p, "x"), 0o755))
			_, _, err := Write(p, files, Options{Format: format})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "archive "+p+": rename ")
			assertDirHolds(t, dir, filepath.Base(p))
		})
	}
}

func TestWriteCreatesTheDirectory(t *testing.T) {
	files := makeSources(t, t.TempDir(), []source{{"a", "a", 0o644}}, time.Now())
	p := filepath.Join(t.TempDir(), "dist", "deep", "a.zip")
	_, _, err := Write(p, files, Options{Format: Zip})
	require.NoError(t, err)
	assert.FileExists(t, p)
}

// assertDirHolds checks that dir holds exactly names: no temporary files.
func assertDirHolds(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got, "leftovers: %s", strings.Join(got, ", "))
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, string(data))
}
