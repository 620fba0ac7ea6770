package sched

import (
	"fmt"
	"runtime"
	"strconv"
)

// ThreadsAuto is the --threads policy "auto": share the cores among the
// builds running at once (Threads).
const ThreadsAuto = -1

// ParseThreads reads a --threads value: "auto" (ThreadsAuto), 0 (set
// nothing) or a positive number of threads per build.
func ParseThreads(s string) (int, error) {
	if s == "auto" {
		return ThreadsAuto, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("--threads %q: want auto, 0 or a positive number of threads per build", s)
	}
	return n, nil
}

// ThreadsFor resolves a policy into the GOMAXPROCS of every build of a plan
// of n builds run jobs at once (plan.WithThreads): auto shares the cores
// this process may use (affinity and cgroup limits) by Threads, unless the
// user's environment sets GOMAXPROCS (envGOMAXPROCS), whose value then
// wins; 0 sets nothing; N gives every build N. A job inherits no GOMAXPROCS
// (goenv.Inherit), so the value is always the plan's, shown by
// `portmatrix plan`.
func ThreadsFor(policy, jobs, n int, envGOMAXPROCS string) int {
	if policy != ThreadsAuto {
		return policy
	}
	if envGOMAXPROCS != "" {
		if v, err := strconv.Atoi(envGOMAXPROCS); err == nil && v > 0 {
			return v
		}
		return 0
	}
	return Threads(runtime.GOMAXPROCS(0), jobs, n)
}
