package goreleaser

import (
	"regexp"
	"strings"
)

// actionRE is one template action, {{ ... }}.
var actionRE = regexp.MustCompile(`\{\{-?\s*(.*?)\s*-?\}\}`)

// trimLeftRE and trimRightRE are the trim markers with the space they
// remove.
var (
	trimLeftRE  = regexp.MustCompile(`\s*\{\{-\s`)
	trimRightRE = regexp.MustCompile(`\s-\}\}\s*`)
)

// fieldRE is an action that only names a field: .Version, .Env.NAME.
var fieldRE = regexp.MustCompile(`^\.([A-Za-z][A-Za-z0-9]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?$`)

// fields maps goreleaser's template fields to portmatrix's
// (docs/manifest.md#templates); the note says where they differ.
var fields = map[string]struct{ to, note string }{
	"Version":     {"{{.Version}}", ""},
	"Commit":      {"{{.Commit}}", ""},
	"FullCommit":  {"{{.Commit}}", ""},
	"Tag":         {"{{.Tag}}", ""},
	"ShortCommit": {"{{.ShortCommit}}", "portmatrix's .ShortCommit has 12 characters, goreleaser's git's short hash"},
	"CommitDate":  {"{{.Date}}", ""},
	"Date":        {"{{.Date}}", "portmatrix's .Date is the commit time (or SOURCE_DATE_EPOCH), goreleaser's .Date the time of the build: the portmatrix binary is reproducible"},
	"Os":          {"{{.GOOS}}", ""},
	"Arch":        {"{{.GOARCH}}", ""},
	"Amd64":       {"{{.Level}}", "portmatrix's .Level is the level of every architecture (v1 for amd64, v7 for arm), goreleaser's .Amd64 only amd64's"},
	"Arm":         {"{{.Level}}", "portmatrix's .Level for arm is v6/v7, goreleaser's .Arm is 6/7"},
	"Target":      {"{{.Slug}}", "portmatrix's .Slug is linux_arm_v7 where goreleaser's .Target is linux_arm_7"},
}

// translate rewrites the goreleaser template s for portmatrix.
// project replaces .ProjectName. It returns the text, the notes of fields
// that differ, and ok false when an action cannot be translated (a
// function, a pipe, .Env, .CommitTimestamp, ...).
func translate(s, project string) (string, []string, bool) {
	// {{- and -}} trim the space beside them; do it here, as the template
	// would, before the actions are rewritten without the markers.
	s = trimLeftRE.ReplaceAllString(s, "{{")
	s = trimRightRE.ReplaceAllString(s, "}}")
	ok := true
	var notes []string
	out := actionRE.ReplaceAllStringFunc(s, func(action string) string {
		inner := actionRE.FindStringSubmatch(action)[1]
		m := fieldRE.FindStringSubmatch(inner)
		if m == nil {
			ok = false
			return action
		}
		if m[1] == "ProjectName" && m[2] == "" && project != "" {
			return project
		}
		f, known := fields[m[1]]
		if !known || m[2] != "" {
			ok = false
			return action
		}
		if f.note != "" {
			notes = append(notes, f.note)
		}
		return f.to
	})
	return out, notes, ok
}

// hasTemplate says whether s holds a template action.
func hasTemplate(s string) bool { return strings.Contains(s, "{{") }
