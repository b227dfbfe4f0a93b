"""Trying it locally (docs/try-locally.md): scripts/simulate.py starts the simulator with
a function in two versions and prints commands; pasted into a shell as printed, they
promote the new version (warm replica, the README's smoke cases, the old one retired)
and then undo it from the saved ``--json`` output."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import simulate
from testkit.paths import ROOT

from .test_gitlab_install import BASH

ID = r"[0-9a-f-]{36}"


@pytest.fixture
def started() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """scripts/simulate.py running, and the lines it printed up to the commands' end."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "simulate.py"), "--port", "0",
         "--build-seconds", "0.5", "--job-seconds", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    printed: list[str] = []
    try:
        for line in process.stdout:
            printed.append(line.rstrip("\n"))
            if line.startswith("The first promotes"):
                break
        yield process, printed
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        assert process.wait(timeout=30) == 0


def test_the_printed_commands_promote_and_then_undo(
    started: tuple[subprocess.Popen[str], list[str]], tmp_path: Path
) -> None:
    _, printed = started
    text = "\n".join(printed)
    old, new = re.findall(rf"version ({ID}):", text)
    assert f"version {old}: yesterday's, 1 warm replica (1..3)" in text
    start = printed.index(simulate.PASTE) + 1
    pasted = printed[start : printed.index("", start)]
    assert pasted[1] == f"export SIEVE_API_KEY={simulate.KEY}"
    assert pasted[2].startswith("export API_URL=http://127.0.0.1:")
    assert all(line.startswith(("export ", "sieve-action ")) for line in pasted)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "SIEVE_API_KEY"}}
    done = subprocess.run(
        [BASH, "-euo", "pipefail", "-c", "\n".join(pasted)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    promotion = json.loads((tmp_path / simulate.SAVED).read_text())
    [result] = promotion["results"]
    assert (result["version_id"], result["min_replicas"], result["max_replicas"]) == (new, 1, 4)
    assert result["smoke_test"]["status"] == "passed"
    assert [case["name"] for case in result["smoke_test"]["cases"]] == ["short clip", "silence"]
    assert result["retired"] == [{"version_id": old, "previous_min_replicas": 1}]
    # The undo's lines: the new version back to no warm worker, the old one warm again.
    assert f"→ {new}: replicas 0..4 (changed)" in done.stdout
    assert f"→ {old}: replicas 1..3 (changed)" in done.stdout


def test_the_smoke_cases_are_the_readme_s() -> None:
    readme = (ROOT / "README.md").read_text()
    for case in json.loads(simulate.smoke_test()):
        assert json.dumps(case["inputs"]) in readme
