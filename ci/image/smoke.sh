#!/usr/bin/env bash
# Container smoke test: build the project's real Dockerfile on a locally made Debian
# base and run the image's ENTRYPOINT the way GitHub's runner runs a Docker action,
# against the Sieve simulator on the host.
#
#   bash ci/image/smoke.sh          # from anywhere; root; PYTHON=.venv/bin/python
#
# PYTHON is the host interpreter that runs the simulator (sieve_action importable
# from the repo root). Exits non-zero with a one-line reason on any failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
cd "$repo"

PYTHON=${PYTHON:-.venv/bin/python}
command -v "$PYTHON" >/dev/null 2>&1 || [ -x "$PYTHON" ] \
  || die "no Python at PYTHON=$PYTHON to run the simulator"
[ "$(id -u)" -eq 0 ] || die "run as root (buildah with chroot isolation)"
start=$SECONDS

ensure_tools
image=$(bash "$here/build.sh" "$repo")

# Bytes the image adds to its base: the uncompressed layers above the base's.
size_added=$(size_added "$image" "$SIEVE_BASE_IMAGE")
say "image adds $size_added bytes ($(awk -v b="$size_added" 'BEGIN {printf "%.1f", b / 1e6}') MB) to its base"
[ "$size_added" -le 25000000 ] || die "the image adds $size_added bytes to its base (budget 25 MB)"

# The local base is Debian's Python; the Dockerfile's default base is an official
# image with another Python. Check that the lock installs there too: pip fetches,
# hash-checked, the files a linux/amd64 build on that base would install.
default_base=$(sed -n 's/^ARG BASE_IMAGE=//p' Dockerfile | head -n1)
pyver=$(printf '%s\n' "$default_base" | sed -n 's/^.*python:\([0-9]*\)\.\([0-9]*\).*$/\1\2/p')
if [ -n "$pyver" ]; then
  dl=$(mktemp -d)
  if ! "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: --implementation cp --python-version "$pyver" --abi "cp$pyver" \
        --platform manylinux_2_17_x86_64 -d "$dl" -r requirements/runtime.txt >"$dl.log" 2>&1; then
    grep -v 'is ignored' "$dl.log" | tail -n 10 >&2; rm -rf "$dl" "$dl.log"
    die "requirements/runtime.txt does not install on $default_base (cp$pyver, x86_64)"
  fi
  say "lock installs on $default_base: $(ls "$dl" | wc -l) files, hashes checked"
  rm -rf "$dl" "$dl.log"
fi

run=$(mktemp -d /tmp/sieve-smoke.XXXXXX)
sim_pid=""
ctr=""
cleanup() {
  local rc=$?
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true; fi
  if [ -n "$ctr" ]; then bh rm "$ctr" >/dev/null 2>&1; fi
  rm -rf "$run"
  exit "$rc"
}
trap cleanup EXIT

key="sk-smoke-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
owner=acme function=whisper
printf '%s\n' "$key" >"$run/key"
printf '%s\n' "$function" >"$run/function"

# The simulator, on the host's loopback; the container shares the host's network.
"$PYTHON" -m sieve_action.simulator --host 127.0.0.1 --port 0 --api-key "$key" \
  --function "$owner/$function" --build-seconds 1 --ready-file "$run/url" \
  >"$run/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do
  [ -s "$run/url" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$run/sim.out" >&2; die "the simulator exited"; }
  sleep 0.1
done
[ -s "$run/url" ] || die "the simulator did not write its URL within 10 s"
url=$(head -n1 "$run/url")

# What the runner lays out: mounted folders, file command files created empty.
for d in workspace home workflow runner_temp file_commands; do mkdir -p "$run/$d"; done
id=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
for f in set_output set_env add_path save_state step_summary; do
  install -m 0644 /dev/null "$run/file_commands/${f}_$id"
done

# The ENTRYPOINT (and CMD, as docker appends it) as the image records it.
bh inspect --type image "$image" >"$run/inspect.json"
mapfile -t argv < <(python3 -c '
import json, sys
config = json.load(open(sys.argv[1]))["OCIv1"]["config"]
for arg in (config.get("Entrypoint") or []) + (config.get("Cmd") or []):
    print(arg)' "$run/inspect.json")
[ "${#argv[@]}" -gt 0 ] || die "the image has no ENTRYPOINT"

ctr=$(bh from --quiet "$image")
runner_args=(
  --isolation chroot --network host --workingdir /github/workspace
  -v "$run/workspace:/github/workspace" -v "$run/home:/github/home"
  -v "$run/workflow:/github/workflow" -v "$run/runner_temp:/github/runner_temp"
  -v "$run/file_commands:/github/file_commands"
  --env HOME=/github/home --env GITHUB_ACTIONS=true --env CI=true
  --env GITHUB_WORKSPACE=/github/workspace --env RUNNER_TEMP=/github/runner_temp
  --env RUNNER_OS=Linux --env GITHUB_REPOSITORY=acme/demo --env GITHUB_RUN_ID=1
  --env "GITHUB_OUTPUT=/github/file_commands/set_output_$id"
  --env "GITHUB_ENV=/github/file_commands/set_env_$id"
  --env "GITHUB_PATH=/github/file_commands/add_path_$id"
  --env "GITHUB_STATE=/github/file_commands/save_state_$id"
  --env "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_$id"
  # Every input, hyphens kept, as the runner passes them.
  --env "INPUT_API-KEY=$key" --env "INPUT_OWNER=$owner" --env "INPUT_FUNCTION=$function"
  --env INPUT_VERSION=latest --env INPUT_MIN-REPLICAS=1 --env INPUT_MAX-REPLICAS=3
  --env INPUT_WAIT=true --env INPUT_WAIT-TIMEOUT=60 --env INPUT_POLL-INTERVAL=0.2
  --env INPUT_FAIL-ON-ERROR=true --env "INPUT_API-URL=$url"
)
say "running ${argv[*]} in $image against $url"
set +e
timeout 120 buildah --root "$SIEVE_STORAGE_ROOT" --runroot "$SIEVE_RUNROOT" \
  --storage-driver "$SIEVE_STORAGE_DRIVER" run "${runner_args[@]}" "$ctr" -- "${argv[@]}" \
  >"$run/stdout" 2>"$run/stderr" </dev/null
echo $? >"$run/rc"
set -e

# What the image holds, read from inside it after the run.
bh run --isolation chroot "$ctr" -- /opt/venv/bin/python -c '
import importlib.metadata as md, json, os, re
pyc = [os.path.join(d, f) for top in ("/opt/venv", "/app") for d, _, fs in os.walk(top)
       for f in fs if f.endswith(".pyc")]
names = sorted(re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in md.distributions())
print(json.dumps({"installed": names, "pyc": pyc}))' >"$run/inside.json" \
  || die "could not list what the image holds"
python3 - "$run" <<'EOF'
import json, re, sys
run = sys.argv[1]
inside = json.load(open(f"{run}/inside.json"))
config = json.load(open(f"{run}/inspect.json"))["OCIv1"]["config"]
lock = sorted({re.sub(r"[-_.]+", "-", m.group(1)).lower()
               for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", open("requirements/runtime.txt").read(), re.M)})
json.dump({**inside, "lock": lock, "user": config.get("User", ""),
           "entrypoint": config.get("Entrypoint")}, open(f"{run}/image.json", "w"))
EOF

if ! PYTHONPATH="$repo" "$PYTHON" "$here/check_run.py" "$run"; then
  # Show the run, the key masked as the runner would.
  for f in stdout stderr; do
    echo "--- container $f (last 20 lines)" >&2
    tail -n 20 "$run/$f" | sed "s/$key/***/g" >&2
  done
  die "container smoke test failed (see above)"
fi
say "container smoke test passed in $((SECONDS - start)) s"
