#!/usr/bin/env bash
# Measure the image: build time with the base already present, cold (no cached layer:
# --no-cache, dependencies from the index) and warm (after a code-only change), and
# the bytes it holds unpacked (a FROM scratch image: all of them are its own; the
# compressed size, which the budget is about, is measured by ci/image/e2e.sh). Prints medians (min..max) of RUNS builds of each kind.
#
#   RUNS=5 bash ci/image/measure.sh [DOCKERFILE]
#
# Builds a copy of the build context in a temporary folder, so that the warm runs'
# code changes never touch the work tree. DOCKERFILE (default: the repo's) lets a
# variant be measured on the same context. Starts, and stops, its own Docker daemon.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
RUNS=${RUNS:-5}
image=sieve-action:measure

ctx=$(mktemp -d /tmp/sieve-measure.XXXXXX)
cleanup() { local rc=$?; set +e; stop_docker; rm -rf "$ctx"; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
(cd "$repo" && tar -cf - Dockerfile .dockerignore requirements/runtime.txt image/collect.py sieve_action entrypoint.py) \
  | tar -C "$ctx" -xf -
[ $# -gt 0 ] && cp "$1" "$ctx/Dockerfile"

ensure_tools
take_lock
start_docker
base=$(make_ca_base)   # the base is present before any timed build

seconds() {  # build once, print the seconds the build took
  local start
  start=$(now)
  build_image "$ctx" "$base" "$image" "$@" >"$ctx.log" 2>&1 \
    || { tail -n 20 "$ctx.log" >&2; rm -f "$ctx.log"; die "build failed"; }
  rm -f "$ctx.log"
  since "$start"
}
median() { sort -g | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
                                          printf "median %.2f s (min %.2f, max %.2f, n=%d)", m, a[1], a[NR], NR}'; }

cold=() warm=()
for i in $(seq "$RUNS"); do
  cold+=("$(seconds --no-cache)")
  printf '\n# measure %s\n' "$i" >>"$ctx/entrypoint.py"   # a code-only change
  warm+=("$(seconds)")
done
bytes=$(dk image inspect -f '{{.Size}}' "$image")
echo "base:        $base (docker $(dk version -f '{{.Server.Version}}'), BuildKit)"
echo "cold build:  $(printf '%s\n' "${cold[@]}" | median)   [${cold[*]}]"
echo "warm build:  $(printf '%s\n' "${warm[@]}" | median)   [${warm[*]}]"
echo "image size:  $bytes bytes unpacked ($(awk -v b="$bytes" 'BEGIN {printf "%.2f", b / 1e6}') MB)"
dk rmi "$image" >/dev/null 2>&1 || true
dk builder prune -af >/dev/null 2>&1 || true   # the runs' build cache
