package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"text/tabwriter"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// inspectEntry is one file of `inspect --json`: the inspection, plus the
// error for files that could not be read and the policy violations. Go and
// Needed are repeated here so that they are always present (null, []).
type inspectEntry struct {
	*inspect.Info
	Path       string          `json:"path"`
	Needed     []string        `json:"needed"`
	Go         *inspect.GoInfo `json:"go"`
	Error      string          `json:"error,omitempty"`
	Violations []string        `json:"violations,omitempty"`
}

// WriteInspectJSON writes the files of `portmatrix inspect` as a JSON
// array, one object per file (docs/cli.md: inspect).
func WriteInspectJSON(w io.Writer, files []verify.File) error {
	entries := make([]inspectEntry, 0, len(files))
	for _, f := range files {
		e := inspectEntry{Info: f.Info, Path: f.Path, Needed: []string{}}
		if f.Err != nil {
			e.Error = f.Err.Error()
		}
		if f.Info != nil {
			e.Go = f.Info.Go
			if f.Info.Needed != nil {
				e.Needed = f.Info.Needed
			}
		}
		for _, v := range f.Violations {
			e.Violations = append(e.Violations, v.Msg)
		}
		entries = append(entries, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(entries)
}

// WriteInspectTable writes the files of `portmatrix inspect` as a table
// (path, format, platform, linkage, floor, libraries, a * marking those
// that do not ship with the OS), then one line per error and violation.
func WriteInspectTable(w io.Writer, files []verify.File) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tFORMAT\tPLATFORM\tLINKAGE\tFLOOR\tLIBRARIES")
	var problems []string
	for _, f := range files {
		if f.Err != nil {
			fmt.Fprintf(tw, "%s\t-\t-\tERROR\t-\t-\n", f.Path)
			problems = append(problems, "✗ "+f.Err.Error())
			continue
		}
		in := f.Info
		plat := in.GOOS + "/" + in.GOARCH
		if in.GOOS == "" {
			plat = "?/" + in.GOARCH
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Path, in.Format, plat, in.Linkage, cmp.Or(inspect.Floor(in.GOOS, in.MaxGlibc, in.MinOS), "-"), libraryList(in))
		for _, v := range f.Violations {
			problems = append(problems, fmt.Sprintf("✗ %s: %s", f.Path, v.Msg))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range problems {
		if _, err := fmt.Fprintln(w, p); err != nil {
			return err
		}
	}
	return nil
}

// libraryList is the base names of a binary's libraries, * marking those
// that do not ship with the OS, or "-".
func libraryList(in *inspect.Info) string {
	if len(in.Libraries) == 0 {
		return "-"
	}
	var names []string
	for _, l := range in.Libraries {
		n := path.Base(l.Name)
		if !l.System {
			n += "*"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}
