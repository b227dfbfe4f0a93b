#!/usr/bin/env bash
# Try the command line locally (docs/try-locally.md): a venv with the locked runtime
# dependencies and sieve-action installed, then a local Sieve (the test kit's simulator)
# with a function in two versions, and the commands to paste. Ctrl-C stops it.
# Usage: scripts/simulate.sh [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements/runtime.txt
.venv/bin/pip install -q --disable-pip-version-check --no-deps .
exec .venv/bin/python scripts/simulate.py "$@"
