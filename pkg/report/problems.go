package report

import (
	"strings"

	"github.com/portmatrix/portmatrix/pkg/repro"
)

// problem is what the writers list under the table for one job.
type problem struct {
	id       string
	status   Status
	messages []string // one per violation, or the error
	details  []string // lines explaining the messages (ReproDetails)
	tail     []string // last maxLogTail lines of the build log
	logFile  string
}

// Messages of a reproducibility problem; ReproDetails follow them. A caller
// that makes a failed check a violation uses them as the violation, and the
// writers then list it once, with its details.
const (
	MsgNotReproducible = "not reproducible: a second build gave different bytes"
	MsgReproError      = "reproducibility not known: the second build could not be made"
)

// problems collects violated, failed and timed-out jobs, and jobs whose
// reproducibility check said "no" or "error", in report order (a job with
// both has two entries). Cancelled and skipped jobs are not problems of
// their own: they follow from another failure or from the user.
func problems(jobs []Job) []problem {
	var out []problem
	for _, j := range jobs {
		if p, ok := statusProblem(j); ok {
			out = append(out, p)
		}
		if p, ok := reproProblem(j); ok {
			out = append(out, p)
		}
	}
	return out
}

// reproProblem is the problem entry of a job whose --reproducible check
// said "no" or "error".
func reproProblem(j Job) (problem, bool) {
	msg := map[string]string{repro.VerdictNo: MsgNotReproducible, repro.VerdictError: MsgReproError}[j.Reproducible]
	return problem{id: j.ID, status: j.Status, messages: []string{msg}, details: j.ReproDetails}, msg != ""
}

// statusProblem is the problem entry of a violated, failed or timed-out job.
func statusProblem(j Job) (problem, bool) {
	p := problem{id: j.ID, status: j.Status}
	switch j.Status {
	case StatusViolated:
		for _, v := range j.Violations {
			if j.Reproducible != "" && (v == MsgNotReproducible || v == MsgReproError) {
				continue // reproProblem lists it with its details
			}
			p.messages = append(p.messages, v)
		}
		if len(p.messages) == 0 {
			if j.Reproducible == repro.VerdictNo || j.Reproducible == repro.VerdictError {
				return p, false
			}
			p.messages = []string{"expectation does not hold"}
		}
	case StatusFailed, StatusTimeout:
		msg := j.Error
		if msg == "" {
			msg = "build failed"
			if j.Status == StatusTimeout {
				msg = "timed out"
			}
		}
		p.messages = []string{msg}
		tail := j.LogTail[max(len(j.LogTail)-maxLogTail, 0):]
		for _, l := range tail {
			p.tail = append(p.tail, strings.TrimRight(l, "\r\n"))
		}
		p.logFile = j.LogFile
	default:
		return p, false
	}
	return p, true
}
