#!/usr/bin/env bash
# Installs the C cross compilers portmatrix's toolchain table names (see
# pkg/toolchain/table.go), so cgo builds for other targets work, plus the
# emulators that run what they build: qemu-user for foreign Linux binaries,
# wine for windows/amd64.
#
# Idempotent: installs only what is missing, and runs apt-get update only
# then. Packages this distribution does not have are skipped with a note
# (apt-cache policy decides), so it also runs on newer Debian and Ubuntu.
# Run as root or with sudo.
#
# Not installed on purpose: gcc-multilib (`gcc -m32`). On Debian it conflicts
# with every gcc-<triple> cross compiler below; linux/386 uses
# gcc-i686-linux-gnu instead, which coexists with them.
set -euo pipefail

packages=(
	# linux/arm64, linux/arm (GOARM 6/7), linux/arm/v5 (soft float)
	gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf g++-arm-linux-gnueabihf libc6-dev-armhf-cross
	gcc-arm-linux-gnueabi libc6-dev-armel-cross
	# linux/386 (not gcc-multilib: see above)
	gcc-i686-linux-gnu libc6-dev-i386-cross
	# linux/amd64 from a non-amd64 host (absent on amd64, where gcc serves)
	gcc-x86-64-linux-gnu libc6-dev-amd64-cross
	gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
	gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
	gcc-s390x-linux-gnu libc6-dev-s390x-cross
	gcc-mips-linux-gnu libc6-dev-mips-cross
	gcc-mipsel-linux-gnu libc6-dev-mipsel-cross
	gcc-mips64-linux-gnuabi64 libc6-dev-mips64-cross
	gcc-mips64el-linux-gnuabi64 libc6-dev-mips64el-cross
	# linux/loong64: not in Debian 12; installed where the distribution has it
	gcc-loongarch64-linux-gnu libc6-dev-loong64-cross
	# windows/amd64 and windows/386 (C++: the -posix g++ for std::thread)
	gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64
	gcc-mingw-w64-i686
	# linux/<host arch> with musl
	musl-tools
	# running what was built: qemu-<arch> for Linux, wine for windows/amd64
	qemu-user binfmt-support
	wine wine64
)

# The libc6-dev-*-cross packages are listed explicitly: Debian only
# recommends them next to gcc-<triple>, and with --no-install-recommends a
# cross gcc without them cannot compile #include <stdio.h>.

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-toolchains: everything is installed"
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# available prints the packages of "$@" that apt can install, and notes the
# others.
available() {
	local p candidate
	for p in "$@"; do
		candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
		if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
			echo "$p"
		fi
	done
}

# With package lists present and nothing missing that they offer (only
# packages this distribution lacks), there is nothing to update for.
mapfile -t install < <(available "${missing[@]}")
if [ ${#install[@]} -gt 0 ] || ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
	echo "install-toolchains: apt-get update (missing: ${missing[*]})"
	$SUDO apt-get update -qq
	mapfile -t install < <(available "${missing[@]}")
fi
for p in "${missing[@]}"; do
	case " ${install[*]} " in
	*" $p "*) ;;
	*) echo "install-toolchains: skipping $p: this distribution has no such package" ;;
	esac
done

if [ ${#install[@]} -eq 0 ]; then
	echo "install-toolchains: nothing installable is missing"
	exit 0
fi
echo "install-toolchains: installing ${install[*]}"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${install[@]}"
echo "install-toolchains: done"
