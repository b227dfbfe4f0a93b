#!/usr/bin/env bash
# The release, end to end, on this machine: build the real Dockerfile, check the
# image, push it to a local registry, make the release commit's action.yml with the
# release script, and run that action under a real runner (nektos/act), which pulls
# the image by digest, against the Sieve simulator.
#
#   bash ci/image/e2e.sh      # root; from anywhere; after scripts/test.sh made .venv
#
# PYTHON (default .venv/bin/python) runs the simulator and the checks; ACT (default
# .venv/bin/act, from requirements/test.txt) is the runner. Every daemon started here
# is stopped on exit, failed or not. Exits non-zero with a reason on any failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
. "$here/act_examples.sh"
cd "$repo"

PYTHON=${PYTHON:-$repo/.venv/bin/python}
ACT=${ACT:-$repo/.venv/bin/act}
[ -x "$PYTHON" ] || die "no Python at $PYTHON (run scripts/test.sh first, or set PYTHON)"
[ -x "$ACT" ] || die "no act at $ACT (it comes from requirements/test.txt)"
[ "$(id -u)" -eq 0 ] || die "run as root (a Docker daemon of our own)"
# The build (no cache, base present: 24.8 s measured for this Dockerfile, 19.8 s for
# the single-stage one with the same lock, whose holidays, PyYAML and tzdata took it
# past the 15 s it had) and the bytes a registry stores for the whole
# image, every layer compressed (the FROM scratch image has no base layer).
BUILD_BUDGET=${BUILD_BUDGET:-30} SIZE_BUDGET=25000000 PULL_RUNS=${PULL_RUNS:-3}
started=$(now)

run=$(mktemp -d /tmp/sieve-e2e.XXXXXX)
sim_pid="" github_pid=""
cleanup() {
  local rc=$?
  set +e  # clean up everything, whatever fails
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true; fi
  if [ -n "$github_pid" ]; then kill "$github_pid" 2>/dev/null; wait "$github_pid" 2>/dev/null || true; fi
  # Containers act may have left behind (it removes its own on success).
  if [ -S "$SIEVE_RUN/docker.sock" ]; then
    dk ps -aq | xargs -r "$SIEVE_DOCKER_CLI" rm -f >/dev/null 2>&1 || true
  fi
  stop_registry
  stop_pull_docker
  stop_docker
  rm -rf "$run"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_tools
take_lock
start_docker
start_registry

# 1. The base (cached), then the Dockerfile, timed: no layer cache, base present,
#    dependencies from the index, as a runner's first build of `image: Dockerfile`.
base=$(make_ca_base)
image=sieve-action:e2e
build_start=$(now)
build_image "$repo" "$base" "$image" --no-cache >"$run/build.log" 2>&1 \
  || { tail -n 30 "$run/build.log" >&2; die "docker build of the Dockerfile failed"; }
build_seconds=$(since "$build_start")
say "built $image in $build_seconds s (no cache, base present)"
awk -v s="$build_seconds" -v b="$BUILD_BUDGET" 'BEGIN {exit !(s <= b)}' \
  || die "the build took $build_seconds s (budget $BUILD_BUDGET s)"
added=$(dk image inspect -f '{{.Size}}' "$image")
say "the image holds $added bytes ($(awk -v b="$added" 'BEGIN {printf "%.1f", b / 1e6}') MB) unpacked"
# The first stage, from the build cache: the reference the checks compare runs with.
build_image "$repo" "$base" "$image-build" --target build >"$run/build-stage.log" 2>&1 \
  || { tail -n 30 "$run/build-stage.log" >&2; die "docker build --target build failed"; }

# The bytecode is reproducible: a second build from scratch gives the same .pyc bytes.
# (No shell in the image: its own Python lists them.)
pyc_sums() {
  dk run --rm --network none --entrypoint /opt/venv/bin/python "$1" -c '
import hashlib, os
for folder, dirs, files in sorted(os.walk("/")):
    dirs[:] = sorted(d for d in dirs if os.path.join(folder, d) not in ("/proc", "/sys", "/dev"))
    for name in sorted(files):
        if name.endswith(".pyc"):
            path = os.path.join(folder, name)
            print(hashlib.sha256(open(path, "rb").read()).hexdigest(), path)'
}
build_image "$repo" "$base" "$image-again" --no-cache >"$run/build-again.log" 2>&1 \
  || { tail -n 30 "$run/build-again.log" >&2; die "the second build failed"; }
pyc_sums "$image" >"$run/pyc.a"
pyc_sums "$image-again" >"$run/pyc.b"
dk rmi "$image-again" >/dev/null
[ "$(wc -l <"$run/pyc.a")" -gt 300 ] || die "only $(wc -l <"$run/pyc.a") .pyc files in the image"
cmp -s "$run/pyc.a" "$run/pyc.b" \
  || { diff "$run/pyc.a" "$run/pyc.b" | head -n 5 >&2; die "two builds gave different .pyc files"; }
say "two builds from scratch: the same $(wc -l <"$run/pyc.a") .pyc files, byte for byte"

# 2. The simulator on the host's loopback, with a random key that must reach no log.
key="sk-e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
sim_url=$(SIEVE_SIM_KEY=$key bash ci/simulator.sh "$PYTHON" "$run/sim" --host 127.0.0.1 \
  --function acme/whisper --function acme/probe --build-seconds 1 9>&-) || die "the simulator did not start"
sim_pid=$(cat "$run/sim/sim.pid")
# 2b. The fake GitHub (testkit/github.py) for the capacity review's comment, with two
#     random tokens of the job's login: one that writes (the base repository's) and a
#     read-only one (a fork's). They reach it through its environment, never an argument.
github_token="ghs_e2eW$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
fork_token="ghs_e2eR$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
github_url=$(FAKE_GITHUB_TOKEN=$github_token FAKE_FORK_TOKEN=$fork_token bash ci/fake_github.sh \
  "$PYTHON" "$run/github" --host 127.0.0.1 --token 'FAKE_GITHUB_TOKEN=github-actions[bot]' \
  --read-only-token 'FAKE_FORK_TOKEN=github-actions[bot]' 9>&-) || die "the fake GitHub did not start"
github_pid=$(cat "$run/github/github.pid")

# 3. What the image holds and how it starts (no USER, exec-form ENTRYPOINT, the
#    lock's distributions, bytecode for everything), and every scenario run in it and
#    in the first stage under `python -v` and LD_DEBUG: the same modules and libraries.
check_start=$(now)
SIEVE_CHECK_KEY=$key SIEVE_DOCKER_CLI=$SIEVE_DOCKER_CLI "$PYTHON" "$here/check_image.py" \
  "$image" --reference "$image-build" --lock requirements/runtime.txt \
  || die "the image checks failed (above)"
say "image checks done in $(since "$check_start") s"
dk rmi "$image-build" >/dev/null

# 4. Push, as the release job does; the registry answers with the digest.
ref="$SIEVE_REGISTRY/acme/sieve-action"
dk tag "$image" "$ref:e2e"
dk push "$ref:e2e" >"$run/push.log" 2>&1 || { cat "$run/push.log" >&2; die "docker push failed"; }
digest=$(sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p' "$run/push.log" | tail -n1)
[ -n "$digest" ] || { cat "$run/push.log" >&2; die "no digest in docker push's output"; }
say "pushed $ref@$digest"

# 4b. What a fresh runner downloads: the bytes the registry stores (every layer,
#     compressed) and a pull by digest into an empty store, for the image, the base
#     alone and the Dockerfile before the FROM scratch stage (the same lock and code).
build_image "$repo" "$base" sieve-action:single-stage -f bench/variants/single-stage.Dockerfile \
  >"$run/build-single.log" 2>&1 || { tail -n 30 "$run/build-single.log" >&2; die "single-stage build failed"; }
push_digest() {  # push_digest LOCAL REMOTE: push, print the digest
  dk tag "$1" "$2"
  dk push "$2" >"$run/push-$$.log" 2>&1 || { cat "$run/push-$$.log" >&2; die "docker push $2 failed"; }
  sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p' "$run/push-$$.log" | tail -n1
}
base_digest=$(push_digest "$base" "$SIEVE_REGISTRY/measure/base:e2e")
single_digest=$(push_digest sieve-action:single-stage "$SIEVE_REGISTRY/measure/single-stage:e2e")
dk rmi sieve-action:single-stage "$SIEVE_REGISTRY/measure/single-stage:e2e" "$SIEVE_REGISTRY/measure/base:e2e" >/dev/null
start_pull_docker
printf '| image | compressed, all layers | pull into an empty store, median of %s (min..max) |\n| --- | ---: | ---: |\n' \
  "$PULL_RUNS" >"$run/sizes.md"
for row in "this Dockerfile (FROM scratch)|acme/sieve-action|$digest" \
           "the base alone|measure/base|$base_digest" \
           "the single-stage Dockerfile|measure/single-stage|$single_digest"; do
  IFS='|' read -r label repo_name repo_digest <<<"$row"
  bytes=$(registry_bytes "$repo_name" "$repo_digest")
  times=()
  for _ in $(seq "$PULL_RUNS"); do times+=("$(time_pull "$SIEVE_REGISTRY/$repo_name@$repo_digest")"); done
  sorted=$(printf '%s\n' "${times[@]}" | sort -g | tr '\n' ' ')
  printf '| %s | %s bytes (%.1f MB) | %.2f s (%s..%s) |\n' "$label" "$bytes" \
    "$(awk -v b="$bytes" 'BEGIN {print b / 1e6}')" "$(printf '%s\n' "${times[@]}" | median_of)" \
    "$(echo "$sorted" | cut -d' ' -f1)" "$(echo "$sorted" | awk '{print $NF}')" >>"$run/sizes.md"
  if [ "$repo_name" = acme/sieve-action ]; then compressed=$bytes; fi
done
stop_pull_docker
sed 's/^/[image] /' "$run/sizes.md" >&2
[ "$compressed" -le "$SIZE_BUDGET" ] \
  || die "the image is $compressed bytes compressed (budget $SIZE_BUDGET)"

# 5. The release commit, in a copy of the repository: its parent is the source, its
#    only change action.yml's image line, made by the release script itself.
work=$run/repo
mkdir -p "$work"
git ls-files -z | tar --null -T - -cf - | tar -C "$work" -xf -
git -C "$work" init -q
git -C "$work" add -A
git -C "$work" -c user.name=e2e -c user.email=e2e@localhost commit -q -m source
"$PYTHON" scripts/release_action_yml.py --file "$work/action.yml" \
  --image "$ref" --digest "$digest" --version v0.0.0-e2e >&2
git -C "$work" -c user.name=e2e -c user.email=e2e@localhost commit -q -am "release v0.0.0-e2e"
changed=$(git -C "$work" diff --name-only HEAD^ HEAD)
[ "$changed" = action.yml ] || die "the release commit changes: $changed"
diffstat=$(git -C "$work" diff --numstat HEAD^ HEAD)
[ "$diffstat" = "$(printf '1\t1\taction.yml')" ] || die "the release commit is not one line: $diffstat"
grep -qx "  image: docker://$ref@$digest # v0.0.0-e2e" "$work/action.yml" \
  || die "action.yml does not name the image by digest"

# 6. Only the registry has the image now: act must pull it by digest.
dk rmi "$image" "$ref:e2e" >/dev/null
if dk image inspect "$ref@$digest" >/dev/null 2>&1; then die "the image is still in the local store"; fi

# 7. The runner. Its job image is the local base (--pull=false: nothing from a public
#    registry); no remote actions; the key reaches act through a pipe, not a file or
#    an argument; act's own settings live in a throw-away HOME.
mkdir -p "$run/home"
act_start=$(now)
set +e
(
  cd "$work"
  HOME=$run/home ACT_DISABLE_VERSION_CHECK=1 "$ACT" push \
    -W ci/act/e2e.yml -P "ubuntu-24.04=$base" --pull=false -b --no-cache-server \
    --container-daemon-socket - \
    --env "SIM_URL=$sim_url" --env SIM_OWNER=acme --env SIM_FUNCTION=whisper \
    --env-file <(printf 'SIEVE_KEY=%s\n' "$key") </dev/null
) >"$run/act.log" 2>&1
act_rc=$?
set -e
say "act ran in $(since "$act_start") s (exit $act_rc)"
leak() { grep -rlF -- "$key" "$@" 2>/dev/null || true; }
if [ "$act_rc" -ne 0 ] || ! grep -q 'E2E-OK' "$run/act.log"; then
  sed "s/$key/***/g" "$run/act.log" | tail -n 40 >&2
  die "the workflow under act failed"
fi
grep -o 'E2E-OK.*' "$run/act.log" | head -n1 | sed 's/^/[image] /' >&2

# 8. The proof that it was the released image: pulled by digest from the registry.
dk image inspect "$ref@$digest" >/dev/null 2>&1 || die "act did not pull $ref@$digest"
grep -q "GET /v2/acme/sieve-action/manifests/$digest" "$SIEVE_RUN/registry.log" \
  || die "the registry served no manifest by digest"

# 8b. Every example of examples/*.yml under act with the same released action, the
#     same simulator and key, the capacity review's against the fake GitHub
#     (ci/image/act_examples.sh): an example that breaks fails.
run_examples "$work" "$run" "$base" "$sim_url" "$key" "$github_url" "$github_token" "$fork_token"

# 9. The key: masked in act's log (the action's ::add-mask::), and in no file the run
#    left (the copy of the repository, act's HOME, the logs, the daemon's containers).
[ -z "$(leak "$run/act.log")" ] || die "the API key appears in act's log"
grep -q '\*\*\*' "$run/act.log" || die "act's log shows no masked value: was ::add-mask:: read?"
found=$(leak "$run" "$SIEVE_STATE/docker/containers" "$SIEVE_RUN/registry.log" "$SIEVE_RUN/dockerd.log")
[ -z "$found" ] || die "the API key appears in: $found"

# Kept for reading when asked (they hold no key: checked above).
if [ -n "${SIEVE_E2E_LOGS:-}" ]; then
  mkdir -p "$SIEVE_E2E_LOGS"
  cp "$run/act.log" "$run"/act-*.log "$run/build.log" "$run/push.log" "$run/sizes.md" "$SIEVE_RUN/registry.log" "$SIEVE_E2E_LOGS/"
fi
say "release end to end passed in $(since "$started") s (build $build_seconds s, $compressed bytes compressed)"
