#!/usr/bin/env bash
# Measures `portmatrix check` on every platform of `go tool dist list`,
# side by side in one run: the type-check mode (the default), the compile
# mode (--compile) and a plain loop
#   for t in $(go tool dist list); do GOOS=… GOARCH=… CGO_ENABLED=0 go build ./... ; done
# on real modules fetched through the module proxy. Cold is an empty
# GOCACHE (a fresh one per contender); warm is the same command again with
# that cache. The module cache is filled first, so downloads are not
# measured. For each run: wall time, peak RSS of the process tree (GNU
# time's maximum resident set of the largest process) and the verdict per
# platform; the verdicts of the three are compared, and the script fails
# when they differ. docs/benchmarks.md, heading "check", records a run.
#
# Usage: scripts/bench-check.sh [MODULE@VERSION...]
#   BENCH_CHECK_COLD=0 skips the cold runs (hours for --compile on large
#   modules); BENCH_CHECK_RUNS lists the contenders (default "typecheck
#   compile loop"; the verdicts are compared with the loop's when it runs).
#   needs GNU time (/usr/bin/time, Debian package "time").
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "bench-check: needs GNU time: apt-get install time" >&2; exit 2; }
go build -o bin/portmatrix ./cmd/portmatrix
pm=$PWD/bin/portmatrix
mods=("$@")
if [ ${#mods[@]} -eq 0 ]; then
	mods=(github.com/cespare/reflex@v0.3.1 github.com/mattn/go-isatty@v0.0.20 mvdan.cc/sh/v3@v3.14.1)
fi
cold=${BENCH_CHECK_COLD:-1}
read -r -a runs <<<"${BENCH_CHECK_RUNS:-typecheck compile loop}"

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
platforms=$(go tool dist list)
export GOFLAGS='' GOWORK=off GOTOOLCHAIN=local

# measure NAME CMD...: runs CMD, prints "NAME wall CPU maxrss": the wall
# time, the CPU time (user + system) of CMD and its children, and the peak
# RSS of the largest process.
measure() {
	local name=$1
	shift
	local start end
	start=$(date +%s.%N)
	/usr/bin/time -f '%M %U %S' -o "$work/rss" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
	end=$(date +%s.%N)
	read -r rss user sys < <(tail -1 "$work/rss")
	printf '%-28s %8.1f s wall %8.1f s CPU %7d MiB\n' "$name" "$(echo "$end - $start" | bc)" "$(echo "$user + $sys" | bc)" "$(( rss / 1024 ))"
}

# loop DIR: the plain loop, one verdict line per platform.
loop() {
	local dir=$1 t
	for t in $platforms; do
		if (cd "$dir" && GOOS=${t%/*} GOARCH=${t#*/} CGO_ENABLED=0 GOFLAGS=-mod=mod go build ./... >/dev/null 2>&1); then
			echo "$t ok"
		else
			echo "$t fail"
		fi
	done
}
export -f loop
export platforms

# verdicts JSON: one "target ok|fail" line per platform of a check report.
verdicts() {
	python3 - "$1" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
v = {}
for j in rep["jobs"]:
    v[j["target"]] = v.get(j["target"], True) and j["ok"]
for t in sorted(v):
    print(t, "ok" if v[t] else "fail")
PY
}

status=0
for mod in "${mods[@]}"; do
	echo "== $mod"
	dir=$(go mod download -json "$mod" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
	src=$work/src-${mod//[\/@]/_}
	cp -r "$dir" "$src"
	chmod -R u+w "$src"
	(cd "$src" && GOFLAGS=-mod=mod go mod download)
	temps=(warm)
	[ "$cold" = 1 ] && temps=(cold warm)
	for run in "${runs[@]}"; do
		export GOCACHE=$work/cache-$run-${mod//[\/@]/_}
		rm -rf "$GOCACHE"
		if [ "$cold" = 0 ]; then
			# warm only: fill the cache with one unmeasured run
			case $run in
			typecheck) "$pm" check --progress none "$mod" >/dev/null 2>&1 || true ;;
			compile) "$pm" check --compile --progress none "$mod" >/dev/null 2>&1 || true ;;
			loop) loop "$src" >/dev/null ;;
			esac
		fi
		for temp in "${temps[@]}"; do
			name=$run-$temp
			# shellcheck disable=SC2016
			case $run in
			typecheck) measure "$name" "$pm" check --progress none --json "$work/$name.json" "$mod" ;;
			compile) measure "$name" "$pm" check --compile --progress none --json "$work/$name.json" "$mod" ;;
			loop) measure "$name" bash -c 'loop "$0"' "$src" ;; # $0: expanded by the inner bash
			esac
			if [ "$run" = loop ]; then
				sort "$work/$name.out" >"$work/$name.verdicts"
			else
				verdicts "$work/$name.json" >"$work/$name.verdicts"
			fi
		done
	done
	ref=
	for f in "$work"/loop-warm.verdicts "$work"/*.verdicts; do
		if [ -z "$ref" ] && [ -e "$f" ]; then ref=$f; fi
	done
	ok=$(grep -c ' ok$' "$ref" || true)
	echo "$(basename "$ref" .verdicts): builds on $ok of $(wc -l <"$ref") platforms"
	for f in "$work"/*.verdicts; do
		if ! diff -q "$ref" "$f" >/dev/null; then
			echo "VERDICTS DIFFER: $(basename "$f") against $(basename "$ref"):"
			diff "$ref" "$f" || true
			status=1
		fi
	done
	grep -h 'type-checked\|compiled instead' "$work"/typecheck-*.err 2>/dev/null | head -3 || true
	rm -f "$work"/*.verdicts "$work"/*.json
done
exit $status
