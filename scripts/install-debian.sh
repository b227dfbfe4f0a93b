#!/usr/bin/env bash
# Debian packages the tests need, named by their command: faketime (libfaketime, for
# the capacity tests' faked clock, tests/test_capacity_e2e.py) and rsync (which
# gitlab-ci-local copies a job's files with, tests/test_gitlab_component.py).
# Idempotent: a command already on PATH is left alone. Installs the missing ones with
# apt-get when run as root (CI); otherwise says how and fails.
#
#   scripts/install-debian.sh COMMAND...
set -euo pipefail
missing=()
for command in "$@"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("$command")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/install-debian.sh: the tests need ${missing[*]} on PATH; install them" \
    "(Debian/Ubuntu: sudo apt-get install ${missing[*]}; macOS: brew install ${missing[*]/faketime/libfaketime})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
for command in "${missing[@]}"; do
  command -v "$command" >/dev/null
done
