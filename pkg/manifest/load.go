package manifest

import (
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
// when the file cannot be read or is not YAML at all.
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
		return nil, Problems{syntaxProblem(file, err)}
	}
	if len(root.Content) == 0 {
		return nil, Problems{{File: file, Line: 1, Col: 1, Msg: "manifest is empty; it needs at least `version: 1` and `builds:`"}}
	}
	doc := root.Content[0]
	var ps Problems
	checkNode(file, doc, reflect.TypeOf(Manifest{}), "", &ps)

	m := &Manifest{File: file}
	if err := doc.Decode(m); err != nil {
		// The shape check above reports type mismatches with columns; the
		// decoder's own message is kept only for what it alone noticed.
		if len(ps) == 0 {
			ps = append(ps, decodeProblems(file, err)...)
		}
	}
	ps = append(ps, Validate(m)...)
	ps.Sort()
	return m, ps
}

var lineRE = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

func syntaxProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return Problem{File: file, Line: line, Col: col, Msg: "YAML syntax: " + m[3]}
	}
	return Problem{File: file, Msg: "YAML syntax: " + msg}
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
		if n.Kind == yaml.ScalarNode && reflect.PointerTo(t).Implements(shorthandType) {
			return
		}
		if n.Kind != yaml.MappingNode {
			add(n, path, fmt.Sprintf("want a mapping of keys, got %s", describe(n)))
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
