#!/usr/bin/env bash
# Times `portmatrix inspect --json DIR` against what it replaces: running
# `file`, `readelf -hldV` and `go version -m` on every file of DIR. Runs the
# two alternately, RUNS times each, and prints each run, both medians and
# the ratio (docs/benchmarks.md, heading "inspect", records a run).
#
# Usage: scripts/bench-inspect.sh [DIR]
#   Without DIR, uses the benchmark corpus of pkg/inspect (about 200 Go
#   binaries of every format, 800 MB; see pkg/inspect/corpus_test.go),
#   building it first when it is missing: a few minutes, once. It lives in
#   $XDG_CACHE_HOME/portmatrix-bench/corpus/GOVERSION (~/.cache/... by
#   default), or in the directory PORTMATRIX_BENCH_CORPUS names.
#   RUNS=N sets the number of timed runs of each (default 5).
#   PMFLAGS adds flags to portmatrix inspect (e.g. PMFLAGS=--sha256).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
PMFLAGS=${PMFLAGS:-}

go build -o bin/portmatrix ./cmd/portmatrix

dir=${1:-}
if [ -z "$dir" ]; then
	if [ -n "${PORTMATRIX_BENCH_CORPUS:-}" ] && [ "$PORTMATRIX_BENCH_CORPUS" != build ]; then
		dir=$PORTMATRIX_BENCH_CORPUS
	elif [ "$(uname)" = Darwin ]; then
		dir=$HOME/Library/Caches/portmatrix-bench/corpus/$(go env GOVERSION)
	else
		dir=${XDG_CACHE_HOME:-$HOME/.cache}/portmatrix-bench/corpus/$(go env GOVERSION)
	fi
	if [ ! -e "$dir/.complete" ]; then
		echo "building the benchmark corpus into $dir (a few minutes, once)" >&2
		PORTMATRIX_BENCH_CORPUS=${PORTMATRIX_BENCH_CORPUS:-build} \
			go test -run '^$' -bench '^BenchmarkCorpus$/^sequential$' -benchtime 1x -timeout 2h ./pkg/inspect/ >&2
	fi
fi

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -maxdepth 1 -type f ! -name '.*' -print0 | sort -z)
[ ${#files[@]} -gt 0 ] || { echo "no files in $dir" >&2; exit 1; }
bytes=$(cat "${files[@]}" | wc -c)
goexe=$(command -v go)

# A: portmatrix, every file of DIR at once. B: three tools per file.
run_a() { bin/portmatrix inspect --json $PMFLAGS "$dir" >/dev/null 2>&1 || true; }
run_b() {
	local f
	for f in "${files[@]}"; do
		file "$f"
		readelf -hldV "$f" || true
		"$goexe" version -m "$f" || true
	done >/dev/null 2>&1
}
# ms prints the milliseconds one call of the named function takes.
ms() {
	local s e
	s=$(date +%s%N)
	"$1"
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "files: ${#files[@]} ($((bytes / 1024 / 1024)) MiB) in $dir"
echo "go: $(go version | cut -d' ' -f3-)"
echo "portmatrix: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+dirty')"
echo "file: $(file --version 2>&1 | head -1)"
echo "readelf: $(readelf --version | head -1)"
echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "A: bin/portmatrix inspect --json${PMFLAGS:+ $PMFLAGS} DIR >/dev/null"
echo "B: for f in DIR/*; do file \$f; readelf -hldV \$f; go version -m \$f; done >/dev/null"

run_a
run_b # warm the page cache for both
as=() bs=()
for i in $(seq "$RUNS"); do
	a=$(ms run_a)
	b=$(ms run_b)
	as+=("$a") bs+=("$b")
	echo "run $i: A ${a} ms, B ${b} ms"
done
a=$(median "${as[@]}")
b=$(median "${bs[@]}")
awk -v a="$a" -v b="$b" -v n="${#files[@]}" 'BEGIN {
	printf "portmatrix inspect:                 median %.0f ms (%.2f ms per file)\n", a, a / n
	printf "file + readelf + go version -m:     median %.0f ms (%.2f ms per file)\n", b, b / n
	printf "ratio: the tools take %.1fx as long as portmatrix inspect\n", b / (a > 0 ? a : 1)
}'
