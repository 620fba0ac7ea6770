package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/internal/suggest"
)

// Load reads and decodes a manifest file, then validates it. The returned
// manifest is usable for further checks (planning) even when there are
// problems, so that all problems can be reported in one pass; it is nil only
// when the file cannot be read, is not YAML at all, or is not a mapping.
func Load(path string) (*Manifest, Problems) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot read manifest: %v", errors.Unwrap(err))}}
	}
	return Parse(data, path)
}

// Parse decodes manifest bytes strictly and validates them. file names the
// source in problems.
func Parse(data []byte, file string) (*Manifest, Problems) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{syntaxProblem(file, data, err)}
	}
	if len(root.Content) == 0 || root.Content[0].Tag == "!!null" { // nothing, or only "---"
		return nil, Problems{{File: file, Line: 1, Col: 1, Msg: "manifest is empty; it needs at least `version: 1` and `builds:`"}}
	}
	doc := root.Content[0]
	var ps Problems
	checkNode(file, doc, reflect.TypeOf(Manifest{}), "", &ps)
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
func badLine(data []byte) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for k := len(lines) - 1; k >= 0; k-- {
		var n yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:k], nil), &n) == nil {
			return k + 1
		}
	}
	return 0
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
func checkNode(file string, n *yaml.Node, t reflect.Type, path string, ps *Problems) {
	add := func(at *yaml.Node, field, msg string) {
		*ps = append(*ps, Problem{File: file, Line: at.Line, Col: at.Column, Field: field, Msg: msg})
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
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
		seen := map[string]bool{}
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
			if seen[key] {
				add(k, fieldPath, "key given twice")
			}
			seen[key] = true
			checkNode(file, v, f.Type, fieldPath, ps)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			add(n, path, fmt.Sprintf("want a list, got %s", describe(n)))
			return
		}
		for i, item := range n.Content {
			checkNode(file, item, t.Elem(), itemPath(path, item, i), ps)
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			add(n, path, fmt.Sprintf("want a string, got %s", describe(n)))
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
