// Package relname checks the names release files give to other files (an
// archive's entries, SHA256SUMS lines): forward-slash paths relative to a
// base, that cannot climb out of it and mean the same to every tool.
package relname

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
)

// Check refuses an empty, absolute or backslashed name, a ".." element, and
// anything that is not a clean relative path; base names what the name is
// relative to, for the message ("the archive's top").
func Check(name, base string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case strings.Contains(name, `\`):
		return errors.New("name contains a backslash; use forward slashes")
	case strings.HasPrefix(name, "/"):
		return errors.New("name is absolute; want a path relative to " + base)
	case slices.Contains(strings.Split(name, "/"), ".."):
		return errors.New(`name contains a ".." element`)
	case name == "." || !fs.ValidPath(name):
		return errors.New(`name is not a clean relative path (empty or "." elements, trailing slash)`)
	}
	return nil
}
