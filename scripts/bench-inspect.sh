#!/usr/bin/env bash
# Times `portmatrix inspect --json DIR` against what it replaces: running
# `file` and `readelf -d -V` on every file of DIR. Prints both times and the
# ratio (docs/benchmarks.md, heading "inspect", records a run).
#
# Usage: scripts/bench-inspect.sh [DIR]
#   Without DIR, builds the benchmark's fixture set (hello for every Go
#   target, stripped and GUI variants, and C/C++/MinGW programs when those
#   compilers are installed) into a temporary directory.
#   RUNS=N sets the number of timed runs (default 10).
#
# Uses hyperfine when installed (apt-get install hyperfine), else a plain
# bash loop.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}

go build -o bin/portmatrix ./cmd/portmatrix

dir=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$dir" ]; then
	dir=$work/bin
	mkdir -p "$dir" "$work/mod/hello"
	printf 'module example.com/fixture\n\ngo 1.26\n' >"$work/mod/go.mod"
	printf 'package main\n\nfunc main() { println("hello") }\n' >"$work/mod/hello/main.go"
	targets=(linux/amd64 linux/arm64 linux/386 linux/riscv64 linux/s390x linux/ppc64le linux/mips64
		freebsd/amd64 openbsd/amd64 netbsd/amd64 solaris/amd64 android/arm64 darwin/arm64 darwin/amd64
		windows/amd64 windows/386 windows/arm64 plan9/amd64 plan9/386 js/wasm wasip1/wasm aix/ppc64)
	echo "building ${#targets[@]} Go targets and variants into $dir" >&2
	for t in "${targets[@]}"; do
		(cd "$work/mod" && GOOS=${t%/*} GOARCH=${t#*/} CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
			go build -o "$dir/${t%/*}-${t#*/}" ./hello)
	done
	for t in linux/amd64 darwin/arm64 windows/amd64 wasip1/wasm; do
		(cd "$work/mod" && GOOS=${t%/*} GOARCH=${t#*/} CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
			go build -ldflags='-s -w' -o "$dir/${t%/*}-${t#*/}-stripped" ./hello)
	done
	(cd "$work/mod" && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
		go build -ldflags='-H windowsgui' -o "$dir/windows-amd64-gui" ./hello)
	printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$work/hello.c"
	printf '#include <iostream>\nint main() { std::cout << "hello" << std::endl; }\n' >"$work/hello.cc"
	if command -v gcc >/dev/null; then
		gcc -o "$dir/c-dynamic" "$work/hello.c"
		gcc -s -o "$dir/c-stripped" "$work/hello.c"
		gcc -static -o "$dir/c-static" "$work/hello.c" 2>/dev/null || true
		gcc -shared -fPIC -o "$dir/libhello.so" "$work/hello.c"
	fi
	if command -v g++ >/dev/null; then g++ -o "$dir/cxx-dynamic" "$work/hello.cc"; fi
	if command -v x86_64-w64-mingw32-gcc >/dev/null; then
		x86_64-w64-mingw32-gcc -o "$dir/mingw.exe" "$work/hello.c"
		x86_64-w64-mingw32-gcc -shared -o "$dir/mingw.dll" "$work/hello.c"
	fi
fi

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -maxdepth 1 -type f -print0 | sort -z)
[ ${#files[@]} -gt 0 ] || { echo "no files in $dir" >&2; exit 1; }
bytes=$(cat "${files[@]}" | wc -c)

# The lead's inspect walks directories; older builds take files only.
if bin/portmatrix inspect --json "$dir" >/dev/null 2>&1; then
	pm="bin/portmatrix inspect --json $dir >/dev/null"
else
	pm="bin/portmatrix inspect --json $dir/* >/dev/null"
fi
base="for f in $dir/*; do file \"\$f\"; readelf -d -V \"\$f\" 2>/dev/null; done >/dev/null || true"

echo "files: ${#files[@]} ($((bytes / 1024 / 1024)) MiB) in $dir"
echo "go: $(go version | cut -d' ' -f3-)"
echo "portmatrix: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+dirty')"
echo "file: $(file --version 2>&1 | head -1)"
echo "readelf: $(readelf --version | head -1)"
echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "A: $pm"
echo "B: $base"

if command -v hyperfine >/dev/null; then
	echo "timing with $(hyperfine --version), $RUNS runs each"
	hyperfine --warmup 2 --runs "$RUNS" --export-json "$work/times.json" "$pm" "$base"
	# The two results' means, in command order.
	mapfile -t means < <(grep -o '"mean": *[0-9.e-]*' "$work/times.json" | sed 's/.*: *//')
	a=${means[0]} b=${means[1]}
else
	echo "timing with a bash loop (apt-get install hyperfine for statistics), $RUNS runs each"
	run() { local s e; s=$(date +%s.%N); for _ in $(seq "$RUNS"); do bash -c "$1"; done; e=$(date +%s.%N); awk -v s="$s" -v e="$e" -v n="$RUNS" 'BEGIN { print (e - s) / n }'; }
	bash -c "$pm"
	bash -c "$base" # warm the page cache for both
	a=$(run "$pm")
	b=$(run "$base")
fi
awk -v a="$a" -v b="$b" -v n="${#files[@]}" 'BEGIN {
	printf "portmatrix inspect: %.1f ms per run (%.2f ms per file)\n", a * 1000, a * 1000 / n
	printf "file + readelf:     %.1f ms per run (%.2f ms per file)\n", b * 1000, b * 1000 / n
	printf "ratio: file + readelf takes %.1fx as long as portmatrix inspect\n", b / a
}'
