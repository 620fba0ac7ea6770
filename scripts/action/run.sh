#!/usr/bin/env bash
# Runs one portmatrix command for the GitHub Action (action.yml) and writes
# the step's outputs; exits with portmatrix's exit code.
#
# Environment (set by action.yml from its inputs):
#   PORTMATRIX_COMMAND   build, check, merge, plan or verify-release
#   PORTMATRIX_MANIFEST  the manifest, for build and plan
#   PORTMATRIX_ARGS      more arguments, split into words as a shell would
#                        (quotes group, backslash escapes), without running
#                        anything: no variables, no command substitution; an
#                        unquoted word with * ? or [ is a file glob, kept as
#                        written when it matches no file
#   PORTMATRIX           the portmatrix binary (default: portmatrix on PATH)
#   RUNNER_TEMP, GITHUB_OUTPUT   as the runner sets them
#
# The contract with portmatrix: with --annotations github, build, check and
# merge write their GitHub annotations (pkg/annotate) to stdout, which the
# runner reads, and their outputs (ok, total, ok_count, violated, failed,
# timeout, cancelled, skipped, report) to $GITHUB_OUTPUT; --markdown also
# appends the report to $GITHUB_STEP_SUMMARY. portmatrix gets a
# $GITHUB_OUTPUT of its own, copied to the step's afterwards, so that this
# script adds only what portmatrix did not write: exit_code always, ok
# (from the exit code) and report (when the JSON exists) when portmatrix
# wrote no outputs (it stopped before a report, or it is a portmatrix
# without --annotations), and plan (what `plan` printed).
set -uo pipefail

cmd=${PORTMATRIX_COMMAND:-build}
manifest=${PORTMATRIX_MANIFEST:-portmatrix.yaml}
bin=${PORTMATRIX:-portmatrix}
: "${RUNNER_TEMP:?RUNNER_TEMP is not set: run.sh runs inside a GitHub Actions job}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run.sh runs inside a GitHub Actions job}"
json=$RUNNER_TEMP/portmatrix-report.json
md=$RUNNER_TEMP/portmatrix-report.md

fail() {
	echo "::error title=portmatrix action::$1"
	echo "exit_code=2" >>"$GITHUB_OUTPUT"
	echo "ok=false" >>"$GITHUB_OUTPUT"
	exit 2
}

# split_args splits $1 into the array words, as described above.
split_args() {
	local s=$1 n=${#1} i c q="" word="" inword=0 quoted=0
	words=()
	for ((i = 0; i < n; i++)); do
		c=${s:i:1}
		if [[ -n $q ]]; then # inside quotes
			if [[ $c == "$q" ]]; then
				q=""
			elif [[ $q == '"' && $c == "\\" && $((i + 1)) -lt $n && ${s:i+1:1} == [\"\\\$\`] ]]; then
				i=$((i + 1))
				word+=${s:i:1}
			else
				word+=$c
			fi
			continue
		fi
		case $c in
		' ' | $'\t' | $'\n' | $'\r')
			if ((inword)); then
				emit_word "$word" "$quoted"
			fi
			word="" inword=0 quoted=0
			;;
		"'" | '"') q=$c inword=1 quoted=1 ;;
		"\\")
			if ((i + 1 < n)); then
				i=$((i + 1))
				word+=${s:i:1}
				inword=1 quoted=1
			fi
			;;
		*) word+=$c inword=1 ;;
		esac
	done
	if [[ -n $q ]]; then
		echo "unmatched $q in args: $s" >&2
		return 1
	fi
	if ((inword)); then
		emit_word "$word" "$quoted"
	fi
}

# emit_word appends word $1 to words, expanding it as a file glob when it
# was not quoted ($2 == 0) and has a glob character.
emit_word() {
	if [[ $2 == 0 && $1 == *[*?[]* ]]; then
		local IFS='' matches
		shopt -s nullglob
		# shellcheck disable=SC2206 # the glob is meant
		matches=($1)
		shopt -u nullglob
		if ((${#matches[@]} > 0)); then
			words+=("${matches[@]}")
			return
		fi
	fi
	words+=("$1")
}

# has_flag says whether `portmatrix $1 --help` lists flag $2, so that a
# portmatrix without --annotations (an older version input) still runs.
has_flag() {
	local help
	help=$("$bin" "$1" --help 2>/dev/null)
	[[ $help == *"$2"* ]]
}

words=()
split_args "${PORTMATRIX_ARGS:-}" || fail "the args input has an unmatched quote"
# ${a[@]+"${a[@]}"}: an empty array under set -u in bash 3.2 (macOS).
extra=(${words[@]+"${words[@]}"})

annotations=()
case $cmd in
build | check | merge)
	rm -f "$json" "$md"
	if has_flag "$cmd" --annotations; then
		annotations=(--annotations github)
	else
		echo "portmatrix $cmd has no --annotations flag: no annotations; outputs are ok, report and exit_code only" >&2
	fi
	;;
esac
case $cmd in
build) argv=(build -f "$manifest" --json "$json" --markdown "$md" ${annotations[@]+"${annotations[@]}"} ${extra[@]+"${extra[@]}"}) ;;
check | merge) argv=("$cmd" --json "$json" --markdown "$md" ${annotations[@]+"${annotations[@]}"} ${extra[@]+"${extra[@]}"}) ;;
plan) argv=(plan -f "$manifest" ${extra[@]+"${extra[@]}"}) ;;
verify-release) argv=(verify-release ${extra[@]+"${extra[@]}"}) ;;
*) fail "command \"$cmd\": want build, check, merge, plan or verify-release" ;;
esac

cli_outputs=$RUNNER_TEMP/portmatrix-outputs
plan_out=$RUNNER_TEMP/portmatrix-plan.txt
: >"$cli_outputs"
{
	printf '+ %q' "$bin"
	printf ' %q' "${argv[@]}"
	echo
} >&2
if [[ $cmd == plan ]]; then
	GITHUB_OUTPUT=$cli_outputs "$bin" "${argv[@]}" | tee "$plan_out"
	code=${PIPESTATUS[0]}
else
	GITHUB_OUTPUT=$cli_outputs "$bin" "${argv[@]}"
	code=$?
fi

{
	if [[ -s $cli_outputs ]]; then
		cat "$cli_outputs"
		[[ -z $(tail -c 1 "$cli_outputs") ]] || echo
	fi
	if ! grep -q -e '^ok=' -e '^ok<<' "$cli_outputs"; then
		if ((code == 0)); then echo "ok=true"; else echo "ok=false"; fi
	fi
	if ! grep -q -e '^report=' -e '^report<<' "$cli_outputs" && [[ -f $json && $cmd != plan && $cmd != verify-release ]]; then
		echo "report=$json"
	fi
	echo "exit_code=$code"
	if [[ $cmd == plan && -f $plan_out ]]; then
		delim=PORTMATRIX_PLAN_$RANDOM$RANDOM
		while grep -qF "$delim" "$plan_out"; do delim=PORTMATRIX_PLAN_$RANDOM$RANDOM; done
		echo "plan<<$delim"
		cat "$plan_out"
		[[ -z $(tail -c 1 "$plan_out") ]] || echo
		echo "$delim"
	fi
} >>"$GITHUB_OUTPUT"
exit "$code"
