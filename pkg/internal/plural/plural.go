// Package plural counts things in English for messages: "1 job", "3 jobs".
package plural

import "strconv"

// Count is n and word, with an "s" added unless n is 1.
func Count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
