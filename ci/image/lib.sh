# Shared settings for the ci/image scripts. Source it; it defines no side effects
# beyond variables and functions.
#
# No container engine runs on these machines and no image registry can be reached
# (see ../shared/container-testing.md): images are built and run with buildah
# (chroot isolation) on a Debian base made locally with debootstrap.

# Where buildah keeps images: a storage of our own, outside the repo, so it survives
# between runs on a machine that is kept and clashes with no other storage's driver.
# overlay where the kernel has it (a cold build takes ~3 s; vfs copies the whole
# base for every step: ~16 s cold, ~15 s even after a code-only change), else vfs.
if [ -z "${SIEVE_STORAGE_DRIVER:-}" ]; then
  if grep -qw overlay /proc/filesystems 2>/dev/null; then SIEVE_STORAGE_DRIVER=overlay
  else SIEVE_STORAGE_DRIVER=vfs; fi
fi
: "${SIEVE_CACHE:=/var/cache/sieve-action}"
: "${SIEVE_STORAGE_ROOT:=/var/lib/containers/sieve-action/$SIEVE_STORAGE_DRIVER}"
: "${SIEVE_RUNROOT:=/run/sieve-action-containers/$SIEVE_STORAGE_DRIVER}"

# The locally made base: Debian's python3 with pip and venv, as the official python
# images have; its tag names the suite and the package list, so a changed list makes
# a new base instead of reusing a stale one.
: "${SIEVE_SUITE:=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")}"
: "${SIEVE_SUITE:=bookworm}"
: "${SIEVE_BASE_PACKAGES:=python3,python3-venv,python3-pip,ca-certificates}"
: "${SIEVE_BASE_IMAGE:=localhost/sieve-action-base:$SIEVE_SUITE-$(printf %s "$SIEVE_BASE_PACKAGES" | sha256sum | cut -c1-8)}"
# The image under test.
: "${SIEVE_IMAGE:=localhost/sieve-action:smoke}"

say() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] FAIL: %s\n' "$*" >&2; exit 1; }

bh() {
  buildah --root "$SIEVE_STORAGE_ROOT" --runroot "$SIEVE_RUNROOT" \
    --storage-driver "$SIEVE_STORAGE_DRIVER" "$@"
}

# Install buildah and debootstrap from the Debian archive when missing.
ensure_tools() {
  local missing=()
  command -v buildah >/dev/null 2>&1 || missing+=(buildah)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to install ${missing[*]}"
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  local log
  log=$(mktemp)
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
    >"$log" 2>&1 || { tail -n 20 "$log" >&2; rm -f "$log"; die "apt-get install ${missing[*]} failed"; }
  rm -f "$log"
}

# The Debian archive this machine's apt sources name (registries other than the
# package archives cannot be reached here).
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

# Bytes IMAGE adds to BASE: its uncompressed layers above the base's (what
# `docker images` shows as the difference of the two sizes).
size_added() {
  { bh inspect --type image --format '{{.Manifest}}' "$2"; echo
    bh inspect --type image --format '{{.Manifest}}' "$1"; } |
  python3 -c '
import json, sys
base, image = (json.loads(line) for line in sys.stdin if line.strip())
print(sum(layer["size"] for layer in image["layers"][len(base["layers"]):]))'
}
