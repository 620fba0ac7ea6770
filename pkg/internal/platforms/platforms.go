// Package platforms gives tests a fixed platform table: the output of
// `go tool dist list -json` from go1.26.8, regenerated with
// `go tool dist list -json > pkg/internal/platforms/dist-list-go1.26.json`.
// Production code always reads the live list from the toolchain in use.
package platforms

import (
	_ "embed"

	"github.com/portmatrix/portmatrix/pkg/target"
)

//go:embed dist-list-go1.26.json
var distList []byte

// Table returns the go1.26.8 platform table.
func Table() *target.Table {
	t, err := target.ParseTable(distList)
	if err != nil {
		panic(err) // the embedded file is fixed; a failure is a broken checkout
	}
	return t
}
