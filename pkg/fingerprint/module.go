package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/portmatrix/portmatrix/pkg/internal/quoted"
)

// vcsDirs are version-control metadata directories: what the go command
// stamps from them (the commit) is keyed separately, and their other churn
// (fetches, gc, the index) must not force a rebuild.
var vcsDirs = []string{".git", ".hg", ".svn", ".bzr", ".jj"}

// moduleRoot is the directory with go.mod at or above dir, as the go command
// finds it.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; {
		st, err := os.Stat(filepath.Join(d, "go.mod"))
		switch {
		case err == nil && !st.IsDir():
			return d, nil
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return "", uncertain("looking for go.mod: %v", err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", uncertain("no go.mod at or above %s", dir)
		}
		d = parent
	}
}

// checkWork refuses a workspace: go.work pulls in modules outside the main
// module's tree, which are not hashed.
func checkWork(env jobEnv, dir string) error {
	v, known := env.get("GOWORK")
	switch {
	case !known:
		return uncertain("the job clears GOWORK, whose default cannot be told")
	case v == "off":
		return nil
	case v != "":
		return uncertain("GOWORK=%s is in effect", v)
	}
	for d := dir; ; {
		st, err := os.Stat(filepath.Join(d, "go.work"))
		if err == nil && !st.IsDir() {
			return uncertain("%s is in effect (set GOWORK=off to build without it)", filepath.Join(d, "go.work"))
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil
		}
		d = parent
	}
}

// localReplace finds a replace directive whose target is a directory, by
// scanning lines (golang.org/x/mod is not in go.sum, and a scan is enough):
// a replacement with one token after "=>" is a directory path (modfile
// rejects anything else), two tokens are a module and version.
func localReplace(gomod []byte) (string, error) {
	inBlock := false
	for i, line := range strings.Split(string(gomod), "\n") {
		if c := strings.Index(line, "//"); c >= 0 {
			line = line[:c]
		}
		line = strings.NewReplacer("=>", " => ", "(", " ( ", ")", " ) ").Replace(line)
		f, err := quoted.Split(line)
		if err != nil {
			return "", uncertain("go.mod:%d: %v", i+1, err)
		}
		if len(f) == 0 {
			continue
		}
		switch {
		case inBlock && f[0] == ")":
			inBlock = false
			continue
		case !inBlock && f[0] == "replace" && len(f) >= 2 && f[1] == "(":
			inBlock = true
			continue
		case !inBlock && f[0] == "replace":
			f = f[1:]
		case !inBlock:
			continue
		}
		arrow := slices.Index(f, "=>")
		if arrow < 0 {
			return "", uncertain("go.mod:%d: cannot read replace directive %q", i+1, strings.TrimSpace(line))
		}
		switch rhs := f[arrow+1:]; len(rhs) {
		case 1:
			return fmt.Sprintf("go.mod:%d: replace => %s", i+1, rhs[0]), nil
		case 2:
		default:
			return "", uncertain("go.mod:%d: cannot read replace directive %q", i+1, strings.TrimSpace(line))
		}
	}
	return "", nil
}

// hashModule hashes the main module's tree: every entry under root by path,
// type, mode, size and content, except VCS metadata, nested modules (they are
// other modules, reached only through go.mod) and the skipped directories.
// It is a superset of what a build can read: embed patterns, cgo sources and
// headers, -pgo profiles, vendor/, testdata.
func (g *Global) hashModule(root string) (string, error) {
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", uncertain("reading go.mod: %v", err)
	}
	if r, err := localReplace(gomod); err != nil || r != "" {
		if err != nil {
			return "", err
		}
		return "", uncertain("%s in %s points at a local directory, which is not hashed", r, root)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", uncertain("resolving %s: %v", root, err)
	}
	w := walker{g: g, root: root, realRoot: realRoot}
	if err := filepath.WalkDir(root, w.visit); err != nil {
		return "", err
	}
	if err := w.checkLinks(); err != nil {
		return "", err
	}
	sums, err := w.hashFiles()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for i, it := range w.items {
		io.WriteString(h, it.line)
		if it.file != "" {
			h.Write(sums[i])
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashWorkers read files at once: hashing a module is mostly open, read
// and close, so more workers than cores help.
const hashWorkers = 8

// walker lists a module's entries in walk order; regular files are read
// afterwards, in parallel, each into its own digest.
type walker struct {
	g              *Global
	root, realRoot string
	items          []item
	files          int
	skipped        []string    // directories left out, resolved
	links          [][2]string // symlink path, resolved target
}

// item is one entry: its line (type and name, or for symlinks and others
// everything), and for a regular file the path whose content follows.
type item struct {
	line string
	file string
}

func (w *walker) visit(path string, d fs.DirEntry, err error) error {
	if err != nil {
		return uncertain("reading %s: %v", path, err)
	}
	rel, _ := filepath.Rel(w.root, path)
	rel = filepath.ToSlash(rel)
	if d.IsDir() {
		if path != w.root && w.skip(path, rel, d.Name()) {
			w.skipped = append(w.skipped, filepath.Join(w.realRoot, filepath.FromSlash(rel)))
			return filepath.SkipDir
		}
		w.items = append(w.items, item{line: fmt.Sprintf("d %q\n", rel)})
		return nil
	}
	if w.g.skipFiles[path] || w.g.skipFiles[filepath.Join(w.realRoot, filepath.FromSlash(rel))] {
		return nil // a report or sums file this run writes
	}
	if w.files++; w.files > w.g.maxFiles {
		return uncertain("module %s has more than %d files", w.root, w.g.maxFiles)
	}
	if d.Type().IsRegular() {
		w.items = append(w.items, item{line: fmt.Sprintf("f %q\n", rel), file: path})
		return nil
	}
	info, err := d.Info()
	if err != nil {
		return uncertain("reading %s: %v", path, err)
	}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return w.link(path, rel)
	case info.Mode().IsRegular(): // d_type unknown on this file system
		w.items = append(w.items, item{line: fmt.Sprintf("f %q\n", rel), file: path})
	default: // fifo, socket, device: never read (it could block), named only
		w.items = append(w.items, item{line: fmt.Sprintf("o %q %v\n", rel, info.Mode())})
	}
	return nil
}

// hashFiles hashes every regular file's mode, size and content, by item
// index, stopping at the first error or when the module outgrows maxBytes.
func (w *walker) hashFiles() ([][]byte, error) {
	sums := make([][]byte, len(w.items))
	next := make(chan int)
	var (
		mu    sync.Mutex
		first error
		total atomic.Int64
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	for range hashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for i := range next {
				sum, size, err := hashFile(w.items[i].file, buf)
				if err == nil && total.Add(size) > w.g.maxBytes {
					err = uncertain("module %s is larger than %d bytes", w.root, w.g.maxBytes)
				}
				if err != nil {
					fail(err)
					continue
				}
				sums[i] = sum
			}
		}()
	}
	for i, it := range w.items {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		if it.file != "" {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	return sums, first
}

// hashFile is the SHA-256 of a file's mode, size and content, streamed
// through buf. The size is taken when the file is opened: bytes appended
// during the walk are not read (the next run sees them and rebuilds).
func hashFile(path string, buf []byte) ([]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, uncertain("reading %s: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, uncertain("reading %s: %v", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, 0, uncertain("%s changed while it was hashed", path)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%v %d\n", st.Mode(), st.Size())
	n, err := io.CopyBuffer(h, io.LimitReader(f, st.Size()), buf)
	if err != nil {
		return nil, 0, uncertain("reading %s: %v", path, err)
	}
	if n != st.Size() {
		return nil, 0, uncertain("%s changed while it was hashed", path)
	}
	return h.Sum(nil), n, nil
}

// skip says whether a directory below the root is left out.
func (w *walker) skip(path, rel, name string) bool {
	if slices.Contains(vcsDirs, name) {
		return true
	}
	real := filepath.Join(w.realRoot, filepath.FromSlash(rel))
	for _, s := range w.g.skipDirs {
		if path == s || real == s {
			return true
		}
	}
	if rel == "vendor" || strings.HasPrefix(rel, "vendor/") {
		return false // vendored packages are part of the build, go.mod or not
	}
	st, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil && !st.IsDir()
}

// link hashes a symlink by its text; what it points at is hashed where it
// lives, which must be inside the module (checked after the walk, when every
// skipped directory is known).
func (w *walker) link(path, rel string) error {
	target, err := os.Readlink(path)
	if err != nil {
		return uncertain("reading %s: %v", path, err)
	}
	w.items = append(w.items, item{line: fmt.Sprintf("l %q %q\n", rel, target)})
	lexical := target
	if !filepath.IsAbs(lexical) {
		lexical = filepath.Join(filepath.Dir(path), target)
	}
	lexical = filepath.Clean(lexical)
	resolved, err := filepath.EvalSymlinks(path)
	switch {
	case err == nil:
		w.links = append(w.links, [2]string{path, resolved})
	case errors.Is(err, fs.ErrNotExist) && (within(w.root, lexical) || within(w.realRoot, lexical)):
		// Dangling but aimed inside (an editor's lock file): if the target
		// appears, the walk hashes it.
	default:
		return uncertain("symlink %s -> %s leaves the module %s", path, target, w.root)
	}
	return nil
}

func (w *walker) checkLinks() error {
	notHashed := append(append([]string(nil), w.skipped...), w.g.skipDirs...)
	for _, l := range w.links {
		if !within(w.realRoot, l[1]) {
			return uncertain("symlink %s points outside the module %s, to %s", l[0], w.root, l[1])
		}
		for _, s := range notHashed {
			if within(s, l[1]) {
				return uncertain("symlink %s points into %s, which is not hashed", l[0], s)
			}
		}
	}
	return nil
}
