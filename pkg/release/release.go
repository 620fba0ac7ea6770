// Package release makes the artifacts of a run that a release ships besides
// the binaries: one deterministic archive per job that asks for one, and
// the SHA256SUMS file over every binary and archive the run produced.
//
// It works after the builds and the verification, on the hashes the
// verification read, so that an archive is made only from a binary that
// was built (or proved unchanged) in this run and a checksum is listed only
// for such a file: a stale binary left in the dist directory by an earlier
// run is never shipped by accident.
//
// It also resolves the release's stamp (version, commit, date) from flags,
// SOURCE_DATE_EPOCH and git (stamp.go).
package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/portmatrix/portmatrix/pkg/archive"
	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// ChecksumsFile is the name of the checksum file in the dist directory.
const ChecksumsFile = "SHA256SUMS"

// Options are the inputs to Pack besides the jobs.
type Options struct {
	// DistDir is the directory File and Artifact.File are relative to.
	DistDir string
	// ModTime is the one modification time of every archive entry; zero
	// means the archive package's fixed default.
	ModTime time.Time
	// Root, when set, confines writing the archives: the dist directory's.
	Root *os.Root
	// Reuse, when set, returns the archive a previous run packed for job id
	// from the same inputs (key, from ArchiveKey), when the file is still
	// as it was written; Pack then does not pack it again.
	Reuse func(id, key string) (Artifact, bool)
	// Packed, when set, is told about every archive of the run (packed or
	// reused), so the caller can record it for Reuse.
	Packed func(id, key string, a Artifact)
}

// Artifact is a file of the release besides a binary (an archive): Path on
// disk, File relative to the dist directory with forward slashes, as
// SHA256SUMS names it.
type Artifact struct {
	Path   string
	File   string
	SHA256 string
	Size   int64
}

// Files is what a job ships: its binary, named relative to the dist
// directory (File), and its archive when it asks for one. The zero value
// (no File) is a job that shipped nothing: it did not build.
type Files struct {
	File    string
	Archive *Artifact
	// SBOMs are the binary's SBOMs, one per format asked (WriteSBOMs).
	SBOMs []Artifact
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

// Pack names the binary of every built job relative to the dist
// directory and makes the archive of every built job that asks for one.
// sums are the SHA-256 of each job's binary as it was verified, indexed
// like jobs; "" marks a job that did not build in this run, which ships
// nothing (a stale binary left in the dist directory by an earlier run is
// never archived). It stops at the first archive that cannot be written;
// the error names the job and the file.
func Pack(ctx context.Context, jobs []plan.Job, sums []string, opt Options) ([]Files, error) {
	out := make([]Files, len(jobs))
	for i, j := range jobs {
		if sums[i] == "" {
			continue
		}
		rel, err := relSlash(opt.DistDir, j.Output)
		if err != nil {
			return out, fmt.Errorf("%s: %w", j.ID, err)
		}
		out[i].File = rel
		if j.Archive == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		a, err := pack(j, sums[i], opt)
		if err != nil {
			return out, fmt.Errorf("%s: archive: %w", j.ID, err)
		}
		out[i].Archive = &a
	}
	return out, nil
}

// pack makes (or reuses) the archive of one built job.
func pack(j plan.Job, sum string, opt Options) (Artifact, error) {
	a := j.Archive
	arel, err := relSlash(opt.DistDir, a.Path)
	if err != nil {
		return Artifact{}, err
	}
	key, err := ArchiveKey(a, filepath.Base(j.Output), sum, opt.ModTime)
	if err != nil {
		return Artifact{}, err
	}
	if opt.Reuse != nil {
		if got, ok := opt.Reuse(j.ID, key); ok && got.Path == a.Path {
			got.File = arel
			if opt.Packed != nil {
				opt.Packed(j.ID, key, got)
			}
			return got, nil
		}
	}
	files := []archive.File{{Src: j.Output, Name: filepath.Base(j.Output), Mode: 0o755}}
	for _, f := range a.Files {
		files = append(files, archive.File{Src: f.Src, Name: f.Name, Mode: 0o644})
	}
	asum, size, err := archive.Write(a.Path, files, archive.Options{Format: a.Format, ModTime: opt.ModTime, Root: a.Root, In: opt.Root})
	if err != nil {
		return Artifact{}, err
	}
	got := Artifact{Path: a.Path, File: arel, SHA256: asum, Size: size}
	if opt.Packed != nil {
		opt.Packed(j.ID, key, got)
	}
	return got, nil
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
