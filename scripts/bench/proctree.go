package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// TreePeak is what sampling a process tree found: the largest sum of the
// resident set sizes of the top process and all its descendants seen at one
// instant, and the largest number of processes seen at once.
//
// RSS sums count a page shared by two processes twice (the go command's and
// the compiler's text, mapped by every compile process), so the sum is an
// upper bound of the memory the tree needed; it is what a container's memory
// limit comes closest to, and the same rule holds for every contender.
// Processes that live less than one sampling interval may be missed, and a
// descendant whose parent exited before it (reparented to init) is no longer
// found: go build waits for its compilers, so neither matters here.
type TreePeak struct {
	RSSBytes int64 `json:"rss_bytes"`
	Procs    int   `json:"procs"`
	Samples  int   `json:"samples"`
}

// procFS reads the process table from a proc file system; root is "/proc"
// except in tests. It remembers the parent of every pid it has seen, so
// that a sample reads /proc/PID/stat only for processes that are new since
// the previous one: a full scan of a busy machine every 20 ms would cost
// the bench a sizeable part of a core, taken from the contenders. A pid is
// forgotten as soon as a listing no longer has it (pids are not reused
// within one interval).
type procFS struct {
	root     string
	pageSize int64
	ppid     map[int]int
}

func newProcFS() *procFS { return &procFS{root: "/proc", pageSize: int64(os.Getpagesize())} }

// parents maps every visible pid to its parent pid, from /proc/PID/stat.
// Processes that exit while the table is read are skipped.
func (p *procFS) parents() (map[int]int, error) {
	d, err := os.Open(p.root)
	if err != nil {
		return nil, fmt.Errorf("read process table: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("read process table: %w", err)
	}
	pp := make(map[int]int, len(names))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if ppid, ok := p.ppid[pid]; ok {
			pp[pid] = ppid
			continue
		}
		b, err := os.ReadFile(filepath.Join(p.root, name, "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		if ppid, ok := parseStatPPID(b); ok {
			pp[pid] = ppid
		}
	}
	p.ppid = pp
	return pp, nil
}

// parseStatPPID returns the fourth field of /proc/PID/stat. The second
// field, the command name in parentheses, may itself hold spaces and
// parentheses, so the fields are counted from the last ')'.
func parseStatPPID(b []byte) (int, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:]) // state ppid ...
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(string(f[1]))
	return ppid, err == nil
}

// descendants returns root and every process below it in the parent map.
func descendants(root int, parents map[int]int) []int {
	children := make(map[int][]int, len(parents))
	for pid, ppid := range parents {
		children[ppid] = append(children[ppid], pid)
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// rss returns the resident set size of pid in bytes, from the second field of
// /proc/PID/statm (pages; the same figure as VmRSS in /proc/PID/status, read
// without formatting the whole status file). A process that has exited has
// none.
func (p *procFS) rss(pid int) (int64, bool) {
	b, err := os.ReadFile(filepath.Join(p.root, strconv.Itoa(pid), "statm"))
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * p.pageSize, true
}

// sampleTree takes one sample: the summed RSS of root's tree and the number
// of its processes still alive.
func (p *procFS) sampleTree(root int) (int64, int, error) {
	pp, err := p.parents()
	if err != nil {
		return 0, 0, err
	}
	if _, ok := pp[root]; !ok {
		return 0, 0, nil
	}
	var sum int64
	n := 0
	for _, pid := range descendants(root, pp) {
		if r, ok := p.rss(pid); ok {
			sum += r
			n++
		}
	}
	return sum, n, nil
}

// treeSampler samples one process tree every interval from a goroutine
// until Stop.
type treeSampler struct {
	stop chan struct{}
	done chan TreePeak
}

// startTreeSampler takes a first sample at once and then one every
// interval. The sampler's own CPU time is the bench's, not the measured
// tree's: it is in no child rusage.
func startTreeSampler(root int, interval time.Duration) *treeSampler {
	s := &treeSampler{stop: make(chan struct{}), done: make(chan TreePeak, 1)}
	fs := newProcFS()
	go func() {
		var peak TreePeak
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if sum, n, err := fs.sampleTree(root); err == nil {
				peak.Samples++
				peak.RSSBytes = max(peak.RSSBytes, sum)
				peak.Procs = max(peak.Procs, n)
			}
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak; measure calls it once the top
// process has been waited for.
func (s *treeSampler) Stop() TreePeak {
	close(s.stop)
	return <-s.done
}
