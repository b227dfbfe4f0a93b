#!/usr/bin/env bash
# Start the fake GitHub REST API (testkit/github.py) in the background and wait until it
# listens. The one place that names its module (ci/image/e2e.sh, for the review examples).
#
#   TOKEN_VAR=... bash ci/fake_github.sh PYTHON DIR --token TOKEN_VAR=LOGIN [options...]
#
# Run from the repository root (the module is imported from it). Each token comes from
# the environment variable its option names, so none is on a command line. Writes
# DIR/github.url (the base URL), DIR/github.pid (stop it with `kill "$(cat DIR/github.pid)"`)
# and DIR/github.log; prints the URL.
set -euo pipefail
python=$1 dir=$2
shift 2
mkdir -p "$dir"
rm -f "$dir/github.url"
"$python" -m testkit.github --port 0 --ready-file "$dir/github.url" "$@" >"$dir/github.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/github.pid"
for _ in $(seq 200); do
  if [ -s "$dir/github.url" ]; then head -n1 "$dir/github.url"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
cat "$dir/github.log" >&2
echo "fake_github.sh: the fake GitHub did not start" >&2
kill "$pid" 2>/dev/null || true
exit 1
