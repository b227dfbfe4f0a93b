#!/usr/bin/env bash
# Benchmark 4: the image's build time and size, measured as the ship issue measures
# them, by ci/image/measure.sh (owned with the rest of ci/image/): cold and warm build
# medians and the bytes the image holds unpacked. This script only calls it.
#
#   bash bench/image.sh            # IMAGE_RUNS=3 builds of each kind by default
#
# Skipped (exit 0, said so) when ci/image/measure.sh is absent, or BENCH_SKIP_IMAGE=1.
# Fails when the measurement fails. The budget (25 MB compressed, every layer) is
# enforced by ci/image/e2e.sh, which pushes the image to a registry to measure it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
measure="$repo/ci/image/measure.sh"
mkdir -p "$repo/build/bench"
out="$repo/build/bench/image.txt"

if [ "${BENCH_SKIP_IMAGE:-0}" = 1 ]; then
  echo "image: skipped (BENCH_SKIP_IMAGE=1)" | tee "$out"
  exit 0
fi
if [ ! -f "$measure" ]; then
  echo "image: skipped (ci/image/measure.sh is not present)" | tee "$out"
  exit 0
fi

echo "\$ RUNS=${IMAGE_RUNS:-3} bash ci/image/measure.sh"
if ! RUNS=${IMAGE_RUNS:-3} bash "$measure" 2>"$out.log" | tee "$out"; then
  tail -n 20 "$out.log" >&2
  echo "image: ci/image/measure.sh failed: FAIL"
  exit 1
fi
bytes=$(sed -n 's/^image size: *\([0-9][0-9]*\) bytes.*/\1/p' "$out")
if [ -z "$bytes" ]; then
  echo "image: no 'image size' line in the measurement: FAIL"
  exit 1
fi
echo "image: $bytes bytes unpacked (the compressed budget: ci/image/e2e.sh): PASS"
