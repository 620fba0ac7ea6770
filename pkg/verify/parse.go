package verify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/plan"
)

// PolicyKeys are the keys ParsePolicy understands besides a bare linkage.
var PolicyKeys = []string{"linkage", "max_glibc", "min_macos", "libs_allow", "libs_deny", "system_libs_only", "stripped", "pie", "cgo"}

// ParsePolicy reads a policy from command-line terms (`inspect --expect`):
// a linkage (static, static-pie, dynamic, any) or KEY=VALUE for the keys of
// a manifest's expect, list values comma-separated. Later terms win.
func ParsePolicy(terms []string) (plan.Expectation, error) {
	var e plan.Expectation
	for _, a := range terms {
		key, val, ok := strings.Cut(a, "=")
		if !ok {
			key, val = "linkage", a
		}
		if err := setPolicy(&e, a, key, val); err != nil {
			return e, err
		}
	}
	return e, nil
}

func setPolicy(e *plan.Expectation, term, key, val string) error {
	boolean := func(dst **bool) error {
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("--expect %s=%q: want true or false", key, val)
		}
		*dst = &b
		return nil
	}
	switch key {
	case "linkage":
		switch val {
		case manifest.ExpectStatic, manifest.ExpectStaticPIE, manifest.ExpectDynamic, manifest.ExpectAny:
			e.Linkage = val
		default:
			return fmt.Errorf("--expect %q: use static, static-pie, dynamic or KEY=VALUE", term)
		}
	case "max_glibc":
		e.MaxGlibc = val
	case "min_macos":
		e.MinMacOS = val
	case "libs_allow":
		e.LibsAllow = strings.Split(val, ",")
	case "libs_deny":
		e.LibsDeny = strings.Split(val, ",")
	case "system_libs_only":
		return boolean(&e.SystemLibsOnly)
	case "stripped":
		return boolean(&e.Stripped)
	case "pie":
		return boolean(&e.PIE)
	case "cgo":
		return boolean(&e.Cgo)
	default:
		return fmt.Errorf("--expect %q: unknown key %q (%s)", term, key, strings.Join(PolicyKeys, ", "))
	}
	return nil
}

// PolicyFileTerms reads a policy file, a YAML mapping in the manifest's
// expect language (linkage: static, max_glibc: "2.17", libs_deny: [...]),
// as the terms ParsePolicy takes (KEY=VALUE, a list joined by commas),
// sorted by key.
func PolicyFileTerms(data []byte) ([]string, error) {
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	var terms []string
	for k, v := range m {
		switch v := v.(type) {
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = fmt.Sprint(x)
			}
			terms = append(terms, k+"="+strings.Join(parts, ","))
		default:
			terms = append(terms, fmt.Sprintf("%s=%v", k, v))
		}
	}
	sort.Strings(terms)
	return terms, nil
}
