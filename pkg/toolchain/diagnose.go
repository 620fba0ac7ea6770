package toolchain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Use is one distinct C toolchain of a set of cgo jobs: the targets that
// build with it, and whether any of them asks its C linker for -static.
type Use struct {
	Toolchain Toolchain
	Static    bool
	// Targets are the targets that use it, sorted.
	Targets []string
}

// Request asks Doctor about one target: select its toolchain (with the
// manifest's overrides) and probe it.
type Request struct {
	Need      Need
	Overrides Overrides
	// Static says a job of the target links -static.
	Static bool
}

// Status is a diagnosis's verdict.
type Status string

// The verdicts of a diagnosis.
const (
	// StatusOK: the toolchain compiled and linked the probe.
	StatusOK Status = "ok"
	// StatusMissing: no toolchain is installed, and a package would fix it.
	StatusMissing Status = "missing"
	// StatusUnavailable: no toolchain is installed, and no package of this
	// distribution has one (darwin without an SDK, say).
	StatusUnavailable Status = "not available here"
	// StatusBroken: the toolchain is there but cannot compile or link.
	StatusBroken Status = "broken"
)

// Diagnosis is what is known of one toolchain: for `portmatrix doctor`'s
// table one line (Summary), for the build's preflight the whole story
// (Detail). Both come from here so they cannot disagree.
type Diagnosis struct {
	// Targets are the targets the toolchain serves (or would serve).
	Targets []string
	// Libc is the C library asked for or linked ("" when unknown).
	Libc string
	// Toolchain is the selected toolchain; nil when none was found.
	Toolchain *Toolchain
	// Static says the probe also linked -static.
	Static bool
	Status Status
	// Reason says what is wrong, in one line ("" when ok).
	Reason string
	// Command and Output are the failing probe's command and the tail of
	// its output.
	Command []string
	Output  string
	// Fix is what to run, when something would fix it.
	Fix string
}

// OK says the toolchain works.
func (d Diagnosis) OK() bool { return d.Status == StatusOK }

// Summary is the diagnosis in one line: "ok (dynamic and -static)",
// "missing: apt-get install gcc-aarch64-linux-gnu", "broken: <first line
// of the failure>; fix: …".
func (d Diagnosis) Summary() string {
	switch d.Status {
	case StatusOK:
		if d.Static {
			return "ok (dynamic and -static)"
		}
		return "ok"
	case StatusMissing:
		return "missing: " + d.Fix
	case StatusUnavailable:
		return "not available here: " + d.Reason
	}
	s := "broken: " + d.Reason
	if d.Fix != "" {
		s += "; fix: " + d.Fix
	}
	return s
}

// Detail is the diagnosis of a broken toolchain as the build's preflight
// prints it: which compiler failed for which targets, the exact command,
// its output and the fix.
func (d Diagnosis) Detail() string {
	var b strings.Builder
	cc := "?"
	if d.Toolchain != nil {
		cc = strings.Join(d.Toolchain.CC, " ")
	}
	fmt.Fprintf(&b, "C toolchain %s for %s does not work", cc, strings.Join(d.Targets, ", "))
	if d.Static {
		b.WriteString(" (with -static)")
	}
	if len(d.Command) > 0 {
		fmt.Fprintf(&b, "\n  command: %s", strings.Join(d.Command, " "))
	}
	if out := strings.TrimSpace(d.Output); out != "" {
		fmt.Fprintf(&b, "\n  %s", strings.ReplaceAll(out, "\n", "\n  "))
	}
	if d.Fix != "" {
		fmt.Fprintf(&b, "\n  fix: %s", d.Fix)
	}
	return b.String()
}

// Diagnose probes every toolchain of uses (Preflight, once per distinct
// toolchain, with the compilers run in environ: the builds' environment)
// and diagnoses each use, in the order of uses.
func Diagnose(ctx context.Context, uses []Use, environ []string) []Diagnosis {
	reqs := make([]ProbeRequest, len(uses))
	for i, u := range uses {
		reqs[i] = ProbeRequest{Toolchain: u.Toolchain, Static: u.Static}
	}
	// Preflight probes a toolchain once however many uses share it, in
	// the order they first appear.
	byKey := map[string]Probe{}
	for _, p := range Preflight(ctx, reqs, environ) {
		byKey[p.Toolchain.Key()] = p
	}
	out := make([]Diagnosis, len(uses))
	for i, u := range uses {
		out[i] = fromProbe(byKey[u.Toolchain.Key()], u)
	}
	return out
}

// fromProbe is the diagnosis of a probed toolchain for one use. A probe is
// shared by every use of its toolchain and links -static when any of them
// asks; a use that does not ask is fine when only the -static link failed.
func fromProbe(p Probe, u Use) Diagnosis {
	tc := p.Toolchain
	d := Diagnosis{Targets: u.Targets, Libc: tc.Libc, Toolchain: &tc, Static: u.Static, Status: StatusOK}
	if p.OK || (!u.Static && slices.Contains(p.Command, "-static")) {
		return d
	}
	d.Status = StatusBroken
	d.Command, d.Output = p.Command, p.Output
	d.Reason, _, _ = strings.Cut(strings.TrimSpace(p.Output), "\n")
	d.Fix = p.Install
	if d.Fix == "" && tc.Package != "" {
		d.Fix = "apt-get install " + tc.Package
	}
	return d
}

// Doctor selects the toolchain of every request on machine m and probes
// those it finds, returning a diagnosis per request in order: what is
// missing, what is broken, what works.
func Doctor(ctx context.Context, reqs []Request, m Machine, environ []string) []Diagnosis {
	out := make([]Diagnosis, len(reqs))
	var uses []Use
	var at []int
	for i, r := range reqs {
		t := r.Need.Target.String()
		tc, err := m.Select(r.Need, r.Overrides)
		if err != nil {
			d := Diagnosis{Targets: []string{t}, Libc: r.Need.Libc, Status: StatusUnavailable,
				Reason: strings.TrimPrefix(err.Error(), t+" ")}
			var me *MissingError
			if errors.As(err, &me) && me.Install != "" {
				d.Status, d.Fix = StatusMissing, me.Install
			}
			d.Reason = strings.TrimPrefix(d.Reason, ": ")
			out[i] = d
			continue
		}
		uses = append(uses, Use{Toolchain: tc, Static: r.Static, Targets: []string{t}})
		at = append(at, i)
	}
	for k, d := range Diagnose(ctx, uses, environ) {
		out[at[k]] = d
	}
	return out
}
