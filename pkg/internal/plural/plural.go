// Package plural writes counts in messages ("1 job", "3 jobs"), so that
// every message of portmatrix agrees on the one rule instead of each
// package keeping its own copy.
package plural

import "strconv"

// Count is n followed by word, with an s when n is not 1: Count(1, "DLL")
// is "1 DLL", Count(3, "job") is "3 jobs". It is for the regular nouns
// portmatrix's messages use; an irregular plural needs its own wording.
func Count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
