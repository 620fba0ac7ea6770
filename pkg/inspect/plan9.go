package inspect

import (
	"debug/plan9obj"
	"io"
)

// plan9Arch maps Plan 9 a.out magics to GOARCH.
var plan9Arch = map[uint32]string{
	plan9obj.Magic386:   "386",
	plan9obj.MagicAMD64: "amd64",
	plan9obj.MagicARM:   "arm",
}

// plan9File inspects Plan 9 a.out executables.
type plan9File struct {
	r    io.ReaderAt
	size int64
}

func (x *plan9File) format() Format { return FormatPlan9 }

func (x *plan9File) describe(info *Info) error {
	f, err := plan9obj.NewFile(x.r)
	if err != nil {
		return malformed("Plan 9 a.out", err)
	}
	info.GOOS = "plan9"
	info.GOARCH = plan9Arch[f.Magic]
	info.Linkage, info.LinkageRule = LinkageStatic, "Plan 9 a.out has no dynamic linking"
	info.Go = goInfoFrom(plan9GoLayout(f, x.r, x.size))
	// The header's symbol table size: -s leaves it 0.
	for _, s := range f.Sections {
		if s.Name == "syms" {
			info.Stripped = s.Size == 0
		}
	}
	info.GoBuildID = scanGoBuildID(x.r, x.size, 0, maxBuildIDScan)
	return nil
}
