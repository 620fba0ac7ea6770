package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/portmatrix/portmatrix/pkg/checksum"
	"github.com/portmatrix/portmatrix/pkg/internal/atomicfile"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
	"github.com/portmatrix/portmatrix/pkg/vcs"
)

// planFlags are the flags shared by every command that reads a manifest.
type planFlags struct {
	file    string
	goBin   string
	dist    string
	targets []string
	builds  []string
	version string
	commit  string
	date    string
}

func (f *planFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.file, "file", "f", manifest.DefaultFile, "manifest to read")
	fs.StringVar(&f.goBin, "go", "", "go command to use (default $GO, else go on PATH)")
	fs.StringVar(&f.dist, "dist", "", "output directory (default the manifest's dist, else dist/ beside it)")
	fs.StringSliceVar(&f.targets, "targets", nil, "only jobs whose target matches one of these patterns (comma-separated; globs and sets allowed)")
	fs.StringSliceVar(&f.builds, "build", nil, "only these build ids (comma-separated)")
	fs.StringVar(&f.version, "app-version", "", "value of {{.Version}} in templates (default from git describe --tags --always --dirty, else \"dev\")")
	fs.StringVar(&f.commit, "commit", "", "value of {{.Commit}} in templates (default git HEAD, else \"none\")")
	fs.StringVar(&f.date, "date", "", "value of {{.Date}} in templates, RFC 3339 (default SOURCE_DATE_EPOCH, else the commit time, else now)")
}

// goCommand picks the go command: --go, then $GO, then "go".
func goCommand(flag string, stdio Stdio) string {
	if flag != "" {
		return flag
	}
	if g := stdio.getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// stamp fills the template stamp: flags first, then git (git describe,
// HEAD and its commit time) when the manifest lives in a git work tree,
// then "dev"/"none"/now. SOURCE_DATE_EPOCH, when set, wins over the commit
// time for the date, as reproducible-builds.org specifies.
func (f *planFlags) stamp(ctx context.Context, dir string, stdio Stdio) (plan.Stamp, error) {
	s := plan.Stamp{Version: f.version, Commit: f.commit, Date: f.date}
	if s.Date != "" {
		if _, err := time.Parse(time.RFC3339, s.Date); err != nil {
			return s, usageErr("--date %q is not an RFC 3339 time like 2024-05-06T07:08:09Z", s.Date)
		}
		s.DateSource = "--date"
	}
	if sde := stdio.getenv("SOURCE_DATE_EPOCH"); sde != "" && s.Date == "" {
		sec, err := strconv.ParseInt(sde, 10, 64)
		if err != nil {
			return s, usageErr("SOURCE_DATE_EPOCH=%q is not a number of seconds", sde)
		}
		s.Date, s.DateSource = time.Unix(sec, 0).UTC().Format(time.RFC3339), "SOURCE_DATE_EPOCH"
	}
	if s.Version == "" || s.Commit == "" || s.Date == "" {
		info, err := vcs.Describe(ctx, dir)
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
			fmt.Fprintf(stdio.Err, "warning: version stamp from git: %v\n", err)
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
		s.Date, s.DateSource = time.Now().UTC().Format(time.RFC3339), "now"
	}
	return s, nil
}

// archiveTime is the one mtime of every archive entry: the stamp's date,
// unless that is the wall clock (no --date, SOURCE_DATE_EPOCH or git),
// which would make the archives of two runs differ; then zero, which the
// archive package writes as 1980-01-01.
func archiveTime(s plan.Stamp) time.Time {
	if s.DateSource == "now" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s.Date)
	if err != nil {
		return time.Time{}
	}
	return t
}

// loaded is a validated manifest and its plan.
type loaded struct {
	plan  *plan.Plan
	goBin string
	goEnv target.GoEnv
	stamp plan.Stamp
	// manifestSHA256 is the hash of the manifest's bytes: merge refuses
	// fragments built from different manifests.
	manifestSHA256 string
	// archiveTime is the fixed mtime of archive entries.
	archiveTime time.Time
}

// load reads, validates and plans a manifest. Every problem is printed (all
// of them, with positions) and turned into ExitUsage.
func (f *planFlags) load(ctx context.Context, stdio Stdio) (*loaded, error) {
	return f.loadWith(ctx, stdio, nil)
}

// loadWith is load with a chosen C toolchain selector (nil: the real one).
func (f *planFlags) loadWith(ctx context.Context, stdio Stdio, sel func(toolchain.Need, toolchain.Overrides) (toolchain.Toolchain, error)) (*loaded, error) {
	goBin := goCommand(f.goBin, stdio)
	m, ps := manifest.Load(f.file)
	if m == nil {
		return nil, problemsErr(stdio, ps)
	}
	abs, err := filepath.Abs(f.file)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	// Two questions to the go command, asked at once (each is a process
	// start of 20-30 ms).
	var table *target.Table
	var goEnv target.GoEnv
	var g errgroup.Group
	g.Go(func() (err error) { table, err = target.LoadTable(ctx, goBin); return err })
	g.Go(func() (err error) { goEnv, err = target.LoadGoEnv(ctx, goBin); return err })
	if err := g.Wait(); err != nil {
		return nil, usageErr("%v", err)
	}
	stamp, err := f.stamp(ctx, filepath.Dir(abs), stdio)
	if err != nil {
		return nil, err
	}
	p, pps := plan.New(m, plan.Options{
		Table: table, GoBin: goBin, ManifestDir: filepath.Dir(abs), DistDir: f.dist,
		Stamp: stamp, Targets: f.targets, Builds: f.builds,
		Host: target.Target{GOOS: goEnv.HostOS, GOARCH: goEnv.HostArc}, SelectToolchain: sel,
	})
	all := append(append(manifest.Problems{}, ps...), pps...)
	if len(all) > 0 {
		return nil, problemsErr(stdio, all)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(stdio.Err, "warning: %s\n", w)
	}
	sum, _, err := checksum.File(f.file)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return &loaded{plan: p, goBin: goBin, goEnv: goEnv, stamp: stamp, manifestSHA256: sum, archiveTime: archiveTime(stamp)}, nil
}

func problemsErr(stdio Stdio, ps manifest.Problems) error {
	ps.Sort()
	for _, p := range ps {
		fmt.Fprintln(stdio.Err, p.Error())
	}
	noun := "problems"
	if len(ps) == 1 {
		noun = "problem"
	}
	return usageErr("the manifest has %d %s; nothing was built", len(ps), noun)
}

// writeFileAtomic writes a report file through a temporary file in the same
// directory, so a reader never sees half a report.
func writeFileAtomic(path string, write func(*os.File) error) error {
	return atomicfile.Write(path, 0o644, write)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
