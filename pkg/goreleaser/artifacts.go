package goreleaser

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// ArtifactsFile is goreleaser's record of what it made, in its dist
// directory.
const ArtifactsFile = "artifacts.json"

// maxArtifactsBytes bounds artifacts.json.
const maxArtifactsBytes = 64 << 20

// Artifact is one entry of artifacts.json, the fields the verifier reads.
type Artifact struct {
	Name      string         `json:"name"`
	Path      string         `json:"path"`
	Type      string         `json:"type"`
	Target    string         `json:"target"`
	Goos      string         `json:"goos"`
	Goarch    string         `json:"goarch"`
	Goamd64   string         `json:"goamd64"`
	Go386     string         `json:"go386"`
	Goarm     string         `json:"goarm"`
	Goarm64   string         `json:"goarm64"`
	Gomips    string         `json:"gomips"`
	Goppc64   string         `json:"goppc64"`
	Goriscv64 string         `json:"goriscv64"`
	Extra     map[string]any `json:"extra"`
}

// BuildID is the goreleaser build the artifact came from.
func (a Artifact) BuildID() string {
	id, _ := a.Extra["ID"].(string)
	return id
}

// level is the artifact's level in portmatrix's spelling ("v6" for
// goarm 6).
func (a Artifact) level() string {
	switch {
	case a.Goarm != "":
		return "v" + a.Goarm
	case a.Goamd64 != "":
		return a.Goamd64
	case a.Goarm64 != "":
		return a.Goarm64
	case a.Go386 != "":
		return a.Go386
	case a.Gomips != "":
		return a.Gomips
	case a.Goppc64 != "":
		return a.Goppc64
	}
	return a.Goriscv64
}

// ReadArtifacts reads dist/artifacts.json and returns its binaries
// (type Binary), in file order.
func ReadArtifacts(dist string) ([]Artifact, error) {
	f, err := os.Open(filepath.Join(dist, ArtifactsFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxArtifactsBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxArtifactsBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB", f.Name(), maxArtifactsBytes>>20)
	}
	var all []Artifact
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("%s: not goreleaser's artifacts.json: %v", f.Name(), err)
	}
	var bins []Artifact
	for _, a := range all {
		if a.Type == "Binary" {
			bins = append(bins, a)
		}
	}
	return bins, nil
}

// VerifyOptions are what VerifyArtifacts checks besides what goreleaser
// says each binary is.
type VerifyOptions struct {
	// Policy is the expectation every binary must meet (the manifest's
	// expect language: linkage, max_glibc, libs_allow, ...).
	Policy plan.Expectation
	// Tool names portmatrix in the report.
	Tool string
}

// VerifyArtifacts inspects every binary goreleaser's dist/artifacts.json
// lists and checks its bytes against what the entry says (goos, goarch,
// the level, from the headers and the Go build info; the CGO_ENABLED the
// build info records is reported) and against the policy. The rows are
// the report's, as for a build: one per binary, id BUILD/TARGET/goreleaser.
// A path outside dist is refused: artifacts.json does not get to point
// the verifier anywhere else.
func VerifyArtifacts(ctx context.Context, dist string, opt VerifyOptions) (*report.Report, error) {
	arts, err := ReadArtifacts(dist)
	if err != nil {
		return nil, err
	}
	if len(arts) == 0 {
		return nil, fmt.Errorf("%s lists no binary", filepath.Join(dist, ArtifactsFile))
	}
	absDist, err := filepath.Abs(dist)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	st := report.Stages{}
	for i, a := range arts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := target.Target{GOOS: a.Goos, GOARCH: a.Goarch, Level: a.level()}
		job := plan.Job{Index: i, Build: a.BuildID(), Variant: "goreleaser", Target: t, Expect: opt.Policy}
		job.ID = job.Build + "/" + t.String() + "/goreleaser"
		res := build.Result{Job: job, Status: build.StatusOK}
		path, perr := artifactPath(absDist, a.Path)
		job.Output = path
		res.Job.Output = path
		var out verify.Outcome
		if perr != nil {
			out = verify.Outcome{Err: perr}
			res.Status, res.Err = build.StatusFailed, perr
		} else {
			info, err := inspect.File(path)
			if err != nil {
				res.Status, res.Err = build.StatusFailed, err
			} else {
				// goreleaser does not say what CGO_ENABLED it asked for:
				// the build info's value is taken as asked (the row
				// shows it); the policy's cgo: decides.
				job.Cgo = info.Go != nil && info.Go.Settings["CGO_ENABLED"] == "1"
				res.Job = job
				out = verify.Outcome{Info: info, Violations: verify.Check(job, info)}
			}
		}
		st.Results = append(st.Results, res)
		st.Outcomes = append(st.Outcomes, out)
	}
	rows := report.Collect(st)
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion, Tool: opt.Tool, Manifest: filepath.Join(dist, ArtifactsFile),
		Started: started.UTC().Truncate(time.Second), DurationSec: time.Since(started).Seconds(),
		Jobs: rows, Summary: report.Summarize(rows),
	}
	return rep, nil
}

// artifactPath resolves an artifact's path (relative to the directory
// goreleaser ran in, "dist/app_linux_amd64_v1/app", or absolute) to a
// file inside dist.
func artifactPath(absDist, p string) (string, error) {
	var cand string
	if filepath.IsAbs(p) {
		cand = filepath.Clean(p)
	} else {
		cand = filepath.Join(filepath.Dir(absDist), filepath.FromSlash(p))
	}
	rel, err := filepath.Rel(absDist, cand)
	if err != nil || !filepath.IsLocal(rel) {
		// A dist directory named other than "dist": try the path below
		// its first element.
		if _, rest, ok := strings.Cut(filepath.ToSlash(p), "/"); ok && !filepath.IsAbs(p) {
			cand = filepath.Join(absDist, filepath.FromSlash(rest))
			if rel, err = filepath.Rel(absDist, cand); err == nil && filepath.IsLocal(rel) {
				return cand, nil
			}
		}
		return "", fmt.Errorf("artifact path %q is outside %s", p, absDist)
	}
	if real, err := filepath.EvalSymlinks(cand); err == nil {
		realDist, derr := filepath.EvalSymlinks(absDist)
		if derr != nil {
			realDist = absDist
		}
		if rel, err := filepath.Rel(realDist, real); err != nil || !filepath.IsLocal(rel) {
			return "", fmt.Errorf("artifact path %q leads outside %s", p, absDist)
		}
	}
	return cand, nil
}
