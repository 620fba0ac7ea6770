package plan

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/portmatrix/portmatrix/pkg/manifest"
	"github.com/portmatrix/portmatrix/pkg/target"
)

// archive plans a job's release archive: the format for its target, the
// rendered name, and the extra files with their globs expanded (a glob
// that matches nothing is a problem now, not a surprise after the builds).
// ok is false when a problem was added.
func (p *planner) archive(b *manifest.Build, t target.Target, v *manifest.Variant, data manifest.TemplateData) (*Archive, bool) {
	a := b.Archive
	if a == nil {
		return nil, true
	}
	ap := "builds[" + b.ID + "].archive"
	format := a.Format
	if format == "" {
		format = manifest.ArchiveTarGz
	}
	if t.GOOS == "windows" {
		format = a.WindowsFormat
		if format == "" {
			format = manifest.ArchiveZip
		}
	}
	if format == manifest.ArchiveBinary {
		return nil, true
	}
	tmpl := a.Name
	if tmpl == "" {
		tmpl = manifest.DefaultArchiveName
	}
	name, err := manifest.Render("name", tmpl, data)
	if err != nil {
		p.jobProblem(a.KeyLoc("name"), ap+".name", t.String()+"/"+v.Name, "%v", err)
		return nil, false
	}
	spec := &Archive{Format: format, Path: filepath.Join(p.plan.DistDir, name+"."+format)}
	if a.Wrap == nil || *a.Wrap {
		spec.Root = name
	}
	for i, g := range a.Files {
		matches, err := filepath.Glob(filepath.Join(p.opt.ManifestDir, filepath.FromSlash(g)))
		if err != nil || len(matches) == 0 {
			p.add(a.ItemLoc("files", i), ap+".files", "%q matches no file (relative to %s)", g, p.opt.ManifestDir)
			return nil, false
		}
		sort.Strings(matches)
		for _, m := range matches {
			if fi, err := os.Stat(m); err != nil || fi.IsDir() {
				p.add(a.ItemLoc("files", i), ap+".files", "%q matches %s, which is not a regular file; list the files inside it", g, m)
				return nil, false
			}
			// Inside the archive a file keeps its path below the manifest,
			// or just its name when it lives above (../LICENSE → LICENSE).
			rel, err := filepath.Rel(p.opt.ManifestDir, m)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				rel = filepath.Base(m)
			}
			spec.Files = append(spec.Files, ArchiveFile{Src: m, Name: path.Clean(filepath.ToSlash(rel))})
		}
	}
	return spec, true
}
