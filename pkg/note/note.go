// Package note is what the stages of a run tell the user besides the
// report: warnings, progress remarks and the explanations --explain asks
// for. Stages return notes as values, so they can be tested without
// capturing output and the caller decides where, when and whether each is
// printed (never while a progress bar is drawn).
package note

import "fmt"

// Level says how a note is shown.
type Level int

// The levels of a note.
const (
	// Info is a remark on the run ("building 3 jobs again …"), shown as
	// "portmatrix: …".
	Info Level = iota
	// Warning is something the user should act on but that did not fail
	// the run, shown as "warning: …".
	Warning
	// Explain says why a job was built; shown only with --explain.
	Explain
)

// Note is one message for the user.
type Note struct {
	Level Level
	Text  string
}

// Infof is an Info note.
func Infof(format string, args ...any) Note {
	return Note{Level: Info, Text: fmt.Sprintf(format, args...)}
}

// Warnf is a Warning note.
func Warnf(format string, args ...any) Note {
	return Note{Level: Warning, Text: fmt.Sprintf(format, args...)}
}

// Explainf is an Explain note.
func Explainf(format string, args ...any) Note {
	return Note{Level: Explain, Text: fmt.Sprintf(format, args...)}
}

// String is the line a terminal shows: "warning: …" or "portmatrix: …".
func (n Note) String() string {
	if n.Level == Warning {
		return "warning: " + n.Text
	}
	return "portmatrix: " + n.Text
}
