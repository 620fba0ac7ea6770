package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/portmatrix/portmatrix/pkg/annotate"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/note"
	"github.com/portmatrix/portmatrix/pkg/pipeline"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/release"
	"github.com/portmatrix/portmatrix/pkg/report"
)

// planFlags are the flags shared by every command that reads a manifest.
type planFlags struct {
	file        string
	goBin       string
	dist        string
	targets     []string
	builds      []string
	version     string
	commit      string
	date        string
	passthrough []string
	release     plan.ReleaseFlags
}

func (f *planFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.file, "file", "f", manifest.DefaultFile, "manifest to read")
	registerGo(fs, &f.goBin)
	fs.StringVar(&f.dist, "dist", "", "output directory (default the manifest's dist, else dist/ beside it)")
	fs.StringSliceVar(&f.targets, "targets", nil, "only jobs whose target matches one of these patterns (comma-separated; globs and sets allowed)")
	fs.StringSliceVar(&f.builds, "build", nil, "only these build ids (comma-separated)")
	fs.StringVar(&f.version, "app-version", "", "value of {{.Version}} in templates (default from git describe --tags --always --dirty, else \"dev\")")
	fs.StringVar(&f.commit, "commit", "", "value of {{.Commit}} in templates (default git HEAD, else \"none\")")
	fs.StringVar(&f.date, "date", "", "value of {{.Date}} in templates, RFC 3339 (default SOURCE_DATE_EPOCH, else the commit time, else now)")
	fs.StringArrayVar(&f.passthrough, "env-passthrough", nil, "pass this variable of the environment to every job, with its value shown in the plan and the report (repeatable; like env_passthrough in the manifest)")
}

// registerRelease adds the flags that override the manifest's release
// section (build and plan).
func (f *planFlags) registerRelease(fs *pflag.FlagSet) {
	fs.StringVar(&f.release.SBOM, "sbom", "", "SBOMs beside every binary: cyclonedx, spdx, cyclonedx,spdx or none (default the manifest's release.sbom)")
	fs.StringVar(&f.release.Provenance, "provenance", "", "write the release's SLSA provenance to this file name in the dist directory, or none (default the manifest's release.provenance)")
	fs.StringVar(&f.release.SignKey, "sign-key", "", "sign SHA256SUMS and the provenance with this private key file (ed25519 or ECDSA; PEM or OpenSSH), or none")
	fs.StringVar(&f.release.SignKeyEnv, "sign-key-env", "", "sign with the private key held by this environment variable (a CI secret)")
}

func registerGo(fs *pflag.FlagSet, goBin *string) {
	fs.StringVar(goBin, "go", "", "go command to use (default $GO, else go on PATH)")
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

// loadOptions are the pipeline's load options from the flags.
func (f *planFlags) loadOptions(stdio Stdio) pipeline.LoadOptions {
	return pipeline.LoadOptions{
		File: f.file, GoBin: goCommand(f.goBin, stdio), Dist: f.dist, Targets: f.targets, Builds: f.builds, Passthrough: f.passthrough,
		Release: f.release,
		Stamp:   release.StampOptions{Version: f.version, Commit: f.commit, Date: f.date, SourceDateEpoch: stdio.getenv("SOURCE_DATE_EPOCH")},
	}
}

// load reads, validates and plans the manifest; problems are printed (all
// of them, with positions) and become ExitUsage, as does a go command that
// cannot be asked.
func (f *planFlags) load(ctx context.Context, stdio Stdio) (*pipeline.Loaded, error) {
	ld, err := pipeline.Load(ctx, f.loadOptions(stdio))
	if err != nil {
		return nil, loadErr(ctx, stdio, err)
	}
	printNotes(stdio, ld.Notes)
	return ld, nil
}

// loadErr prints a manifest's problems and makes any load error a usage
// error, except an interrupted load: the run was cancelled (exit 1).
func loadErr(ctx context.Context, stdio Stdio, err error) error {
	if ctx.Err() != nil {
		return &exitError{code: ExitFailed, err: errors.New("interrupted while loading the manifest; nothing was built")}
	}
	var pe *pipeline.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			fmt.Fprintln(stdio.Err, p.Error())
		}
	}
	return &exitError{code: ExitUsage, err: err}
}

func printNotes(stdio Stdio, notes []note.Note) {
	for _, n := range notes {
		fmt.Fprintln(stdio.Err, n)
	}
}

// reportFlags are the report files build, check and merge can write
// besides the table on stdout.
type reportFlags struct {
	jsonFile    string
	mdFile      string
	junitFile   string
	htmlFile    string
	noColor     bool
	annotations string
}

func (f *reportFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.jsonFile, "json", "", "also write the report as JSON to this file (- for stdout instead of the table)")
	fs.StringVar(&f.mdFile, "markdown", "", "also write the report as Markdown (summary, OS × arch grid, details) to this file; appended to $GITHUB_STEP_SUMMARY when that is set")
	fs.StringVar(&f.junitFile, "junit", "", "also write the report as JUnit XML (one test case per job) to this file")
	fs.StringVar(&f.htmlFile, "html", "", "also write the report as one self-contained HTML page to this file")
	fs.BoolVar(&f.noColor, "no-color", false, "no colour in the table (also when NO_COLOR is set)")
	fs.StringVar(&f.annotations, "annotations", "", "CI annotations: github (workflow commands on stdout, outputs to $GITHUB_OUTPUT) or none (default github when GITHUB_ACTIONS=true)")
}

// annotate says whether to write GitHub annotations: --annotations, else
// GitHub Actions' own variable.
func (f *reportFlags) annotate(stdio Stdio) (bool, error) {
	switch f.annotations {
	case "github":
		return true, nil
	case "none":
		return false, nil
	case "":
		return stdio.getenv("GITHUB_ACTIONS") == "true", nil
	}
	return false, usageErr("--annotations %q: use github or none (GitLab reads --junit)", f.annotations)
}

// annotateProblems writes a manifest's problems as GitHub annotations,
// when annotations are on.
func (f *reportFlags) annotateProblems(err error, stdio Stdio) {
	var pe *pipeline.ProblemsError
	if on, _ := f.annotate(stdio); !on || !errors.As(err, &pe) {
		return
	}
	_ = annotate.GitHub(stdio.Out, nil, pe.Problems)
}

// files are the report files asked for, and $GITHUB_STEP_SUMMARY.
func (f *reportFlags) files(stdio Stdio) report.Files {
	return report.Files{JSON: f.jsonFile, Markdown: f.mdFile, JUnit: f.junitFile, HTML: f.htmlFile,
		StepSummary: stdio.getenv("GITHUB_STEP_SUMMARY")}
}

// write renders rep to stdout (the table, or JSON with --json -) and to
// every report file asked for.
//
// The files come first: after a SIGHUP the terminal is gone, and a failed
// write to stdout must not cost the report files.
func (f *reportFlags) write(rep *report.Report, stdio Stdio) error {
	on, aerr := f.annotate(stdio)
	if aerr != nil {
		return aerr
	}
	err := f.files(stdio).Write(rep)
	var serr error
	if f.jsonFile == "-" {
		serr = report.WriteJSON(stdio.Out, rep)
	} else {
		color := isTerminal(stdio.Out) && !f.noColor && stdio.getenv("NO_COLOR") == ""
		serr = report.WriteTable(stdio.Out, rep, report.TableOptions{Color: color, Width: terminalWidth(stdio.Out)})
	}
	if err == nil {
		err = serr
	}
	if on {
		// With --json - the report is stdout: the annotations go to
		// stderr, which the runner reads as well.
		w := stdio.Out
		if f.jsonFile == "-" {
			w = stdio.Err
		}
		if aerr := annotate.GitHub(w, rep, nil); err == nil {
			err = aerr
		}
		if out := stdio.getenv("GITHUB_OUTPUT"); out != "" {
			if aerr := appendOutputs(out, rep, f.jsonFile); err == nil {
				err = aerr
			}
		}
	}
	if err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	return nil
}

// appendOutputs appends the step outputs of rep to the $GITHUB_OUTPUT
// file (the runner's own file, appended to as the runner expects).
func appendOutputs(path string, rep *report.Report, reportPath string) error {
	if reportPath == "-" {
		reportPath = ""
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("$GITHUB_OUTPUT: %w", err)
	}
	if err := annotate.GitHubOutputs(f, rep, reportPath); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
