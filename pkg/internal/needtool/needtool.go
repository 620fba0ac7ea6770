// Package needtool lets tests ask for a program a fresh machine may lack (a
// browser, xmllint, a cross C compiler): locally the test is skipped with
// the command that installs it; in CI (CI=true) a missing tool fails the
// test, so that a green CI run never hides a test that did not run.
package needtool

import (
	"os"
	"os/exec"
	"testing"
)

// Path returns the full path of the first of names found on PATH. When none
// is, it skips t naming install (e.g. "apt-get install chromium"), or fails
// t when the CI environment variable is "true".
func Path(t testing.TB, install string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v not found on PATH and CI=true: a missing tool is a failure in CI (install: %s; scripts/install-deps.sh does)", names, install)
	}
	t.Skipf("%v not found on PATH; install it with: %s (or run scripts/install-deps.sh)", names, install)
	return ""
}
