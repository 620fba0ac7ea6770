//go:build unix

package check

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portmatrix/portmatrix/pkg/build"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

func TestRunner(t *testing.T) {
	var ran []string
	runner := build.RunnerFunc(func(_ context.Context, j plan.Job) error {
		ran = append(ran, j.ID)
		return nil
	})
	jobs := []Job{
		{Kind: KindBinary, Job: plan.Job{ID: "tool/linux/amd64/default", Output: "/o/tool", Argv: []string{"go", "build", "-o", "/o/tool", "example.com/m"}}},
		{Kind: KindCompile, Job: plan.Job{ID: "lib/linux/amd64/default", Argv: []string{"go", "build", "example.com/m/term"}}},
		{Kind: KindCompile, Job: plan.Job{ID: "lib/plan9/amd64/default"}, Skip: ErrExcluded},
	}
	r := NewRunner(jobs, runner)
	ctx := context.Background()
	for _, j := range jobs[:2] {
		require.NoError(t, r.Run(ctx, j.Job))
	}
	assert.Equal(t, []string{"tool/linux/amd64/default", "lib/linux/amd64/default"}, ran, "binaries and compile checks go to the runner")
	assert.ErrorIs(t, r.Run(ctx, jobs[2].Job), ErrExcluded, "skipped jobs are never run")
	assert.Len(t, ran, 2)
}

// TestRunnerCompileChecks runs compile checks through build.GoRunner's
// no-output mode: their log reads back through FirstError.
func TestRunnerCompileChecks(t *testing.T) {
	dir := t.TempDir()
	jobs := []Job{
		{Kind: KindCompile, Job: plan.Job{ID: "lib/linux/amd64/default", Dir: dir, Log: filepath.Join(dir, "logs", "lib.log"),
			Argv: []string{"sh", "-c", "echo '# example.com/m/term'; echo 'term/t.go:1:2: undefined: x' >&2; exit 1"}}},
		{Kind: KindCompile, Job: plan.Job{ID: "lib/linux/arm64/default", Dir: dir, Argv: []string{"sh", "-c", "exit 0"}}},
	}
	r := NewRunner(jobs, &build.GoRunner{})
	ctx := context.Background()

	err := r.Run(ctx, jobs[0].Job)
	var be *build.BuildError
	require.True(t, errors.As(err, &be), "a failed compile check is a BuildError: %v", err)
	assert.Equal(t, []string{"# example.com/m/term", "term/t.go:1:2: undefined: x"}, be.Tail)
	assert.Equal(t, jobs[0].Log, be.Log)
	log, rerr := os.ReadFile(jobs[0].Log)
	require.NoError(t, rerr)
	d, _, ok := FirstError(string(log), dir, "")
	require.True(t, ok)
	assert.Equal(t, "example.com/m/term: term/t.go:1:2: undefined: x", d.String(), "the log reads back")

	require.NoError(t, r.Run(ctx, jobs[1].Job), "no log: output discarded")
}
