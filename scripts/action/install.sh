#!/usr/bin/env bash
# Installs portmatrix for the GitHub Action (action.yml) with the go command
# the caller set up (actions/setup-go), and says where it is.
#
# Which version:
#   PORTMATRIX_VERSION   the action's `version` input, when given
#   ACTION_REF           else the ref the action was used at (uses: ...@v1)
#   ACTION_PATH          else (a local `uses: ./`, or a runner that leaves
#                        github.action_ref empty, actions/runner#2473) the
#                        action's own checkout is built: the same source.
# A version is installed with `go install MODULE/cmd/portmatrix@VERSION`.
# The install is skipped when the portmatrix on PATH was built from exactly
# that version (its build info says so; `portmatrix --version` cannot,
# as go install does not stamp it).
#
# Writes `path=` (the binary) to $GITHUB_OUTPUT and adds its directory to
# $GITHUB_PATH, so later steps of the job can run portmatrix too.
set -euo pipefail

module=github.com/portmatrix/portmatrix
want=${PORTMATRIX_VERSION:-}
if [[ -z $want ]]; then
	want=${ACTION_REF:-}
fi

# installed_version prints the module version the portmatrix at $1 was
# built from ("" for another program or no build info).
installed_version() {
	go version -m "$1" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

# same_version says whether installed version $1 is what $2 asks for: the
# same tag, or a commit the pseudo-version names (v0.0.0-2024...-abcdef123456).
same_version() {
	local have=$1 want=$2
	[[ -n $have && -n $want ]] || return 1
	[[ $have == "$want" ]] && return 0
	if [[ $want =~ ^[0-9a-f]{7,40}$ && $have =~ -([0-9a-f]{12})(\+incompatible)?$ ]]; then
		local rev=${BASH_REMATCH[1]}
		[[ $want == "$rev"* || $rev == "$want"* ]] && return 0
	fi
	return 1
}

if existing=$(command -v portmatrix) && same_version "$(installed_version "$existing")" "$want"; then
	echo "portmatrix: $existing is $want already; not installing"
	echo "path=$existing" >>"$GITHUB_OUTPUT"
	exit 0
fi

bindir=$(go env GOBIN)
if [[ -z $bindir ]]; then
	bindir=$(go env GOPATH)/bin
fi
if [[ -n $want ]]; then
	echo "portmatrix: go install $module/cmd/portmatrix@$want"
	GOBIN=$bindir go install "$module/cmd/portmatrix@$want"
else
	echo "portmatrix: no version and no action ref; building the action's checkout ($ACTION_PATH)"
	(cd "$ACTION_PATH" && GOBIN=$bindir go install ./cmd/portmatrix)
fi
bin=$bindir/portmatrix$(go env GOEXE)
echo "portmatrix: installed $bin ($(installed_version "$bin"))"
echo "$bindir" >>"$GITHUB_PATH"
echo "path=$bin" >>"$GITHUB_OUTPUT"
