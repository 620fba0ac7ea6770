package inspect

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildCOFFObject is a minimal COFF object file (what `cl /c` or
// `x86_64-w64-mingw32-gcc -c` writes): a file header with no optional
// header and one empty section header.
func buildCOFFObject(machine uint16) []byte {
	b := make([]byte, 20+40)
	le := binary.LittleEndian
	le.PutUint16(b, machine)
	le.PutUint16(b[2:], 1)  // NumberOfSections
	le.PutUint32(b[8:], 60) // PointerToSymbolTable: right after the sections
	le.PutUint16(b[16:], 0) // SizeOfOptionalHeader: none in an object
	copy(b[20:], ".text\x00\x00\x00")
	return b
}

// Files that are binaries but not programs or libraries are errors that
// say what they are, wrapping ErrNotExecutable.
func TestNotExecutable(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		msg     string // the error after "inspect: NAME: "
		unknown bool   // also ErrUnknownFormat: not a format inspect reads
	}{
		{"ELF relocatable object", buildELF(elfSpec{typ: elf.ET_REL}), "relocatable object (ET_REL), not an executable", false},
		{"ELF core dump", buildELF(elfSpec{typ: elf.ET_CORE}), "core dump (ET_CORE), not an executable", false},
		{"Mach-O object", buildMachO(machoSpec{typ: macho.TypeObj}), "relocatable object (MH_OBJECT), not an executable", false},
		{"Mach-O core dump", buildMachO(machoSpec{typ: macho.Type(4)}), "core dump (MH_CORE), not an executable", false},
		{"dSYM companion", buildMachO(machoSpec{typ: macho.Type(0xa)}), "debug symbols companion file (MH_DSYM), not an executable", false},
		{"fat file of objects", buildFat(12, buildMachO(machoSpec{typ: macho.TypeObj}), buildMachO(machoSpec{typ: macho.TypeObj, cpu: macho.CpuAmd64})),
			"fat Mach-O slice 0 (CpuArm64) at offset 0x1000: relocatable object (MH_OBJECT), not an executable", false},
		{"COFF object amd64", buildCOFFObject(0x8664), "COFF object file (amd64), not an executable", true},
		{"COFF object 386", buildCOFFObject(0x14c), "COFF object file (386), not an executable", true},
		{"ar archive", []byte("!<arch>\nhello.o/        0           0     0     644     4         `\nELF\n"),
			"ar archive (a static library or Go package archive), not an executable", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Read(bytes.NewReader(tt.data), int64(len(tt.data)), "f.o")
			assert.Nil(t, info)
			require.Error(t, err)
			assert.Equal(t, "inspect: f.o: "+tt.msg, err.Error())
			assert.ErrorIs(t, err, ErrNotExecutable)
			assert.Equal(t, tt.unknown, isUnknown(err), "ErrUnknownFormat")
		})
	}
}

func isUnknown(err error) bool { return errors.Is(err, ErrUnknownFormat) }

// Look-alikes of a COFF object are still of unknown format.
func TestCOFFObjectLookAlikes(t *testing.T) {
	good := buildCOFFObject(0x8664)
	withOptional := bytes.Clone(good)
	binary.LittleEndian.PutUint16(withOptional[16:], 240)
	noSections := bytes.Clone(good)
	binary.LittleEndian.PutUint16(noSections[2:], 0)
	tooMany := bytes.Clone(good)
	binary.LittleEndian.PutUint16(tooMany[2:], 2)
	symsPastEnd := bytes.Clone(good)
	binary.LittleEndian.PutUint32(symsPastEnd[8:], 61)
	binary.LittleEndian.PutUint32(symsPastEnd[12:], 1)
	for name, b := range map[string][]byte{
		"an optional header":          withOptional,
		"no sections":                 noSections,
		"sections past the end":       tooMany,
		"a symbol table past the end": symsPastEnd,
		"an unknown machine":          buildCOFFObject(0x1234),
		"text":                        []byte("d\x86 is not text, but this is too short"),
		"just the machine":            {0x64, 0x86},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(b), int64(len(b)), "x")
			assert.ErrorIs(t, err, ErrUnknownFormat)
			assert.NotErrorIs(t, err, ErrNotExecutable)
		})
	}
}

// The same with what real compilers write: `gcc -c` and MinGW's `-c`.
func TestNotExecutableReal(t *testing.T) {
	for name, want := range map[string]string{
		"c-object":     "relocatable object (ET_REL), not an executable",
		"mingw-object": "COFF object file (amd64), not an executable",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := cFixturePath(t, name)
			_, err := File(path)
			require.Error(t, err)
			assert.Equal(t, "inspect: "+path+": "+want, err.Error())
			assert.ErrorIs(t, err, ErrNotExecutable)
		})
	}
}
