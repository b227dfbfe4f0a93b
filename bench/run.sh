#!/usr/bin/env bash
# All the benchmarks, one after the other; exits non-zero when any goal is missed.
# See bench/README.md. Not part of the test suite (scripts/test.sh, .ci/run).
#
#   bash bench/run.sh                 # about 5 minutes on 2 cores
#   PYTHON=/path/to/python bash bench/run.sh
#
# Without PYTHON, the interpreter under test is a venv holding only the action's
# locked runtime dependencies (requirements/runtime.txt), as the image has them, made
# once in build/bench-venv by BASE_PYTHON (default python3). Results (JSON, hyperfine
# exports): build/bench/.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
base_python=${BASE_PYTHON:-python3}

make_venv() {  # make_venv DIR [pip options]: the locked runtime dependencies, as the
  # Dockerfile installs them: a venv without pip, filled by the base interpreter's pip
  local dir=$1 stamp
  shift
  stamp="$(sha256sum requirements/runtime.txt | cut -c1-16) $*"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.bench-stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  echo "bench: making $dir from requirements/runtime.txt $*" >&2
  rm -rf "$dir"
  "$base_python" -m venv --without-pip "$dir" \
    && "$base_python" -m pip --python "$dir/bin/python" install -q --disable-pip-version-check \
         --require-hashes --no-deps "$@" -r requirements/runtime.txt 2> >(grep -v 'is ignored' >&2) \
    && echo "$stamp" >"$dir/.bench-stamp"
}

if [ -n "${PYTHON:-}" ]; then
  python=$PYTHON
else
  make_venv build/bench-venv || { echo "bench: cannot make build/bench-venv; set PYTHON" >&2; exit 2; }
  python=$repo/build/bench-venv/bin/python
fi
export PYTHON=$python

mkdir -p build/bench
log=build/bench/run.log
echo "bench: start, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$log"
failed=()
step() {  # step NAME GATED COMMAND...
  local name=$1 gated=$2 status
  shift 2
  printf '\n=== %s: %s\n' "$name" "$*" | tee -a "$log"
  "$@" 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
  if [ "$status" -eq 0 ]; then
    :
  elif [ "$gated" = yes ]; then
    failed+=("$name")
  else
    echo "($name is informative: not counted)"
  fi
}

step overhead yes "$python" bench/overhead.py
step imports no "$python" bench/imports.py
step startup no "$python" bench/startup.py
step wait yes "$python" bench/wait.py
step capacity yes "$python" bench/capacity_file.py
step fleet yes "$python" bench/fleet.py
step image yes bash bench/image.sh
step inimage yes bash bench/inimage.sh
step jobstart no bash bench/jobstart.sh

printf '\n=== summary (machine: %s cores, %s; %s)\n' "$(nproc)" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -n1)" "$("$python" --version)"
grep -E '^(=== |(overhead|wait|capacity file|fleet|image|inimage): .*(PASS|FAIL|skipped)|bench: start)' "$log" \
  | grep -v '^=== summary'
echo "bench: end, load average $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores)"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "bench: goals missed: ${failed[*]}"
  exit 1
fi
echo "bench: every goal met"
