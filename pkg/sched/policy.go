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
// of n builds run jobs at once (build.Options.Threads): auto shares the
// cores this process may use (affinity and cgroup limits) by Threads,
// unless the user's environment sets GOMAXPROCS (envGOMAXPROCS not empty),
// which then wins and nothing is set; 0 sets nothing; N gives every build N.
func ThreadsFor(policy, jobs, n int, envGOMAXPROCS string) int {
	if policy != ThreadsAuto {
		return policy
	}
	if envGOMAXPROCS != "" {
		return 0
	}
	return Threads(runtime.GOMAXPROCS(0), jobs, n)
}
