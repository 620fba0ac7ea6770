package inspect

import "strings"

// versionFloor is the highest version with prefix ("GLIBC_") among names,
// without the prefix; names whose remainder does not start with a digit
// (GLIBC_PRIVATE, CXXABI_TM_1) are not versions and are ignored.
func versionFloor(names []string, prefix string) string {
	best := ""
	for _, n := range names {
		v, ok := strings.CutPrefix(n, prefix)
		if !ok || v == "" || !(v[0] >= '0' && v[0] <= '9') {
			continue
		}
		if best == "" || CompareVersions(v, best) > 0 {
			best = v
		}
	}
	return best
}

// Floor names the oldest system a binary runs on, where its bytes say: the
// glibc it needs, or the minimum macOS, iOS or Windows version; "" when
// nothing sets one (static binaries, other systems). The report and
// `portmatrix inspect` both show it.
func Floor(goos, maxGlibc, minOS string) string {
	switch {
	case maxGlibc != "":
		return "glibc " + maxGlibc
	case minOS == "":
		return ""
	case goos == "darwin":
		return "macOS " + minOS
	case goos == "ios":
		return "iOS " + minOS
	case goos == "windows":
		return "Windows " + minOS
	}
	return ""
}
