package inspect

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.17", "2.34", -1},
		{"2.3.4", "2.17", -1},
		{"2.2.5", "2.3", -1},
		{"2.34", "2.34", 0},
		{"2.17", "2.17.0", 0}, // a missing part counts as 0
		{"2.17", "2.17.1", -1},
		{"10.0", "9.9", 1},
		{"2.08", "2.8", 0}, // leading zeros do not matter
		{"3.4.21", "3.4.9", 1},
		{"1.3.13", "1.3", 1},
		{"", "", 0},
		{"", "1", -1},
		{"99999999999999999999999", "99999999999999999999998", 1}, // longer than any int
		{"GLIBC_2.17", "GLIBC_2.34", -1},
		{"GLIBC_2.3.4", "GLIBC_2.17", -1},
		{"GLIBC_2.34", "GLIBC_PRIVATE", -1}, // numbers sort before text
		{"CXXABI_1.3.9", "CXXABI_TM_1", -1},
		{"1.0rc1", "1.0rc2", -1},
		{"1.0rc10", "1.0rc9", 1},
		{"1.a", "1", 1},
		{"1.a", "1.b", -1},
		{"1.a", "1.0", 1},
		{"12.0", "11.0", 1},
		{"10.15.4", "11.0", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			assert.Equal(t, tt.want, CompareVersions(tt.a, tt.b))
			assert.Equal(t, -tt.want, CompareVersions(tt.b, tt.a), "antisymmetric")
		})
	}
}

func TestCompareVersionsSortsGlibcVersions(t *testing.T) {
	got := []string{"2.34", "2.2.5", "2.17", "2.3.4", "2.3", "2.14", "2.28", "2.4"}
	slices.SortFunc(got, CompareVersions)
	assert.Equal(t, []string{"2.2.5", "2.3", "2.3.4", "2.4", "2.14", "2.17", "2.28", "2.34"}, got)
}

func TestVersionFloor(t *testing.T) {
	names := []string{"GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_2.17", "GLIBC_PRIVATE", "GLIBCXX_3.4.21", "GLIBCXX_3.4",
		"CXXABI_1.3", "CXXABI_TM_1", "CXXABI_1.3.9", "GCC_3.0", "GCC_4.2.0", "GCC_", "OPENSSL_3.0.0"}
	tests := []struct{ prefix, want string }{
		{"GLIBC_", "2.34"},
		{"GLIBCXX_", "3.4.21"},
		{"CXXABI_", "1.3.9"},
		{"GCC_", "4.2.0"},
		{"LIBFOO_", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, versionFloor(names, tt.prefix), tt.prefix)
	}
	assert.Empty(t, versionFloor([]string{"GLIBC_PRIVATE"}, "GLIBC_"), "GLIBC_PRIVATE is not a floor")
}

// FuzzCompareVersions checks that CompareVersions is an order: reflexive,
// antisymmetric, and consistent with sorting.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][3]string{{"2.17", "2.34", "2.3.4"}, {"GLIBC_2.3", "GLIBC_PRIVATE", ""}, {"1.0rc1", "1.a", "01.0"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if CompareVersions(a, a) != 0 {
			t.Fatalf("%q != itself", a)
		}
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("compare(%q, %q) = %d, reverse %d", a, b, ab, ba)
		}
		if ab <= 0 && CompareVersions(b, c) <= 0 && CompareVersions(a, c) > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
	})
}
