#!/usr/bin/env bash
# Measure the image: build time with the base already present, cold (no cached
# layer: --no-cache) and warm (after a code-only change), and the bytes it adds to
# its base. Prints medians (min..max) of RUNS builds of each kind.
#
#   RUNS=5 bash ci/image/measure.sh [DOCKERFILE]
#
# Builds a copy of the build context in a temporary folder, so that the warm runs'
# code changes never touch the work tree. DOCKERFILE (default: the repo's) lets a
# variant be measured on the same context.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
RUNS=${RUNS:-5}
SIEVE_IMAGE=localhost/sieve-action:measure
export SIEVE_IMAGE

ctx=$(mktemp -d /tmp/sieve-measure.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
(cd "$repo" && tar -cf - Dockerfile .dockerignore requirements/runtime.txt sieve_action entrypoint.py) \
  | tar -C "$ctx" -xf -
[ $# -gt 0 ] && cp "$1" "$ctx/Dockerfile"

bash "$here/base.sh" >/dev/null   # the base is present before any timed build

seconds() {  # build once, print the seconds the build took
  bash "$here/build.sh" "$ctx" "$@" 2>&1 >/dev/null \
    | sed -n 's/.* in \([0-9.]*\) s$/\1/p' | tail -n1
}
median() { sort -g | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
                                          printf "median %.2f s (min %.2f, max %.2f, n=%d)", m, a[1], a[NR], NR}'; }

cold=() warm=()
for i in $(seq "$RUNS"); do
  cold+=("$(seconds --no-cache)")
  printf '\n# measure %s\n' "$i" >>"$ctx/entrypoint.py"   # a code-only change
  warm+=("$(seconds)")
done
bytes=$(size_added "$SIEVE_IMAGE" "$SIEVE_BASE_IMAGE")
echo "base:        $SIEVE_BASE_IMAGE (storage driver $SIEVE_STORAGE_DRIVER)"
echo "cold build:  $(printf '%s\n' "${cold[@]}" | median)   [${cold[*]}]"
echo "warm build:  $(printf '%s\n' "${warm[@]}" | median)   [${warm[*]}]"
echo "size added:  $bytes bytes ($(awk -v b="$bytes" 'BEGIN {printf "%.2f", b / 1e6}') MB)"
bh rmi "$SIEVE_IMAGE" >/dev/null 2>&1 || true
bh rmi --prune >/dev/null 2>&1 || true   # the runs' untagged intermediate images
