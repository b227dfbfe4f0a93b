#!/usr/bin/env bash
# The demo: a venv with the locked runtime dependencies, the simulator, and the real
# entrypoint run as GitHub's runner runs it. Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements/runtime.txt
exec .venv/bin/python scripts/demo.py
