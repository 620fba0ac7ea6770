package fingerprint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// vcsMarkers are what the go command looks for, from a package's directory
// upward, to stamp vcs.revision, vcs.time and vcs.modified (-buildvcs).
var vcsMarkers = []string{".git", ".hg", ".svn", ".bzr", ".fslckout", "_FOSSIL_"}

// vcsState is what -buildvcs stamps beyond the module's files: the commit
// HEAD names (which gives vcs.revision and vcs.time). The repository
// nearest to dir upward is used; when the go command would not stamp it
// (another repository, or none, holds the main package) the key is only
// stricter than needed. Only git is read; the others are not keyed.
//
// vcs.modified needs no input of its own when the repository is the
// module (go.mod at its root): uncommitted changes are changes to the
// files, which are hashed. (One corner stays open: a change staged and then
// undone in the working tree flips it with no file changed.) When the
// module is below the repository's root (root is the module's directory),
// a change outside the module flips vcs.modified too, and those files are
// not hashed: the key then takes what the go command stamps, whether
// `git status --porcelain` in the repository lists anything.
func (g *Global) vcsState(ctx context.Context, env jobEnv, dir, root string) (string, error) {
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"} {
		if v := env.merged[k]; v != "" {
			return "", uncertain("%s=%s moves the repository the go command stamps", k, v)
		}
	}
	return cached(g, g.vcs, dir, func() (string, error) {
		for d := dir; ; {
			for _, m := range vcsMarkers {
				p := filepath.Join(d, m)
				_, err := os.Lstat(p)
				switch {
				case err == nil && m == ".git":
					head, err := gitHead(p)
					if err != nil || !strings.HasPrefix(root, d+string(filepath.Separator)) {
						return head, err
					}
					modified, err := gitModified(ctx, d)
					return head + " modified=" + modified, err
				case err == nil:
					return "", uncertain("%s: only git repositories are keyed with -buildvcs (use -buildvcs=false)", p)
				case !errors.Is(err, fs.ErrNotExist):
					return "", uncertain("looking for a repository: %v", err)
				}
			}
			parent := filepath.Dir(d)
			if parent == d {
				return "none", nil
			}
			d = parent
		}
	})
}

// gitHead reads the commit HEAD names from the files of a repository
// (a .git directory, or a .git file of a worktree or submodule) without
// running git: loose refs, then packed-refs.
func gitHead(dotgit string) (string, error) {
	st, err := os.Stat(dotgit)
	if err != nil {
		return "", uncertain("reading %s: %v", dotgit, err)
	}
	gitDir := dotgit
	if !st.IsDir() {
		data, err := os.ReadFile(dotgit)
		if err != nil {
			return "", uncertain("reading %s: %v", dotgit, err)
		}
		p, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
		if !ok {
			return "", uncertain("%s: no gitdir line", dotgit)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(dotgit), p)
		}
		gitDir = filepath.Clean(p)
	}
	common := gitDir
	if data, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(data))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		common = filepath.Clean(c)
	}
	data, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return "", uncertain("reading the HEAD of %s: %v", gitDir, err)
	}
	head := strings.TrimSpace(string(data))
	ref, symbolic := strings.CutPrefix(head, "ref: ")
	if !symbolic {
		if !isHash(head) {
			return "", uncertain("%s/HEAD: %q is not a commit", gitDir, head)
		}
		return "git detached " + head, nil
	}
	ref = strings.TrimSpace(ref)
	if ref == "refs/heads/.invalid" {
		return "", uncertain("%s uses the reftable format, which is not read", gitDir)
	}
	if !strings.HasPrefix(ref, "refs/") || strings.Contains(ref, "..") {
		return "", uncertain("%s/HEAD: unexpected ref %q", gitDir, ref)
	}
	for _, d := range []string{gitDir, common} {
		data, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(ref)))
		if err == nil {
			if h := strings.TrimSpace(string(data)); isHash(h) {
				return fmt.Sprintf("git %s %s", ref, h), nil
			}
			return "", uncertain("%s: ref %s is not a commit", gitDir, ref)
		}
	}
	if data, err := os.ReadFile(filepath.Join(common, "packed-refs")); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if h, r, ok := strings.Cut(strings.TrimSpace(line), " "); ok && r == ref && isHash(h) {
				return fmt.Sprintf("git %s %s", ref, h), nil
			}
		}
	}
	return "git " + ref + " unborn", nil
}

// gitModified runs `git status --porcelain` in the repository at top, as
// the go command does to stamp vcs.modified, and says "true" when it lists
// anything.
func gitModified(ctx context.Context, top string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "status", "--porcelain")
	cmd.Dir = top
	out, err := cmd.Output()
	if err != nil {
		return "", uncertain("git status in %s (for vcs.modified, the module being below the repository's root): %v", top, err)
	}
	return strconv.FormatBool(len(bytes.TrimSpace(out)) > 0), nil
}

// isHash accepts a SHA-1 or SHA-256 object name.
func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
