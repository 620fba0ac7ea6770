package report

import (
	"bytes"
	"encoding/json"
	"io"
)

// WriteJSON writes r as an indented (two spaces) JSON document with a
// trailing newline, for CI and other tools. Nil slices are written as [] so
// consumers never have to handle null, an unset SchemaVersion is written as
// SchemaVersion and an unset Summary is computed from the jobs. HTML
// characters are not escaped, so error messages stay readable. Nothing is
// written when encoding fails (e.g. a NaN duration).
func WriteJSON(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalize(r)); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// normalize returns a copy of r as it is written to JSON, without modifying
// the caller's value.
func normalize(r *Report) *Report {
	out := *r
	if out.SchemaVersion == 0 {
		out.SchemaVersion = SchemaVersion
	}
	out.Summary = r.summary()
	out.Jobs = make([]Job, len(r.Jobs))
	for i, j := range r.Jobs {
		if j.Needed == nil {
			j.Needed = []string{}
		}
		if j.Violations == nil {
			j.Violations = []string{}
		}
		if j.ThirdParty == nil {
			j.ThirdParty = []string{}
		}
		out.Jobs[i] = j
	}
	return &out
}
