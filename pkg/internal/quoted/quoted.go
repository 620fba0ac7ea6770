// Package quoted is portmatrix's one quoting, in the two dialects it
// needs. Split and Join are the go command's (cmd/internal/quoted): how it
// splits CC="zig cc -target x" and -ldflags, and how cmd/link splits
// -extldflags, so that portmatrix runs and fingerprints exactly the
// compiler go build will run and passes linker flags that arrive intact.
// Shell is POSIX sh's, for command lines a person copies into a terminal
// (the log header of every build, `portmatrix plan`).
package quoted

import (
	"fmt"
	"strings"
)

// isSpace is white space to Split (cmd/internal/quoted.isSpaceByte).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

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

// Join is the inverse of Split: it joins fields with spaces so that
// Split(Join(fields)) gives fields back. Like the go command's Join, a
// field with white space or a quote of either kind is quoted, with single
// quotes unless it holds one, else with double quotes, and a field that
// holds both kinds cannot be quoted: that is an error naming it. Unlike
// it, an empty field is written as a pair of single quotes instead of
// vanishing.
func Join(fields []string) (string, error) {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		var space, single, double bool
		for j := 0; j < len(f); j++ {
			switch c := f[j]; {
			case isSpace(c):
				space = true
			case c == '\'':
				single = true
			case c == '"':
				double = true
			}
		}
		switch {
		case f == "":
			b.WriteString("''")
		case !space && !single && !double:
			b.WriteString(f)
		case !single:
			b.WriteString("'" + f + "'")
		case !double:
			b.WriteString(`"` + f + `"`)
		default:
			return "", fmt.Errorf("argument %q contains both single and double quotes and cannot be quoted", f)
		}
	}
	return b.String(), nil
}

// Shell quotes s as one word of a POSIX shell command line: as it is when
// every byte is one no shell treats specially (letters, digits and
// -_./=,:+@%), else in single quotes, where a single quote inside ends
// the quoted run, stands escaped (backslash, quote) and opens the next.
// Any string without a NUL byte survives sh reading it back.
func Shell(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=,:+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
