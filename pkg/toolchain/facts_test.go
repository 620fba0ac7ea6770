package toolchain_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// TestFactsOf checks what FactsOf says of the machine's real toolchains
// against what the tools say themselves: gcc's own version, the glibc of
// ldd, musl's loader, zig's target and bundled musl.
func TestFactsOf(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the C compilers")
	}
	ctx := context.Background()
	host := target.Target{GOOS: "linux", GOARCH: "amd64"}
	pick := func(t *testing.T, need toolchain.Need, ov toolchain.Overrides) toolchain.Toolchain {
		t.Helper()
		tc, err := toolchain.Machine{Host: host, LookPath: exec.LookPath}.Select(need, ov)
		require.NoError(t, err)
		return tc
	}

	t.Run("gcc glibc", func(t *testing.T) {
		needtool.Path(t, "apt-get install gcc libc6-dev", "gcc")
		f := toolchain.FactsOf(ctx, pick(t, toolchain.Need{Target: host}, toolchain.Overrides{Toolchain: "gcc"}), os.Environ())
		out, err := exec.Command("gcc", "-dumpfullversion").Output()
		require.NoError(t, err)
		assert.Equal(t, strings.TrimSpace(string(out)), f.Version)
		assert.Equal(t, "gcc", f.Compiler)
		assert.Equal(t, "x86_64-linux-gnu", f.Target)
		assert.Equal(t, "glibc", f.Libc)
		// ldd --version's first line ends in the glibc version.
		ldd, err := exec.Command("ldd", "--version").Output()
		require.NoError(t, err)
		first, _, _ := strings.Cut(string(ldd), "\n")
		assert.True(t, strings.HasSuffix(strings.TrimSpace(first), " "+f.LibcVersion), "ldd says %q, FactsOf %q", first, f.LibcVersion)
	})
	t.Run("musl-gcc", func(t *testing.T) {
		needtool.Path(t, "apt-get install musl-tools", "musl-gcc")
		f := toolchain.FactsOf(ctx, pick(t, toolchain.Need{Target: host, Libc: "musl"}, toolchain.Overrides{Toolchain: "gcc"}), os.Environ())
		assert.Equal(t, "musl-gcc", f.Compiler)
		assert.Equal(t, "musl", f.Libc)
		out, _ := exec.Command("dpkg-query", "-W", "-f=${Version}", "musl").Output()
		assert.Regexp(t, regexp.MustCompile(`^\d+\.\d+\.\d+$`), f.LibcVersion)
		if len(out) > 0 {
			assert.True(t, strings.HasPrefix(string(out), f.LibcVersion+"-"), "dpkg says musl %s, FactsOf %q", out, f.LibcVersion)
		}
	})
	t.Run("zig", func(t *testing.T) {
		z, _ := findZig(t)
		m := toolchain.Machine{Host: host, LookPath: exec.LookPath, Zig: z}
		tc, err := m.Select(toolchain.Need{Target: host}, toolchain.Overrides{Toolchain: "zig", Glibc: "2.17"})
		require.NoError(t, err)
		f := toolchain.FactsOf(ctx, tc, os.Environ())
		assert.Equal(t, toolchain.Facts{Compiler: "zig cc", Version: z.Version, Target: "x86_64-linux-gnu.2.17", Libc: "glibc", LibcVersion: "2.17"}, f)

		tc, err = m.Select(toolchain.Need{Target: target.Target{GOOS: "linux", GOARCH: "arm64"}, Libc: "musl"}, toolchain.Overrides{Toolchain: "zig"})
		require.NoError(t, err)
		f = toolchain.FactsOf(ctx, tc, os.Environ())
		assert.Equal(t, "aarch64-linux-musl", f.Target)
		// zig 0.11.0 bundles musl 1.2.4.
		if z.Version == "0.11.0" {
			assert.Equal(t, "1.2.4", f.LibcVersion)
		} else {
			assert.Regexp(t, `^\d+\.\d+\.\d+$`, f.LibcVersion)
		}
	})
}
