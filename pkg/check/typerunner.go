package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/typecheck"
)

// ErrTypeCheck is the error of a type-checked job that does not build.
var ErrTypeCheck = errors.New("type-checking failed")

// Checked is how one job was answered, for its report row.
type Checked struct {
	Mode Mode
	// Fallback is why a type-checked job was compiled instead (the
	// type checker's Hazards); "" when it was not.
	Fallback string
	// Built says the job left a binary at its CompileOutput (a program
	// compiled as a fallback).
	Built bool
}

// TypeChecker runs the ModeTypeCheck jobs of a check: it type-checks the
// job's roots in its platform's graph with a typecheck.Session shared by
// every job, writes a log in the go command's format (a "# package" line
// above each failing package's errors, so that FirstError reads it like a
// build log), and compiles the job instead (Compile) when the type checker
// reports a Hazard.
type TypeChecker struct {
	Session *typecheck.Session
	// Compile runs the fallback builds (a build.GoRunner).
	Compile build.Runner
	// Root, when set, confines the logs as build.GoRunner's Root does.
	Root *os.Root

	jobs map[string]*Job
	mu   sync.Mutex
	done map[string]Checked
}

// NewTypeChecker is a TypeChecker for jobs.
func NewTypeChecker(jobs []Job, session *typecheck.Session, compile build.Runner, root *os.Root) *TypeChecker {
	t := &TypeChecker{Session: session, Compile: compile, Root: root, jobs: map[string]*Job{}, done: map[string]Checked{}}
	for i := range jobs {
		t.jobs[jobs[i].ID] = &jobs[i]
	}
	return t
}

// Checked returns how each job was answered, by job ID.
func (t *TypeChecker) Checked() map[string]Checked {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]Checked, len(t.done))
	for k, v := range t.done {
		out[k] = v
	}
	return out
}

func (t *TypeChecker) record(id string, c Checked) {
	t.mu.Lock()
	t.done[id] = c
	t.mu.Unlock()
}

// Run checks one job: a ModeTypeCheck job with the type checker (or its
// compile fallback), any other with Compile.
func (t *TypeChecker) Run(ctx context.Context, pj plan.Job) error {
	j, ok := t.jobs[pj.ID]
	if !ok || j.Mode != ModeTypeCheck || j.Graph == nil {
		t.record(pj.ID, Checked{Mode: ModeCompile, Built: pj.Output != ""})
		return t.Compile.Run(ctx, pj)
	}
	start := time.Now()
	res, err := t.Session.Check(ctx, j.Graph, typecheck.Platform{GOARCH: j.Target.GOARCH}, j.Roots)
	if err != nil {
		return err
	}
	if len(res.Hazards) > 0 {
		reasons := make([]string, len(res.Hazards))
		for i, h := range res.Hazards {
			reasons[i] = h.Package + ": " + h.Reason
		}
		why := strings.Join(reasons, "; ")
		t.record(pj.ID, Checked{Mode: ModeTypeCheck, Fallback: why, Built: j.CompileOutput != ""})
		fallback := pj
		fallback.Argv, fallback.Output = j.CompileArgv, j.CompileOutput
		return t.Compile.Run(ctx, fallback)
	}
	t.record(pj.ID, Checked{Mode: ModeTypeCheck})
	text := logText(res)
	if err := t.writeLog(pj, text, start, res.OK()); err != nil {
		return err
	}
	if res.OK() {
		return nil
	}
	return &build.BuildError{Job: pj, Args: pj.Argv, Tail: tailOf(text, build.TailLines), Log: pj.Log, Err: ErrTypeCheck}
}

// logText is the type checker's verdict as the go command would print it.
func logText(res *typecheck.Result) string {
	var b strings.Builder
	for _, e := range res.LoadErrors {
		b.WriteString(e + "\n")
	}
	for _, p := range res.Packages {
		if len(p.Errors) == 0 {
			continue // a dependency failed: the go command prints nothing for it
		}
		fmt.Fprintf(&b, "# %s\n", p.ImportPath)
		for _, e := range p.Errors {
			b.WriteString(e.String() + "\n")
		}
		if p.More {
			b.WriteString("too many errors\n")
		}
	}
	return b.String()
}

func tailOf(text string, n int) []string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return lines[max(len(lines)-n, 0):]
}

// writeLog writes a type-checked job's log: the header of a build log,
// then the go command's output, then the verdict.
func (t *TypeChecker) writeLog(j plan.Job, text string, start time.Time, ok bool) error {
	f, err := build.CreateLog(j, t.Root)
	if err != nil {
		return err
	}
	verdict := "ok"
	if !ok {
		verdict = ErrTypeCheck.Error()
	}
	_, err = fmt.Fprintf(f, "# typecheck: go/types, in process, of %s\n\n%s\n# exit: %s after %s\n",
		strings.Join(t.jobs[j.ID].Roots, " "), text, verdict, time.Since(start).Round(time.Millisecond))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("check %s: log: %w", j.ID, err)
	}
	return nil
}
