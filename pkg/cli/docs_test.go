package cli

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/portmatrix/portmatrix/pkg/internal/snapshot"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliDoc is the generated reference, for the tests.
func cliDoc(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, writeCLIDoc(&b))
	return b.String()
}

// TestCLIDoc keeps docs/cli.md equal to what the command tree says; after a
// change to a command, its flags or its help, regenerate the file with
// go test ./pkg/cli -run TestCLIDoc -update and review the diff.
func TestCLIDoc(t *testing.T) {
	snapshot.Check(t, "../../docs/cli.md", cliDoc(t))
}

// TestCLIDocMachineIndependent generates the reference again with another
// GOMAXPROCS and another environment (home, caches, go command): a default
// that depends on them and is not normalised would make docs/cli.md differ
// from machine to machine.
func TestCLIDocMachineIndependent(t *testing.T) {
	want := cliDoc(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 5))
	for _, k := range []string{"HOME", "XDG_CACHE_HOME", "PORTMATRIX_CACHE", "GO", "GOFLAGS", "GOMAXPROCS", "SOURCE_DATE_EPOCH", "NO_COLOR", "COLUMNS"} {
		t.Setenv(k, "/elsewhere/"+k)
	}
	assert.Equal(t, want, cliDoc(t), "the reference depends on the machine or the environment")
}

func TestAnchor(t *testing.T) {
	assert.Equal(t, "portmatrix-completion-bash", anchor("portmatrix completion bash"))
	assert.Equal(t, "exit-codes", anchor("Exit codes"))
	assert.Equal(t, "manifest-reference-portmatrixyaml", anchor("Manifest reference (`portmatrix.yaml`)"))
}

// The command-line reference, docs/cli.md, is generated from the command
// tree so that it cannot drift from what `portmatrix COMMAND --help` says:
// TestCLIDoc compares the file with writeCLIDoc's output, and
// `go test ./pkg/cli -run TestCLIDoc -update` rewrites it.

// machineDefaults are the flag defaults computed from the machine running
// portmatrix, keyed by command path and flag name: the value the flag
// defaults to here, and the rule the reference shows instead, so that the
// generated file is the same on every machine. A default that no longer
// equals the value is shown as it is (and the reference test says so on
// the next machine with another core count).
var machineDefaults = map[string]struct {
	value func() string
	rule  string
}{
	"portmatrix build --jobs":   {func() string { return strconv.Itoa(DefaultJobs()) }, "the number of CPUs, at least 2"},
	"portmatrix check --jobs":   {func() string { return strconv.Itoa(DefaultJobs()) }, "the number of CPUs, at least 2"},
	"portmatrix plan --jobs":    {func() string { return strconv.Itoa(DefaultJobs()) }, "the number of CPUs, at least 2"},
	"portmatrix inspect --jobs": {func() string { return strconv.Itoa(runtime.GOMAXPROCS(0)) }, "GOMAXPROCS, the CPUs this process may use"},
}

// writeCLIDoc writes the Markdown command-line reference: an index of the
// commands, then every command (cobra's help and completion commands too)
// with its help exactly as --help prints it, machine-dependent defaults
// replaced by their rule. It builds a command tree of its own and changes
// nothing outside it.
func writeCLIDoc(w io.Writer) error {
	root := newRoot(Stdio{})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var help bytes.Buffer
	root.SetOut(&help)
	root.SetErr(&help)

	var cmds []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Deprecated != "" {
			return
		}
		c.InitDefaultHelpFlag()
		if c == root {
			c.InitDefaultVersionFlag()
		}
		normaliseDefaults(c)
		cmds = append(cmds, c)
		for _, sub := range c.Commands() { // sorted by name
			walk(sub)
		}
	}
	walk(root)

	var b strings.Builder
	b.WriteString(`# Command-line reference

<!-- Generated from the command tree by pkg/cli/docs_test.go; do not edit.
     TestCLIDoc fails when it differs from the code. Regenerate with:
     go test ./pkg/cli -run TestCLIDoc -update -->

Every command of portmatrix with its help, exactly as ` + "`portmatrix COMMAND --help`" + `
prints it. Defaults that depend on the machine (the number of CPUs) are
shown as the rule that computes them. Exit codes are in the
[README](../README.md#exit-codes); what the commands do in depth is in the
guides listed there.

| command | what it does |
| --- | --- |
`)
	for _, c := range cmds[1:] {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", c.CommandPath(), anchor(c.CommandPath()), strings.ReplaceAll(c.Short, "|", `\|`))
	}
	for _, c := range cmds {
		help.Reset()
		if err := c.Help(); err != nil {
			return fmt.Errorf("help of %s: %w", c.CommandPath(), err)
		}
		level := "##"
		if strings.Count(c.CommandPath(), " ") > 1 {
			level = "###"
		}
		fmt.Fprintf(&b, "\n%s %s\n\n%s.\n\n```text\n%s\n```\n", level, c.CommandPath(), strings.TrimSuffix(c.Short, "."),
			strings.TrimRight(help.String(), "\n"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// normaliseDefaults replaces the machine-dependent defaults of c's flags
// by their rule (machineDefaults).
func normaliseDefaults(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if d, ok := machineDefaults[c.CommandPath()+" --"+f.Name]; ok && f.DefValue == d.value() {
			f.DefValue = d.rule
		}
	})
}

// anchor is the id GitHub gives a Markdown heading: lower case, spaces as
// dashes, punctuation other than - and _ dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}
