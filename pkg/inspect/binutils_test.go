package inspect

// Cross-checks against GNU binutils: for every real ELF fixture, what
// readelf prints must agree with what Read reports. readelf is an
// independent implementation, so a bug shared by our parser and our test
// expectations cannot hide here.

import (
	"bufio"
	"encoding/hex"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readelfView is what readelf -d -V -n -S --dyn-syms --wide says.
type readelfView struct {
	needed       []string
	versionNeeds []string // "library version"
	buildID      string
	goBuildID    string
	symtab       bool
	debugInfo    bool
	imports      map[string][]string // version -> undefined symbols bound to it
}

var (
	reNeeded    = regexp.MustCompile(`\(NEEDED\)\s+Shared library: \[(.*)\]`)
	reVerFile   = regexp.MustCompile(`^\s+(?:0x)?[0-9a-f]+: Version: \d+\s+File: (\S+)\s+Cnt: \d+`)
	reVerName   = regexp.MustCompile(`^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags: .*Version: \d+`)
	reBuildID   = regexp.MustCompile(`NT_GNU_BUILD_ID .*Build ID: ([0-9a-f]+)`)
	reGoNote    = regexp.MustCompile(`^\s+Go\s+0x[0-9a-f]+\s+GO BUILDID`)
	reNoteData  = regexp.MustCompile(`description data: ((?:[0-9a-f]{2} ?)+)`)
	reSection   = regexp.MustCompile(`^\s+\[\s*\d+\]\s+(\S+)\s`)
	reDynSymUnd = regexp.MustCompile(`^\s+\d+: [0-9a-f]+\s+\d+\s+\S+\s+\S+\s+\S+\s+UND ([^@\s]+)@(\S+)`)
)

func runReadelf(t *testing.T, path string) readelfView {
	t.Helper()
	readelf := needTool(t, "readelf")
	cmd := exec.Command(readelf, "-d", "-V", "-n", "-S", "--dyn-syms", "--wide", path)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	require.NoError(t, err, "readelf %s", path)

	v := readelfView{imports: map[string][]string{}}
	var inVerneed, inGoNote bool
	var lib string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Version needs section") {
			inVerneed = true
			continue
		}
		if inVerneed && (line == "" || strings.HasPrefix(line, "Version ")) {
			inVerneed = false
		}
		switch {
		case inVerneed && reVerFile.MatchString(line):
			lib = reVerFile.FindStringSubmatch(line)[1]
		case inVerneed && reVerName.MatchString(line):
			v.versionNeeds = append(v.versionNeeds, lib+" "+reVerName.FindStringSubmatch(line)[1])
		case reNeeded.MatchString(line):
			v.needed = append(v.needed, reNeeded.FindStringSubmatch(line)[1])
		case reBuildID.MatchString(line):
			v.buildID = reBuildID.FindStringSubmatch(line)[1]
		case reGoNote.MatchString(line) && !reNoteData.MatchString(line):
			inGoNote = true // --wide may print the data on the next line
		case (inGoNote || reGoNote.MatchString(line)) && reNoteData.MatchString(line):
			b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(reNoteData.FindStringSubmatch(line)[1]), " ", ""))
			require.NoError(t, err)
			v.goBuildID, inGoNote = string(b), false
		case reSection.MatchString(line):
			switch reSection.FindStringSubmatch(line)[1] {
			case ".symtab":
				v.symtab = true
			case ".debug_info", ".zdebug_info":
				v.debugInfo = true
			}
		case reDynSymUnd.MatchString(line):
			m := reDynSymUnd.FindStringSubmatch(line)
			v.imports[m[2]] = append(v.imports[m[2]], m[1])
		}
	}
	require.NoError(t, sc.Err())
	return v
}

// realELFs lists the ELF fixtures: every Go one, and the C ones.
func realELFs() (goFixtures, cFix []string) {
	for name, fx := range fixtures {
		switch fx.goos {
		case "darwin", "ios", "windows", "plan9", "js", "wasip1", "aix":
		default:
			goFixtures = append(goFixtures, name)
		}
	}
	for name, fx := range cFixtures {
		if fx.cc != mingwCC && !fx.notExec {
			cFix = append(cFix, name)
		}
	}
	sort.Strings(goFixtures)
	sort.Strings(cFix)
	return goFixtures, cFix
}

func TestAgainstReadelf(t *testing.T) {
	goFixtures, cFix := realELFs()
	check := func(t *testing.T, path string) {
		want := runReadelf(t, path)
		info, err := File(path)
		require.NoError(t, err)

		assert.Equal(t, sortedUnique(want.needed), info.Needed, "NEEDED")
		var got []string
		for _, vn := range info.VersionNeeds {
			got = append(got, vn.Library+" "+vn.Version)
		}
		assert.Equal(t, sortedUnique(want.versionNeeds), sortedUnique(got), ".gnu.version_r")

		var glibc []string
		for _, s := range want.versionNeeds {
			if _, v, ok := strings.Cut(s, " GLIBC_"); ok && v != "PRIVATE" {
				glibc = append(glibc, v)
			}
		}
		wantMax := ""
		if len(glibc) > 0 {
			wantMax = slices.MaxFunc(glibc, CompareVersions)
		}
		assert.Equal(t, wantMax, info.MaxGlibc, "highest GLIBC_ version")
		if wantMax != "" {
			assert.Equal(t, sortedUnique(want.imports["GLIBC_"+wantMax]), info.GlibcSymbols, "symbols needing GLIBC_%s", wantMax)
			assert.NotEmpty(t, info.GlibcSymbols)
		} else {
			assert.Empty(t, info.GlibcSymbols)
		}
		for _, vn := range info.VersionNeeds {
			assert.Equal(t, sortedUnique(want.imports[vn.Version]), vn.Symbols, "symbols of %s %s", vn.Library, vn.Version)
		}

		assert.Equal(t, want.buildID, info.BuildID, "GNU build-id")
		assert.Equal(t, want.goBuildID, info.GoBuildID, "Go build ID note")
		assert.Equal(t, !want.symtab, info.Stripped, "stripped means no .symtab")
		assert.Equal(t, want.debugInfo, info.DWARF, ".debug_info present")
	}
	for _, name := range goFixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			check(t, fixturePath(t, name))
		})
	}
	for _, name := range cFix {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			check(t, cFixturePath(t, name))
		})
	}
}
