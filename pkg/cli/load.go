package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/target"
	"github.com/portmatrix/portmatrix/pkg/toolchain"
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
	fs.StringVar(&f.version, "app-version", "", "value of {{.Version}} in templates (default \"dev\")")
	fs.StringVar(&f.commit, "commit", "", "value of {{.Commit}} in templates (default \"none\")")
	fs.StringVar(&f.date, "date", "", "value of {{.Date}} in templates (default SOURCE_DATE_EPOCH, else now, RFC 3339 UTC)")
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

func (f *planFlags) stamp(stdio Stdio) (plan.Stamp, error) {
	s := plan.Stamp{Version: f.version, Commit: f.commit, Date: f.date}
	if s.Version == "" {
		s.Version = "dev"
	}
	if s.Commit == "" {
		s.Commit = "none"
	}
	if s.Date == "" {
		t := time.Now().UTC()
		if sde := stdio.getenv("SOURCE_DATE_EPOCH"); sde != "" {
			sec, err := strconv.ParseInt(sde, 10, 64)
			if err != nil {
				return s, usageErr("SOURCE_DATE_EPOCH=%q is not a number of seconds", sde)
			}
			t = time.Unix(sec, 0).UTC()
		}
		s.Date = t.Format(time.RFC3339)
	}
	return s, nil
}

// loaded is a validated manifest and its plan.
type loaded struct {
	plan  *plan.Plan
	goBin string
	goEnv target.GoEnv
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
	table, err := target.LoadTable(ctx, goBin)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	goEnv, err := target.LoadGoEnv(ctx, goBin)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	stamp, err := f.stamp(stdio)
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
	return &loaded{plan: p, goBin: goBin, goEnv: goEnv}, nil
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
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
