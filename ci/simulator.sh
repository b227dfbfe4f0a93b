#!/usr/bin/env bash
# Start the Sieve simulator in the background and wait until it listens. The one place
# that names the simulator's module (CI, the release's self-test, e2e and benchmarks).
#
#   SIEVE_SIM_KEY=KEY bash ci/simulator.sh PYTHON DIR [simulator options...]
#
# Run from the repository root (the module is imported from it). The key comes from
# the environment, so it is on no command line. Writes DIR/sim.url (the base URL),
# DIR/sim.pid (stop it with `kill "$(cat DIR/sim.pid)"`) and DIR/sim.log; prints the URL.
set -euo pipefail
module=testkit.simulator
python=$1 dir=$2
shift 2
[ -n "${SIEVE_SIM_KEY:-}" ] || { echo "simulator.sh: SIEVE_SIM_KEY is empty" >&2; exit 2; }
mkdir -p "$dir"
rm -f "$dir/sim.url"
"$python" -c 'import os, runpy, sys
module = sys.argv[1]
sys.argv[1:2] = ["--api-key", os.environ.pop("SIEVE_SIM_KEY")]
runpy.run_module(module, run_name="__main__", alter_sys=True)' \
  "$module" --port 0 --ready-file "$dir/sim.url" "$@" >"$dir/sim.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/sim.pid"
for _ in $(seq 200); do
  if [ -s "$dir/sim.url" ]; then head -n1 "$dir/sim.url"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
cat "$dir/sim.log" >&2
echo "simulator.sh: the simulator did not start" >&2
kill "$pid" 2>/dev/null || true
exit 1
