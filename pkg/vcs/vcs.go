// Package vcs reads release stamps (version, commit, commit time, dirty
// state) from a git checkout, so that a release is named after what it was
// built from and two builds of one commit carry the same stamp.
//
// It runs the git command (no shell) and needs nothing else: builds with
// GOFLAGS=-buildvcs=false, shallow CI clones and source trees copied out of
// git all behave the same way, through ErrNotRepo.
package vcs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ErrNotRepo is returned (wrapped) when the directory is not inside a git
// work tree or git is not installed, so that callers can fall back to a
// default stamp ("dev") with errors.Is instead of failing the build.
var ErrNotRepo = errors.New("not a git work tree")

// ErrNoCommits is returned (wrapped) for a work tree whose HEAD has no
// commit yet (just after git init): there is nothing to stamp, and a
// caller may fall back as for ErrNotRepo.
var ErrNoCommits = errors.New("no commits yet")

// ShortLen is the length of Info.ShortCommit, fixed rather than git's
// auto-sized abbreviation, which grows with the number of objects in a
// clone and so would differ between a shallow CI clone and a full one.
// Twelve is also what Go's pseudo-versions use.
const ShortLen = 12

// Info is the release stamp of a checkout's HEAD.
type Info struct {
	// Version is `git describe --tags` for HEAD with a leading "v"
	// dropped: "1.2.3" at tag v1.2.3, "1.2.3-4-gabcdef012345" four commits
	// after it, and "0.0.0-abcdef012345" when no tag is reachable (a
	// shallow clone without tags, too). A "-dirty" suffix means Dirty.
	Version string `json:"version"`
	// Commit is HEAD's full commit hash.
	Commit string `json:"commit"`
	// ShortCommit is the first ShortLen characters of Commit.
	ShortCommit string `json:"short_commit"`
	// Tag is the tag HEAD is exactly at, as git names it ("v1.2.3"), and
	// empty when HEAD is not at a tag. It is set for a dirty tree too.
	Tag string `json:"tag,omitempty"`
	// Date is HEAD's committer time in UTC: not the time of the build, so
	// that rebuilds of one commit agree (as SOURCE_DATE_EPOCH intends).
	Date time.Time `json:"date"`
	// Dirty reports uncommitted changes to tracked files, staged or not.
	// Untracked files do not count, as with `git describe --dirty`: build
	// outputs such as dist/ are often untracked, and a second build must
	// not be stamped dirty because the first one wrote them.
	Dirty bool `json:"dirty"`
}

// Describe returns the release stamp of the git checkout containing dir.
// It returns an error wrapping ErrNotRepo when dir is not inside a git work
// tree (or git is missing), ErrNoCommits when HEAD has no commit, and other
// errors, naming the git command and its message, when git fails.
func Describe(ctx context.Context, dir string) (Info, error) {
	if _, err := os.Stat(dir); err != nil {
		return Info{}, fmt.Errorf("describing %s: %w", dir, err)
	}
	inside, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree")
	var gerr *gitError
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return Info{}, fmt.Errorf("%s: %w (no git to ask): %w", dir, ErrNotRepo, err)
	case errors.As(err, &gerr) && gerr.exited():
		return Info{}, fmt.Errorf("%s: %w (%s)", dir, ErrNotRepo, gerr.msg())
	case err != nil:
		return Info{}, err
	case inside != "true":
		return Info{}, fmt.Errorf("%s: %w (inside the repository's git directory)", dir, ErrNotRepo)
	}

	var info Info
	info.Commit, err = git(ctx, dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if errors.As(err, &gerr) && gerr.exitCode() == 1 {
		return Info{}, fmt.Errorf("%s: %w", dir, ErrNoCommits)
	}
	if err != nil {
		return Info{}, err
	}
	if len(info.Commit) < ShortLen {
		return Info{}, fmt.Errorf("%s: unexpected commit hash %q", dir, info.Commit)
	}
	info.ShortCommit = info.Commit[:ShortLen]

	ct, err := git(ctx, dir, "log", "-1", "--no-show-signature", "--format=%ct", info.Commit, "--")
	if err != nil {
		return Info{}, err
	}
	sec, err := strconv.ParseInt(ct, 10, 64)
	if err != nil {
		return Info{}, fmt.Errorf("%s: commit time of %s: %w", dir, info.ShortCommit, err)
	}
	info.Date = time.Unix(sec, 0).UTC()

	// One source of truth for dirtiness (instead of describe's --dirty as
	// well), so that Version's "-dirty" and Dirty always agree.
	status, err := git(ctx, dir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return Info{}, err
	}
	info.Dirty = status != ""

	desc, err := git(ctx, dir, "describe", "--tags", "--always", "--long", "--abbrev="+strconv.Itoa(ShortLen), info.Commit)
	if err != nil {
		return Info{}, err
	}
	tag, ahead, err := parseDescribe(desc, info.Commit)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", dir, err)
	}
	switch {
	case tag == "":
		info.Version = "0.0.0-" + info.ShortCommit
	case ahead == 0:
		info.Tag = tag
		info.Version = trimV(tag)
	default:
		info.Version = fmt.Sprintf("%s-%d-g%s", trimV(tag), ahead, info.ShortCommit)
	}
	if info.Dirty {
		info.Version += "-dirty"
	}
	return info, nil
}

// parseDescribe splits `git describe --tags --always --long` output into
// the tag and the number of commits since it; tag is "" when the output is
// a bare abbreviated hash (no tag reachable).
func parseDescribe(out, commit string) (tag string, ahead int, err error) {
	i := strings.LastIndex(out, "-g")
	if i < 0 {
		if out == "" || !strings.HasPrefix(commit, out) {
			return "", 0, fmt.Errorf("unexpected git describe output %q for commit %s", out, commit)
		}
		return "", 0, nil
	}
	hash, rest := out[i+2:], out[:i]
	j := strings.LastIndexByte(rest, '-')
	if j <= 0 || hash == "" || !strings.HasPrefix(commit, hash) {
		return "", 0, fmt.Errorf("unexpected git describe output %q for commit %s", out, commit)
	}
	ahead, err = strconv.Atoi(rest[j+1:])
	if err != nil || ahead < 0 {
		return "", 0, fmt.Errorf("unexpected git describe output %q for commit %s", out, commit)
	}
	return rest[:j], ahead, nil
}

// trimV drops the "v" of a "v1.2.3"-style tag, and keeps other tags
// ("vnext", "release-1") as they are.
func trimV(tag string) string {
	if len(tag) > 1 && tag[0] == 'v' && '0' <= tag[1] && tag[1] <= '9' {
		return tag[1:]
	}
	return tag
}

// git runs git -C dir args and returns its trimmed standard output.
// GIT_OPTIONAL_LOCKS=0 keeps `git status` from taking the index lock, so
// stamping never gets in the way of someone using git in the same tree.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	argv := append([]string{"-C", dir}, args...)
	cmd := exec.CommandContext(ctx, "git", argv...)
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return "", &gitError{args: argv, stderr: stderr.String(), err: err}
	}
	return strings.TrimSpace(stdout.String()), nil
}

// gitError is a failed git command: its arguments, what it printed on
// standard error, and how it ended.
type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	s := "git " + strings.Join(e.args, " ") + ": " + e.err.Error()
	if m := e.msg(); m != "" {
		s += ": " + m
	}
	return s
}

func (e *gitError) Unwrap() error { return e.err }

// msg is git's message: the last non-empty line of its standard error,
// which is where git puts the "fatal: ..." line.
func (e *gitError) msg() string {
	lines := strings.Split(strings.TrimSpace(e.stderr), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func (e *gitError) exitCode() int {
	var ee *exec.ExitError
	if errors.As(e.err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func (e *gitError) exited() bool { return e.exitCode() > 0 }
