package inspect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
)

// WebAssembly section ids and limits on what we read.
const (
	wasmSectionCustom = 0
	wasmSectionImport = 2
	wasmSectionData   = 11

	maxWasmSections   = 1 << 16
	maxWasmImportLen  = 16 << 20
	maxProducersLen   = 1 << 20
	maxModinfoLen     = 1 << 20
	maxWasmBuildIDLen = 1 << 10
)

// cmd/go frames the module info string with these sentinels
// (cmd/go/internal/modload.infoStart and infoEnd). debug/buildinfo cannot
// read wasm, so for wasm we find the framed string in the data section.
var (
	modinfoStart = []byte("\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6")
	modinfoEnd   = []byte("\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2")
)

// wasmFile inspects WebAssembly modules (js/wasm, wasip1/wasm).
type wasmFile struct {
	r    io.ReaderAt
	size int64
}

func (x *wasmFile) format() Format { return FormatWasm }

func (x *wasmFile) describe(info *Info) error {
	hdr, err := readAt(x.r, x.size, 0, 8)
	if err != nil {
		return atOffset("wasm header", 0, err)
	}
	if v := binary.LittleEndian.Uint32(hdr[4:]); v != 1 {
		return atOffset("wasm header", 4, fmt.Sprintf("unsupported version %#x (only core modules, version 1, are understood)", v))
	}
	info.GOARCH = "wasm"
	info.Linkage, info.LinkageRule = LinkageStatic, "WebAssembly imports host modules, not libraries"

	var goVersion, modinfo string
	var hasProducer, hasNames bool
	off := int64(8)
	for n := 0; off < x.size; n++ {
		if n == maxWasmSections {
			return atOffset("wasm section", off, fmt.Sprintf("more than %d sections", maxWasmSections))
		}
		id, start, size, err := x.sectionHeader(off)
		if err != nil {
			return atOffset("wasm section", off, err)
		}
		switch id {
		case wasmSectionImport:
			if size > maxWasmImportLen {
				return atOffset("wasm import section", off, fmt.Sprintf("%d bytes is implausibly large", size))
			}
			b, err := readAt(x.r, x.size, start, size)
			if err != nil {
				return atOffset("wasm import section", off, err)
			}
			mods, pos, err := parseWasmImports(b)
			if err != nil {
				return atOffset("wasm import section", start+int64(pos), err)
			}
			info.Needed = mods
		case wasmSectionCustom:
			name, n := x.customName(start, size)
			switch {
			case name == "producers" && size <= maxProducersLen:
				if b, err := readAt(x.r, x.size, start, size); err == nil {
					goVersion, hasProducer = parseProducers(b)
				}
			case name == "name":
				hasNames = true
			case name == ".debug_info":
				info.DWARF = true
			case name == "go:buildid" && size-uint64(n) <= maxWasmBuildIDLen:
				if b, err := readAt(x.r, x.size, start+int64(n), size-uint64(n)); err == nil {
					info.GoBuildID = parseGoBuildID(b) // framed as in other formats' text
				}
			}
		case wasmSectionData:
			modinfo = findModinfo(x.r, start, int64(size))
		}
		off = start + int64(size)
	}

	info.Stripped = !hasNames
	if modinfo != "" || hasProducer {
		info.Go = &GoInfo{Settings: map[string]string{}}
		if bi, err := debug.ParseBuildInfo(modinfo); err == nil {
			info.Go = newGoInfo(bi)
		}
		if goVersion != "" {
			info.Go.GoVersion = goVersion
		}
	}
	for _, m := range info.Needed {
		switch m {
		case "gojs":
			info.GOOS = "js"
		case "wasi_snapshot_preview1":
			info.GOOS = "wasip1"
		}
	}
	if info.GOOS == "" {
		info.GOOS = info.Go.setting("GOOS")
	}
	return nil
}

// sectionHeader decodes the section id and payload size at off, checking
// the payload fits in the file.
func (x *wasmFile) sectionHeader(off int64) (id byte, start int64, size uint64, err error) {
	b := make([]byte, min(6, x.size-off))
	if n, err := x.r.ReadAt(b, off); n < len(b) {
		return 0, 0, 0, truncated(err)
	}
	d := wasmDecoder{b: b[1:]}
	size = d.uleb(32)
	if d.err != nil {
		return 0, 0, 0, d.err
	}
	start = off + 1 + int64(d.pos)
	if size > uint64(x.size-start) {
		return 0, 0, 0, fmt.Errorf("section %d claims %d bytes, %d remain: %w", b[0], size, x.size-start, errTruncated)
	}
	return b[0], start, size, nil
}

// customName returns a custom section's name and the bytes it takes up,
// or "" if unreadable.
func (x *wasmFile) customName(start int64, size uint64) (string, int) {
	b, err := readAt(x.r, x.size, start, min(size, 5+64))
	if err != nil {
		return "", 0
	}
	d := wasmDecoder{b: b}
	name := d.name()
	if d.err != nil {
		return "", 0
	}
	return name, d.pos
}

// parseWasmImports returns the module name of every import. On error it
// also returns the position within b where decoding failed.
func parseWasmImports(b []byte) ([]string, int, error) {
	d := wasmDecoder{b: b}
	n := d.uleb(32)
	if d.err == nil && n > uint64(len(b)) {
		return nil, 0, fmt.Errorf("%d imports cannot fit in %d bytes", n, len(b))
	}
	var mods []string
	for i := uint64(0); i < n && d.err == nil; i++ {
		mod := d.name()
		d.name() // field
		switch kind := d.byte(); kind {
		case 0x00: // function: type index
			d.uleb(32)
		case 0x01: // table: reftype, limits
			if rt := d.byte(); rt == 0x63 || rt == 0x64 { // (ref null? ht)
				d.uleb(64)
			}
			d.limits()
		case 0x02: // memory: limits
			d.limits()
		case 0x03: // global: valtype, mutability
			if vt := d.byte(); vt == 0x63 || vt == 0x64 {
				d.uleb(64)
			}
			d.byte()
		case 0x04: // tag: attribute, type index
			d.byte()
			d.uleb(32)
		default:
			if d.err == nil {
				d.err = fmt.Errorf("import %d: unknown import kind %#x", i, kind)
			}
		}
		if d.err == nil {
			mods = append(mods, mod)
		}
	}
	if d.err != nil {
		return nil, d.pos, d.err
	}
	return mods, 0, nil
}

// parseProducers finds the Go version in the "producers" custom section:
// field "language", value "Go". ok reports whether Go produced the module.
func parseProducers(b []byte) (version string, ok bool) {
	d := wasmDecoder{b: b}
	d.name() // "producers"
	nfields := d.uleb(32)
	for i := uint64(0); i < nfields && d.err == nil; i++ {
		field := d.name()
		nvals := d.uleb(32)
		for j := uint64(0); j < nvals && d.err == nil; j++ {
			name, ver := d.name(), d.name()
			if d.err == nil && field == "language" && name == "Go" {
				return ver, true
			}
		}
	}
	return "", false
}

// findModinfo scans the data section for cmd/go's framed module info
// string and returns it without the framing, or "" if absent. Nothing says
// where in the data the string is (wasm has no symbol table for data and no
// build info blob), so the scan reads the section until it finds it, in
// large chunks: this is the one whole-section read inspect makes.
func findModinfo(r io.ReaderAt, off, n int64) string {
	keep := len(modinfoStart) - 1
	bufp := scanBuffers.Get().(*[]byte)
	defer scanBuffers.Put(bufp)
	buf := (*bufp)[:0]
	end := off + n
	for pos := off; pos < end; {
		m := min(int64(cap(buf)-keep), end-pos)
		carry := len(buf)
		buf = buf[:carry+int(m)]
		if got, _ := r.ReadAt(buf[carry:], pos); got < int(m) {
			return ""
		}
		if i := bytes.Index(buf, modinfoStart); i >= 0 {
			return readModinfo(r, pos-int64(carry)+int64(i+len(modinfoStart)), end)
		}
		pos += m
		tail := buf[len(buf)-min(keep, len(buf)):]
		buf = append(buf[:0], tail...)
	}
	return ""
}

// scanChunk is how much of a wasm data section findModinfo reads at a time.
const scanChunk = 256 << 10

// scanBuffers saves findModinfo allocating a chunk per file.
var scanBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, scanChunk+len(modinfoStart))
	return &b
}}

// readModinfo reads the module info starting at off up to modinfoEnd. Like
// debug/buildinfo, it only accepts text that ends in a newline. It reads a
// window that doubles until it holds modinfoEnd (module info is a few KiB),
// up to maxModinfoLen.
func readModinfo(r io.ReaderAt, off, end int64) string {
	limit := min(maxModinfoLen, end-off)
	for window := min(4<<10, limit); ; window = min(2*window, limit) {
		b := make([]byte, window)
		got, _ := r.ReadAt(b, off)
		b = b[:got]
		if i := bytes.Index(b, modinfoEnd); i >= 0 {
			if i == 0 || b[i-1] != '\n' {
				return ""
			}
			return string(b[:i])
		}
		if int64(got) < window || window == limit {
			return ""
		}
	}
}

// wasmDecoder reads WebAssembly's binary encoding with bounds checks; the
// first error sticks and later reads return zero values.
type wasmDecoder struct {
	b   []byte
	pos int
	err error
}

func (d *wasmDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *wasmDecoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.b) {
		d.fail(errTruncated)
		return 0
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

// uleb decodes an unsigned LEB128 of at most bits bits.
func (d *wasmDecoder) uleb(bits uint) uint64 {
	var v uint64
	for shift := uint(0); d.err == nil; shift += 7 {
		if shift >= bits {
			d.fail(errors.New("LEB128 value too long"))
			return 0
		}
		c := d.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if bits < 64 && v>>bits != 0 {
				d.fail(fmt.Errorf("LEB128 value %#x overflows %d bits", v, bits))
				return 0
			}
			return v
		}
	}
	return 0
}

// name decodes a length-prefixed UTF-8 name.
func (d *wasmDecoder) name() string {
	n := d.uleb(32)
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)-d.pos) {
		d.fail(errTruncated)
		return ""
	}
	s := string(d.b[d.pos : d.pos+int(n)])
	d.pos += int(n)
	return s
}

// limits decodes table/memory limits: flags, min, optional max, and the
// custom-page-size exponent when flagged.
func (d *wasmDecoder) limits() {
	flags := d.byte()
	bits := uint(32)
	if flags&0x04 != 0 { // memory64
		bits = 64
	}
	d.uleb(bits)
	if flags&0x01 != 0 {
		d.uleb(bits)
	}
	if flags&0x08 != 0 {
		d.uleb(32)
	}
}
