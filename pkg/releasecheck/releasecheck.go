// Package releasecheck verifies a release directory as a user who
// downloaded it would: every file SHA256SUMS lists is there with that
// hash, the signature of SHA256SUMS and of the provenance verify with a
// key the user trusts, every artifact the provenance names is there with
// its hash, and every SBOM describes the binary beside it (its hash, its
// modules, its linkage).
//
// The trust comes from the keys given, never from the directory: a
// public key shipped beside the files proves nothing, so none is read
// from it. Without a key the signatures are reported as not verified and
// RequireSigned turns that into a failure.
package releasecheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/filehash"
	"github.com/portmatrix/portmatrix/pkg/provenance"
	"github.com/portmatrix/portmatrix/pkg/sbom"
	"github.com/portmatrix/portmatrix/pkg/signing"
)

// SumsFile and SignatureExt name SHA256SUMS and its signature.
const (
	SumsFile     = "SHA256SUMS"
	SignatureExt = ".sig"
)

// maxDocBytes bounds what is read of a provenance or SBOM file.
const maxDocBytes = 64 << 20

// Options say what to verify and with which keys.
type Options struct {
	// Dir is the release directory.
	Dir string
	// Sums is the checksum file (default Dir/SHA256SUMS).
	Sums string
	// Keys are the public keys the user trusts; a signature must verify
	// with one of them.
	Keys []*signing.PublicKey
	// RequireSigned fails a release whose SHA256SUMS or provenance is not
	// signed, or whose signatures cannot be verified for want of a key.
	RequireSigned bool
}

// Status is a check's verdict.
type Status string

// The verdicts.
const (
	OK      Status = "ok"
	Failed  Status = "FAIL"
	Skipped Status = "note" // not verified, and not required to be
)

// Check is one thing verified: the file it is about and what was found.
type Check struct {
	File   string
	Status Status
	What   string
}

// Result is every check, in a stable order.
type Result struct {
	Checks []Check
}

// Failed counts the failed checks.
func (r *Result) Failed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == Failed {
			n++
		}
	}
	return n
}

// Write prints one line per check and a summary.
func (r *Result) Write(w io.Writer) error {
	for _, c := range r.Checks {
		if _, err := fmt.Fprintf(w, "%-4s %s: %s\n", c.Status, c.File, c.What); err != nil {
			return err
		}
	}
	verdict := "the release verifies"
	if n := r.Failed(); n > 0 {
		verdict = fmt.Sprintf("%d check(s) failed", n)
	}
	_, err := fmt.Fprintf(w, "%s (%d checks)\n", verdict, len(r.Checks))
	return err
}

// Verify checks the release in opt.Dir. An error is returned only when
// the directory or SHA256SUMS cannot be read at all; everything else is a
// failed Check naming its file.
func Verify(ctx context.Context, opt Options) (*Result, error) {
	res := &Result{}
	add := func(file string, st Status, format string, args ...any) {
		res.Checks = append(res.Checks, Check{File: file, Status: st, What: fmt.Sprintf(format, args...)})
	}
	root, err := os.OpenRoot(opt.Dir)
	if err != nil {
		return nil, fmt.Errorf("release directory: %w", err)
	}
	defer root.Close()
	sumsPath := opt.Sums
	if sumsPath == "" {
		sumsPath = filepath.Join(opt.Dir, SumsFile)
	}
	sumsName := filepath.Base(sumsPath)
	sumsData, err := os.ReadFile(sumsPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", sumsPath, err)
	}
	entries, err := checksum.Parse(strings.NewReader(string(sumsData)), sumsPath)
	if err != nil {
		return nil, err
	}
	listed := map[string]string{}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		listed[e.Name] = e.SHA256
		sum, err := hashIn(root, e.Name)
		switch {
		case err != nil:
			add(e.Name, Failed, "listed in %s but %v", sumsName, err)
		case sum != e.SHA256:
			add(e.Name, Failed, "sha256 %s, %s says %s: the file was changed or replaced", sum, sumsName, e.SHA256)
		default:
			add(e.Name, OK, "sha256 matches %s", sumsName)
		}
	}

	verifySumsSignature(sumsPath, sumsData, opt, add)

	// The provenance statements: every *.intoto.jsonl in the directory.
	names, err := fs.Glob(root.FS(), "*.intoto.jsonl")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		st := Skipped
		if opt.RequireSigned {
			st = Failed
		}
		add(opt.Dir, st, "no provenance (*.intoto.jsonl)")
	}
	for _, name := range names {
		verifyProvenance(ctx, root, name, listed, opt, add)
	}

	// Every SBOM against the binary beside it.
	for _, e := range entries {
		format, binary, ok := sbomOf(e.Name)
		if !ok {
			continue
		}
		if _, ok := listed[binary]; !ok {
			add(e.Name, Failed, "its binary %s is not listed in %s", binary, sumsName)
			continue
		}
		verifySBOM(root, e.Name, format, binary, add)
	}
	return res, nil
}

// verifySumsSignature checks SHA256SUMS.sig with the trusted keys.
func verifySumsSignature(sumsPath string, sums []byte, opt Options, add func(string, Status, string, ...any)) {
	name := filepath.Base(sumsPath) + SignatureExt
	sig, err := os.ReadFile(sumsPath + SignatureExt)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st := Skipped
		if opt.RequireSigned {
			st = Failed
		}
		add(filepath.Base(sumsPath), st, "not signed (no %s)", name)
		return
	case err != nil:
		add(name, Failed, "%v", err)
		return
	}
	if len(opt.Keys) == 0 {
		st := Skipped
		if opt.RequireSigned {
			st = Failed
		}
		add(name, st, "signature present but not verified: give the signer's public key with --key")
		return
	}
	var errs []string
	for _, k := range opt.Keys {
		if err := k.VerifySSH(strings.NewReader(string(sums)), sig, signing.SumsNamespace); err == nil {
			add(name, OK, "signature of %s verifies with %s", filepath.Base(sumsPath), k.KeyID())
			return
		} else {
			errs = append(errs, err.Error())
		}
	}
	add(name, Failed, "signature of %s does not verify with any key given (%s)", filepath.Base(sumsPath), strings.Join(errs, "; "))
}

// verifyProvenance checks one statement: its signature, and that every
// subject is a listed file with the same hash and every listed file a
// subject.
func verifyProvenance(ctx context.Context, root *os.Root, name string, listed map[string]string, opt Options, add func(string, Status, string, ...any)) {
	data, err := readIn(root, name)
	if err != nil {
		add(name, Failed, "%v", err)
		return
	}
	v, err := provenance.Open(ctx, data, opt.Keys...)
	if err != nil {
		add(name, Failed, "%v", err)
		return
	}
	switch {
	case len(opt.Keys) > 0 && v.Signed:
		add(name, OK, "signature verifies with %s", strings.Join(v.KeyIDs, ", "))
	case opt.RequireSigned && !v.Signed:
		add(name, Failed, "the provenance is not signed")
	case opt.RequireSigned:
		add(name, Failed, "signature present but not verified: give the signer's public key with --key")
	case !v.Signed:
		add(name, Skipped, "the provenance is not signed")
	default:
		add(name, Skipped, "signature present but not verified: give the signer's public key with --key")
	}
	subjects := map[string]bool{}
	bad := 0
	for _, s := range v.Subjects {
		subjects[s.Name] = true
		want, ok := listed[s.Name]
		switch {
		case !ok:
			sum, err := hashIn(root, s.Name)
			if err != nil {
				add(s.Name, Failed, "named by %s but %v", name, err)
				bad++
			} else if sum != s.SHA256 {
				add(s.Name, Failed, "sha256 %s, %s says %s", sum, name, s.SHA256)
				bad++
			}
		case want != s.SHA256:
			add(s.Name, Failed, "%s says sha256 %s, SHA256SUMS says %s", name, s.SHA256, want)
			bad++
		}
	}
	var missing []string
	for file := range listed {
		if !subjects[file] {
			missing = append(missing, file)
		}
	}
	slices.Sort(missing)
	for _, file := range missing {
		add(file, Failed, "listed in SHA256SUMS but not a subject of %s", name)
	}
	if bad == 0 && len(missing) == 0 {
		add(name, OK, "its %d subjects are the files SHA256SUMS lists, with the same hashes", len(v.Subjects))
	}
}

// sbomOf says whether a listed file is an SBOM, of which format and
// binary.
func sbomOf(name string) (sbom.Format, string, bool) {
	for _, f := range sbom.Formats {
		if strings.HasSuffix(name, f.Ext()) && len(name) > len(f.Ext()) {
			return f, strings.TrimSuffix(name, f.Ext()), true
		}
	}
	return "", "", false
}

// verifySBOM checks one SBOM against its binary.
func verifySBOM(root *os.Root, name string, format sbom.Format, binary string, add func(string, Status, string, ...any)) {
	doc, err := readIn(root, name)
	if err != nil {
		add(name, Failed, "%v", err)
		return
	}
	info, err := inspectIn(root, binary)
	if err != nil {
		add(name, Failed, "its binary: %v", err)
		return
	}
	if err := sbom.Check(format, doc, info); err != nil {
		add(name, Failed, "does not describe %s: %v", binary, err)
		return
	}
	add(name, OK, "describes %s (sha256, modules, linkage)", binary)
}

// hashIn is the SHA-256 of a file named with forward slashes below root.
func hashIn(root *os.Root, name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", fmt.Errorf("%q is not a path inside the release directory", name)
	}
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum, _, err := filehash.Reader(f)
	return sum, err
}

// readIn reads a document below root, bounded.
func readIn(root *os.Root, name string) ([]byte, error) {
	if !fs.ValidPath(path.Clean(name)) {
		return nil, fmt.Errorf("%q is not a path inside the release directory", name)
	}
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDocBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxDocBytes>>20)
	}
	return data, nil
}

// inspectIn inspects a binary below root.
func inspectIn(root *os.Root, name string) (*inspect.Info, error) {
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("%q is not a path inside the release directory", name)
	}
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return inspect.ReadWith(f, st.Size(), name, inspect.Options{Hash: true})
}
