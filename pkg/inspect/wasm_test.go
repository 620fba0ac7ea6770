package inspect

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// producers builds a "producers" custom section naming Go as the language.
func producers(goVersion string) []byte {
	p := wasmName("producers")
	p = append(p, uleb(2)...)
	p = append(p, wasmName("language")...)
	p = append(p, uleb(1)...)
	p = append(p, wasmName("Go")...)
	p = append(p, wasmName(goVersion)...)
	p = append(p, wasmName("processed-by")...)
	p = append(p, uleb(1)...)
	p = append(p, wasmName("Go cmd/compile")...)
	p = append(p, wasmName(goVersion)...)
	return wasmSection(0, p)
}

// dataWithModinfo builds a data section whose one active segment holds
// cmd/go's framed module info, as the Go wasm linker lays it out.
func dataWithModinfo(modinfo string) []byte {
	blob := append(append(append([]byte("junk\x00\x01"), modinfoStart...), modinfo...), modinfoEnd...)
	seg := append([]byte{0x00, 0x41}, uleb(0x1000)...) // active, i32.const 0x1000
	seg = append(seg, 0x0b)
	seg = append(seg, uleb(uint64(len(blob)))...)
	seg = append(seg, blob...)
	return wasmSection(11, append(uleb(1), seg...))
}

const jsModinfo = "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\nbuild\t-buildmode=exe\nbuild\tCGO_ENABLED=0\nbuild\tGOARCH=wasm\nbuild\tGOOS=js\n"

func TestWasm(t *testing.T) {
	typeSec := wasmSection(1, []byte{0x01, 0x60, 0x00, 0x00}) // one func type () -> ()
	tests := []struct {
		name    string
		module  []byte
		goos    string
		needed  []string
		goInfo  bool
		version string
	}{
		{
			name:   "js imports gojs",
			module: wasmModule(typeSec, wasmFuncImports("gojs", "gojs")),
			goos:   "js", needed: []string{"gojs"},
		},
		{
			name:   "wasip1 imports wasi_snapshot_preview1",
			module: wasmModule(typeSec, wasmFuncImports("wasi_snapshot_preview1")),
			goos:   "wasip1", needed: []string{"wasi_snapshot_preview1"},
		},
		{
			name:   "no imports and no build info leaves GOOS empty",
			module: wasmModule(typeSec),
		},
		{
			name:   "other host modules are listed but say nothing about GOOS",
			module: wasmModule(typeSec, wasmFuncImports("env", "spectest")),
			needed: []string{"env", "spectest"},
		},
		{
			name:   "GOOS from Go build info when imports do not tell",
			module: wasmModule(producers("go1.26.8"), typeSec, wasmFuncImports("env"), dataWithModinfo(jsModinfo)),
			goos:   "js", needed: []string{"env"}, goInfo: true, version: "go1.26.8",
		},
		{
			name:   "custom sections before imports are skipped",
			module: wasmModule(wasmSection(0, append(wasmName("go:buildid"), "xyz"...)), typeSec, wasmFuncImports("gojs")),
			goos:   "js", needed: []string{"gojs"},
		},
		{
			name: "every import kind is decoded",
			module: wasmModule(typeSec, wasmSection(2, bytes.Join([][]byte{
				uleb(5),
				wasmName("m1"), wasmName("t"), {0x01, 0x70, 0x01, 0x01, 0x10}, // table funcref, min 1 max 16
				wasmName("m2"), wasmName("mem"), {0x02, 0x05, 0x01, 0x02}, // memory64 limits min 1 max 2
				wasmName("m3"), wasmName("g"), {0x03, 0x7f, 0x01}, // global i32 mut
				wasmName("m4"), wasmName("e"), {0x04, 0x00, 0x00}, // tag
				wasmName("m5"), wasmName("f"), {0x00, 0x00}, // func
			}, nil))),
			needed: []string{"m1", "m2", "m3", "m4", "m5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := readBytes(t, tt.module, "mod.wasm")
			assert.Equal(t, FormatWasm, info.Format)
			assert.Equal(t, "wasm", info.GOARCH)
			assert.Equal(t, tt.goos, info.GOOS)
			assert.Equal(t, tt.needed, info.Needed)
			assert.Equal(t, LinkageStatic, info.Linkage)
			assert.Equal(t, "WebAssembly imports host modules, not libraries", info.LinkageRule)
			if !tt.goInfo {
				assert.Nil(t, info.Go)
				return
			}
			require.NotNil(t, info.Go)
			assert.Equal(t, tt.version, info.Go.GoVersion)
			assert.Equal(t, "example.com/hello", info.Go.Path)
			assert.Equal(t, "js", info.Go.Settings["GOOS"])
		})
	}
}

func TestWasmErrors(t *testing.T) {
	typeSec := wasmSection(1, []byte{0x01, 0x60, 0x00, 0x00})
	imports := wasmFuncImports("gojs")
	good := wasmModule(typeSec, imports)
	importOff := len(wasmModule(typeSec))

	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"header only magic", []byte("\x00asm"), "wasm header at offset 0x0: truncated"},
		{"component model version", []byte("\x00asm\x0d\x00\x01\x00"), "wasm header at offset 0x4: unsupported version 0x1000d"},
		{"section size beyond file", good[:len(good)-1], "wasm section at offset 0x" + hexInt(importOff) + ": section 2 claims"},
		{"section header cut in its size", append(wasmModule(typeSec), 0x02, 0x80), "wasm section at offset 0x" + hexInt(importOff) + ": truncated"},
		{"LEB128 too long", append(wasmModule(typeSec), 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), "LEB128 value too long"},
		{"import count larger than section", wasmModule(typeSec, wasmSection(2, uleb(1000))), "wasm import section at offset 0x" + hexInt(importOff+2) + ": 1000 imports cannot fit in 2 bytes"},
		{"import name longer than section", wasmModule(typeSec, wasmSection(2, append(uleb(1), uleb(50)...))), "wasm import section at offset 0x" + hexInt(importOff+4) + ": truncated"},
		{"unknown import kind", wasmModule(typeSec, wasmSection(2, bytes.Join([][]byte{uleb(1), wasmName("m"), wasmName("f"), {0x09}}, nil))), "import 0: unknown import kind 0x9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.b), int64(len(tt.b)), "out.bin")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "inspect: out.bin: ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestFindModinfoAcrossChunks(t *testing.T) {
	// Put the start sentinel across the 1 MiB chunk boundary.
	data := make([]byte, 1<<20-5)
	data = append(data, modinfoStart...)
	data = append(data, jsModinfo...)
	data = append(data, modinfoEnd...)
	got := findModinfo(bytes.NewReader(data), 0, int64(len(data)))
	assert.Equal(t, jsModinfo, got)

	t.Run("module info must end in a newline", func(t *testing.T) {
		b := append(append(bytes.Clone(modinfoStart), "path\tx"...), modinfoEnd...)
		assert.Empty(t, findModinfo(bytes.NewReader(b), 0, int64(len(b))))
	})
	t.Run("unterminated module info is ignored", func(t *testing.T) {
		b := append(bytes.Clone(modinfoStart), "path\tx"...)
		assert.Empty(t, findModinfo(bytes.NewReader(b), 0, int64(len(b))))
	})
}

func hexInt(n int) string { return strconv.FormatInt(int64(n), 16) }

func TestWasmDecoderLEB(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		bits uint
		want uint64
		err  string
	}{
		{"one byte", []byte{0x7f}, 32, 127, ""},
		{"two bytes", []byte{0x80, 0x01}, 32, 128, ""},
		{"max u32", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32, 0xffffffff, ""},
		{"u32 overflow in fifth byte", []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 32, 0, "overflows 32 bits"},
		{"too long for u32", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, "too long"},
		{"u64", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 64, 1 << 35, ""},
		{"truncated", []byte{0x80}, 32, 0, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := wasmDecoder{b: tt.b}
			got := d.uleb(tt.bits)
			if tt.err != "" {
				require.Error(t, d.err)
				assert.Contains(t, d.err.Error(), tt.err)
				return
			}
			require.NoError(t, d.err)
			assert.Equal(t, tt.want, got)
		})
	}
}
