package cli

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
)

// preflight proves every C toolchain the plan needs can compile and link
// (statically too, where a job asks the C linker for -static), once each,
// before the first go build: a broken cross compiler fails here with its
// command, message and fix rather than in every job that uses it.
func preflight(ctx context.Context, jobs []plan.Job, stdio Stdio) error {
	reqs, users := probeRequests(jobs)
	if len(reqs) == 0 {
		return nil
	}
	var bad []string
	for _, p := range toolchain.Preflight(ctx, reqs) {
		if p.OK {
			continue
		}
		key := probeKey(p.Toolchain)
		var b strings.Builder
		fmt.Fprintf(&b, "C toolchain %s for %s does not work", strings.Join(p.Toolchain.CC, " "), strings.Join(users[key], ", "))
		if p.Static {
			b.WriteString(" (with -static)")
		}
		fmt.Fprintf(&b, "\n  command: %s", strings.Join(p.Command, " "))
		if out := strings.TrimSpace(p.Output); out != "" {
			fmt.Fprintf(&b, "\n  %s", strings.ReplaceAll(out, "\n", "\n  "))
		}
		if p.Install != "" {
			fmt.Fprintf(&b, "\n  fix: %s", p.Install)
		} else if p.Toolchain.Package != "" {
			fmt.Fprintf(&b, "\n  fix: apt-get install %s", p.Toolchain.Package)
		}
		bad = append(bad, b.String())
	}
	if len(bad) == 0 {
		return nil
	}
	for _, b := range bad {
		fmt.Fprintln(stdio.Err, b)
	}
	return usageErr("%s failed the preflight; nothing was built", plural(len(bad), "C toolchain"))
}

// probeRequests lists each distinct toolchain with the targets that use
// it, in plan order; one probe links statically too when any of its jobs
// asks the C linker for -static.
func probeRequests(jobs []plan.Job) ([]toolchain.ProbeRequest, map[string][]string) {
	users := map[string][]string{}
	index := map[string]int{}
	var reqs []toolchain.ProbeRequest
	for _, j := range jobs {
		if j.Toolchain == nil {
			continue
		}
		key := probeKey(*j.Toolchain)
		i, ok := index[key]
		if !ok {
			i = len(reqs)
			index[key] = i
			reqs = append(reqs, toolchain.ProbeRequest{Toolchain: *j.Toolchain})
		}
		reqs[i].Static = reqs[i].Static || j.StaticC
		if t := j.Target.String(); !slices.Contains(users[key], t) {
			users[key] = append(users[key], t)
		}
	}
	for _, u := range users {
		sort.Strings(u)
	}
	return reqs, users
}

func probeKey(tc toolchain.Toolchain) string {
	return fmt.Sprintf("%q|%q|%q", tc.CC, tc.CgoCFLAGS, tc.CgoLDFLAGS)
}
