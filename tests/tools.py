"""The workflow checkers of the test lock (zizmor, check-jsonschema), run as CI runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from testkit.paths import ROOT


def tool(name: str) -> str:
    """A command of the test lock: on PATH, or beside this interpreter (a venv not activated)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed (it comes from requirements/test.txt)"
    return found


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    """``command`` from the repository's root, with no GitHub token in its environment, so
    zizmor runs its offline audits only, whatever the machine holds."""
    env = {**os.environ, "NO_COLOR": "1"}
    for variable in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"):
        env.pop(variable, None)
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
