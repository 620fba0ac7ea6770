package merge

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
)

// maxListedFiles bounds the files one error lists.
const maxListedFiles = 10

// VerifyFiles checks that every file of entries is in dist with the hash
// its shard recorded, so that a lost or mixed-up artifact upload fails the
// release instead of shipping.
func VerifyFiles(ctx context.Context, dist string, entries []checksum.Entry) error {
	var bad []string
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		sum, _, err := checksum.File(filepath.Join(dist, filepath.FromSlash(e.Name)))
		switch {
		case err != nil:
			bad = append(bad, err.Error())
		case sum != e.SHA256:
			bad = append(bad, fmt.Sprintf("%s: sha256 %s, its shard built %s", e.Name, sum, e.SHA256))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s in %s do not match the fragments:", plural.Count(len(bad), "file"), dist)
	for i, b := range bad {
		if i == maxListedFiles {
			msg += fmt.Sprintf("\n  and %d more", len(bad)-i)
			break
		}
		msg += "\n  " + b
	}
	return fmt.Errorf("%s", msg)
}
