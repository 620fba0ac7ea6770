// Package quoted splits a command line such as CC="zig cc -target x" the way
// the go command does (cmd/internal/quoted.Split): on white space, with a
// field that starts with a quote running to the matching quote, so that
// portmatrix runs and fingerprints exactly the compiler go build will run.
package quoted

import (
	"fmt"
	"strings"
)

// Split splits s into fields; an unterminated quote is an error.
func Split(s string) ([]string, error) {
	var f []string
	for {
		s = strings.TrimLeft(s, " \t\n\r")
		if s == "" {
			return f, nil
		}
		if q := s[0]; q == '"' || q == '\'' {
			i := strings.IndexByte(s[1:], q)
			if i < 0 {
				return nil, fmt.Errorf("unterminated %c string", q)
			}
			f = append(f, s[1:1+i])
			s = s[2+i:]
			continue
		}
		i := strings.IndexAny(s, " \t\n\r")
		if i < 0 {
			i = len(s)
		}
		f = append(f, s[:i])
		s = s[i:]
	}
}
