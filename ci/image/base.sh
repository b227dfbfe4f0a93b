#!/usr/bin/env bash
# Make (or reuse) a local Debian base image with Python, for building the action's
# Dockerfile through its BASE_IMAGE argument where no registry can be reached.
#
#   bash ci/image/base.sh          # prints the base image name on stdout
#
# Cached in two places outside the repo: the image itself in buildah's storage
# ($SIEVE_STORAGE_ROOT) and the debootstrapped root filesystem as a tar
# ($SIEVE_CACHE/base-<tag>.tar), so a lost storage is re-imported in seconds.
# Without either it runs debootstrap against this machine's Debian mirror (~1 min).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

ensure_tools

if bh inspect --type image "$SIEVE_BASE_IMAGE" >/dev/null 2>&1; then
  say "base $SIEVE_BASE_IMAGE: cached in $SIEVE_STORAGE_ROOT"
  echo "$SIEVE_BASE_IMAGE"
  exit 0
fi

mkdir -p "$SIEVE_CACHE"
tarball="$SIEVE_CACHE/base-${SIEVE_BASE_IMAGE##*:}.tar"
if [ ! -s "$tarball" ]; then
  mirror=$(debian_mirror)
  rootfs=$(mktemp -d "$SIEVE_CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs" "$tarball.tmp"' EXIT
  say "debootstrap $SIEVE_SUITE from $mirror (packages: $SIEVE_BASE_PACKAGES)"
  start=$SECONDS
  debootstrap --variant=minbase --include="$SIEVE_BASE_PACKAGES" \
    "$SIEVE_SUITE" "$rootfs" "$mirror" >"$SIEVE_CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$SIEVE_CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
  # What a slim image leaves out: downloaded packages and package lists.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
         "$rootfs"/var/log/*.log
  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$rootfs"
  trap - EXIT
  say "debootstrap done in $((SECONDS - start)) s"
fi

say "importing $tarball as $SIEVE_BASE_IMAGE"
ctr=$(bh from --quiet scratch)
trap 'bh rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt=$(bh mount "$ctr")
tar --numeric-owner -C "$mnt" -xf "$tarball"
bh umount "$ctr" >/dev/null
bh config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env LANG=C.UTF-8 \
  --cmd python3 \
  "$ctr"
bh commit --quiet --rm "$ctr" "$SIEVE_BASE_IMAGE" >/dev/null
trap - EXIT
echo "$SIEVE_BASE_IMAGE"
