#!/usr/bin/env bash
# Measures the wall time of `portmatrix build` for different -j values on
# the bundled example's pure-Go cross targets, cold (fresh GOCACHE) and warm
# (cache kept, outputs deleted). Used to choose the default of -j; the
# README records the figures. Usage: scripts/measure-jobs.sh [j values...]
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/portmatrix ./cmd/portmatrix
js=("${@:-1 2 3 4}")
targets="linux/arm64,linux/386,freebsd/amd64,windows/amd64,darwin/arm64,linux/riscv64"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # mode j
	local start end
	rm -rf "$work/dist"
	[ "$1" = cold ] && rm -rf "$work/cache"
	start=$(date +%s.%N)
	GOCACHE="$work/cache" ./bin/portmatrix build -f examples/seed/portmatrix.yaml --build hello-cross \
		--targets "$targets" --dist "$work/dist" -j "$2" --progress none >/dev/null
	end=$(date +%s.%N)
	printf '%-5s -j %s  %6.1fs\n' "$1" "$2" "$(echo "$end - $start" | bc)"
}
for j in ${js[*]}; do run cold "$j"; done
GOCACHE="$work/cache" ./bin/portmatrix build -f examples/seed/portmatrix.yaml --build hello-cross --targets "$targets" --dist "$work/dist" --progress none >/dev/null
for round in 1 2; do for j in ${js[*]}; do run warm "$j"; done; done
