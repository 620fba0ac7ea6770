package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/incremental"
	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/internal/plural"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/repro"
	"github.com/portmatrix/portmatrix/pkg/sched"
	"github.com/portmatrix/portmatrix/pkg/smoke"
	"github.com/portmatrix/portmatrix/pkg/state"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// host is the machine's platform, as the go command says.
func (ld *Loaded) host() target.Target {
	return target.Target{GOOS: ld.GoEnv.HostOS(), GOARCH: ld.GoEnv.HostArch()}
}

// preflight proves every C toolchain the builds use can compile and link
// (statically too, where a job asks the C linker for -static), once each,
// before the first go build: a broken cross compiler fails here with its
// command, message and fix rather than in every job that uses it.
func (r *run) preflight(ctx context.Context, toBuild []plan.Job) error {
	uses := plan.Toolchains(toBuild)
	if len(uses) == 0 {
		return nil
	}
	var cold []string
	for _, u := range uses {
		if toolchain.ZigCold(u.Toolchain, false) || (u.Static && toolchain.ZigCold(u.Toolchain, true)) {
			cold = append(cold, u.Toolchain.Target)
		}
	}
	if len(cold) > 0 {
		// zig builds a C library the first time it links for a target,
		// the probe's link included: say so before the probes start.
		r.notify(note.Infof("zig: first use of %s on this machine: the preflight and the warm-up below build their C runtimes into zig's cache (seconds for glibc, minutes for musl and mingw-w64; once per machine)",
			strings.Join(cold, ", ")))
	}
	var broken []toolchain.Diagnosis
	for _, d := range r.opt.Preflight(ctx, uses) {
		if !d.OK() {
			broken = append(broken, d)
		}
	}
	if len(broken) > 0 {
		return &PreflightError{Broken: broken}
	}
	r.warmZig(ctx, uses)
	return nil
}

// warmZig has zig build, once per machine, the C runtimes of the zig
// toolchains whose cache is cold, one target after the other and visibly:
// minutes each the first time, which would otherwise be spent inside the
// first job of each target, with nothing said. A warm-up that fails is a
// warning: the jobs then fail with the full story, or build anyway.
func (r *run) warmZig(ctx context.Context, uses []toolchain.Use) {
	var cold []toolchain.Use
	for _, u := range uses {
		if toolchain.ZigCold(u.Toolchain, false) || (u.Static && toolchain.ZigCold(u.Toolchain, true)) {
			cold = append(cold, u)
		}
	}
	for i, u := range cold {
		if ctx.Err() != nil {
			return
		}
		what := u.Toolchain.Target
		if u.Static {
			what += ", dynamic and -static"
		}
		r.notify(note.Infof("zig [%d/%d]: building the C runtime for %s into %s (first use on this machine: minutes; later runs reuse it)",
			i+1, len(cold), what, u.Toolchain.ZigCache))
		start := time.Now()
		if err := r.opt.WarmZig(ctx, u); err != nil {
			r.notify(note.Warnf("%v", err))
			continue
		}
		r.notify(note.Infof("zig [%d/%d]: %s ready after %s", i+1, len(cold), u.Toolchain.Target, time.Since(start).Round(100*time.Millisecond)))
	}
}

// pool builds the jobs, each binary inspected and verified as soon as it
// is built, while the other builds go on, so only the last one's
// inspection is left at the end. Results and verifications are indexed
// like toBuild.
func (r *run) pool(ctx context.Context, toBuild []plan.Job, inc *incremental.Session) ([]build.Result, []verify.Outcome) {
	verified := make([]verify.Outcome, len(toBuild))
	if len(toBuild) == 0 {
		return nil, verified
	}
	obs := r.opt.Observer
	obs.Starting(len(toBuild))
	var inspecting sync.WaitGroup
	onDone := func(res build.Result) {
		obs.JobDone(res)
		if res.Status == build.StatusOK {
			inspecting.Go(func() { verified[res.Job.Index] = verify.Binary(res.Job) })
		}
	}
	built := build.Run(ctx, r.opt.Runner, toBuild, build.Options{
		Jobs: r.opt.Jobs, FailFast: r.opt.FailFast, Timeout: r.opt.Timeout,
		OnStart: obs.JobStarted, OnDone: onDone,
		Cost: sched.Cost(toBuild, inc.History()), MaxMemory: r.opt.MaxMemory, Memory: sched.Memory(inc.History()),
	})
	obs.Finished()
	inspecting.Wait()
	return built, verified
}

// merge puts the jobs back in plan order with what each stage so far made
// of them: the pool's result and verification for a built job, a result
// made here and the incremental stage's verification for an unchanged or
// restored one (built and verified are indexed like the jobs whose Prior
// is Built, in order).
func merge(jobs []plan.Job, prior []incremental.Prior, built []build.Result, verified []verify.Outcome) report.Stages {
	st := report.Stages{
		Results:  make([]build.Result, len(jobs)),
		Outcomes: make([]verify.Outcome, len(jobs)),
		Sources:  make([]incremental.Source, len(jobs)),
	}
	k := 0
	for i, j := range jobs {
		j.Index = i
		p := prior[i]
		st.Sources[i] = p.Source
		if p.Source != incremental.Built {
			st.Results[i] = build.Result{Job: j, Status: build.StatusOK, Duration: p.Took}
			st.Outcomes[i] = p.Outcome
			continue
		}
		st.Results[i] = built[k]
		st.Results[i].Job.Index = i
		st.Outcomes[i] = verified[k]
		k++
	}
	return st
}

// shipped says a job has a verified binary: it built (or was unchanged or
// restored) and its inspection read the file.
func shipped(st report.Stages, i int) bool {
	o := st.Outcomes[i]
	return st.Results[i].Status == build.StatusOK && o.Err == nil && o.Info != nil
}

// smoke starts the binary of every job that has one and asks for it (the
// manifest's smoke:, or every job with Options.Smoke), Jobs at a time.
// Results are indexed like the jobs (an empty Status: not run).
func (r *run) smoke(ctx context.Context, st report.Stages) []smoke.Result {
	var tasks []smoke.Task
	var at []int
	for i, res := range st.Results {
		j := res.Job
		if !shipped(st, i) || (j.Smoke == nil && !r.opt.Smoke) {
			continue
		}
		info := st.Outcomes[i].Info
		t := smoke.Task{Request: smoke.Request{Path: j.Output, Target: j.Target,
			Dynamic: info.Interpreter != "" && info.Format == inspect.FormatELF}}
		if j.Smoke != nil {
			t.Spec = smoke.Spec{Args: j.Smoke.Args, Timeout: j.Smoke.Timeout}
		}
		if j.Toolchain != nil {
			t.Request.Sysroot = j.Toolchain.Sysroot
		}
		tasks = append(tasks, t)
		at = append(at, i)
	}
	if len(tasks) == 0 {
		return nil
	}
	runs := make([]smoke.Result, len(st.Results))
	for k, res := range r.opt.Smoker.RunAll(ctx, tasks, r.opt.Jobs) {
		runs[at[k]] = res
	}
	return runs
}

// repro builds every job with a binary a second time (from another path,
// with a fresh GOCACHE shared by the second builds), Jobs at a time.
// Results are indexed like the jobs (an empty Verdict: not checked).
func (r *run) repro(ctx context.Context, st report.Stages) []repro.Result {
	if !r.opt.Reproducible || ctx.Err() != nil {
		return nil
	}
	var jobs []plan.Job
	var at []int
	for i, res := range st.Results {
		if shipped(st, i) {
			jobs = append(jobs, res.Job)
			at = append(at, i)
		}
	}
	out := make([]repro.Result, len(st.Results))
	sess, err := r.opt.Repro()
	if err != nil {
		for _, i := range at {
			out[i] = repro.Result{Verdict: repro.VerdictError, Details: []string{err.Error()}, Err: err}
		}
		return out
	}
	defer func() {
		if err := sess.Close(); err != nil {
			r.notify(note.Warnf("%v", err))
		}
	}()
	r.notify(note.Infof("--reproducible: building %s again from another path with a fresh GOCACHE", plural.Count(len(jobs), "job")))
	for k, res := range sess.CheckAll(ctx, jobs, r.opt.Jobs) {
		out[at[k]] = res
	}
	return out
}

// pack makes the release artifacts: the dist-relative name of every
// verified binary and the archive of each job that asks for one, reusing
// an archive a previous run packed from the same inputs.
func (r *run) pack(ctx context.Context, st report.Stages, inc *incremental.Session) ([]release.Files, error) {
	sums := make([]string, len(st.Results))
	for i := range st.Results {
		if shipped(st, i) {
			sums[i] = st.Outcomes[i].Info.SHA256
		}
	}
	return release.Pack(ctx, r.jobs, sums, release.Options{
		DistDir: r.ld.Plan.DistDir, ModTime: release.ArchiveTime(r.ld.Stamp), Root: r.dist.Root(),
		Reuse: func(id, key string) (release.Artifact, bool) {
			a, ok := inc.Archive(id, key)
			return release.Artifact{Path: a.Path, SHA256: a.SHA256, Size: a.Size}, ok
		},
		Packed: func(id, key string, a release.Artifact) {
			inc.Packed(id, state.Archive{Key: key, Path: a.Path, SHA256: a.SHA256, Size: a.Size})
		},
	})
}

// report makes the report: every stage's result made into rows at once.
func (r *run) report(st report.Stages, started time.Time) *report.Report {
	rows := report.Collect(st)
	rep := &report.Report{
		SchemaVersion:  report.SchemaVersion,
		Tool:           r.opt.Tool,
		GoVersion:      r.ld.GoEnv.Version(),
		Host:           r.ld.GoEnv.Host(),
		Manifest:       r.ld.Plan.Manifest,
		Started:        started.UTC().Truncate(time.Second),
		DurationSec:    r.opt.Now().Sub(started).Seconds(),
		Summary:        report.Summarize(rows),
		Jobs:           rows,
		Version:        r.ld.Stamp.Version,
		Commit:         r.ld.Stamp.Commit,
		Date:           r.ld.Stamp.Date,
		DateSource:     r.ld.Stamp.DateSource,
		ManifestSHA256: r.ld.ManifestSHA256,
		Plan:           make([]string, len(r.ld.Plan.Jobs)),
		Release:        r.ld.Plan.Release,
	}
	for i, j := range r.ld.Plan.Jobs {
		rep.Plan[i] = j.ID
	}
	if s := r.opt.Shard; s != nil {
		rep.Shard = &report.Shard{Index: s.Index, Count: s.Count}
	}
	return rep
}

// writeSums writes SHA256SUMS over every shipped binary and archive,
// named relative to the dist directory, and records it in the report
// (a shard writes none: merge writes the release's).
//
// It always describes the whole dist directory: after a run of part of the
// plan, or an interrupted one, the files earlier runs built for the jobs
// this run left alone are listed too, while they are still as recorded
// (incremental.Session.Earlier), and a note says how many.
func (r *run) writeSums(rep *report.Report, inc *incremental.Session) error {
	if r.opt.Checksums == "" || r.opt.Shard != nil {
		return nil
	}
	entries := rep.ChecksumEntries()
	decided := map[string]bool{}
	for _, j := range rep.Jobs {
		if j.Status != report.StatusCancelled && j.Status != report.StatusSkipped {
			decided[j.ID] = true
		}
	}
	listed := map[string]bool{}
	for _, e := range entries {
		listed[e.Name] = true
	}
	var earlier []checksum.Entry
	for _, e := range inc.Earlier(decided, r.opt.Jobs) {
		if !listed[e.Name] {
			listed[e.Name] = true
			earlier = append(earlier, e)
		}
	}
	if len(earlier) > 0 {
		entries = append(entries, earlier...)
		r.notify(note.Infof("%s also lists %s that earlier runs built, for jobs this run did not build",
			filepath.Base(r.opt.Checksums), plural.Count(len(earlier), "file")))
	}
	if len(entries) == 0 {
		return nil
	}
	// SHA256SUMS in the dist directory goes through its root.
	var root *os.Root
	path := r.opt.Checksums
	if abs, err := filepath.Abs(path); err == nil && r.dist.Contains(abs) {
		root, path = r.dist.Root(), abs
	}
	if err := checksum.WriteFileIn(root, path, entries); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Base(r.opt.Checksums), err)
	}
	rep.Checksums = r.opt.Checksums
	return nil
}
