// Package dotted compares dotted versions ("2.17", "GLIBC_2.34", "10.13")
// the one way portmatrix does: numerically part by part.
package dotted

import (
	"cmp"
	"strings"
)

// Compare compares dotted versions part by part, numerically where
// both parts are numbers: "2.3.4" < "2.17" < "2.34". Parts that are not
// numbers compare in natural order (runs of digits by value, the rest as
// strings, a number before text), so "GLIBC_2.17" < "GLIBC_2.34" <
// "GLIBC_PRIVATE". A missing part counts as 0 against a number ("2.17" ==
// "2.17.0") and as less than text. The result is -1, 0 or +1.
func Compare(a, b string) int {
	for a != "" || b != "" {
		var pa, pb string
		pa, a, _ = strings.Cut(a, ".")
		pb, b, _ = strings.Cut(b, ".")
		if c := comparePart(pa, pb); c != 0 {
			return c
		}
	}
	return 0
}

// comparePart compares one dotted part in natural order.
func comparePart(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		if isDigits(b) {
			return compareNumbers("0", b)
		}
		return -1
	case b == "":
		if isDigits(a) {
			return compareNumbers(a, "0")
		}
		return 1
	}
	for a != "" && b != "" {
		ra, rb := leadingRun(a), leadingRun(b)
		da, db := isDigit(ra[0]), isDigit(rb[0])
		var c int
		switch {
		case da && db:
			c = compareNumbers(ra, rb)
		case da:
			c = -1
		case db:
			c = 1
		default:
			c = strings.Compare(ra, rb)
		}
		if c != 0 {
			return c
		}
		a, b = a[len(ra):], b[len(rb):]
	}
	return cmp.Compare(len(a), len(b))
}

// compareNumbers compares two strings of decimal digits by value, without
// converting them, so no length overflows.
func compareNumbers(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// leadingRun returns the leading run of digits, or of non-digits, of s.
func leadingRun(s string) string {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
