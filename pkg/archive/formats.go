package archive

import (
	"archive/tar"
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// gzipOSUnknown is the gzip header's OS byte for "unknown": fixed, so the
// archive does not say which machine wrote it.
const gzipOSUnknown = 255

// writeTarGz writes entries, all with time mtime, as a gzip-compressed PAX
// tar stream whose gzip header has time gzTime (zero: none).
func writeTarGz(w io.Writer, entries []entry, mtime, gzTime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	gz.Header = gzip.Header{ModTime: gzTime, OS: gzipOSUnknown}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{
			Name:    e.name,
			Mode:    int64(e.mode()),
			ModTime: mtime,
			Format:  tar.FormatPAX,
		}
		if e.dir() {
			hdr.Typeflag = tar.TypeDir
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = e.size
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%q: %w", e.name, err)
		}
		if !e.dir() {
			if err := copySource(tw, e); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// writeZip writes entries as a zip file with Unix modes and UTC times.
func writeZip(w io.Writer, entries []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
		if e.dir() {
			fh.Method = zip.Store
			fh.SetMode(fs.ModeDir | e.mode())
		} else {
			fh.SetMode(e.mode())
		}
		fw, err := zw.CreateHeader(fh)
		if err != nil {
			return fmt.Errorf("%q: %w", e.name, err)
		}
		if !e.dir() {
			if err := copySource(fw, e); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}
