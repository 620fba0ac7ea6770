package inspect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// ErrNotExecutable is returned (wrapped) for a file of a kind inspect
// recognises that is neither a program nor a library: a relocatable object
// (`gcc -c`), a core dump, a dSYM companion file, a COFF object, an ar
// archive. Its message says which ("relocatable object (ET_REL), not an
// executable"), so a user who names one learns what it is, and a directory
// walk can pass it over like any other file that is not an executable.
var ErrNotExecutable = errors.New("not an executable")

// notExecutableError says what a file is instead of an executable.
// unknown marks formats inspect does not read at all (COFF objects, ar
// archives), which are also ErrUnknownFormat, as they were before inspect
// could name them.
type notExecutableError struct {
	kind    string
	unknown bool
}

func (e *notExecutableError) Error() string { return e.kind + ", not an executable" }

// Is makes errors.Is match ErrNotExecutable, and ErrUnknownFormat for
// formats inspect does not read.
func (e *notExecutableError) Is(target error) bool {
	return target == ErrNotExecutable || (e.unknown && target == ErrUnknownFormat)
}

// notExecutable is the error of a file of a format inspect reads whose
// type says it is not a program or library.
func notExecutable(kind string) error { return &notExecutableError{kind: kind} }

// otherBinary names, for a file of no format inspect reads, what it is
// when its first bytes say it is a compiler's output all the same, or
// returns nil.
func otherBinary(r io.ReaderAt, size int64, ident []byte) error {
	if bytes.HasPrefix(ident, []byte("!<arch>\n")) {
		return &notExecutableError{kind: "ar archive (a static library or Go package archive)", unknown: true}
	}
	if goarch := coffObjectArch(r, size); goarch != "" {
		return &notExecutableError{kind: "COFF object file (" + goarch + ")", unknown: true}
	}
	return nil
}

// coffObjectArch recognises a COFF object file, what MSVC's `cl /c` and
// MinGW's `gcc -c` write: a bare IMAGE_FILE_HEADER (no MZ stub) for a
// machine Go targets, no optional header, at least one section, and the
// section and symbol tables inside the file. It returns the GOARCH, or ""
// for anything else, so a file that merely starts with the same two bytes
// stays of unknown format.
func coffObjectArch(r io.ReaderAt, size int64) string {
	hdr, err := readAt(r, size, 0, 20)
	if err != nil {
		return ""
	}
	le := binary.LittleEndian
	arch := peArch[le.Uint16(hdr)]
	nsec, symPtr, nsyms, optSize := le.Uint16(hdr[2:]), le.Uint32(hdr[8:]), le.Uint32(hdr[12:]), le.Uint16(hdr[16:])
	if arch == "" || optSize != 0 || nsec == 0 ||
		20+40*uint64(nsec) > uint64(size) || uint64(symPtr)+18*uint64(nsyms) > uint64(size) {
		return ""
	}
	return arch
}
