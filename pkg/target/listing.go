package target

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
)

// Listing is what `portmatrix targets` shows: the platforms of a table
// and the levels of their architectures. It is also its JSON document.
type Listing struct {
	Platforms []Platform         `json:"platforms"`
	Levels    map[string][]Level `json:"levels"`
}

// List is the table's platforms, only those with cgo support when cgo is
// set and only first-class ports when firstClass is, with the levels of
// every architecture among them.
func (t *Table) List(cgo, firstClass bool) Listing {
	l := Listing{Levels: map[string][]Level{}}
	for _, p := range t.platforms {
		if (cgo && !p.CgoSupported) || (firstClass && !p.FirstClass) {
			continue
		}
		l.Platforms = append(l.Platforms, p)
	}
	for _, arch := range LevelArchs() {
		for _, p := range l.Platforms {
			if p.GOARCH == arch {
				l.Levels[arch] = Levels(arch)
				break
			}
		}
	}
	return l
}

// WriteText writes the listing as a table of platforms (cgo support,
// first-class, level names) and the meaning of every level.
func (l Listing) WriteText(w io.Writer) error {
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "-"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tCGO\tFIRST-CLASS\tLEVELS")
	for _, p := range l.Platforms {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Pair(), yesNo(p.CgoSupported), yesNo(p.FirstClass), strings.Join(LevelNames(p.GOARCH), " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s. Levels (spell a target goos/goarch/level, e.g. linux/arm/v7):\n", plural.Count(len(l.Platforms), "platform"))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, arch := range LevelArchs() {
		for _, lv := range l.Levels[arch] {
			fmt.Fprintf(tw, "  %s/%s\t%s=%s\t%s\n", arch, lv.Name, lv.Var, lv.Value, lv.Meaning)
		}
	}
	return tw.Flush()
}
