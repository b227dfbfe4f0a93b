#!/usr/bin/env bash
# Build the project's Dockerfile, unchanged, on the local base (through BASE_IMAGE).
#
#   bash ci/image/build.sh [CONTEXT_DIR] [extra buildah bud args, e.g. --no-cache]
#
# CONTEXT_DIR defaults to the repo root. Layers are cached (--layers), as `docker
# build` does, so a code-only change reuses the dependency layer. The machine's CA
# bundle is mounted for RUN steps only, since downloads from PyPI go through this
# workplace's TLS-inspecting egress (container-testing.md); nothing of it stays in
# the image. Prints the image name on stdout and the build time on stderr.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

context=$(cd "${1:-$here/../..}" && pwd)
shift $(( $# > 0 ? 1 : 0 ))

base=$(bash "$here/base.sh")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s.%N)
if ! bh bud --isolation chroot --network host --layers \
      -v /etc/ssl/certs:/etc/ssl/certs:ro \
      --build-arg BASE_IMAGE="$base" \
      -t "$SIEVE_IMAGE" -f "$context/Dockerfile" "$@" "$context" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  die "build of $context/Dockerfile failed"
fi
end=$(date +%s.%N)
say "built $SIEVE_IMAGE from $context in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}') s"
echo "$SIEVE_IMAGE"
