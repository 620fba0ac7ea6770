package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

// DefaultJobs is the default number of builds at once. Measured on a
// 2-core machine (README: Choosing -j), two builds at once beat one by
// keeping the cores busy through each build's serial link step, and more
// than two only added memory.
func DefaultJobs() int {
	n := runtime.NumCPU()
	if n < 2 {
		return 2
	}
	return n
}

type buildOptions struct {
	planFlags
	jobs     int
	failFast bool
	timeout  time.Duration
	jsonFile string
	mdFile   string
	noColor  bool
	progress string
	smoke    bool
}

func newBuildCmd(stdio Stdio) *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build every job of the manifest, inspect the outputs and report",
		Long: `build validates the manifest, runs go build for every job (target × variant)
in a worker pool, opens every output binary and checks it against the
manifest's expectations. The report goes to stdout; progress to stderr.

Exit status: 0 when every job built and every expectation holds, 1 when a
build failed, an expectation was violated or the run was cancelled, 2 for
usage and manifest errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBuild(cmd.Context(), o, stdio) },
	}
	fs := cmd.Flags()
	o.register(fs)
	fs.IntVarP(&o.jobs, "jobs", "j", DefaultJobs(), "builds to run at once")
	fs.BoolVar(&o.failFast, "fail-fast", false, "stop after the first failed build (default: keep going so the report has every row)")
	fs.DurationVar(&o.timeout, "timeout", 0, "per-job time limit, e.g. 10m (0: none)")
	fs.StringVar(&o.jsonFile, "json", "", "also write the report as JSON to this file (- for stdout instead of the table)")
	fs.StringVar(&o.mdFile, "markdown", "", "also write the report as Markdown to this file")
	fs.BoolVar(&o.noColor, "no-color", false, "no colour in the table (also when NO_COLOR is set)")
	fs.StringVar(&o.progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal, lines otherwise), bar, lines, none")
	fs.BoolVar(&o.smoke, "smoke", false, "run every built binary (natively, under qemu-user or wine) to show it starts; the manifest's smoke: gives arguments and timeout")
	return cmd
}

func runBuild(ctx context.Context, o *buildOptions, stdio Stdio) error {
	if o.jobs < 1 {
		return usageErr("--jobs must be at least 1 (got %d)", o.jobs)
	}
	prog, err := newProgress(o.progress, stdio)
	if err != nil {
		return err
	}
	ld, err := o.load(ctx, stdio)
	if err != nil {
		return err
	}
	if err := preflight(ctx, ld.plan.Jobs, stdio); err != nil {
		return err
	}
	jobs := ld.plan.Jobs
	started := time.Now()
	prog.start(len(jobs))
	results := build.Run(ctx, &build.GoRunner{}, jobs, build.Options{
		Jobs: o.jobs, FailFast: o.failFast, Timeout: o.timeout,
		OnStart: prog.jobStarted, OnDone: prog.jobDone,
	})
	prog.finish()

	outcomes := make([]verify.Outcome, len(results))
	for i, res := range results {
		if res.Status == build.StatusOK {
			outcomes[i] = verify.Binary(res.Job)
		}
	}
	runs := smokeRuns(ctx, o, ld.plan.Jobs, results, outcomes, ld.goEnv)
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          "portmatrix " + Version,
		GoVersion:     ld.goEnv.Version,
		Host:          ld.goEnv.Host(),
		Manifest:      ld.plan.Manifest,
		Started:       started.UTC().Truncate(time.Second),
		DurationSec:   time.Since(started).Seconds(),
		Jobs:          report.Collect(results, outcomes, runs),
	}
	rep.Summary = report.Summarize(rep.Jobs)

	if err := writeReports(o, rep, stdio); err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stdio.Err, "portmatrix: interrupted; the report shows what finished")
	}
	if rep.Failed() {
		return silent(ExitFailed)
	}
	return nil
}

func writeReports(o *buildOptions, rep *report.Report, stdio Stdio) error {
	if o.jsonFile == "-" {
		if err := report.WriteJSON(stdio.Out, rep); err != nil {
			return err
		}
	} else {
		color := isTerminal(stdio.Out) && !o.noColor && stdio.getenv("NO_COLOR") == ""
		if err := report.WriteTable(stdio.Out, rep, report.TableOptions{Color: color, Width: terminalWidth(stdio.Out)}); err != nil {
			return err
		}
	}
	if o.jsonFile != "" && o.jsonFile != "-" {
		if err := writeFileAtomic(o.jsonFile, func(f *os.File) error { return report.WriteJSON(f, rep) }); err != nil {
			return fmt.Errorf("writing --json: %w", err)
		}
	}
	if o.mdFile != "" {
		if err := writeFileAtomic(o.mdFile, func(f *os.File) error { return report.WriteMarkdown(f, rep) }); err != nil {
			return fmt.Errorf("writing --markdown: %w", err)
		}
	}
	return nil
}
