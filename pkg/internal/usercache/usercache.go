// Package usercache locates portmatrix's directory under the user's cache
// directory, shared by the output cache and the zig cache.
package usercache

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// Dir is <user cache dir>/portmatrix: $XDG_CACHE_HOME or ~/.cache on Linux
// and the BSDs, read through getenv so tests need not change the process
// environment; elsewhere (macOS, Windows, Plan 9) it is os.UserCacheDir.
func Dir(getenv func(string) string) (string, error) {
	switch runtime.GOOS {
	case "darwin", "ios", "windows", "plan9":
		d, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "portmatrix"), nil
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "portmatrix"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "portmatrix"), nil
	}
	return "", errors.New("neither $XDG_CACHE_HOME nor $HOME is set")
}
