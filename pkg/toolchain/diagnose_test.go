package toolchain

import (
	"context"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDoctorSharedToolchain: two targets served by one compiler are probed
// once, and each gets the diagnosis. (doctor used to pair Preflight's
// de-duplicated results with its rows by position, so the second target
// of a shared compiler got no verdict and counted as broken.)
func TestDoctorSharedToolchain(t *testing.T) {
	cc := fakeCC(t, "exit 0")
	bad := fakeCC(t, `echo "bad-cc: cannot find crt1.o" >&2; exit 1`)
	reqs := []Request{
		{Need: Need{Target: tg(t, "linux/arm/v6")}, Overrides: Overrides{CC: cc}},
		{Need: Need{Target: tg(t, "linux/arm/v7")}, Overrides: Overrides{CC: cc}, Static: true},
		{Need: Need{Target: tg(t, "linux/arm64")}, Overrides: Overrides{CC: bad}},
		{Need: Need{Target: tg(t, "linux/riscv64")}},
	}
	none := func(string) (string, error) { return "", exec.ErrNotFound }
	look := func(name string) (string, error) {
		if name == cc || name == bad {
			return name, nil
		}
		return none(name)
	}
	ds := Doctor(context.Background(), reqs, Machine{Host: tg(t, "linux/amd64"), LookPath: look}, nil)
	require.Len(t, ds, 4)
	for i, want := range []string{"ok", "ok (dynamic and -static)"} {
		assert.Equal(t, want, ds[i].Summary(), ds[i].Targets)
		assert.True(t, ds[i].OK())
	}
	assert.Equal(t, []string{"linux/arm/v7"}, ds[1].Targets)
	assert.Equal(t, StatusBroken, ds[2].Status)
	assert.Equal(t, "broken: bad-cc: cannot find crt1.o", ds[2].Summary())
	assert.Contains(t, ds[2].Detail(), "C toolchain "+bad+" for linux/arm64 does not work\n  command: "+bad)
	assert.Equal(t, StatusMissing, ds[3].Status)
	assert.Equal(t, "missing: apt-get install gcc-riscv64-linux-gnu", ds[3].Summary())
}

// TestDiagnoseStaticOnlyFailure: a compiler that links dynamically but not
// statically is fine for the targets that do not link -static, broken for
// those that do, although one probe serves both.
func TestDiagnoseStaticOnlyFailure(t *testing.T) {
	cc := fakeCC(t, `for a; do [ "$a" = -static ] && { echo "ld: cannot find -lc" >&2; exit 1; }; done; exit 0`)
	tc := Toolchain{Name: "no-libc-a", CC: []string{cc}, LibcPackage: "libc6-dev-arm64-cross"}
	ds := Diagnose(context.Background(), []Use{
		{Toolchain: tc, Targets: []string{"linux/arm64"}},
		{Toolchain: tc, Static: true, Targets: []string{"linux/arm64/v8.0"}},
	}, nil)
	require.Len(t, ds, 2)
	assert.Equal(t, "ok", ds[0].Summary())
	assert.Equal(t, "broken: ld: cannot find -lc; fix: apt-get install libc6-dev-arm64-cross", ds[1].Summary())
	assert.Contains(t, ds[1].Detail(), "(with -static)")
}
