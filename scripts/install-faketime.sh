#!/usr/bin/env bash
# faketime (Debian's libfaketime), which the capacity tests run the entrypoint under to
# fake the clock (tests/test_capacity_e2e.py). Idempotent: nothing to do once it is on
# PATH. Installs it with apt-get when run as root (CI); otherwise says how and fails.
set -euo pipefail
command -v faketime >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/install-faketime.sh: the tests need faketime (libfaketime) on PATH;" \
    "install it (Debian/Ubuntu: sudo apt-get install faketime; macOS: brew install libfaketime)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends faketime >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends faketime >/dev/null; }
command -v faketime >/dev/null
