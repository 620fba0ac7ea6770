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
	dir := t.TempDir()
	var built []string
	binary := build.RunnerFunc(func(_ context.Context, j plan.Job) error {
		built = append(built, j.ID)
		return nil
	})
	jobs := []Job{
		{Job: plan.Job{ID: "tool/linux/amd64/default", Argv: []string{"go", "build", "-o", "/o/tool", "example.com/m"}}},
		{Job: plan.Job{ID: "lib/linux/amd64/default", Dir: dir, Log: filepath.Join(dir, "logs", "lib.log"),
			Argv: []string{"sh", "-c", "echo '# example.com/m/term'; echo 'term/t.go:1:2: undefined: x' >&2; exit 1"}}},
		{Job: plan.Job{ID: "lib/linux/arm64/default", Dir: dir, Argv: []string{"sh", "-c", "exit 0"}}},
		{Job: plan.Job{ID: "lib/plan9/amd64/default"}, Skip: ErrExcluded},
	}
	r := NewRunner(jobs, binary)
	ctx := context.Background()

	require.NoError(t, r.Run(ctx, jobs[0].Job))
	assert.Equal(t, []string{"tool/linux/amd64/default"}, built, "binaries go to the binary runner")

	err := r.Run(ctx, jobs[1].Job)
	var be *build.BuildError
	require.True(t, errors.As(err, &be), "a failed compile check is a BuildError: %v", err)
	assert.Equal(t, []string{"# example.com/m/term", "term/t.go:1:2: undefined: x"}, be.Tail)
	assert.Equal(t, jobs[1].Log, be.Log)
	log, rerr := os.ReadFile(jobs[1].Log)
	require.NoError(t, rerr)
	d, _, ok := FirstError(string(log), dir, "")
	require.True(t, ok)
	assert.Equal(t, "example.com/m/term: term/t.go:1:2: undefined: x", d.String(), "the log reads back")

	require.NoError(t, r.Run(ctx, jobs[2].Job), "no log: output discarded")

	assert.ErrorIs(t, r.Run(ctx, jobs[3].Job), ErrExcluded, "skipped jobs are never run")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err = r.Run(cancelled, plan.Job{ID: "x", Dir: dir, Argv: []string{"sleep", "5"}})
	assert.ErrorIs(t, err, context.Canceled)
}
