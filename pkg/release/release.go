// Package release makes the artifacts of a run that a release ships besides
// the binaries: one deterministic archive per job that asks for one, and
// the SHA256SUMS file over every binary and archive the run produced.
//
// It works on report rows, after the builds and the verification, so that
// an archive is made only from a binary that was built in this run and a
// checksum is listed only for a file this run wrote: a stale binary left in
// the dist directory by an earlier run is never shipped by accident.
package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"github.com/portmatrix/portmatrix/pkg/archive"
	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// ChecksumsFile is the name of the checksum file in the dist directory.
const ChecksumsFile = "SHA256SUMS"

// Options are the inputs to Pack besides the jobs.
type Options struct {
	// DistDir is the directory the rows' File and Archive.File are
	// relative to.
	DistDir string
	// ModTime is the one modification time of every archive entry; zero
	// means the archive package's fixed default.
	ModTime time.Time
	// Reuse, when set, returns the archive a previous run packed for job id
	// from the same inputs (key, from ArchiveKey), when the file is still
	// as it was written; Pack then does not pack it again.
	Reuse func(id, key string) (path, sha256 string, size int64, ok bool)
	// Packed, when set, is told about every archive of the run (packed or
	// reused), so the caller can record it for Reuse.
	Packed func(id, key, path, sha256 string, size int64)
}

// archiveFormatVersion is hashed into every ArchiveKey; bump it when the
// bytes Pack writes for the same inputs change.
const archiveFormatVersion = "portmatrix-archive-1"

// ArchiveKey is the hash of everything an archive's bytes depend on: the
// format, the top directory, the mtime, the binary's name and hash, and
// every extra file's name and content.
func ArchiveKey(a *plan.Archive, binaryName, binarySHA256 string, modTime time.Time) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%s\x00%s\x00", archiveFormatVersion, a.Format, a.Root, modTime.Unix(), binaryName, binarySHA256)
	for _, f := range a.Files {
		sum, _, err := checksum.File(f.Src)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", f.Name, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// built reports whether a row has a binary from this run.
func built(r report.Job) bool {
	return (r.Status == report.StatusOK || r.Status == report.StatusViolated) && r.SHA256 != ""
}

// Pack fills File (the binary's path in the dist directory) on every built
// row and makes the archive of every built job that asks for one, filling
// the row's Archive. rows are indexed like jobs. It stops at the first
// archive that cannot be written; the error names the job and the file.
func Pack(ctx context.Context, jobs []plan.Job, rows []report.Job, opt Options) error {
	for i := range rows {
		if !built(rows[i]) {
			continue
		}
		rel, err := relSlash(opt.DistDir, jobs[i].Output)
		if err != nil {
			return fmt.Errorf("%s: %w", jobs[i].ID, err)
		}
		rows[i].File = rel
		a := jobs[i].Archive
		if a == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		arel, err := relSlash(opt.DistDir, a.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", jobs[i].ID, err)
		}
		key, err := ArchiveKey(a, filepath.Base(jobs[i].Output), rows[i].SHA256, opt.ModTime)
		if err != nil {
			return fmt.Errorf("%s: archive: %w", jobs[i].ID, err)
		}
		if opt.Reuse != nil {
			if path, sum, size, ok := opt.Reuse(jobs[i].ID, key); ok && path == a.Path {
				rows[i].Archive = &report.Artifact{File: arel, SHA256: sum, Size: size}
				if opt.Packed != nil {
					opt.Packed(jobs[i].ID, key, a.Path, sum, size)
				}
				continue
			}
		}
		files := []archive.File{{Src: jobs[i].Output, Name: filepath.Base(jobs[i].Output), Mode: 0o755}}
		for _, f := range a.Files {
			files = append(files, archive.File{Src: f.Src, Name: f.Name, Mode: 0o644})
		}
		sum, size, err := archive.Write(a.Path, files, archive.Options{Format: a.Format, ModTime: opt.ModTime, Root: a.Root})
		if err != nil {
			return fmt.Errorf("%s: archive: %w", jobs[i].ID, err)
		}
		rows[i].Archive = &report.Artifact{File: arel, SHA256: sum, Size: size}
		if opt.Packed != nil {
			opt.Packed(jobs[i].ID, key, a.Path, sum, size)
		}
	}
	return nil
}

// Entries lists the checksums of every built row's binary and archive,
// named relative to the dist directory (sorted by checksum.Write).
func Entries(rows []report.Job) []checksum.Entry {
	var out []checksum.Entry
	for _, r := range rows {
		if !built(r) || r.File == "" {
			continue
		}
		out = append(out, checksum.Entry{Name: r.File, SHA256: r.SHA256})
		if r.Archive != nil {
			out = append(out, checksum.Entry{Name: r.Archive.File, SHA256: r.Archive.SHA256})
		}
	}
	return out
}

// WriteChecksums writes the SHA256SUMS of rows to path. Names are relative
// to the dist directory, so `cd dist && sha256sum -c SHA256SUMS` checks
// them. It writes nothing and returns false when no row has a file.
func WriteChecksums(path string, rows []report.Job) (bool, error) {
	entries := Entries(rows)
	if len(entries) == 0 {
		return false, nil
	}
	if err := checksum.WriteFile(path, entries); err != nil {
		return false, err
	}
	return true, nil
}

func relSlash(base, path string) (string, error) {
	rel, err := filepath.Rel(base, path)
	if err != nil {
		return "", err
	}
	if rel == ".." || filepath.IsAbs(rel) || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator) {
		return "", fmt.Errorf("%s is outside the dist directory %s", path, base)
	}
	return filepath.ToSlash(rel), nil
}
