#!/usr/bin/env bash
# Measures what zig's C libraries cost: for each zig target of the seed
# example, one cgo job built with an empty zig cache (cold: portmatrix's
# preflight has zig build the C runtimes first, and says how long that
# took), then the same job again with that cache (warm), and a gcc job of
# the same program for comparison. Every run uses a fresh dist directory and
# no output cache, so the job is really built each time; Go's own build
# cache is warmed by a run before the cold one, so the cold figure is zig's.
# "cold command" is the whole `portmatrix build` (the preflight's probe,
# which also has zig build a C library, included); "warm command" likewise.
# docs/benchmarks.md, heading "zig", records a run.
#
# Usage: scripts/bench-zig.sh
#   needs zig and the Debian cross compilers (scripts/install-toolchains.sh).
#   ZIG_BENCH_TARGETS overrides the list of target:variant pairs.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/portmatrix ./cmd/portmatrix
pm=$PWD/bin/portmatrix

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app"
cp examples/seed/cgohello/main.go "$work/app/main.go"
printf 'module bench.invalid/app\n\ngo 1.21\n' > "$work/app/go.mod"
# manifest TARGET VARIANT: a manifest of that one job.
manifest() {
	local keys
	case $2 in
	glibc217) keys='glibc: "2.17"' ;;
	musl-static) keys='libc: musl
        extldflags: [-static]' ;;
	zig) keys='toolchain: zig' ;;
	gcc) keys='toolchain: gcc' ;;
	esac
	cat > "$work/app/portmatrix.yaml" <<YAML
version: 1
builds:
  - id: app
    targets: [$1]
    variants:
      - name: $2
        cgo: true
        $keys
YAML
}
pairs=${ZIG_BENCH_TARGETS:-"linux/amd64:glibc217 linux/arm64:glibc217 linux/arm64:musl-static linux/riscv64:musl-static windows/arm64:zig linux/amd64:gcc linux/arm64:gcc"}

# build TARGET VARIANT ZIGCACHE: prints "<zig warm-up> <job seconds> <command seconds>"
build() {
	local dist=$work/dist-$RANDOM$RANDOM t0 t1
	t0=$(date +%s.%N)
	(cd "$work/app" && PORTMATRIX_ZIG_CACHE=$3 "$pm" build --dist "$dist" --cache off \
		--progress none --json "$dist.json" 2>"$dist.err" >/dev/null) || { cat "$dist.err" >&2; exit 1; }
	local warm job
	warm=$(grep -o 'ready after [0-9.]*[a-z0-9.]*' "$dist.err" | sed 's/ready after //' | tr '\n' ' ' || true)
	job=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join("%.2f"%j["duration_seconds"] for j in r["jobs"] if j["variant"]==sys.argv[2]))' "$dist.json" "$2")
	t1=$(date +%s.%N)
	echo "${warm:--} $job $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')"
}

printf '%-16s %-12s %-16s %-10s %-10s %-10s %-12s %s\n' target variant "zig warm-up" "cold job" "warm job" "cold/warm" "cold command" "warm command"
for p in $pairs; do
	t=${p%%:*} v=${p##*:}
	cache=$work/zig-$RANDOM$RANDOM
	manifest "$t" "$v"
	build "$t" "$v" "${PORTMATRIX_ZIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portmatrix/zig}" >/dev/null # warms Go's cache (with the usual zig cache)
	read -r w1 j1 c1 < <(build "$t" "$v" "$cache")
	read -r _ j2 c2 < <(build "$t" "$v" "$cache")
	secs() { case $1 in *m*) awk -v s="$1" 'BEGIN{split(s,a,"m"); sub("s","",a[2]); print a[1]*60+a[2]}';; -) echo 0;; *) echo "${1%s}";; esac; }
	cold=$(awk -v a="$(secs "$w1")" -v b="$j1" 'BEGIN{printf "%.1f", a+b}')
	ratio=$(awk -v c="$cold" -v w="$j2" 'BEGIN{printf "%.0f", c/w}')
	printf '%-16s %-12s %-16s %-10s %-10s %-10s %-12s %s\n' "$t" "$v" "$w1" "${cold}s" "${j2}s" "${ratio}×" "${c1}s" "${c2}s"
done
