package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// modTime has an odd second, a fraction and a zone, to show that entries
// get whole seconds in UTC.
var (
	modTime  = time.Date(2023, 11, 14, 22, 13, 21, 500_000_000, time.FixedZone("EET", 2*3600))
	wantTime = time.Date(2023, 11, 14, 20, 13, 21, 0, time.UTC)
)

const root = "tool_1.0_linux_amd64"

// source is a file to create on disk for an archive.
type source struct {
	name    string
	content string
	perm    fs.FileMode
}

var sources = []source{
	{"tool", "\x7fELF pretend binary\n", 0o755},
	{"README.md", "# tool\n", 0o644},
	{"LICENSE", "MIT\n", 0o600},
	{"doc/manual.txt", strings.Repeat("manual ", 2000), 0o664},
}

// member is what a test expects to find in an archive.
type member struct {
	name    string
	mode    fs.FileMode // including fs.ModeDir for directories
	content string
}

var wantMembers = []member{
	{root + "/", fs.ModeDir | 0o755, ""},
	{root + "/LICENSE", 0o644, "MIT\n"},
	{root + "/README.md", 0o644, "# tool\n"},
	{root + "/doc/", fs.ModeDir | 0o755, ""},
	{root + "/doc/manual.txt", 0o644, strings.Repeat("manual ", 2000)},
	{root + "/tool", 0o755, "\x7fELF pretend binary\n"},
}

var formats = []string{TarGz, Zip}

// makeSources creates sources under dir, with their permissions less the
// umask and with the given times on disk, and returns them as Files in the
// order given.
func makeSources(t *testing.T, dir string, srcs []source, diskTime time.Time) []File {
	t.Helper()
	var files []File
	for _, s := range srcs {
		p := filepath.Join(dir, filepath.FromSlash(s.name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		// The umask applies, as it does to a build's outputs.
		require.NoError(t, os.WriteFile(p, []byte(s.content), s.perm))
		require.NoError(t, os.Chtimes(p, diskTime.Add(time.Hour), diskTime))
		files = append(files, File{Src: p, Name: s.name})
	}
	return files
}

func ext(format string) string { return "." + format }

func TestWriteIsReproducible(t *testing.T) {
	tests := []struct {
		name    string
		modTime time.Time
	}{
		{"with a mod time", modTime},
		{"zero mod time", time.Time{}},
	}
	for _, format := range formats {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				opt := Options{Format: format, ModTime: tt.modTime, Root: root}

				var first []File
				withUmask(t, 0o022, func() {
					first = makeSources(t, t.TempDir(), sources, time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC))
				})
				var second []File
				withUmask(t, 0o077, func() {
					second = makeSources(t, t.TempDir(), sources, time.Now())
				})
				fi, err := os.Stat(second[0].Src)
				require.NoError(t, err)
				require.Equal(t, fs.FileMode(0o700), fi.Mode().Perm(), "the umask shaped the second set of sources")
				slices.Reverse(second)

				a := filepath.Join(t.TempDir(), "a"+ext(format))
				b := filepath.Join(t.TempDir(), "b"+ext(format))
				sumA, sizeA, err := Write(a, first, opt)
				require.NoError(t, err)
				var sumB string
				var sizeB int64
				withUmask(t, 0o077, func() {
					sumB, sizeB, err = Write(b, second, opt)
				})
				require.NoError(t, err)

				dataA, err := os.ReadFile(a)
				require.NoError(t, err)
				dataB, err := os.ReadFile(b)
				require.NoError(t, err)
				assert.True(t, bytes.Equal(dataA, dataB), "archives differ")
				assert.Equal(t, sumA, sumB)
				assert.Equal(t, sizeA, sizeB)

				h := sha256.Sum256(dataA)
				assert.Equal(t, hex.EncodeToString(h[:]), sumA, "returned sum is the file's")
				assert.Equal(t, int64(len(dataA)), sizeA, "returned size is the file's")
				for _, p := range []string{a, b} {
					fi, err := os.Stat(p)
					require.NoError(t, err)
					assert.Equal(t, fs.FileMode(0o644), fi.Mode().Perm(), "archive mode does not follow the umask")
				}
			})
		}
	}
}

func TestReadBack(t *testing.T) {
	tests := []struct {
		name     string
		modTime  time.Time
		wantTime time.Time
	}{
		{"with a mod time", modTime, wantTime},
		{"zero mod time means 1980", time.Time{}, DefaultModTime},
		{"1970 in a tar.gz", time.Unix(0, 0), time.Unix(0, 0).UTC()},
		{"1970 in a zip is 1980", time.Unix(0, 0), DefaultModTime},
	}
	for _, format := range formats {
		for _, tt := range tests {
			if strings.HasPrefix(tt.name, "1970 in a ") && !strings.Contains(tt.name, format) {
				continue
			}
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				files := makeSources(t, t.TempDir(), sources, time.Now())
				p := filepath.Join(t.TempDir(), "out"+ext(format))
				_, _, err := Write(p, files, Options{Format: format, ModTime: tt.modTime, Root: root})
				require.NoError(t, err)
				var got []member
				if format == TarGz {
					got = readTarGz(t, p, tt.modTime, tt.wantTime)
				} else {
					got = readZip(t, p, tt.wantTime)
				}
				assert.Equal(t, wantMembers, got)
			})
		}
	}
}

// readTarGz reads a .tar.gz, checking the fixed fields of every header.
func readTarGz(t *testing.T, path string, modTime, wantTime time.Time) []member {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	assert.Empty(t, gz.Name)
	assert.Empty(t, gz.Comment)
	assert.Equal(t, byte(255), gz.OS)
	if modTime.IsZero() || modTime.Unix() == 0 { // gzip's time 0 means "none"
		assert.True(t, gz.ModTime.IsZero(), "gzip time %v, want none", gz.ModTime)
	} else {
		assert.True(t, wantTime.Equal(gz.ModTime), "gzip time %v, want %v", gz.ModTime, wantTime)
	}
	tr := tar.NewReader(gz)
	var got []member
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		assert.True(t, wantTime.Equal(hdr.ModTime), "%s: mtime %v, want %v", hdr.Name, hdr.ModTime, wantTime)
		assert.True(t, hdr.AccessTime.IsZero(), "%s: has an atime", hdr.Name)
		assert.True(t, hdr.ChangeTime.IsZero(), "%s: has a ctime", hdr.Name)
		assert.Zero(t, hdr.Uid, hdr.Name)
		assert.Zero(t, hdr.Gid, hdr.Name)
		assert.Empty(t, hdr.Uname, hdr.Name)
		assert.Empty(t, hdr.Gname, hdr.Name)
		assert.Empty(t, hdr.PAXRecords, hdr.Name)
		assert.Equal(t, tar.FormatUSTAR, hdr.Format, "%s: short ASCII names need no PAX records", hdr.Name)
		m := member{name: hdr.Name, mode: fs.FileMode(hdr.Mode)}
		switch hdr.Typeflag {
		case tar.TypeDir:
			m.mode |= fs.ModeDir
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			m.content = string(data)
		default:
			t.Errorf("%s: type %q", hdr.Name, hdr.Typeflag)
		}
		got = append(got, m)
	}
	require.NoError(t, gz.Close())
	return got
}

// readZip reads a .zip, checking the fixed fields of every header.
func readZip(t *testing.T, path string, wantTime time.Time) []member {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	assert.Empty(t, zr.Comment)
	var got []member
	for _, f := range zr.File {
		assert.Equal(t, uint16(3), f.CreatorVersion>>8, "%s: creator is Unix", f.Name)
		assert.True(t, wantTime.Equal(f.Modified), "%s: modified %v, want %v", f.Name, f.Modified, wantTime)
		// The MS-DOS fields hold the UTC wall clock, down to even seconds.
		dos := time.Date(
			int(f.ModifiedDate>>9)+1980, time.Month(f.ModifiedDate>>5&0xf), int(f.ModifiedDate&0x1f),
			int(f.ModifiedTime>>11), int(f.ModifiedTime>>5&0x3f), int(f.ModifiedTime&0x1f)*2, 0, time.UTC)
		assert.Equal(t, wantTime.Add(-time.Duration(wantTime.Second()%2)*time.Second), dos, "%s: MS-DOS time", f.Name)
		m := member{name: f.Name, mode: f.Mode()}
		if f.Mode().IsDir() {
			assert.Equal(t, zip.Store, f.Method, f.Name)
		} else {
			assert.Equal(t, zip.Deflate, f.Method, f.Name)
			rc, err := f.Open()
			require.NoError(t, err)
			data, err := io.ReadAll(rc)
			require.NoError(t, err)
			rc.Close()
			m.content = string(data)
		}
		got = append(got, m)
	}
	return got
}

func TestModes(t *testing.T) {
	tests := []struct {
		name     string
		perm     fs.FileMode
		mode     fs.FileMode
		wantMode fs.FileMode
	}{
		{"executable source", 0o755, 0, 0o755},
		{"owner-only executable source", 0o700, 0, 0o755},
		{"group-executable source", 0o610, 0, 0o755},
		{"plain source", 0o644, 0, 0o644},
		{"read-only source", 0o400, 0, 0o644},
		{"explicit executable mode on a plain source", 0o644, 0o755, 0o755},
		{"explicit plain mode on an executable source", 0o755, 0o644, 0o644},
		{"explicit odd modes are normalised", 0o644, 0o500, 0o755},
	}
	for _, format := range formats {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				files := makeSources(t, t.TempDir(), []source{{"bin", "x", tt.perm}}, time.Now())
				require.NoError(t, os.Chmod(files[0].Src, tt.perm))
				files[0].Mode = tt.mode
				p := filepath.Join(t.TempDir(), "out"+ext(format))
				_, _, err := Write(p, files, Options{Format: format})
				require.NoError(t, err)
				var got []member
				if format == TarGz {
					got = readTarGz(t, p, time.Time{}, DefaultModTime)
				} else {
					got = readZip(t, p, DefaultModTime)
				}
				assert.Equal(t, []member{{"bin", tt.wantMode, "x"}}, got)
			})
		}
	}
}

// TestLongAndUnicodeNames shows that names USTAR cannot hold still work,
// through PAX records, and stay reproducible.
func TestLongAndUnicodeNames(t *testing.T) {
	long := strings.Repeat("d/", 60) + "file.txt"
	srcs := []source{{long, "deep", 0o644}, {"héllo/wörld.txt", "unicode", 0o644}}
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			var sums []string
			for range 2 {
				files := makeSources(t, t.TempDir(), srcs, time.Now())
				p := filepath.Join(t.TempDir(), "out"+ext(format))
				sum, _, err := Write(p, files, Options{Format: format, ModTime: modTime})
				require.NoError(t, err)
				sums = append(sums, sum)
				names := listNames(t, p, format)
				assert.Contains(t, names, long)
				assert.Contains(t, names, "héllo/wörld.txt")
				assert.Contains(t, names, "héllo/")
				assert.Equal(t, 63, len(names), "60 directories of the long name, héllo/, and two files")
			}
			assert.Equal(t, sums[0], sums[1])
		})
	}
}

func listNames(t *testing.T, path, format string) []string {
	t.Helper()
	var names []string
	if format == Zip {
		zr, err := zip.OpenReader(path)
		require.NoError(t, err)
		defer zr.Close()
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		return names
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names
		}
		require.NoError(t, err)
		names = append(names, hdr.Name)
	}
}
