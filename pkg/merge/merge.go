// Package merge combines the JSON report fragments of a sharded run (one
// per CI machine, `portmatrix build --shard i/n --json F`) into the report
// of the whole release.
//
// A partial release is an error, not a smaller release: merge refuses
// fragments of different manifests, commits, versions, Go toolchains or
// portmatrix versions, a plan that differs between fragments, a job that
// two fragments both built, and a job of the plan that no fragment built.
package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// Fragment is one report and the file it was read from, for messages.
type Fragment struct {
	Name   string
	Report *report.Report
}

// Read loads a JSON report fragment, naming the file in every error.
func Read(path string) (Fragment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Fragment{}, err
	}
	var r report.Report
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&r); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n")
			return Fragment{}, fmt.Errorf("%s:%d: not a portmatrix JSON report: %v", path, line, err)
		}
		return Fragment{}, fmt.Errorf("%s: not a portmatrix JSON report: %w", path, err)
	}
	if r.SchemaVersion != report.SchemaVersion {
		return Fragment{}, fmt.Errorf("%s: schema_version %d, this portmatrix reads %d", path, r.SchemaVersion, report.SchemaVersion)
	}
	if len(r.Plan) == 0 && len(r.Jobs) > 0 {
		return Fragment{}, fmt.Errorf("%s: the report has no \"plan\" (written by an older portmatrix?); merge needs it to tell a missing job", path)
	}
	return Fragment{Name: path, Report: &r}, nil
}

// maxListed bounds the job ids one error message lists.
const maxListed = 8

// Merge combines fragments into one report: jobs in plan order, the summary
// recounted, the time span from the earliest start to the latest end.
func Merge(frags []Fragment) (*report.Report, error) {
	if len(frags) == 0 {
		return nil, errors.New("no report fragments to merge")
	}
	first := frags[0]
	r0 := first.Report
	for _, f := range frags[1:] {
		r := f.Report
		for _, c := range []struct{ what, a, b string }{
			{"manifest (manifest_sha256)", r0.ManifestSHA256, r.ManifestSHA256},
			{"commit", r0.Commit, r.Commit},
			{"version", r0.Version, r.Version},
			{"Go toolchain (go_version)", r0.GoVersion, r.GoVersion},
			{"portmatrix (tool)", r0.Tool, r.Tool},
		} {
			if c.a != c.b {
				return nil, fmt.Errorf("%s and %s come from different releases: %s %q vs %q", first.Name, f.Name, c.what, c.a, c.b)
			}
		}
		if !slices.Equal(sbomsOf(r0), sbomsOf(r)) {
			return nil, fmt.Errorf("%s and %s wrote different SBOMs (%v vs %v): every shard needs the same --sbom", first.Name, f.Name, sbomsOf(r0), sbomsOf(r))
		}
		if !slices.Equal(r0.Plan, r.Plan) {
			return nil, fmt.Errorf("%s and %s have different plans (%d vs %d jobs): the manifest or the --targets/--build selection differs", first.Name, f.Name, len(r0.Plan), len(r.Plan))
		}
	}
	if err := checkShards(frags); err != nil {
		return nil, err
	}

	from := map[string]string{} // job id → fragment that built it
	byID := map[string]report.Job{}
	for _, f := range frags {
		for _, j := range f.Report.Jobs {
			if prev, dup := from[j.ID]; dup {
				return nil, fmt.Errorf("job %s is in both %s and %s: two shards built it (same shard given twice, or different shard counts?)", j.ID, prev, f.Name)
			}
			from[j.ID] = f.Name
			byID[j.ID] = j
		}
	}
	order := map[string]int{}
	for i, id := range r0.Plan {
		order[id] = i
	}
	var missing, extra []string
	for _, id := range r0.Plan {
		if _, ok := byID[id]; !ok {
			missing = append(missing, id)
		}
	}
	for id := range byID {
		if _, ok := order[id]; !ok {
			extra = append(extra, id)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("%s not in the plan of the fragments: %s", plural.Count(len(extra), "job"), list(extra))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s of the plan missing from the fragments (a shard not merged?): %s", plural.Count(len(missing), "job"), list(missing))
	}

	out := *r0
	out.Shard = nil
	out.Checksums = ""
	out.Attestation = nil
	out.Jobs = make([]report.Job, 0, len(r0.Plan))
	for _, id := range r0.Plan {
		out.Jobs = append(out.Jobs, byID[id])
	}
	out.Summary = report.Summarize(out.Jobs)
	out.Host = joinDistinct(frags, func(r *report.Report) string { return r.Host })
	out.Manifest = joinDistinct(frags, func(r *report.Report) string { return r.Manifest })
	start, end := r0.Started, r0.Started.Add(seconds(r0.DurationSec))
	for _, f := range frags[1:] {
		s := f.Report.Started
		e := s.Add(seconds(f.Report.DurationSec))
		if s.Before(start) {
			start = s
		}
		if e.After(end) {
			end = e
		}
	}
	out.Started, out.DurationSec = start, end.Sub(start).Seconds()
	return &out, nil
}

// checkShards refuses a shard given twice, fragments split into different
// numbers of parts, and a missing part (even an empty one: a merge of 3 of
// 4 parts is a partial release whatever their jobs).
func checkShards(frags []Fragment) error {
	seen := map[int]string{}
	count := 0
	for _, f := range frags {
		s := f.Report.Shard
		if s == nil {
			if len(frags) > 1 {
				return fmt.Errorf("%s is a whole run, not a shard: it cannot be merged with other fragments", f.Name)
			}
			return nil
		}
		if count != 0 && s.Count != count {
			return fmt.Errorf("%s is shard %s but others are of %d parts", f.Name, s, count)
		}
		count = s.Count
		if prev, dup := seen[s.Index]; dup {
			return fmt.Errorf("shard %s is given twice: %s and %s", s, prev, f.Name)
		}
		seen[s.Index] = f.Name
	}
	var missing []string
	for i := 1; i <= count; i++ {
		if _, ok := seen[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, count))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("shard %s missing: merge needs every part", strings.Join(missing, ", "))
	}
	return nil
}

func joinDistinct(frags []Fragment, f func(*report.Report) string) string {
	var vals []string
	for _, fr := range frags {
		if v := f(fr.Report); v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, ", ")
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func list(ids []string) string {
	if len(ids) <= maxListed {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(ids)-maxListed)
}

// sbomsOf are the SBOM formats a fragment's release wrote.
func sbomsOf(r *report.Report) []string {
	if r.Release == nil {
		return nil
	}
	return r.Release.SBOM
}
