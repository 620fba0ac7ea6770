package vcs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/internal/needtool"
)

// baseTime is the committer time of the first commit; later commits are an
// hour apart. Its zone shows that Date comes back in UTC.
var baseTime = time.Date(2021, 5, 6, 7, 8, 9, 0, time.FixedZone("", 2*3600))

// repo is a throwaway git repository with fixed identities and times.
type repo struct {
	t       *testing.T
	dir     string
	commits int
}

// isolate makes git ignore the machine's and the user's configuration and
// any repository above the test's temporary directories, for the test
// helpers and for Describe alike. It uses t.Setenv, so tests that call it
// cannot run in parallel.
func isolate(t *testing.T) {
	t.Helper()
	needtool.Path(t, "apt-get install git", "git")
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(home))
	for _, v := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q")
	return r
}

// git runs git in the repository with a fixed identity and dates.
func (r *repo) git(args ...string) string {
	r.t.Helper()
	when := r.commitTime(r.commits).Format(time.RFC3339)
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Bob", "GIT_COMMITTER_EMAIL=bob@example.com",
		// The author time is a day earlier: Date must be the committer's.
		"GIT_AUTHOR_DATE="+r.commitTime(r.commits).AddDate(0, 0, -1).Format(time.RFC3339),
		"GIT_COMMITTER_DATE="+when,
	)
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %s:\n%s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func (r *repo) commitTime(i int) time.Time { return baseTime.Add(time.Duration(i) * time.Hour) }

// commit commits a change to file and returns the new HEAD.
func (r *repo) commit(file string) string {
	r.t.Helper()
	r.write(file, "commit "+file+"\n")
	r.git("add", file)
	r.git("commit", "-q", "-m", "change "+file)
	r.commits++
	return r.git("rev-parse", "HEAD")
}

func (r *repo) write(file, content string) {
	r.t.Helper()
	require.NoError(r.t, os.WriteFile(filepath.Join(r.dir, file), []byte(content), 0o644))
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		// setup builds the repository and returns the expected Info, given
		// HEAD's hash and short hash.
		setup func(r *repo) (want func(head, short string) Info)
	}{
		{"no tags", func(r *repo) func(string, string) Info {
			r.commit("a")
			return func(head, short string) Info {
				return Info{Version: "0.0.0-" + short}
			}
		}},
		{"no tags, dirty", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.write("a", "changed\n")
			return func(head, short string) Info {
				return Info{Version: "0.0.0-" + short + "-dirty", Dirty: true}
			}
		}},
		{"staged change is dirty", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.write("b", "new\n")
			r.git("add", "b")
			return func(head, short string) Info {
				return Info{Version: "0.0.0-" + short + "-dirty", Dirty: true}
			}
		}},
		{"untracked files are not dirty", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.write("untracked", "x\n")
			require.NoError(r.t, os.MkdirAll(filepath.Join(r.dir, "dist"), 0o755))
			r.write("dist/tool", "x\n")
			return func(head, short string) Info {
				return Info{Version: "0.0.0-" + short}
			}
		}},
		{"at a lightweight tag", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "v1.2.3")
			return func(head, short string) Info {
				return Info{Version: "1.2.3", Tag: "v1.2.3"}
			}
		}},
		{"at an annotated tag", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "-a", "-m", "release", "v2.0.0")
			return func(head, short string) Info {
				return Info{Version: "2.0.0", Tag: "v2.0.0"}
			}
		}},
		{"at a tag, dirty", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "v1.2.3")
			r.write("a", "changed\n")
			return func(head, short string) Info {
				return Info{Version: "1.2.3-dirty", Tag: "v1.2.3", Dirty: true}
			}
		}},
		{"after a tag", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "v1.2.3")
			r.commit("b")
			r.commit("c")
			return func(head, short string) Info {
				return Info{Version: "1.2.3-2-g" + short}
			}
		}},
		{"after a tag, dirty", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "v1.2.3")
			r.commit("b")
			r.write("b", "changed\n")
			return func(head, short string) Info {
				return Info{Version: "1.2.3-1-g" + short + "-dirty", Dirty: true}
			}
		}},
		{"the nearest tag wins", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "v1.0.0")
			r.commit("b")
			r.git("tag", "v1.1.0")
			r.commit("c")
			return func(head, short string) Info {
				return Info{Version: "1.1.0-1-g" + short}
			}
		}},
		{"pre-release tag with hyphens, after it", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "v1.2.3-rc.1-final")
			r.commit("b")
			return func(head, short string) Info {
				return Info{Version: "1.2.3-rc.1-final-1-g" + short}
			}
		}},
		{"tag without a v", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "release-7")
			return func(head, short string) Info {
				return Info{Version: "release-7", Tag: "release-7"}
			}
		}},
		{"a v that is not a version's", func(r *repo) func(string, string) Info {
			r.commit("a")
			r.git("tag", "vnext")
			return func(head, short string) Info {
				return Info{Version: "vnext", Tag: "vnext"}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			r := newRepo(t)
			want := tt.setup(r)
			head := r.git("rev-parse", "HEAD")
			short := head[:ShortLen]

			got, err := Describe(context.Background(), r.dir)
			require.NoError(t, err)
			w := want(head, short)
			w.Commit, w.ShortCommit = head, short
			w.Date = r.commitTime(r.commits - 1).UTC()
			assert.Equal(t, w, got)
			assert.Equal(t, time.UTC, got.Date.Location())
		})
	}
}

// TestDescribeIsStable shows that the stamp of a commit does not depend on
// when or where it is computed: not the clock, not the directory below the
// top, not git's auto-sized abbreviations.
func TestDescribeIsStable(t *testing.T) {
	isolate(t)
	r := newRepo(t)
	r.commit("a")
	r.git("tag", "v0.1.0")
	r.commit("b")
	require.NoError(t, os.MkdirAll(filepath.Join(r.dir, "sub", "dir"), 0o755))

	first, err := Describe(context.Background(), r.dir)
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond) // a different second on the clock
	again, err := Describe(context.Background(), filepath.Join(r.dir, "sub", "dir"))
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Equal(t, baseTime.Add(time.Hour).UTC(), first.Date)

	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "core.abbrev")
	t.Setenv("GIT_CONFIG_VALUE_0", "5")
	short, err := Describe(context.Background(), r.dir)
	require.NoError(t, err)
	assert.Equal(t, first, short, "core.abbrev does not change the stamp")
}

// TestShallowClone documents a CI trap: a shallow clone that lacks the
// tagged commit has no tag to describe, and so gets a 0.0.0 version.
func TestShallowClone(t *testing.T) {
	isolate(t)
	r := newRepo(t)
	r.commit("a")
	r.git("tag", "v1.0.0")
	head := r.commit("b")
	clone := filepath.Join(t.TempDir(), "clone")
	r.git("clone", "-q", "--depth", "1", "file://"+r.dir, clone)

	got, err := Describe(context.Background(), clone)
	require.NoError(t, err)
	assert.Equal(t, "0.0.0-"+head[:ShortLen], got.Version)
	assert.Equal(t, head, got.Commit)
	assert.Equal(t, r.commitTime(1).UTC(), got.Date, "the date survives the shallow clone")
}

func TestDescribeErrors(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(t *testing.T) string
		isNotRepo bool
		is        error
		wantErr   string
	}{
		{
			name:      "not a repository",
			setup:     func(t *testing.T) string { return t.TempDir() },
			isNotRepo: true,
			wantErr:   "not a git work tree (fatal: not a git repository",
		},
		{
			name: "inside the .git directory",
			setup: func(t *testing.T) string {
				r := newRepo(t)
				r.commit("a")
				return filepath.Join(r.dir, ".git")
			},
			isNotRepo: true,
			wantErr:   "/.git: not a git work tree (inside the repository's git directory)",
		},
		{
			name: "git is not installed",
			setup: func(t *testing.T) string {
				r := newRepo(t)
				r.commit("a")
				t.Setenv("PATH", t.TempDir())
				return r.dir
			},
			isNotRepo: true,
			is:        exec.ErrNotFound,
			wantErr:   `not a git work tree (no git to ask): git -C `,
		},
		{
			name:    "no commits yet",
			setup:   func(t *testing.T) string { return newRepo(t).dir },
			is:      ErrNoCommits,
			wantErr: ": no commits yet",
		},
		{
			name:    "missing directory",
			setup:   func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") },
			is:      fs.ErrNotExist,
			wantErr: "describing ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			dir := tt.setup(t)
			_, err := Describe(context.Background(), dir)
			require.Error(t, err)
			assert.Equal(t, tt.isNotRepo, errors.Is(err, ErrNotRepo), "errors.Is(err, ErrNotRepo): %v", err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), dir, "the error names the directory")
		})
	}
}

func TestDescribeCanceled(t *testing.T) {
	isolate(t)
	r := newRepo(t)
	r.commit("a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Describe(ctx, r.dir)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrNotRepo)
}

func TestParseDescribe(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		out       string
		wantTag   string
		wantAhead int
		wantErr   bool
	}{
		{out: "0123456789ab"},
		{out: "0123456789abcd"},
		{out: "v1.2.3-0-g0123456789ab", wantTag: "v1.2.3"},
		{out: "v1.2.3-14-g0123456789ab", wantTag: "v1.2.3", wantAhead: 14},
		{out: "a-b-g-c-3-g0123456789ab", wantTag: "a-b-g-c", wantAhead: 3},
		{out: "", wantErr: true},
		{out: "ffff", wantErr: true},
		{out: "v1-x-g0123", wantErr: true},
		{out: "v1-1-gffff", wantErr: true},
		{out: "-1-g0123", wantErr: true},
		{out: "v1--1-g0123", wantTag: "v1-", wantAhead: 1},
	}
	for _, tt := range tests {
		t.Run(tt.out, func(t *testing.T) {
			tag, ahead, err := parseDescribe(tt.out, commit)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `unexpected git describe output "`+tt.out+`"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantTag, tag)
			assert.Equal(t, tt.wantAhead, ahead)
		})
	}
}
