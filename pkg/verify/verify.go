// Package verify compares what a job asked for, what the Go build info says
// the toolchain was told, and what the bytes of the binary show, and says in
// plain sentences where they disagree.
package verify

import (
	"fmt"
	"path"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// Violation is one way a binary is not what its job asked for.
type Violation struct {
	// Check names the check that failed: target, cgo, linkmode, buildmode,
	// trimpath, tags, linkage, max_glibc, libs_allow, libs_deny,
	// system_libs_only, min_macos, stripped, pie.
	Check string `json:"check"`
	// Msg is a sentence for humans.
	Msg string `json:"message"`
}

// String returns the sentence.
func (v Violation) String() string { return v.Msg }

// Check compares a job with the inspection of its output: first intent
// against the Go build info and the file's own platform, then the policy.
// It returns nil when everything holds.
func Check(job plan.Job, info *inspect.Info) []Violation {
	var vs violations
	intent(&vs, job, info)
	cgoSaid := len(vs) > 0 && vs[len(vs)-1].Check == "cgo"
	for _, v := range Policy(job.Expect, info, how(job)) {
		if v.Check == "cgo" && cgoSaid {
			continue // the intent check already said it, with the job's words
		}
		vs = append(vs, v)
	}
	return vs
}

type violations []Violation

func (vs *violations) add(check, format string, args ...any) {
	*vs = append(*vs, Violation{Check: check, Msg: fmt.Sprintf(format, args...)})
}

// intent checks that the toolchain did what the job asked: the platform
// the bytes are for, and what the Go build info recorded.
func intent(vs *violations, job plan.Job, info *inspect.Info) {
	t := job.Target
	if info.GOOS != "" && info.GOOS != t.GOOS {
		vs.add("target", "built for %s but the binary is for %s (from its %s headers)", t, info.GOOS, info.Format)
	}
	if info.GOARCH != "" && info.GOARCH != t.GOARCH {
		vs.add("target", "built for %s but the binary's machine is %s", t, info.GOARCH)
	}
	if info.Go == nil {
		return
	}
	s := info.Go.Settings
	if v, ok := s["GOOS"]; ok && v != t.GOOS {
		vs.add("target", "Go build info says GOOS=%s, the job asked for %s", v, t.GOOS)
	}
	if v, ok := s["GOARCH"]; ok && v != t.GOARCH {
		vs.add("target", "Go build info says GOARCH=%s, the job asked for %s", v, t.GOARCH)
	}
	// The level the job built at: its target's, or the architecture's
	// default, which the plan sets all the same; another value in the
	// build info came from somewhere the plan does not say.
	if l, ok := t.EffectiveLevel(); ok {
		if v, ok := s[l.Var]; ok && v != l.Value {
			vs.add("target", "Go build info says %s=%s, the job asked for %s=%s", l.Var, v, l.Var, l.Value)
		}
	}
	if v, ok := s["CGO_ENABLED"]; ok {
		switch {
		case job.Cgo && v != "1":
			vs.add("cgo", "asked for cgo, but the binary was built with CGO_ENABLED=%s (no C compiler found, or CGO_ENABLED overridden?)", v)
		case !job.Cgo && v == "1":
			vs.add("cgo", "asked for CGO_ENABLED=0, but the binary was built with CGO_ENABLED=1")
		}
	}
	// With -trimpath the go command leaves -ldflags out of the build info
	// (they may hold paths): then there is nothing to compare.
	ldflags, recorded := s["-ldflags"]
	if job.Linkmode != "" && recorded && !strings.Contains(ldflags, "-linkmode="+job.Linkmode) && !strings.Contains(ldflags, "-linkmode "+job.Linkmode) {
		vs.add("linkmode", "asked for -linkmode=%s, but the Go build info's -ldflags are %q", job.Linkmode, ldflags)
	}
	if job.Buildmode != "" {
		if v, ok := s["-buildmode"]; ok && v != job.Buildmode {
			vs.add("buildmode", "asked for -buildmode=%s, but the Go build info says -buildmode=%s", job.Buildmode, v)
		}
	}
	for _, a := range job.Argv {
		if a == "-trimpath" && s["-trimpath"] != "true" {
			vs.add("trimpath", "asked for -trimpath, but the Go build info does not record it")
		}
		if tags, ok := strings.CutPrefix(a, "-tags="); ok {
			have := "," + s["-tags"] + ","
			for _, tag := range strings.Split(tags, ",") {
				if !strings.Contains(have, ","+tag+",") {
					vs.add("tags", "asked for build tag %q, but the Go build info's -tags are %q", tag, s["-tags"])
				}
			}
		}
	}
}

// how names the link flags a job used to get its linkage, so a failed
// "static" says which recipe did not work.
func how(job plan.Job) string {
	var parts []string
	if job.Linkmode != "" {
		parts = append(parts, "-linkmode "+job.Linkmode)
	}
	for _, a := range job.Argv {
		if l, ok := strings.CutPrefix(a, "-ldflags="); ok {
			if i := strings.Index(l, "-extldflags="); i >= 0 {
				parts = append(parts, strings.Trim(strings.Fields(l[i:])[0], "'\""))
			}
		}
	}
	if job.Buildmode != "" {
		parts = append(parts, "-buildmode "+job.Buildmode)
	}
	if len(parts) == 0 {
		return ""
	}
	return " via " + strings.Join(parts, " ")
}

// Describe says in a few words how a binary links and what it needs:
// "dynamic: PT_INTERP /lib64/ld-linux-x86-64.so.2, needs libc.so.6".
func Describe(info *inspect.Info) string {
	var parts []string
	if info.Interpreter != "" {
		if info.Format == inspect.FormatELF {
			parts = append(parts, "PT_INTERP "+info.Interpreter)
		} else {
			parts = append(parts, "loader "+info.Interpreter)
		}
	}
	if len(info.Needed) > 0 {
		parts = append(parts, "needs "+strings.Join(baseNames(info.Needed), ", "))
	}
	s := string(info.Linkage)
	if len(parts) > 0 {
		return s + ": " + strings.Join(parts, ", ")
	}
	if info.LinkageRule != "" {
		return s + " (" + info.LinkageRule + ")"
	}
	return s
}

func baseNames(libs []string) []string {
	out := make([]string, len(libs))
	for i, n := range libs {
		out[i] = path.Base(n)
	}
	return out
}

// Outcome is the verification of one built job.
type Outcome struct {
	Info       *inspect.Info
	Violations []Violation
	// Err is set when the output could not be inspected at all.
	Err error
}

// Binary inspects a job's output, SHA-256 included, and checks it.
func Binary(job plan.Job) Outcome {
	return BinaryHashed(job, "")
}

// BinaryHashed is Binary for an output whose SHA-256 the caller has just
// computed from the bytes it wrote (sum, hex): the file is not read a
// second time to hash it. With sum empty, or for a fat Mach-O (whose
// slices have hashes of their own), it is Binary.
func BinaryHashed(job plan.Job, sum string) Outcome {
	info, err := inspect.FileWith(job.Output, inspect.Options{Hash: sum == ""})
	if err == nil && sum != "" {
		if len(info.Slices) > 0 {
			info, err = inspect.File(job.Output)
		} else {
			info.SHA256 = sum
		}
	}
	if err != nil {
		return Outcome{Err: err}
	}
	return Outcome{Info: info, Violations: Check(job, info)}
}
