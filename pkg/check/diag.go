package check

import (
	"regexp"
	"sort"
	"strings"
)

// Diag is the first error of one failing package, as the go command
// printed it.
type Diag struct {
	// Package is the import path the error is in: from the "# pkg" line
	// above a compiler error, or "package pkg" above a load error; "" when
	// the go command did not say (a go.mod problem, say).
	Package string `json:"package,omitempty"`
	// Pos is "file:line:col" (relative to the module directory when the
	// file is in it), "" when the error has none.
	Pos string `json:"pos,omitempty"`
	// Msg is the message without its position.
	Msg string `json:"message"`
}

// String renders the diagnostic the way the go command does, with the
// package in front: "example.com/m/term: term/term.go:3:26: undefined:
// winsize", or "example.com/m imports example.com/dep: build constraints
// exclude all Go files in …" for a load error.
func (d Diag) String() string {
	if d.Package != "" && strings.HasPrefix(d.Msg, "imports ") {
		return d.Package + " " + d.Msg
	}
	var parts []string
	for _, s := range []string{d.Package, d.Pos, d.Msg} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// posLine is a compiler, assembler, cgo or go.mod error with a position.
var posLine = regexp.MustCompile(`^(.+?\.(?:go|s|S|c|h|cc|cpp|cxx|m|mod|sum|syso)):(\d+(?::\d+)?): (.*)$`)

// noise are lines of go command output that are not errors.
var noise = []string{"go: downloading ", "go: extracting ", "go: finding ", "go: found ", "go: warning: ", "go: added ", "go: upgraded "}

// ParseLog finds the first error of every failing package in a build log
// (the go command's output, with or without the "# job:" header that
// portmatrix writes around it), in the order printed. Paths are shortened:
// under root (the directory the go command ran in) they become relative,
// under modCache (GOMODCACHE) they start at the module path
// ("github.com/creack/pty@v1.1.11/pty_linux.go"); either may be empty.
func ParseLog(log, root, modCache string) []Diag {
	var out []Diag
	seen := map[string]bool{}
	add := func(d Diag) {
		if seen[d.Package] {
			return // only the first error of each package
		}
		seen[d.Package] = true
		d.Pos = relPath(relPath(d.Pos, root), modCache)
		d.Msg = relText(d.Msg, root, ".")
		d.Msg = relText(d.Msg, modCache, modCache)
		out = append(out, d)
	}
	lines := strings.Split(strings.ReplaceAll(log, "\r\n", "\n"), "\n")
	current := ""
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "", isHeader(line), hasAnyPrefix(line, noise):
			continue
		case strings.HasPrefix(line, "# "):
			current = strings.TrimPrefix(line, "# ")
			continue
		case strings.HasPrefix(line, "go: "):
			add(Diag{Msg: line}) // the go command's own, not a package's
			continue
		case strings.HasPrefix(line, "\t"), line == "too many errors":
			continue // details of an error already taken
		case strings.HasPrefix(line, "package ") && !strings.Contains(strings.TrimPrefix(line, "package "), " "):
			// A load error: "package P" then "\timports Q" lines, the
			// last one carrying the message.
			d := Diag{Package: strings.TrimPrefix(line, "package ")}
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
				i++
				d.Msg = strings.TrimSpace(lines[i])
			}
			if d.Msg == "" {
				d.Msg = "cannot load the package"
			}
			add(d)
			continue
		case strings.HasPrefix(line, "package "):
			rest := strings.TrimPrefix(line, "package ")
			if p, msg, ok := strings.Cut(rest, ": "); ok && !strings.Contains(p, " ") {
				add(Diag{Package: p, Msg: msg}) // "package P: msg"
				continue
			}
			if p, msg, _ := strings.Cut(rest, " "); strings.HasPrefix(msg, "imports ") {
				add(Diag{Package: p, Msg: msg}) // "package P imports Q: msg" (one line)
				continue
			}
		}
		d := Diag{Package: current, Msg: strings.TrimSpace(line)}
		if m := posLine.FindStringSubmatch(line); m != nil {
			d.Pos, d.Msg = m[1]+":"+m[2], m[3]
		}
		if strings.HasSuffix(d.Msg, ":") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			d.Msg += " " + strings.TrimSpace(lines[i+1]) // "…; to add it:" and the command on the next line
		}
		add(d)
	}
	return out
}

// FirstError is the error a report shows for a failed build: of the
// packages that failed (the go command prints them in the order they
// finished, which varies between runs), an error outside any package
// first, else the package whose import path sorts first, so the same build
// always gives the same answer. ok is false when the log has no error.
func FirstError(log, root, modCache string) (d Diag, failing int, ok bool) {
	ds := ParseLog(log, root, modCache)
	if len(ds) == 0 {
		return Diag{}, 0, false
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Package < ds[j].Package })
	return ds[0], len(ds), true
}

// isHeader recognises the lines portmatrix writes around a job's output.
func isHeader(line string) bool {
	return hasAnyPrefix(line, []string{"# job: ", "# dir: ", "# cd ", "# exit: ", "# typecheck: "})
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// relPath makes a position relative: no "./", no root.
func relPath(p, root string) string {
	if root != "" {
		p = strings.TrimPrefix(p, strings.TrimSuffix(root, "/")+"/")
	}
	return strings.TrimPrefix(p, "./")
}

// relText makes the paths under root in a message relative ("… in
// /tmp/x/src/winonly" becomes "… in winonly"); root itself becomes self.
func relText(s, root, self string) string {
	if root == "" {
		return s
	}
	root = strings.TrimSuffix(root, "/")
	s = strings.ReplaceAll(s, root+"/", "")
	return strings.ReplaceAll(s, root, self)
}
