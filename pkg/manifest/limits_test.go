package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadBounds: a manifest larger than MaxSize is refused before it is
// parsed, and a FIFO is refused before it is opened (opening one blocks).
func TestLoadBounds(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	body := "version: 1\nbuilds:\n" + strings.Repeat("  - {id: a, targets: [linux/amd64]}\n", MaxSize/36+1)
	require.Greater(t, len(body), MaxSize)
	require.NoError(t, os.WriteFile(big, []byte(body), 0o644))
	m, ps := Load(big)
	assert.Nil(t, m)
	require.Len(t, ps, 1)
	assert.Equal(t, fmt.Sprintf("%s: cannot read manifest: it is %d bytes; a manifest may have at most 1048576 (1 MiB)", big, len(body)), ps[0].Error())

	fifo := filepath.Join(dir, "fifo.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	done := make(chan Problems, 1)
	go func() { _, ps := Load(fifo); done <- ps }()
	select {
	case ps := <-done:
		require.Len(t, ps, 1)
		assert.Contains(t, ps[0].Msg, "not a regular file")
	case <-time.After(10 * time.Second):
		t.Fatal("Load blocked on a FIFO")
	}

	m, ps = Load(filepath.Join(dir, "missing.yaml"))
	assert.Nil(t, m)
	assert.Equal(t, filepath.Join(dir, "missing.yaml")+": cannot read manifest: no such file or directory", ps.Error())
}

// TestAliasesAreCheckedOnce: aliases of aliases ("billion laughs") would
// make a walk that follows every alias exponential; each is checked once.
func TestAliasesAreCheckedOnce(t *testing.T) {
	// builds: 1000 aliases of one build, whose variants are 1000 aliases of
	// one variant, whose targets are 1000 strings: 10^9 nodes if every
	// alias were walked again, a few thousand once each.
	var b strings.Builder
	b.WriteString("version: 1\nt: &t [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("linux/amd64")
	}
	b.WriteString("]\nv: &v {name: v, targets: *t}\nb: &b {id: app, targets: [linux/amd64], variants: [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*v")
	}
	b.WriteString("]}\nbuilds: [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*b")
	}
	b.WriteString("]\n")
	require.Less(t, b.Len(), MaxSize)
	done := make(chan Problems, 1)
	go func() { _, ps := Parse([]byte(b.String()), "m.yaml"); done <- ps }()
	select {
	case ps := <-done:
		assert.NotEmpty(t, ps, "the unknown keys t, v and b at least")
	case <-time.After(20 * time.Second):
		t.Fatal("Parse did not finish: aliases are walked again and again")
	}
}
