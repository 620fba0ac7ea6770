// Package sched decides the order builds start in and how much memory each
// is expected to take, from what previous runs recorded and, for jobs never
// seen, from the same cost model sharding uses.
//
// Order matters on a small machine: when the longest build starts last it
// runs alone while the other cores idle. Starting the longest first
// (longest-processing-time scheduling) keeps every core busy to the end.
// Memory matters on a big matrix: N links at once can exceed the machine's
// memory, so the pool admits builds only while their estimates fit a budget.
// Threads matter on every machine: each go command, compiler and linker
// sizes its thread pool to every core, so N builds at once run N times as
// many busy threads as there are cores and pay for it in CPU time; Threads
// shares the cores out instead.
package sched

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/shard"
)

// History is what earlier runs recorded per job id (the state file).
type History interface {
	Duration(id string) (time.Duration, bool)
	MaxRSS(id string) (int64, bool)
}

// DefaultJobMemory is the estimate for a build never measured: a go link of
// a medium program peaks at a few hundred MB; a large compile near 1 GB.
const DefaultJobMemory = 1 << 30

// MemoryHeadroom scales a recorded peak, since the next build of the job
// can take a little more.
const MemoryHeadroom = 1.25

// Cost returns the start-order cost of a job: its last recorded duration in
// seconds when known; otherwise the cost model (shard.Cost plus the target's
// first compile) converted to seconds by the median seconds-per-unit of the
// jobs that are known, so known and unknown jobs compare fairly.
func Cost(jobs []plan.Job, h History) func(plan.Job) float64 {
	model := func(j plan.Job) float64 { return shard.TargetCost + shard.Cost(j) }
	var ratios []float64
	if h != nil {
		for _, j := range jobs {
			if d, ok := h.Duration(j.ID); ok && d > 0 {
				ratios = append(ratios, d.Seconds()/model(j))
			}
		}
	}
	perUnit := 1.0
	if len(ratios) > 0 {
		slices.Sort(ratios)
		perUnit = ratios[len(ratios)/2]
	}
	return func(j plan.Job) float64 {
		if h != nil {
			if d, ok := h.Duration(j.ID); ok && d > 0 {
				return d.Seconds()
			}
		}
		return model(j) * perUnit
	}
}

// Memory returns the memory estimate of a job: its recorded peak times
// MemoryHeadroom, else DefaultJobMemory.
func Memory(h History) func(plan.Job) int64 {
	return func(j plan.Job) int64 {
		if h != nil {
			if m, ok := h.MaxRSS(j.ID); ok && m > 0 {
				return int64(float64(m) * MemoryHeadroom)
			}
		}
		return DefaultJobMemory
	}
}

// SharedWaves is how many builds per slot of the pool a plan needs before
// Threads shares the cores out: with fewer, the builds come in one or two
// waves, and the last wave's builds, each held to its share, would leave
// cores idle that their own parallel compiles could have used.
const SharedWaves = 3

// Threads is the GOMAXPROCS to give each build of a plan of n, with at most
// jobs builds at once on cores cores.
//
// A plan of at least SharedWaves×jobs builds shares the cores: every build
// gets cores/jobs, rounded up so that no core idles when jobs does not
// divide cores. A smaller plan gets every core for every build (the go
// command's default). It returns at least 1.
//
// Measured on 2 cores (docs/benchmarks.md): two builds at once with
// GOMAXPROCS=1 each spend 8-20% less CPU than two with all cores each. An
// earlier rule gave the last builds to start more threads, so that the last
// one would not run alone on one core; on cold 12-target matrices it was
// 12-20% slower than one thread for every build: the last two builds
// overlapped, the one with more threads finished first, and the other ran
// its last part alone anyway (wall time 3.5-3.9% above the builds' summed
// durations over two slots, against 0.7-1.2%). The SharedWaves guard for
// larger machines comes from a simulation, not a measurement.
func Threads(cores, jobs, n int) int {
	cores, jobs = max(cores, 1), max(jobs, 1)
	if n < SharedWaves*jobs {
		return cores
	}
	return min(cores, (cores+jobs-1)/jobs)
}

// DefaultBudget is 80% of the memory the kernel says is available now
// (MemAvailable in /proc/meminfo), or 0 (no budget) where that is unknown.
func DefaultBudget() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	avail, err := memAvailable(f)
	if err != nil {
		return 0
	}
	return avail / 5 * 4
}

// memAvailable reads MemAvailable (in bytes) from /proc/meminfo's text.
func memAvailable(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("meminfo: unexpected MemAvailable line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("meminfo: %w", err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("meminfo: no MemAvailable line")
}

// ParseSize reads a memory size: a number of bytes, or a number with a unit
// K, M, G or T (powers of 1024; "KiB", "MB" and the like are accepted the
// same way, case-insensitive), e.g. "8G", "512M", "1.5GiB".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size like 8G or 512M", s)
	}
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "I")
	mult := map[string]float64{"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("%q: unknown unit; use K, M, G or T", s)
	}
	return int64(v * mult), nil
}
