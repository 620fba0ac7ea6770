package inspect

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryPlatform builds a pure-Go program for every platform the go
// command in use lists (live from `go tool dist list -json`, so a new port
// is covered without a code change) and checks what Read says about each
// binary: the format, the platform and the linkage the OS implies.
func TestEveryPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program for every platform; skipped with -short")
	}
	env, err := fixtureModule()
	require.NoError(t, err)
	out, err := exec.Command(env.goBin, "tool", "dist", "list", "-json").Output()
	require.NoError(t, err)
	var platforms []struct{ GOOS, GOARCH string }
	require.NoError(t, json.Unmarshal(out, &platforms))
	require.NotEmpty(t, platforms)

	// Go itself refuses these without cgo (they must link externally).
	mustCgo := func(goos, goarch string) bool {
		return goos == "ios" || (goos == "android" && goarch != "arm64")
	}
	dynamicOS := map[string]bool{"darwin": true, "windows": true, "openbsd": true, "solaris": true, "illumos": true, "aix": true, "android": true}
	formats := map[string]Format{"darwin": FormatMachO, "windows": FormatPE, "plan9": FormatPlan9, "js": FormatWasm, "wasip1": FormatWasm, "aix": FormatXCOFF}

	dir := t.TempDir()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	errs := make([]error, len(platforms))
	for i, p := range platforms {
		if mustCgo(p.GOOS, p.GOARCH) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(env.goBin, "build", "-o", filepath.Join(dir, p.GOOS+"-"+p.GOARCH), "./hello")
			cmd.Dir = env.dir
			cmd.Env = append(os.Environ(), "GOOS="+p.GOOS, "GOARCH="+p.GOARCH, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false", "GOTOOLCHAIN=local")
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%s/%s: %v\n%s", p.GOOS, p.GOARCH, err, b)
			}
		}()
	}
	wg.Wait()
	for i, p := range platforms {
		if mustCgo(p.GOOS, p.GOARCH) {
			continue
		}
		t.Run(p.GOOS+"/"+p.GOARCH, func(t *testing.T) {
			require.NoError(t, errs[i])
			info, err := File(filepath.Join(dir, p.GOOS+"-"+p.GOARCH))
			require.NoError(t, err)
			want, ok := formats[p.GOOS]
			if !ok {
				want = FormatELF
			}
			assert.Equal(t, want, info.Format)
			assert.Equal(t, p.GOOS, info.GOOS)
			assert.Equal(t, p.GOARCH, info.GOARCH)
			wantLinkage := LinkageStatic
			if dynamicOS[p.GOOS] {
				wantLinkage = LinkageDynamic
			}
			assert.Equal(t, wantLinkage, info.Linkage, "rule: %s", info.LinkageRule)
			assert.NotEmpty(t, info.SHA256)
			if info.Linkage == LinkageDynamic {
				assert.True(t, len(info.Needed) > 0 || info.Interpreter != "", "a dynamic binary names its loader or what it needs")
				assert.True(t, info.SystemLibsOnly, "pure Go needs only system libraries: %v", info.Needed)
			}
			if strings.HasPrefix(p.GOOS, "linux") {
				assert.Empty(t, info.Needed)
			}
		})
	}
}
