#!/usr/bin/env bash
# faketime (Debian's libfaketime), which the capacity tests run the entrypoint under to
# fake the clock (tests/test_capacity_e2e.py): scripts/install-debian.sh installs it.
set -euo pipefail
exec "$(dirname "$0")/install-debian.sh" faketime
