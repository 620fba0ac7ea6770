package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/portmatrix/portmatrix/pkg/inspect"
	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
	"github.com/portmatrix/portmatrix/pkg/verify"
)

type inspectOptions struct {
	json   bool
	sha256 bool
	jobs   int
	expect []string
}

func newInspectCmd(stdio Stdio) *cobra.Command {
	o := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect PATH...",
		Short: "Say what any binary is: format, platform, linkage, libraries, glibc floor, Go build info",
		Long: `inspect reads binaries (ELF, Mach-O thin and fat, PE, Plan 9 a.out,
WebAssembly, XCOFF) without running them. A directory is walked recursively
(symbolic links are followed, loops detected); files in it that are not
executables of any known format are passed over, while a named file must be
one. --expect checks a policy: a linkage (static, static-pie, dynamic) or
KEY=VALUE for max_glibc, min_macos, libs_allow, libs_deny (comma-separated
globs), system_libs_only, stripped, pie, cgo; repeat it for several.

Only headers and the few tables each field needs are read, --jobs files at
a time, so hundreds of binaries take a fraction of a second. --sha256 also
hashes every file, which reads all of it; without it the JSON has no
"sha256" field.

Exit status: 0 when every file was read and meets the policy, 1 when a file
is not a valid executable or breaks the policy, 2 for usage errors.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runInspect(cmd.Context(), o, args, stdio) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print a JSON array, one object per file")
	cmd.Flags().BoolVar(&o.sha256, "sha256", false, `compute each file's SHA-256 (the JSON "sha256" field), reading whole files`)
	cmd.Flags().IntVarP(&o.jobs, "jobs", "j", runtime.GOMAXPROCS(0), "files to read at once")
	cmd.Flags().StringArrayVar(&o.expect, "expect", nil, "policy to check: static|static-pie|dynamic or KEY=VALUE (repeatable)")
	return cmd
}

// inspectEntry is one file of `inspect --json`: the inspection, plus the
// error for files that could not be read and the policy violations. Go and
// Needed are repeated here so that they are always present (null, []).
type inspectEntry struct {
	*inspect.Info
	Path       string          `json:"path"`
	Needed     []string        `json:"needed"`
	Go         *inspect.GoInfo `json:"go"`
	Error      string          `json:"error,omitempty"`
	Violations []string        `json:"violations,omitempty"`
}

func runInspect(ctx context.Context, o *inspectOptions, args []string, stdio Stdio) error {
	if o.jobs < 1 {
		return usageErr("--jobs must be at least 1 (got %d)", o.jobs)
	}
	exp, err := parseExpect(o.expect)
	if err != nil {
		return err
	}
	files, walkErrs := collectFiles(args)
	var entries []inspectEntry
	failed := false
	for _, e := range walkErrs {
		entries = append(entries, inspectEntry{Path: e.path, Needed: []string{}, Error: e.err.Error()})
		failed = true
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	results := inspect.Files(ctx, paths, inspect.Options{Hash: o.sha256}, o.jobs)
	skipped := 0
	for i, f := range files {
		info, err := results[i].Info, results[i].Err
		if err != nil {
			if f.walked && (errors.Is(err, inspect.ErrUnknownFormat) || f.size == 0) {
				skipped++
				continue
			}
			entries = append(entries, inspectEntry{Path: f.path, Needed: []string{}, Error: err.Error()})
			failed = true
			continue
		}
		e := inspectEntry{Info: info, Path: f.path, Needed: info.Needed, Go: info.Go}
		if e.Needed == nil {
			e.Needed = []string{}
		}
		for _, v := range verify.Policy(exp, info, "") {
			e.Violations = append(e.Violations, v.Msg)
			failed = true
		}
		entries = append(entries, e)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	if o.json {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if entries == nil {
			entries = []inspectEntry{}
		}
		if err := enc.Encode(entries); err != nil {
			return err
		}
	} else if err := writeInspectTable(stdio, entries); err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintf(stdio.Err, "portmatrix: passed over %s that %s not executables\n", plural(skipped, "file"), map[bool]string{true: "is", false: "are"}[skipped == 1])
	}
	if failed {
		return silent(ExitFailed)
	}
	return nil
}

func writeInspectTable(stdio Stdio, entries []inspectEntry) error {
	tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tFORMAT\tPLATFORM\tLINKAGE\tFLOOR\tLIBRARIES")
	var problems []string
	for _, e := range entries {
		if e.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\tERROR\t-\t-\n", e.Path)
			problems = append(problems, "✗ "+e.Error)
			continue
		}
		in := e.Info
		plat := in.GOOS + "/" + in.GOARCH
		if in.GOOS == "" {
			plat = "?/" + in.GOARCH
		}
		libs := "-"
		if len(in.Libraries) > 0 {
			var names []string
			for _, l := range in.Libraries {
				n := path.Base(l.Name)
				if !l.System {
					n += "*"
				}
				names = append(names, n)
			}
			libs = strings.Join(names, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Path, in.Format, plat, in.Linkage, cmp.Or(inspect.Floor(in.GOOS, in.MaxGlibc, in.MinOS), "-"), libs)
		for _, v := range e.Violations {
			problems = append(problems, fmt.Sprintf("✗ %s: %s", e.Path, v))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(stdio.Out, p)
	}
	return nil
}

// parseExpect turns --expect values into a policy.
func parseExpect(args []string) (plan.Expectation, error) {
	var e plan.Expectation
	boolean := func(key, v string) (*bool, error) {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, usageErr("--expect %s=%q: want true or false", key, v)
		}
		return &b, nil
	}
	for _, a := range args {
		key, val, ok := strings.Cut(a, "=")
		if !ok {
			key, val = "linkage", a
		}
		var err error
		switch key {
		case "linkage":
			if val != manifest.ExpectStatic && val != manifest.ExpectStaticPIE && val != manifest.ExpectDynamic && val != manifest.ExpectAny {
				return e, usageErr("--expect %q: use static, static-pie, dynamic or KEY=VALUE", a)
			}
			e.Linkage = val
		case "max_glibc":
			e.MaxGlibc = val
		case "min_macos":
			e.MinMacOS = val
		case "libs_allow":
			e.LibsAllow = strings.Split(val, ",")
		case "libs_deny":
			e.LibsDeny = strings.Split(val, ",")
		case "system_libs_only":
			e.SystemLibsOnly, err = boolean(key, val)
		case "stripped":
			e.Stripped, err = boolean(key, val)
		case "pie":
			e.PIE, err = boolean(key, val)
		case "cgo":
			e.Cgo, err = boolean(key, val)
		default:
			return e, usageErr("--expect %q: unknown key %q (linkage, max_glibc, min_macos, libs_allow, libs_deny, system_libs_only, stripped, pie, cgo)", a, key)
		}
		if err != nil {
			return e, err
		}
	}
	return e, nil
}

// maxDepth bounds a directory walk where loops cannot be told by inode.
const maxDepth = 64

type fileArg struct {
	path   string
	walked bool // found in a directory, not named by the user
	size   int64
}

type walkErr struct {
	path string
	err  error
}

// collectFiles expands the arguments: files as given, directories walked
// recursively in name order, following symbolic links and refusing to
// enter a directory twice (a symlink loop).
func collectFiles(args []string) ([]fileArg, []walkErr) {
	var files []fileArg
	var errs []walkErr
	seen := map[[2]uint64]bool{}
	var walk func(p string, named bool, depth int)
	walk = func(p string, named bool, depth int) {
		if depth > maxDepth {
			errs = append(errs, walkErr{p, fmt.Errorf("%s: more than %d directories deep; not entered (symbolic link loop?)", p, maxDepth)})
			return
		}
		st, err := os.Stat(p) // follows symlinks
		if err != nil {
			if !named {
				if _, lerr := os.Lstat(p); lerr == nil {
					err = fmt.Errorf("%s: broken symbolic link or loop: %w", p, errors.Unwrap(err))
				}
			}
			errs = append(errs, walkErr{p, err})
			return
		}
		if !st.IsDir() {
			if st.Mode().IsRegular() {
				files = append(files, fileArg{path: p, walked: !named, size: st.Size()})
			} else if named {
				errs = append(errs, walkErr{p, fmt.Errorf("%s: not a regular file", p)})
			}
			return
		}
		if id, ok := fileID(st); ok {
			if seen[id] {
				errs = append(errs, walkErr{p, fmt.Errorf("%s: directory already visited (symbolic link loop); not entered again", p)})
				return
			}
			seen[id] = true
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			errs = append(errs, walkErr{p, err})
			return
		}
		for _, ent := range ents {
			walk(filepath.Join(p, ent.Name()), false, depth+1)
		}
	}
	for _, a := range args {
		walk(a, true, 0)
	}
	return files, errs
}
