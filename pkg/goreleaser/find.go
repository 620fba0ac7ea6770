package goreleaser

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// Names are the configuration file names goreleaser looks for, in its
// order.
var Names = []string{".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml"}

// Find is the goreleaser configuration in dir, "" when there is none.
func Find(dir string) string {
	for _, n := range Names {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// ProjectName is goreleaser's default project name for a configuration in
// dir: the last element of the go.mod module path (goreleaser asks `go
// list -m`; the go.mod file says the same without running go), else the
// directory's name.
func ProjectName(dir string) string {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if mod, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
				mod = strings.Trim(strings.TrimSpace(mod), `"`)
				return mod[strings.LastIndex(mod, "/")+1:]
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Base(dir)
	}
	return filepath.Base(abs)
}
