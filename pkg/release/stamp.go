package release

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/vcs"
)

// StampOptions are what a release's stamp can come from besides git.
type StampOptions struct {
	// Version, Commit and Date are given explicitly (--app-version,
	// --commit, --date); they win over everything else. Date is RFC 3339.
	Version, Commit, Date string
	// SourceDateEpoch is $SOURCE_DATE_EPOCH: it wins over the commit time
	// for the date, as reproducible-builds.org specifies.
	SourceDateEpoch string
	// Dir is where git is asked (the manifest's directory).
	Dir string
	// Now is the clock of the last resort (time.Now when nil).
	Now func() time.Time
}

// ErrStamp is wrapped by the errors of Stamp for values the user gave
// that cannot be used.
var ErrStamp = errors.New("bad stamp")

// Stamp fills the template stamp: given values first, then git (git
// describe, HEAD and its commit time) when Dir is in a git work tree, then
// "dev"/"none"/now. A git problem other than "not a repository" or "no
// commits yet" comes back as a warning note; values the user gave that
// cannot be used are an error wrapping ErrStamp.
func Stamp(ctx context.Context, opt StampOptions) (plan.Stamp, []note.Note, error) {
	s := plan.Stamp{Version: opt.Version, Commit: opt.Commit, Date: opt.Date}
	if s.Date != "" {
		if _, err := time.Parse(time.RFC3339, s.Date); err != nil {
			return s, nil, fmt.Errorf("%w: --date %q is not an RFC 3339 time like 2024-05-06T07:08:09Z", ErrStamp, s.Date)
		}
		s.DateSource = "--date"
	}
	if sde := opt.SourceDateEpoch; sde != "" && s.Date == "" {
		t, err := EpochTime(sde)
		if err != nil {
			return s, nil, fmt.Errorf("%w: %v", ErrStamp, err)
		}
		s.Date, s.DateSource = t.Format(time.RFC3339), "SOURCE_DATE_EPOCH"
	}
	var notes []note.Note
	if s.Version == "" || s.Commit == "" || s.Date == "" {
		info, err := vcs.Describe(ctx, opt.Dir)
		switch {
		case err == nil:
			if s.Version == "" {
				s.Version = info.Version
			}
			if s.Commit == "" {
				s.Commit, s.ShortCommit, s.Tag = info.Commit, info.ShortCommit, info.Tag
			}
			if s.Date == "" {
				s.Date, s.DateSource = info.Date.UTC().Format(time.RFC3339), "git"
			}
		case !errors.Is(err, vcs.ErrNotRepo) && !errors.Is(err, vcs.ErrNoCommits):
			notes = append(notes, note.Warnf("version stamp from git: %v", err))
		}
	}
	if s.Version == "" {
		s.Version = "dev"
	}
	if s.Commit == "" {
		s.Commit = "none"
	}
	if s.ShortCommit == "" {
		s.ShortCommit = s.Commit[:min(vcs.ShortLen, len(s.Commit))]
	}
	if s.Date == "" {
		now := time.Now
		if opt.Now != nil {
			now = opt.Now
		}
		s.Date, s.DateSource = now().UTC().Format(time.RFC3339), "now"
	}
	return s, notes, nil
}

// EpochTime is the time $SOURCE_DATE_EPOCH (sde) names, in UTC.
func EpochTime(sde string) (time.Time, error) {
	sec, err := strconv.ParseInt(sde, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", sde)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// ArchiveTime is the one mtime of every archive entry: the stamp's date,
// unless that is the wall clock (no --date, SOURCE_DATE_EPOCH or git),
// which would make the archives of two runs differ; then zero, which the
// archive package writes as 1980-01-01.
func ArchiveTime(s plan.Stamp) time.Time {
	if s.DateSource == "now" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s.Date)
	if err != nil {
		return time.Time{}
	}
	return t
}
