#!/usr/bin/env bash
# Benchmark 6: the action's overhead against the floor inside the built image (see
# bench/inimage.py), with the Docker daemon, base and build of ci/image/lib.sh. One
# container, host network; the simulator runs on the host's loopback.
#
#   bash bench/inimage.sh            # RUNS=40 of each by default; GOAL=1.5
#   DOCKERFILE=other.Dockerfile bash bench/inimage.sh   # a variant, same context
#
# Prints a Markdown table and a last line ending in PASS or FAIL (ratio <= GOAL);
# writes build/bench/inimage.json. Root; after scripts/test.sh made .venv (PYTHON).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/ci/image/lib.sh"
cd "$repo"
PYTHON=${PYTHON:-$repo/.venv/bin/python}
RUNS=${RUNS:-40} GOAL=${GOAL:-1.5}
out=$repo/build/bench
mkdir -p "$out"

tmp=$(mktemp -d)
cleanup() {
  local rc=$?
  set +e  # clean up everything, whatever fails
  [ -s "$tmp/sim/sim.pid" ] && kill "$(cat "$tmp/sim/sim.pid")" 2>/dev/null
  stop_docker
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_tools
take_lock
start_docker
base=$(make_ca_base)
image=sieve-action:bench
build_image "$repo" "$base" "$image" -f "${DOCKERFILE:-$repo/Dockerfile}" >"$tmp/build.log" 2>&1 \
  || { tail -n 20 "$tmp/build.log" >&2; die "build failed"; }

key="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
url=$(SIEVE_SIM_KEY=$key bash ci/simulator.sh "$PYTHON" "$tmp/sim" --host 127.0.0.1 \
  --function acme/whisper --build-seconds 0 9>&-)
mapfile -t entrypoint < <(dk image inspect -f '{{range .Config.Entrypoint}}{{println .}}{{end}}' "$image" | sed '/^$/d')

command=(dk run --rm --network host -e BENCH_KEY -v "$repo/bench:/bench:ro"
  -v "$repo/testkit:/testkit:ro" -v "$repo/action.yml:/action.yml:ro"
  --entrypoint "${entrypoint[0]}" "$image" /bench/inimage.py --api-url "$url" --runs "$RUNS"
  -- "${entrypoint[@]}")
echo "\$ docker ${command[*]:1}" | sed "s|$repo|.|g"
BENCH_KEY=$key "${command[@]}" >"$out/inimage.json"

python3 - "$out/inimage.json" "$GOAL" <<'EOF'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
goal = float(sys.argv[2])
print(f"\n{data['runs']} runs of each, alternating, after {data['warmup']} warm-ups "
      f"(Python {data['python']} in the image)\n")
print("| command | median | min | max | / floor |")
print("| --- | ---: | ---: | ---: | ---: |")
floor = data["median"]["floor"]
for name, values in data["times"].items():
    m = statistics.median(values)
    print(f"| {name} | {m * 1e3:.1f} ms | {min(values) * 1e3:.1f} ms | "
          f"{max(values) * 1e3:.1f} ms | {m / floor:.2f}x |")
verdict = "PASS" if data["ratio"] <= goal else "FAIL"
print(f"\ninimage: action / floor = {data['ratio']:.2f}x (goal <= {goal}x): {verdict}")
sys.exit(verdict != "PASS")
EOF
