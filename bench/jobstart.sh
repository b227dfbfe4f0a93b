#!/usr/bin/env bash
# Benchmark 5: what a job pays before the action's first line runs, both ways.
#
#   prebuilt   `uses: OWNER/REPO@vX` with action.yml naming the image by digest: the
#              runner pulls it (`docker pull IMAGE@sha256:…`) into an image store that
#              holds nothing (a fresh runner), here from a local registry;
#   Dockerfile `uses: ./`, forks, `@main`: the runner builds the Dockerfile
#              (`docker build`, BuildKit), here with the base already present and the
#              dependencies downloaded from the package index, no build cache.
#
# Then, for both, the same start of the container up to Python's first line
# (`docker run` of the image's Python with `-c pass`). RUNS of each, alternating,
# medians. Uses the Docker daemon, registry and base of ci/image/lib.sh.
#
#   bash bench/jobstart.sh          # RUNS=5 by default
#
# Prints a Markdown table; writes build/bench/jobstart.json. Root.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/ci/image/lib.sh"
cd "$repo"
RUNS=${RUNS:-5}
out=$repo/build/bench
mkdir -p "$out"

tmp=$(mktemp -d)
cleanup() { local rc=$?; set +e; stop_registry; stop_docker; rm -rf "$tmp"; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_tools
take_lock
start_docker
start_registry
base=$(make_ca_base)
build_image "$repo" "$base" sieve-action:bench >"$tmp/build.log" 2>&1 \
  || { tail -n 20 "$tmp/build.log" >&2; die "build failed"; }
ref=$SIEVE_REGISTRY/acme/sieve-action
dk tag sieve-action:bench "$ref:bench"
digest=$(dk push "$ref:bench" | sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p')
# The base goes to the registry too, to be put back (untimed) before each build.
dk tag "$base" "$SIEVE_REGISTRY/bench/base:ca"
dk push "$SIEVE_REGISTRY/bench/base:ca" >/dev/null
# What a pull transfers: the compressed layers of the manifest, and of those, the
# ones above the base.
layers() {  # layers REPOSITORY REFERENCE: compressed layer sizes, one a line
  python3 -c 'import json, sys, urllib.request
accept = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}
manifest = json.load(urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers=accept)))
print("\n".join(str(layer["size"]) for layer in manifest["layers"]))' \
    "http://$SIEVE_REGISTRY/v2/$1/manifests/$2"
}
compressed=$(layers acme/sieve-action "$digest" | awk '{s += $1} END {print s}')
above=$(layers acme/sieve-action "$digest" | tail -n +"$(( $(layers bench/base ca | wc -l) + 1 ))" \
  | awk '{s += $1} END {print s}')

empty_store() {  # no image, no build cache: a fresh runner's store
  dk ps -aq | xargs -r "$SIEVE_DOCKER_CLI" rm -f >/dev/null
  local i
  for i in 1 2 3 4 5; do  # a parent goes only once its children have gone
    [ -z "$(dk images -aq)" ] && break
    dk images -aq | sort -u | xargs -r "$SIEVE_DOCKER_CLI" rmi -f >/dev/null 2>&1 || true
  done
  dk builder prune -af >/dev/null
  [ -z "$(dk images -aq)" ] || die "the image store is not empty"
}
timed() {  # timed FILE COMMAND...: run it, append its seconds to FILE.times
  local file=$1 start
  shift
  start=$(now)
  "$@" >"$tmp/last.log" 2>&1 || { tail -n 20 "$tmp/last.log" >&2; die "failed: $*"; }
  echo "$(since "$start")" >>"$file.times"
}
first_line() {  # the container's start, to Python's first line, as the runner starts it
  timed "$tmp/start-$1" "$SIEVE_DOCKER_CLI" run --rm --network host --entrypoint /opt/venv/bin/python "$2" -c pass
}

pull=("$SIEVE_DOCKER_CLI" pull "$ref@$digest")
build=(env DOCKER_BUILDKIT=1 "$SIEVE_DOCKER_CLI" build --network host
  --build-arg "BASE_IMAGE=$base" -t sieve-action:job "$repo")
ways=(prebuilt dockerfile base)
for i in $(seq "$RUNS"); do
  # Each run rotates the order, so that no way is always first after a clean store.
  for k in 0 1 2; do
    way=${ways[$(( (i + k) % 3 ))]}
    empty_store
    case $way in
      prebuilt)
        timed "$tmp/prebuilt" "${pull[@]}"
        first_line prebuilt "$ref@$digest" ;;
      dockerfile)
        dk pull -q "$SIEVE_REGISTRY/bench/base:ca" >/dev/null
        dk tag "$SIEVE_REGISTRY/bench/base:ca" "$base"
        timed "$tmp/dockerfile" "${build[@]}"
        first_line dockerfile sieve-action:job ;;
      base)  # what the Dockerfile path adds where the base is not present
        timed "$tmp/base" "$SIEVE_DOCKER_CLI" pull "$SIEVE_REGISTRY/bench/base:ca" ;;
    esac
  done
done
# Leave the store as a later run expects it: the base present (re-imported).
empty_store
make_ca_base >/dev/null

python3 - "$tmp" "$out/jobstart.json" "$compressed" "$above" "$RUNS" \
  "docker pull $ref@$digest" \
  "DOCKER_BUILDKIT=1 docker build --network host --build-arg BASE_IMAGE=$base -t sieve-action:job ." <<'EOF'
import json, statistics, sys
tmp, out, compressed, above, runs, pull, build = sys.argv[1:]
def read(name):
    return [float(x) for x in open(f"{tmp}/{name}.times").read().split()]
data = {way: {"get": read(way), "start": read(f"start-{way}")} for way in ("prebuilt", "dockerfile")}
data["base_pull"] = read("base")
data["compressed_bytes"] = int(compressed)
data["compressed_bytes_above_base"] = int(above)
data["commands"] = {"prebuilt": pull, "dockerfile": build}
json.dump(data, open(out, "w"), indent=1)
print(f"\n{runs} runs of each, alternating; medians (min..max)\n")
print("| path | get the image | start to the first line | total |")
print("| --- | ---: | ---: | ---: |")
for way, label in (("prebuilt", "prebuilt: pull by digest, empty store"),
                   ("dockerfile", "Dockerfile: build, base present")):
    g, s = data[way]["get"], data[way]["start"]
    total = statistics.median(a + b for a, b in zip(g, s))
    print(f"| {label} | {statistics.median(g):.2f} s ({min(g):.2f}..{max(g):.2f}) | "
          f"{statistics.median(s):.2f} s | {total:.2f} s |")
b = data["base_pull"]
print(f"| (the base alone: pull into an empty store, which the Dockerfile path adds where "
      f"the base is not present) | {statistics.median(b):.2f} s ({min(b):.2f}..{max(b):.2f}) | | |")
print(f"\nThe pull transferred {int(compressed) / 1e6:.1f} MB of compressed layers, "
      f"{int(above) / 1e6:.1f} MB of them above the base.")
print(f"$ {pull}\n$ {build}")
EOF
