package repro

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// pattern is n deterministic bytes that are not all alike.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestCompareBytes(t *testing.T) {
	big := pattern(3*scanChunk + 123)
	flip := func(b []byte, offs ...int) []byte {
		c := append([]byte(nil), b...)
		for _, o := range offs {
			c[o] ^= 0xff
		}
		return c
	}
	tests := []struct {
		name   string
		a, b   []byte
		offset int64 // -1: identical
		where  string
	}{
		{"identical", []byte("hello"), []byte("hello"), -1, ""},
		{"both empty", nil, nil, -1, ""},
		{"first byte", []byte("hello"), []byte("jello"), 0, "first difference at offset 0x0"},
		{"middle", []byte("hello, world"), []byte("hello, World"), 7, "first difference at offset 0x7"},
		{"b longer", []byte("hello"), []byte("hello!"), 5, "first difference at offset 0x5: the second build's file is longer"},
		{"a longer", []byte("hello!"), []byte("hello"), 5, "first difference at offset 0x5: the first build's file is longer"},
		{"across chunks", big, flip(big, scanChunk+17, 2*scanChunk+5), scanChunk + 17, "first difference at offset 0x100011"},
		{"in the last partial chunk", big, flip(big, 3*scanChunk+100), 3*scanChunk + 100, "first difference at offset 0x300064"},
		{"identical across chunks", big, big, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := writeFile(t, "a", tt.a), writeFile(t, "b", tt.b)
			d, err := Compare(a, b)
			require.NoError(t, err)
			if tt.offset < 0 {
				assert.Nil(t, d)
				return
			}
			require.NotNil(t, d)
			assert.Equal(t, tt.offset, d.Offset)
			assert.Equal(t, int64(len(tt.a)), d.A.Size)
			assert.Equal(t, int64(len(tt.b)), d.B.Size)
			assert.Len(t, d.A.SHA256, 64)
			assert.NotEqual(t, d.A.SHA256, d.B.SHA256)
			assert.Empty(t, d.Sections)
			assert.Empty(t, d.BuildInfo)
			assert.False(t, d.BuildIDOnly)
			lines := d.Lines()
			assert.Contains(t, lines, tt.where)
			assert.Contains(t, lines, "no flag suggestion: the difference is not in paths, version control stamps or the build ID")
		})
	}
}

func TestCompareArchivesSuggestSourceDateEpoch(t *testing.T) {
	a := writeFile(t, "a.tar.gz", []byte("\x1f\x8b\x08\x00\x01\x00\x00\x00rest"))
	b := writeFile(t, "b.tar.gz", []byte("\x1f\x8b\x08\x00\x02\x00\x00\x00rest"))
	d, err := Compare(a, b)
	require.NoError(t, err)
	require.NotNil(t, d)
	assert.Equal(t, "gzip", d.A.Format)
	assert.Equal(t, int64(4), d.Offset)
	assert.Contains(t, d.Suggestions(), "set SOURCE_DATE_EPOCH (or --date) so both archives get the same timestamps")
}

func TestCompareMalformed(t *testing.T) {
	good := writeFile(t, "good", []byte("just bytes"))
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"ELF magic then garbage", append([]byte("\x7fELF"), pattern(200)...), "malformed ELF"},
		{"truncated ELF", []byte("\x7fELF\x02\x01\x01"), "malformed ELF"},
		{"Mach-O magic then garbage", append([]byte("\xcf\xfa\xed\xfe"), pattern(10)...), "malformed Mach-O"},
		{"MZ then garbage", append([]byte("MZ"), pattern(100)...), "malformed PE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := writeFile(t, "bad", tt.data)
			for _, pair := range [][2]string{{good, bad}, {bad, good}} {
				d, err := Compare(pair[0], pair[1])
				require.Error(t, err)
				assert.Nil(t, d)
				assert.Contains(t, err.Error(), bad, "the error names the bad file")
				assert.Contains(t, err.Error(), tt.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope")
		_, err := Compare(good, missing)
		require.Error(t, err)
		assert.Equal(t, 1, strings.Count(err.Error(), missing), "named once: %v", err)
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Compare(dir, good)
		require.ErrorContains(t, err, dir+": not a regular file")
	})
}

func TestSuggestions(t *testing.T) {
	tests := []struct {
		name string
		d    Difference
		want []string
	}{
		{
			name: "paths without -trimpath",
			d:    Difference{Sections: []SectionDiff{{Name: ".gopclntab", SizeA: 1, SizeB: 2}, {Name: ".data", SizeA: 1, SizeB: 1}}},
			want: []string{"add -trimpath: the binary records the directory it was built in (.gopclntab differ) and its build info has no -trimpath=true"},
		},
		{
			name: "cgo paths without -trimpath",
			d:    Difference{Cgo: true, Sections: []SectionDiff{{Name: ".gopclntab", SizeA: 1, SizeB: 2}, {Name: ".debug_info", SizeA: 1, SizeB: 2}}},
			want: []string{"add -trimpath: the binary records the directory it was built in (.gopclntab, .debug_info differ) and its build info has no -trimpath=true; for this cgo build it also maps the C compiler's file paths (-ffile-prefix-map)"},
		},
		{
			name: "DWARF alone is no evidence: it follows addresses",
			d:    Difference{Sections: []SectionDiff{{Name: ".text", SizeA: 1, SizeB: 1}, {Name: ".debug_info", SizeA: 1, SizeB: 2}}},
			want: []string{"no flag suggestion: the difference is not in paths, version control stamps or the build ID"},
		},
		{
			name: "pclntab with different code is no evidence",
			d:    Difference{Sections: []SectionDiff{{Name: "__TEXT,__text", SizeA: 1, SizeB: 1}, {Name: "__TEXT,__gopclntab", SizeA: 1, SizeB: 2}}},
			want: []string{"no flag suggestion: the difference is not in paths, version control stamps or the build ID"},
		},
		{
			name: "embedded directory alone is evidence",
			d:    Difference{EmbeddedDir: "/tmp/x/src/m", Sections: []SectionDiff{{Name: ".rdata", SizeA: 1, SizeB: 1}}},
			want: []string{"add -trimpath: the binary records the directory it was built in and its build info has no -trimpath=true"},
		},
		{
			name: "already -trimpath",
			d:    Difference{TrimPath: true, Sections: []SectionDiff{{Name: ".gopclntab", SizeA: 1, SizeB: 2}}},
			want: []string{"no flag suggestion: the difference is not in paths, version control stamps or the build ID"},
		},
		{
			name: "vcs",
			d:    Difference{TrimPath: true, BuildInfo: []Change{{Key: "vcs.revision", A: "a", B: "b"}, {Key: "vcs.time", A: "1", B: "2"}}},
			want: []string{"add -buildvcs=false, or build from an unchanging checkout: the version control stamp differs (vcs.revision, vcs.time)"},
		},
		{
			name: "build id only",
			d:    Difference{TrimPath: true, BuildIDOnly: true, Sections: []SectionDiff{{Name: ".note.go.buildid", SizeA: 100, SizeB: 100}}},
			want: []string{"add -buildid= to -ldflags (-ldflags=-buildid=): only bytes derived from the build ID differ"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.d.Suggestions())
		})
	}
}

func TestLinesListsSections(t *testing.T) {
	d := &Difference{
		A:         File{Size: 200000, SHA256: strings.Repeat("a", 64), Format: "elf"},
		B:         File{Size: 200002, SHA256: strings.Repeat("b", 64), Format: "elf"},
		BuildInfo: []Change{{Key: "-ldflags", A: "-X main.v=1", B: "-X main.v=2"}, {Key: "vcs.modified", A: "false"}, {Key: "-tags", A: "a\nb"}},
		Sections: []SectionDiff{
			{Name: ".note.go.buildid", SizeA: 100, SizeB: 100},
			{Name: ".gopclntab", SizeA: 10, SizeB: 12},
			{Name: ".old", SizeA: 4, SizeB: -1},
			{Name: ".new", SizeA: -1, SizeB: 4},
		},
		Offset: 0x1a2b3, Region: ".gopclntab", RegionOffset: 0x10, TrimPath: true,
	}
	assert.Equal(t, []string{
		"the second build differs: sha256 aaaaaaaaaaaa → bbbbbbbbbbbb, size 200000 → 200002 bytes",
		"build info -ldflags: -X main.v=1 → -X main.v=2",
		"build info vcs.modified: false → (unset)",
		`build info -tags: "a\nb" → (unset)`,
		"sections that differ: .note.go.buildid, .gopclntab (10 → 12 bytes)",
		"sections only in the first build: .old",
		"sections only in the second build: .new",
		"first difference at offset 0x1a2b3 in .gopclntab (+0x10)",
		"add -buildvcs=false, or build from an unchanging checkout: the version control stamp differs (vcs.modified)",
	}, d.Lines())
	assert.Nil(t, (*Difference)(nil).Lines())
}

// TestCompareDebugStrings compiles one C file with debug info from two
// directories: gcc records each as the compilation directory in
// .debug_line_str, which is what a cgo build's C objects carry too.
func TestCompareDebugStrings(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the C compiler")
	}
	gcc := needtool.Path(t, "apt-get install gcc", "gcc")
	var objs []string
	var dirs []string
	for range 2 {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "x.c"), []byte("int twice(int x) { return 2 * x; }\n"), 0o644))
		cmd := exec.Command(gcc, "-g", "-gdwarf-5", "-c", "x.c", "-o", "x.o")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		objs = append(objs, filepath.Join(dir, "x.o"))
		dirs = append(dirs, dir)
	}
	d, err := Compare(objs[0], objs[1])
	require.NoError(t, err)
	require.NotNil(t, d)
	for _, l := range d.Lines() {
		t.Log(l)
	}
	assert.Contains(t, sectionNames(d), ".debug_line_str")
	assert.Equal(t, []string{dirs[0]}, d.DebugStringsA)
	assert.Equal(t, []string{dirs[1]}, d.DebugStringsB)
	assert.Contains(t, d.Lines(), "DWARF strings only in the first build: "+dirs[0])

	d.TrimPath = true // as a cgo build with -trimpath whose C side still differs
	assert.Contains(t, d.Suggestions()[0], "check the C toolchain: even with -trimpath the C compiler recorded other paths")
}
