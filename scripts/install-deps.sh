#!/usr/bin/env bash
# Installs what portmatrix's tests and demo need on a Debian/Ubuntu machine.
# Idempotent: installs only what is missing. Run as root (or with sudo).
set -euo pipefail

# gcc + libc6-dev: cgo builds, external linking, and -static (libc.a).
# git: version stamping and `go build` VCS stamping inside a checkout.
# binutils (readelf), g++ and gcc-mingw-w64-x86-64: pkg/inspect cross-checks
# its ELF reading against readelf and builds C, C++ and Windows C fixtures.
# chromium, fonts-dejavu-core and fonts-noto-color-emoji: pkg/report's
# TestHTMLInBrowser renders the HTML report in headless Chromium (computed
# colours, screenshot); without an emoji font the grid's symbols are boxes.
# libxml2-utils (xmllint): TestWriteJUnitSchema validates the JUnit XML
# against pkg/report/testdata/junit-10.xsd.
# openssh-client (ssh-keygen): the release signatures are verified with
# `ssh-keygen -Y verify` in pkg/signing and the CLI scripts, and the test
# keys are made with ssh-keygen; `make release` makes its throwaway key.
# shellcheck: pkg/annotate lints the GitHub Action's scripts and the run:
# steps of every workflow (through actionlint) with it.
# Under CI=true these tests fail instead of skipping when a tool is missing.
packages=(gcc libc6-dev git make binutils g++ gcc-mingw-w64-x86-64
	chromium fonts-dejavu-core fonts-noto-color-emoji libxml2-utils openssh-client shellcheck)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "installing: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null 2>&1; then
	echo "go is not on PATH; install Go 1.26 or later (Debian: /usr/local/go/bin)" >&2
	exit 1
fi

cd "$(dirname "$0")/.."
go mod download

# cyclonedx-gomod: pkg/sbom's cross-check compares the modules of every SBOM
# portmatrix writes with what CycloneDX's own Go tool finds in the same
# binary (and its own binary is the third-party CLI the test reads).
if ! command -v cyclonedx-gomod >/dev/null 2>&1; then
	echo "installing cyclonedx-gomod v1.10.0 (go install)"
	go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0
fi

# goreleaser v2.15.1: pkg/cli's import test compares the targets of every
# imported configuration with what goreleaser itself builds from it.
if ! command -v goreleaser >/dev/null 2>&1; then
	echo "installing goreleaser v2.15.1 (go install; a few minutes)"
	go install github.com/goreleaser/goreleaser/v2@v2.15.1
fi
