package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/sbom"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// SBOMOptions are the inputs of WriteSBOMs besides the jobs.
type SBOMOptions struct {
	// DistDir is the directory the artifacts' File names are relative to;
	// Root, when set, confines writing to it.
	DistDir string
	Root    *os.Root
	// Formats are the SBOM formats to write beside each binary.
	Formats []sbom.Format
	// Created is every document's time: the release's date.
	Created time.Time
	// Tool names portmatrix in the documents ("portmatrix v1.2.3").
	Tool string
	// Facts is what each job's C toolchain is (toolchain.FactsOf),
	// indexed like the jobs; nil for a job without one.
	Facts []*toolchain.Facts
}

// WriteSBOMs writes, for every job that ships a binary (a non-empty
// File in files), its SBOM in each format beside the binary
// (BINARY.cdx.json, BINARY.spdx.json), through a temporary file and a
// rename. The SBOM is made from the file's bytes as they are now, which
// must be the bytes the verification read (sums, indexed like jobs): a
// binary that changed since is an error, not an SBOM of something else.
// It returns each job's SBOMs, indexed like jobs, and stops at the first
// error, which names the job.
func WriteSBOMs(ctx context.Context, jobs []plan.Job, files []Files, sums []string, opt SBOMOptions) ([][]Artifact, error) {
	out := make([][]Artifact, len(jobs))
	if len(opt.Formats) == 0 {
		return out, nil
	}
	for i, j := range jobs {
		if i >= len(files) || files[i].File == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		info, err := inspect.File(j.Output)
		if err != nil {
			return out, fmt.Errorf("%s: SBOM: %w", j.ID, err)
		}
		if info.SHA256 != sums[i] {
			return out, fmt.Errorf("%s: SBOM: %s changed after it was verified (sha256 %s, verified %s)", j.ID, j.Output, info.SHA256, sums[i])
		}
		b := sbom.Binary{Name: files[i].File, Info: info, Created: opt.Created, Tool: opt.Tool, Job: j.ID}
		if i < len(opt.Facts) && opt.Facts[i] != nil {
			f := opt.Facts[i]
			b.C = &sbom.CRuntime{Compiler: f.Compiler, Version: f.Version, Target: f.Target, Libc: f.Libc, LibcVersion: f.LibcVersion}
		}
		for _, format := range opt.Formats {
			a, err := writeSBOM(format, b, j.Output, files[i].File, opt)
			if err != nil {
				return out, fmt.Errorf("%s: %s SBOM: %w", j.ID, format, err)
			}
			out[i] = append(out[i], a)
		}
	}
	return out, nil
}

// writeSBOM encodes one SBOM and writes it beside the binary.
func writeSBOM(format sbom.Format, b sbom.Binary, binary, file string, opt SBOMOptions) (Artifact, error) {
	doc, err := sbom.Encode(format, b)
	if err != nil {
		return Artifact{}, err
	}
	path := binary + format.Ext()
	if err := WriteSBOMFile(opt.Root, path, format, doc); err != nil {
		return Artifact{}, err
	}
	sum := sha256.Sum256(doc)
	return Artifact{Path: path, File: file + format.Ext(), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(doc))}, nil
}

// maxSBOMBytes bounds what is read of an existing file to tell whether it
// is an earlier SBOM.
const maxSBOMBytes = 64 << 20

// WriteSBOMFile writes doc to path through a temporary file and a rename
// (through root when set), unless a file is there that is not an SBOM of
// the same format: an earlier SBOM is replaced, anything else the user
// has is never overwritten.
func WriteSBOMFile(root *os.Root, path string, format sbom.Format, doc []byte) error {
	if err := checkReplaceable(path, format); err != nil {
		return err
	}
	return atomicfile.WriteIn(root, path, 0o644, func(f *os.File) error {
		_, err := bytes.NewReader(doc).WriteTo(f)
		return err
	})
}

// checkReplaceable says whether path is absent or an SBOM of format.
func checkReplaceable(path string, format sbom.Format) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file; not replacing it", path)
	}
	var head struct {
		BOMFormat   string `json:"bomFormat"`
		SPDXVersion string `json:"spdxVersion"`
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSBOMBytes))
	if err == nil {
		err = json.Unmarshal(data, &head)
	}
	ok := err == nil && ((format == sbom.CycloneDX && head.BOMFormat == "CycloneDX") || (format == sbom.SPDX && strings.HasPrefix(head.SPDXVersion, "SPDX-")))
	if !ok {
		return fmt.Errorf("%s exists and is not a %s SBOM; not overwriting it (move it away, or write the SBOMs elsewhere)", path, format)
	}
	return nil
}
