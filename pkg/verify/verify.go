// Package verify compares what a job asked for with what its binary turned
// out to be, and says in plain sentences where they differ.
package verify

import (
	"fmt"
	"path"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// Violation is one way a binary is not what its job asked for.
type Violation struct {
	// Check names the check that failed: "target", "cgo", "linkage".
	Check string `json:"check"`
	// Msg is a sentence for humans.
	Msg string `json:"message"`
}

// String returns the sentence.
func (v Violation) String() string { return v.Msg }

// Check compares a job with the inspection of its output. It returns nil
// when everything holds.
func Check(job plan.Job, info *inspect.Info) []Violation {
	var vs []Violation
	add := func(check, format string, args ...any) {
		vs = append(vs, Violation{Check: check, Msg: fmt.Sprintf(format, args...)})
	}
	t := job.Target
	// The file itself says which platform it is for (where its bytes can).
	if info.GOOS != "" && info.GOOS != t.GOOS {
		add("target", "built for %s but the binary is for %s (from its %s headers)", t, info.GOOS, info.Format)
	}
	if info.GOARCH != "" && info.GOARCH != t.GOARCH {
		add("target", "built for %s but the binary's machine is %s", t, info.GOARCH)
	}
	// The Go build info records what the toolchain was really told.
	if info.Go != nil {
		s := info.Go.Settings
		if v, ok := s["GOOS"]; ok && v != t.GOOS {
			add("target", "Go build info says GOOS=%s, the job asked for %s", v, t.GOOS)
		}
		if v, ok := s["GOARCH"]; ok && v != t.GOARCH {
			add("target", "Go build info says GOARCH=%s, the job asked for %s", v, t.GOARCH)
		}
		if t.Level != "" {
			if l, ok := target.FindLevel(t.GOARCH, t.Level); ok {
				if v, ok := s[l.Var]; ok && v != l.Value {
					add("target", "Go build info says %s=%s, the job asked for %s", l.Var, v, l.Value)
				}
			}
		}
		want := "0"
		if job.Cgo {
			want = "1"
		}
		if v, ok := s["CGO_ENABLED"]; ok && v != want {
			add("cgo", "Go build info says CGO_ENABLED=%s, the job asked for CGO_ENABLED=%s", v, want)
		}
	}
	if msg := linkage(job.Expect.Linkage, info); msg != "" {
		add("linkage", "%s", msg)
	}
	return vs
}

// linkage checks the linkage expectation; "" when it holds.
func linkage(want string, info *inspect.Info) string {
	got := string(info.Linkage)
	if want == "" || want == manifest.ExpectAny || want == got {
		return ""
	}
	return fmt.Sprintf("asked for %s; got %s", want, Describe(info))
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
		names := make([]string, len(info.Needed))
		for i, n := range info.Needed {
			names[i] = path.Base(n)
		}
		parts = append(parts, "needs "+strings.Join(names, ", "))
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

// Outcome is the verification of one built job.
type Outcome struct {
	Info       *inspect.Info
	Violations []Violation
	// Err is set when the output could not be inspected at all.
	Err error
}

// Binary inspects a job's output and checks it.
func Binary(job plan.Job) Outcome {
	info, err := inspect.File(job.Output)
	if err != nil {
		return Outcome{Err: err}
	}
	return Outcome{Info: info, Violations: Check(job, info)}
}
