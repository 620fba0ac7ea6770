package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	snapshot.Check(t, path, got)
}

// TestBadManifests loads every manifest under testdata/bad and compares its
// problems, one "file:line:col: field: message" per line, with the golden
// file next to it.
func TestBadManifests(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, ps := Load(file)
			require.NotEmpty(t, ps, "a manifest under testdata/bad must have problems")
			assert.True(t, sorted(ps), "problems are not in file order:\n%s", ps.Error())
			golden(t, strings.TrimSuffix(file, ".yaml")+".golden", ps.Error()+"\n")
		})
	}
}

// TestGoldenFilesHaveManifests catches a golden file left behind by a renamed
// or deleted manifest.
func TestGoldenFilesHaveManifests(t *testing.T) {
	goldens, err := filepath.Glob("testdata/bad/*.golden")
	require.NoError(t, err)
	for _, g := range goldens {
		_, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".yaml")
		assert.NoError(t, err, "golden file %s has no manifest", g)
	}
}

func sorted(ps Problems) bool {
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		if a.File != b.File {
			if a.File > b.File {
				return false
			}
			continue
		}
		if a.Line > b.Line || a.Line == b.Line && a.Col > b.Col {
			return false
		}
	}
	return true
}
