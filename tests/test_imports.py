"""The action's start-up path imports only what a run needs (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from .runner import ROOT

# Present in the package or the standard library, but never needed by a run of the action.
NOT_ON_THE_PATH = ("sieve_action.simulator", "sieve_action.cli", "http.server", "argparse")


def test_the_action_does_not_import_the_simulator_nor_the_cli() -> None:
    code = (
        "import json, sys; import sieve_action.action; "
        f"print(json.dumps([m for m in {list(NOT_ON_THE_PATH)!r} if m in sys.modules]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout) == []
