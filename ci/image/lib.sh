# Shared settings and helpers for the ci/image and bench scripts. Source it; it only
# defines variables and functions.
#
# No image registry can be reached from these machines, and no container engine runs
# until we start one. So the scripts start a Docker daemon of their own (own socket
# and folders, no bridge, no firewall rules: the machine's network set-up is never
# touched), a local registry on 127.0.0.1, and make a Debian base with debootstrap.

# Cached between runs on a machine that is kept (a fresh machine makes them anew):
# the debootstrapped root filesystem as a tar, and the daemon's data (the base image).
: "${SIEVE_CACHE:=/var/cache/sieve-action}"
: "${SIEVE_STATE:=/var/lib/sieve-action}"
# Sockets, pid files and the registry's storage: thrown away with the run.
: "${SIEVE_RUN:=/run/sieve-action}"
# The docker client of the Debian package, the same version as the daemon (another
# `docker` may come first on PATH).
: "${SIEVE_DOCKER_CLI:=/usr/bin/docker}"

# The base: Debian's python3 with pip and venv, as the official python images have.
# Its tag names the suite and a hash of the recipe, so a changed recipe makes a new
# base instead of reusing a stale one.
: "${SIEVE_SUITE:=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")}"
: "${SIEVE_SUITE:=bookworm}"
: "${SIEVE_BASE_PACKAGES:=python3,python3-venv,python3-pip,ca-certificates}"
# v2: no bytecode in the base (see make_base).
SIEVE_BASE_RECIPE="v2 $SIEVE_SUITE $SIEVE_BASE_PACKAGES"
SIEVE_BASE_TAG="$SIEVE_SUITE-$(printf %s "$SIEVE_BASE_RECIPE" | sha256sum | cut -c1-8)"
SIEVE_BASE_IMAGE="sieve-action-base:$SIEVE_BASE_TAG"

export DOCKER_HOST="unix://$SIEVE_RUN/docker.sock"

say() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] FAIL: %s\n' "$*" >&2; exit 1; }
dk() { "$SIEVE_DOCKER_CLI" "$@"; }

# Seconds since the epoch, with decimals; and the seconds since a given time.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }

# Install what is missing from the Debian archive. A policy-rc.d that refuses every
# service start keeps the packages' own services (a system dockerd with its bridge
# and firewall rules, a registry on port 5000) from starting.
ensure_tools() {
  local missing=() tool pkg log added_policy=""
  for tool in dockerd:docker.io docker-registry:docker-registry debootstrap:debootstrap \
              "$SIEVE_DOCKER_CLI":docker.io; do
    pkg=${tool##*:}
    command -v "${tool%:*}" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]}"
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  say "installing ${missing[*]} with apt-get"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  log=$(mktemp)
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
          --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    [ -z "$added_policy" ] || rm -f /usr/sbin/policy-rc.d
    rm -f "$log"
    die "apt-get install ${missing[*]} failed"
  fi
  [ -z "$added_policy" ] || rm -f /usr/sbin/policy-rc.d
  rm -f "$log"
}

# One run at a time on a machine: the daemon's folders and socket are shared. The
# lock is held on fd 9, which every process left running in the background must
# close (`9>&-`), or the lock would outlive the run.
take_lock() {
  mkdir -p "$SIEVE_RUN"
  exec 9>"$SIEVE_RUN.lock"
  flock -w 900 9 || die "another run holds $SIEVE_RUN.lock"
}

# Stop a process we started, by the pid in FILE; wait for it to end.
stop_pidfile() {
  local file=$1 pid i
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$file"
}

# Start our own dockerd. Stale daemons of an earlier, killed run are stopped first
# (under the lock, a pid file in $SIEVE_RUN can only be ours).
start_docker() {
  stop_docker
  mkdir -p "$SIEVE_RUN" "$SIEVE_STATE/docker"
  dockerd --host "$DOCKER_HOST" --data-root "$SIEVE_STATE/docker" \
    --exec-root "$SIEVE_RUN/exec" --pidfile "$SIEVE_RUN/docker.pid" \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
    --storage-driver=overlay2 >"$SIEVE_RUN/dockerd.log" 2>&1 9>&- &
  local pid=$! i
  for i in $(seq 150); do
    dk version >/dev/null 2>&1 && { say "dockerd $(dk version -f '{{.Server.Version}}') up (pid $pid)"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  tail -n 20 "$SIEVE_RUN/dockerd.log" >&2
  die "dockerd did not start"
}

stop_docker() {
  stop_pidfile "$SIEVE_RUN/docker.pid"
  # What the daemon leaves mounted under its exec-root (its network namespace).
  awk -v root="$SIEVE_RUN/exec/" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r \
    | while read -r mount; do umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true; done
}

# A local registry (CNCF distribution) on a free port of 127.0.0.1, storage thrown
# away with the run. Docker trusts 127.0.0.0/8 over plain HTTP by default.
start_registry() {
  stop_registry
  local port i
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$SIEVE_RUN/registry"
  cat >"$SIEVE_RUN/registry.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $SIEVE_RUN/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
  docker-registry serve "$SIEVE_RUN/registry.yml" >"$SIEVE_RUN/registry.log" 2>&1 9>&- &
  echo $! >"$SIEVE_RUN/registry.pid"
  SIEVE_REGISTRY="127.0.0.1:$port"
  for i in $(seq 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "http://$SIEVE_REGISTRY/v2/" 2>/dev/null && { say "registry up at $SIEVE_REGISTRY"; return 0; }
    sleep 0.1
  done
  tail -n 20 "$SIEVE_RUN/registry.log" >&2
  die "the registry did not start"
}

stop_registry() {
  stop_pidfile "$SIEVE_RUN/registry.pid"
  rm -rf "$SIEVE_RUN/registry"
}

# The Debian archive this machine's apt sources name.
debian_mirror() {
  local uri
  uri=$(awk 'tolower($1)=="uris:" {for (i = 2; i <= NF; i++) print $i}' \
          /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v -- '-security' | head -n1)
  if [ -z "$uri" ]; then
    uri=$(awk '$1=="deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
          | grep -v -- '-security' | head -n1)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# The base image, in the daemon's store: from the cached root filesystem tar, or
# debootstrapped anew (about a minute). Like the official python:*-slim images it
# holds no bytecode (they delete every .pyc), so the image's own build must bring
# the bytecode a run needs.
make_base() {
  if dk image inspect "$SIEVE_BASE_IMAGE" >/dev/null 2>&1; then
    say "base $SIEVE_BASE_IMAGE: in the daemon's store"
    return 0
  fi
  mkdir -p "$SIEVE_CACHE"
  local tarball="$SIEVE_CACHE/base-$SIEVE_BASE_TAG.tar" rootfs start
  if [ ! -s "$tarball" ]; then
    rootfs=$(mktemp -d "$SIEVE_CACHE/rootfs.XXXXXX")
    start=$(now)
    say "debootstrap $SIEVE_SUITE from $(debian_mirror) ($SIEVE_BASE_PACKAGES)"
    if ! debootstrap --variant=minbase --include="$SIEVE_BASE_PACKAGES" \
           "$SIEVE_SUITE" "$rootfs" "$(debian_mirror)" >"$SIEVE_CACHE/debootstrap.log" 2>&1; then
      tail -n 20 "$SIEVE_CACHE/debootstrap.log" >&2
      rm -rf "$rootfs"
      die "debootstrap failed"
    fi
    # What a slim image leaves out: downloaded packages, package lists, bytecode.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/var/log/*.log
    find "$rootfs/usr/lib" -name __pycache__ -type d -prune -exec rm -rf {} +
    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
    say "debootstrap done in $(since "$start") s"
  fi
  say "importing $tarball as $SIEVE_BASE_IMAGE"
  dk import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
    "$tarball" "$SIEVE_BASE_IMAGE" >/dev/null
}

# The base plus this machine's CA bundle, for pip inside `docker build` (downloads go
# through this workplace's TLS-inspecting egress). Prints its name.
make_ca_base() {
  make_base
  local ca=/etc/ssl/certs/ca-certificates.crt ctx name
  name="sieve-action-base-ca:$SIEVE_BASE_TAG-$(sha256sum "$ca" | cut -c1-8)"
  if ! dk image inspect "$name" >/dev/null 2>&1; then
    ctx=$(mktemp -d)
    cp "$ca" "$ctx/ca-certificates.crt"
    printf 'FROM %s\nCOPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n' \
      "$SIEVE_BASE_IMAGE" >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 dk build -q -t "$name" "$ctx" >/dev/null 2>"$ctx/err" \
      || { cat "$ctx/err" >&2; rm -rf "$ctx"; die "could not add the CA bundle to the base"; }
    rm -rf "$ctx"
  fi
  echo "$name"
}

# Build the project's Dockerfile as the runner does for `image: Dockerfile`
# (docker build, BuildKit), on BASE; --network host since the daemon has no bridge.
# build_image CONTEXT BASE TAG [extra docker build args]
build_image() {
  local context=$1 base=$2 tag=$3
  shift 3
  DOCKER_BUILDKIT=1 dk build --network host --progress plain \
    --build-arg BASE_IMAGE="$base" -t "$tag" "$@" "$context"
}

# Bytes IMAGE adds to BASE (uncompressed, as `docker images` counts them).
size_added() {
  echo $(( $(dk image inspect -f '{{.Size}}' "$1") - $(dk image inspect -f '{{.Size}}' "$2") ))
}

# The bytes a registry stores for REPO@REF (a tag or digest): every layer of the
# manifest, compressed, plus the config. registry_bytes REPO REF
registry_bytes() {
  python3 - "$SIEVE_REGISTRY" "$1" "$2" <<'PY'
import json, sys, urllib.request
registry, repo, ref = sys.argv[1:]
accept = ("application/vnd.docker.distribution.manifest.v2+json, "
          "application/vnd.oci.image.manifest.v1+json")
request = urllib.request.Request(f"http://{registry}/v2/{repo}/manifests/{ref}",
                                 headers={"Accept": accept})
manifest = json.load(urllib.request.urlopen(request, timeout=30))
print(sum(layer["size"] for layer in manifest["layers"]) + manifest["config"]["size"])
PY
}

# A second daemon whose store is empty before every pull: a fresh runner's. Its own
# socket, folders and containerd; stopped by stop_pull_docker.
PULL_HOST="unix://$SIEVE_RUN/pull/docker.sock"
start_pull_docker() {
  stop_pull_docker
  mkdir -p "$SIEVE_RUN/pull" "$SIEVE_STATE/pull"
  dockerd --host "$PULL_HOST" --data-root "$SIEVE_STATE/pull" \
    --exec-root "$SIEVE_RUN/pull/exec" --pidfile "$SIEVE_RUN/pull/docker.pid" \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
    --storage-driver=overlay2 >"$SIEVE_RUN/pull/dockerd.log" 2>&1 9>&- &
  local pid=$! i
  for i in $(seq 150); do
    DOCKER_HOST=$PULL_HOST dk version >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  tail -n 20 "$SIEVE_RUN/pull/dockerd.log" >&2
  die "the pull daemon did not start"
}

stop_pull_docker() {
  stop_pidfile "$SIEVE_RUN/pull/docker.pid"
  awk -v root="$SIEVE_RUN/pull/exec/" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r \
    | while read -r mount; do umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true; done
  rm -rf "$SIEVE_STATE/pull"
}

# Seconds to pull REF (by digest) into the pull daemon's empty store; the store is
# emptied again afterwards. time_pull REF
time_pull() {
  local start seconds
  DOCKER_HOST=$PULL_HOST dk image prune -af >/dev/null 2>&1 || true
  start=$(now)
  DOCKER_HOST=$PULL_HOST timeout 300 "$SIEVE_DOCKER_CLI" pull -q "$1" >/dev/null \
    || die "pull of $1 failed"
  seconds=$(since "$start")
  DOCKER_HOST=$PULL_HOST dk image prune -af >/dev/null 2>&1 || true
  echo "$seconds"
}

# Median of the numbers on stdin, one a line.
median_of() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
