package toolchain

// qemuBinaries maps a GOARCH to its qemu-user emulator; Debian's qemu-user
// package ships all of them (7.2 in Debian 12, qemu-loongarch64 included).
var qemuBinaries = map[string]string{
	"amd64":    "qemu-x86_64",
	"386":      "qemu-i386",
	"arm64":    "qemu-aarch64",
	"arm":      "qemu-arm",
	"riscv64":  "qemu-riscv64",
	"ppc64":    "qemu-ppc64",
	"ppc64le":  "qemu-ppc64le",
	"s390x":    "qemu-s390x",
	"mips":     "qemu-mips",
	"mipsle":   "qemu-mipsel",
	"mips64":   "qemu-mips64",
	"mips64le": "qemu-mips64el",
	"loong64":  "qemu-loongarch64",
}

// QEMU says how to run a foreign Linux binary here, so a cross-built cgo
// binary can be proven to run and not just to link: it returns the
// qemu-user binary for a GOARCH ("qemu-aarch64" for arm64) and the Debian
// package that has it ("qemu-user"), or "", "" for an architecture qemu-user
// cannot run. A dynamic binary also needs `-L <Toolchain.Sysroot>` so the
// emulator finds the target's loader and libc; a static one needs nothing.
func QEMU(goarch string) (binary, pkg string) {
	b, ok := qemuBinaries[goarch]
	if !ok {
		return "", ""
	}
	return b, "qemu-user"
}
