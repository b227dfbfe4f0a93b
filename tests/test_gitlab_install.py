"""The README's GitLab job (examples/gitlab/.gitlab-ci.yml), run as written: its
``script:`` lines, one by one as GitLab's runner runs them (``bash -eo pipefail``), in a
fresh venv with no git on PATH, with only the repository's URL (``SIEVE_ACTION``)
pointing at this checkout served as github.com serves a release
(:mod:`testkit.github_release`). The hash-locked requirements come from the package
index as on GitLab; then the installed ``sieve-action`` runs against the simulator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement

from testkit.github_release import serve_release
from testkit.paths import EXAMPLES, ROOT
from testkit.simulator import Simulator

from .conftest import KEY, VERSION_ID

EXAMPLE = EXAMPLES / "gitlab" / ".gitlab-ci.yml"
BASH = shutil.which("bash") or "/bin/bash"


def job() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())["scale-down"]
    return found


def fresh_venv(where: Path) -> dict[str, str]:
    """A new venv, and an environment whose PATH is its bin/ alone (so no git)."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = str(where / "bin")
    assert shutil.which("git", path=env["PATH"]) is None
    return env


def run_line(line: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """One ``script:`` line as GitLab's runner runs it."""
    return subprocess.run(
        [BASH, "-eo", "pipefail", "-c", line],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_job_installs_a_release_and_its_locked_requirements_without_git() -> None:
    variables, script = job()["variables"], job()["script"]
    assert job()["image"] == "python:3.13-slim"
    assert variables == {
        "SIEVE_ACTION": "https://github.com/sieve-action/sieve-action",
        "SIEVE_ACTION_REF": "v1",
    }
    assert not any("git+" in line or "git clone" in line for line in script)
    install = " ".join(script[:-1])
    assert "--require-hashes" in install and "--no-deps" in install
    for lock in ("requirements/runtime.txt", "requirements/build.txt"):
        assert f"/{lock}" in install and (ROOT / lock).is_file()
    assert script[-1].startswith("sieve-action ")


def test_the_build_lock_satisfies_the_build_system() -> None:
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    locked = {
        line.split("==")[0]: line.split("==")[1].split()[0]
        for line in (ROOT / "requirements" / "build.txt").read_text().splitlines()
        if "==" in line
    }
    for requirement in map(Requirement, requires):
        assert requirement.name in locked, requirement
        assert requirement.specifier.contains(locked[requirement.name]), requirement


def test_the_readme_s_gitlab_job_runs_as_written(sim: Simulator, tmp_path: Path) -> None:
    variables, script = job()["variables"], job()["script"]
    sim.state.functions[("acme", "whisper")].versions[0].minimum_replicas = 1
    env = fresh_venv(tmp_path / "venv")
    with serve_release() as (url, seen):
        env |= {**variables, "SIEVE_ACTION": url, "SIEVE_API_KEY": KEY}
        for line in script[:-1]:
            done = run_line(line, env, tmp_path)
            assert done.returncode == 0, done.stdout + done.stderr
    ref = variables["SIEVE_ACTION_REF"]
    # then redirected
    assert f"/sieve-action/sieve-action/raw/{ref}/requirements/runtime.txt" in seen
    assert f"/codeload/sieve-action/sieve-action/tar.gz/{ref}" in seen
    version = run_line("sieve-action --version", env, tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("sieve-action "), version.stderr
    # Installed from the archive into the venv, and only the package: no test kit.
    where = run_line("python -c 'import sieve_action; print(sieve_action.__file__)'", env, tmp_path)
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout + where.stderr
    assert run_line("python -c 'import testkit'", env, tmp_path).returncode == 1
    # The job's command, against the simulator instead of Sieve.
    done = run_line(f"{script[-1]} --api-url {sim.url}", env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout == f"acme/whisper@latest → {VERSION_ID}: replicas 0..1 (changed), build ready\n"
    )
    assert KEY not in done.stdout + done.stderr
