package fingerprint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/portmatrix/portmatrix/pkg/internal/quoted"
)

// probeTimeout bounds one `CC --version`.
const probeTimeout = 30 * time.Second

// cgoCompilers identifies the C and C++ compilers of a job that may use cgo
// (CGO_ENABLED is not "0"): a compiler upgrade changes the binary although
// no argument does. They are found on the job's PATH, as the go command
// finds them, which is how PATH enters a key.
func (g *Global) cgoCompilers(ctx context.Context, env jobEnv) ([]string, error) {
	if v, known := env.get("CGO_ENABLED"); known && v == "0" {
		return nil, nil
	}
	var ids []string
	for _, k := range []string{"CC", "CXX"} {
		line, known := env.get(k)
		if !known || strings.TrimSpace(line) == "" {
			return nil, uncertain("cgo may be on and %s cannot be told", k)
		}
		path := env.merged["PATH"]
		id, err := cached(g, g.compilers, line+"\x00"+path, func() (string, error) {
			return g.compilerID(ctx, line, path)
		})
		if err != nil {
			return nil, err
		}
		ids = append(ids, k+" "+id)
	}
	return ids, nil
}

// compilerID is a compiler command line's identity: the program it
// resolves to (path, size, mtime) and what `<line> --version` prints. A
// program that is not installed is an identity too ("not found"): if it
// appears, the key changes.
func (g *Global) compilerID(ctx context.Context, line, pathList string) (string, error) {
	args, err := quoted.Split(line)
	if err != nil || len(args) == 0 {
		return "", uncertain("cannot split compiler command %q", line)
	}
	prog := args[0]
	switch {
	case filepath.IsAbs(prog):
	case strings.ContainsAny(prog, `/\`):
		return "", uncertain("compiler %q is a relative path", prog)
	default:
		p, err := lookPathIn(prog, pathList)
		if err != nil {
			return fmt.Sprintf("%q not found", line), nil
		}
		prog = p
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, append(args[1:], "--version")...)
	cmd.Env = append(append([]string(nil), g.environ...), "PATH="+pathList)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", uncertain("%s --version: %v", line, err)
	}
	return fmt.Sprintf("%q %s\n%s", line, fileStamp(prog), out), nil
}

// lookPathIn finds an executable on pathList (the child's PATH, which
// exec.LookPath cannot be given). Relative entries are skipped, as exec
// refuses what they find.
func lookPathIn(name, pathList string) (string, error) {
	if runtime.GOOS == "windows" { // PATHEXT rules: use this process's PATH
		return exec.LookPath(name)
	}
	for _, dir := range filepath.SplitList(pathList) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("not found")
}
