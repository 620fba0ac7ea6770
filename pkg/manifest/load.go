package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/internal/suggest"
)

// MaxSize bounds a manifest file. A real manifest is a few kilobytes; the
// bound keeps a wrong -f (a binary, a log) or a generated monster from
// costing seconds and hundreds of megabytes before the first useful word.
const MaxSize = 1 << 20

// Load reads and decodes a manifest file, then validates it. The returned
// manifest is usable for further checks (planning) even when there are
// problems, so that all problems can be reported in one pass; it is nil only
// when the file cannot be read, is larger than MaxSize, is not YAML at all,
// or is not a mapping.
func Load(path string) (*Manifest, Problems) {
	cannot := func(msg string) (*Manifest, Problems) {
		return nil, Problems{{File: path, Msg: "cannot read manifest: " + msg}}
	}
	st, err := os.Stat(path)
	if err != nil {
		return cannot(errors.Unwrap(err).Error())
	}
	if !st.Mode().IsRegular() {
		return cannot("not a regular file") // a FIFO or a device would block or never end
	}
	if st.Size() > MaxSize {
		return cannot(fmt.Sprintf("it is %d bytes; a manifest may have at most %d (1 MiB)", st.Size(), MaxSize))
	}
	f, err := os.Open(path)
	if err != nil {
		return cannot(errors.Unwrap(err).Error())
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return cannot(err.Error())
	}
	if len(data) > MaxSize {
		return cannot(fmt.Sprintf("it grew past %d bytes (1 MiB) while it was read", MaxSize))
	}
	return Parse(data, path)
}

// Parse decodes manifest bytes strictly and validates them. file names the
// source in problems. A manifest is one YAML document: a second one (after
// a `---` line) is a problem, not silently ignored.
func Parse(data []byte, file string) (*Manifest, Problems) {
	if len(data) > MaxSize {
		return nil, Problems{{File: file, Msg: fmt.Sprintf("cannot read manifest: it is %d bytes; a manifest may have at most %d (1 MiB)", len(data), MaxSize)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, Problems{syntaxProblem(file, data, err)}
	}
	if len(root.Content) == 0 || root.Content[0].Tag == "!!null" { // nothing, or only "---"
		return nil, Problems{{File: file, Line: 1, Col: 1, Msg: "manifest is empty; it needs at least `version: 1` and `builds:`"}}
	}
	doc := root.Content[0]
	var ps Problems
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil && (len(second.Content) == 0 || second.Content[0].Tag == "!!null"):
		// A trailing "---" with nothing after it.
	case err == nil:
		ps = append(ps, Problem{File: file, Line: second.Line, Col: second.Column,
			Msg: "a second YAML document starts here; a manifest is one document (remove the `---` line and what follows, or merge it into the first)"})
	case !errors.Is(err, io.EOF):
		p := syntaxProblem(file, data, err)
		p.Msg = "after the manifest's document: " + p.Msg
		ps = append(ps, p)
	}
	checkNode(file, doc, reflect.TypeOf(Manifest{}), "", &ps, map[*yaml.Node]bool{})
	if doc.Kind != yaml.MappingNode {
		return nil, ps // a list or a scalar: nothing else to say
	}

	m := &Manifest{File: file}
	if err := doc.Decode(m); err != nil {
		// The shape check above reports type mismatches with columns; the
		// decoder's own message is kept only for what it alone noticed.
		if len(ps) == 0 {
			ps = append(ps, decodeProblems(file, err)...)
		}
	}
	shape := ps
	for _, p := range Validate(m) {
		if !sameSpot(shape, p) {
			ps = append(ps, p)
		}
	}
	ps.Sort()
	return m, ps
}

// sameSpot reports whether the shape check already reported a problem at p's
// position on p's field or inside it: a value of the wrong shape decodes as
// empty, and "no targets" under "want a list" says nothing new.
func sameSpot(shape Problems, p Problem) bool {
	for _, s := range shape {
		if s.Line == p.Line && s.Col == p.Col && (s.Field == p.Field || strings.HasPrefix(s.Field, p.Field+".")) {
			return true
		}
	}
	return false
}

var lineRE = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

func syntaxProblem(file string, data []byte, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: file, Msg: "YAML syntax: " + msg}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Col, _ = strconv.Atoi(m[2])
		p.Msg = "YAML syntax: " + m[3]
	}
	if l := badLine(data); l > 0 {
		p.Line, p.Col = l, 0
	}
	return p
}

// badLine finds the line where a syntax error starts: the one after the
// longest run of whole lines that still parses. The parser's own number is
// the line of the enclosing construct, and one less for parser (as opposed
// to scanner) errors: a mis-indented key on line 6 was reported on line 2.
// The run is found by bisection (a prefix that parses is taken to mean
// every shorter one does), so a large file costs a few parses, not one per
// line.
func badLine(data []byte) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	parses := func(k int) bool {
		var n yaml.Node
		return yaml.Unmarshal(bytes.Join(lines[:k], nil), &n) == nil
	}
	if parses(len(lines)) {
		return 0
	}
	// lines[:lo] parses, lines[:hi] does not.
	lo, hi := 0, len(lines)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if parses(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

func decodeProblems(file string, err error) Problems {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return Problems{{File: file, Msg: err.Error()}}
	}
	var ps Problems
	for _, e := range te.Errors {
		p := Problem{File: file, Msg: e}
		if m := lineRE.FindStringSubmatch(e); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Msg = m[3]
		}
		ps = append(ps, p)
	}
	return ps
}

type scalarShorthand interface{ acceptsScalar() }

var shorthandType = reflect.TypeOf((*scalarShorthand)(nil)).Elem()

// checkNode walks the YAML tree against the Go type, reporting unknown keys
// (with a did-you-mean), duplicate keys, and values of the wrong shape, each
// at its own line and column. The YAML decoder alone stops at the first
// unknown key and has no columns.
//
// An alias is checked once however often it is used (seen): aliases of
// aliases would otherwise make the walk exponential in the file's size.
func checkNode(file string, n *yaml.Node, t reflect.Type, path string, ps *Problems, seen map[*yaml.Node]bool) {
	add := func(at *yaml.Node, field, msg string) {
		*ps = append(*ps, Problem{File: file, Line: at.Line, Col: at.Column, Field: field, Msg: msg})
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		if seen[n.Alias] {
			return
		}
		seen[n.Alias] = true
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value is the zero value
	}
	switch t.Kind() {
	case reflect.Struct:
		shorthand := reflect.PointerTo(t).Implements(shorthandType)
		if n.Kind == yaml.ScalarNode && shorthand {
			return
		}
		if n.Kind != yaml.MappingNode {
			want := "a mapping of keys"
			if shorthand {
				want = "a single value or a mapping of keys"
			}
			add(n, path, fmt.Sprintf("want %s, got %s", want, describe(n)))
			return
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f
			names = append(names, name)
		}
		given := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := k.Value
			if k.Value == "<<" {
				continue // merge keys are resolved by the decoder
			}
			fieldPath := join(path, key)
			f, ok := fields[key]
			if !ok {
				msg := fmt.Sprintf("unknown key %q", key)
				if c := suggest.Closest(key, names, 1); len(c) > 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", c[0])
				} else {
					msg += " (known keys: " + strings.Join(names, ", ") + ")"
				}
				add(k, fieldPath, msg)
				continue
			}
			if given[key] {
				add(k, fieldPath, "key given twice")
			}
			given[key] = true
			checkNode(file, v, f.Type, fieldPath, ps, seen)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			add(n, path, fmt.Sprintf("want a list, got %s", describe(n)))
			return
		}
		for i, item := range n.Content {
			checkNode(file, item, t.Elem(), itemPath(path, item, i), ps, seen)
		}
	case reflect.String:
		switch {
		case n.Kind != yaml.ScalarNode:
			add(n, path, fmt.Sprintf("want a string, got %s", describe(n)))
		case strings.ContainsRune(n.Value, 0):
			// No argv, environment or path can carry it: every job would
			// fail at exec time.
			add(n, path, fmt.Sprintf("%q contains a NUL character", n.Value))
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			add(n, path, fmt.Sprintf("want true or false, got %s", describe(n)))
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			add(n, path, fmt.Sprintf("want a whole number, got %s", describe(n)))
		}
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// itemPath names list items by their id or name when they have one, since
// "builds[server].variants[static]" is easier to find than "builds[3]".
func itemPath(path string, item *yaml.Node, i int) string {
	if item.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(item.Content); j += 2 {
			k := item.Content[j].Value
			if (k == "id" || k == "name") && item.Content[j+1].Kind == yaml.ScalarNode && item.Content[j+1].Value != "" {
				return fmt.Sprintf("%s[%s]", path, item.Content[j+1].Value)
			}
		}
	}
	return fmt.Sprintf("%s[%d]", path, i)
}
