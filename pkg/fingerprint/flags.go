package fingerprint

import (
	"path/filepath"
	"strconv"
	"strings"
)

// buildFlags is what the flags of a job (GOFLAGS, then argv) say about
// inputs beyond argv itself.
type buildFlags struct {
	// buildvcs: the go command may stamp the commit (-buildvcs is not false).
	buildvcs bool
	// pgo is the absolute path of an explicit -pgo profile, "" for auto/off.
	pgo string
	// outputs counts -o flags: a second one sends the binary elsewhere.
	outputs int
}

// valueFlags are the go build flags that take a value, so "-tags x" reads
// x as the value and not as the first package.
var valueFlags = map[string]bool{
	"C": true, "o": true, "p": true, "asmflags": true, "buildmode": true, "compiler": true,
	"gccgoflags": true, "gcflags": true, "installsuffix": true, "ldflags": true, "mod": true,
	"modfile": true, "overlay": true, "pgo": true, "pkgdir": true, "tags": true,
	"toolexec": true, "covermode": true, "coverpkg": true, "debug-actiongraph": true,
	"debug-runtime-trace": true, "debug-trace": true,
}

// refusedFlags read inputs from outside the module, or run programs, that a
// key cannot cover.
var refusedFlags = map[string]string{
	"C":          "changes to another directory",
	"modfile":    "reads another go.mod",
	"overlay":    "replaces source files by those of an overlay file",
	"toolexec":   "runs every tool through another program",
	"pkgdir":     "reads precompiled packages from another directory",
	"linkshared": "links against shared libraries outside the module",
	"gccgoflags": "uses gccgo",
}

// scanFlags reads the effective GOFLAGS and then args (argv after "go
// build"), the later setting winning as in the go command.
func scanFlags(dir string, env jobEnv, args []string) (buildFlags, error) {
	f := buildFlags{buildvcs: true}
	goflags, known := env.get("GOFLAGS")
	if !known {
		return f, uncertain("the job clears GOFLAGS, whose default cannot be told")
	}
	for _, a := range strings.Fields(goflags) {
		name, val, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if err := f.apply(dir, name, val, "GOFLAGS"); err != nil {
			return f, err
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			break // the packages
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasVal && valueFlags[name] && i+1 < len(args) {
			i++
			val = args[i]
		}
		if err := f.apply(dir, name, val, "argv"); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (f *buildFlags) apply(dir, name, val, where string) error {
	if why, ok := refusedFlags[name]; ok {
		return uncertain("-%s in %s %s", name, where, why)
	}
	switch name {
	case "o":
		f.outputs++
	case "compiler":
		if val != "gc" {
			return uncertain("-compiler=%s in %s is not the gc toolchain", val, where)
		}
	case "ldflags":
		for _, t := range strings.Fields(val) {
			if t = strings.TrimLeft(t, "-'\""); t == "extld" || strings.HasPrefix(t, "extld=") {
				return uncertain("-ldflags -extld in %s names a linker that is not hashed", where)
			}
		}
	case "buildvcs":
		b, err := strconv.ParseBool(val)
		f.buildvcs = val == "" || val == "auto" || err != nil || b
	case "pgo":
		switch val {
		case "", "auto", "off":
			f.pgo = ""
		default:
			if !filepath.IsAbs(val) {
				val = filepath.Join(dir, val)
			}
			f.pgo = filepath.Clean(val)
		}
	}
	return nil
}
