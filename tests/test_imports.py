"""The product holds only what runs in production, and its start-up path imports only
what a run needs (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from testkit.paths import ROOT

# Never needed by a plain run of the action: the CLI, a server, the test kit, the
# capacity schedule's libraries (imported only for a capacity step), and the
# validation library the project gave up for start-up time (sieve_action/shape.py).
NOT_ON_THE_PATH = (
    "sieve_action.cli",
    "http.server",
    "argparse",
    "testkit",
    "yaml",
    "holidays",
    "pydantic",
)


def test_the_action_imports_only_what_a_plain_run_needs() -> None:
    code = (
        "import json, sys; import sieve_action.action; "
        f"print(json.dumps([m for m in {list(NOT_ON_THE_PATH)!r} if m in sys.modules]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout) == []


def test_the_wheel_is_built_from_the_package_alone() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    # The package and its layers; not testkit, tests, bench, scripts.
    assert setuptools["packages"]["find"]["include"] == ["sieve_action", "sieve_action.*"]
    assert setuptools["package-data"] == {"sieve_action": ["py.typed"]}


def test_the_image_copies_only_the_package_and_the_entrypoint() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    copied = [
        line.split()[1] for line in lines if line.startswith("COPY ") and "--from" not in line
    ]
    # image/collect.py only runs in the first stage; the last stage copies from it alone.
    assert set(copied) == {
        "requirements/runtime.txt",
        "image/collect.py",
        "sieve_action/",
        "entrypoint.py",
    }
    last = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM "))]
    assert last == "FROM scratch"
    tail = lines[lines.index(last) :]
    assert all(line.startswith("COPY --from=build ") for line in tail if line.startswith("COPY "))
    assert not any(line.startswith("RUN ") for line in tail)
    allowed = [
        line[1:]
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    assert set(allowed) == set(copied)
    assert not list((ROOT / "sieve_action").glob("*simulat*"))
