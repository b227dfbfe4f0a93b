"""The GitLab CI/CD component (templates/sieve-action.yml, made by
scripts/gitlab_component.py): its typed inputs against the inputs' declarations, GitLab's
CI schema over it and the GitLab files, and a pipeline that includes it run by
gitlab-ci-local (ci/gitlab/) in shell mode against the simulator: a promotion, then its
undo fed by the promotion's dotenv report; both reports checked."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import gitlab_component
from sieve_action.contract.checks import parse_inputs
from sieve_action.contract.declare import InputSpec
from sieve_action.contract.inputs import KEY_VARIABLE, spec
from sieve_action.report.dotenv import DOTENV_NAMES
from testkit.github_release import serve_release
from testkit.paths import ROOT
from testkit.simulator import JobScript, Simulator

from .conftest import KEY
from .test_gitlab_install import fresh_venv, job
from .test_gitlab_reports import read_as_gitlab
from .tools import run_tool, tool

TEMPLATE = gitlab_component.TEMPLATE
FIXTURE = ROOT / "ci" / "gitlab" / ".gitlab-ci.yml"
GITLAB_FILES = sorted((ROOT / "examples" / "gitlab").glob("*.yml")) + sorted(
    (ROOT / "examples" / "gitlab").glob(".*.yml")
)
GITLAB_CI_LOCAL = ROOT / "ci" / "gitlab" / "node_modules" / ".bin" / "gitlab-ci-local"
OLD = "00000000-0000-4000-8000-00000000c001"
NEW = "00000000-0000-4000-8000-00000000c002"


def documents() -> tuple[dict[str, Any], dict[str, Any]]:
    header, jobs = yaml.safe_load_all(TEMPLATE.read_text())
    return header, jobs


def declared() -> dict[str, dict[str, Any]]:
    inputs: dict[str, dict[str, Any]] = documents()[0]["spec"]["inputs"]
    return inputs


def _as_workflow_gives_it(value: Any) -> str:
    """A GitLab input's value as the string the CLI receives (true, 900, 0.1)."""
    return json.dumps(value) if isinstance(value, bool | int | float) else str(value)


@pytest.mark.parametrize("item", gitlab_component.cli_inputs(), ids=lambda i: i.name)
def test_each_input_is_typed_from_its_declaration(item: InputSpec) -> None:
    found = declared()[item.name]
    assert found["description"] == item.help
    expected = "boolean" if item.boolean else found["type"]
    assert found["type"] == expected
    if found["type"] == "number":
        assert isinstance(found["default"], int | float) and not isinstance(found["default"], bool)
    # The default GitLab interpolates gives the value the CLI applies when nothing is given.
    base: dict[str, str | None] = {"api-key": "sk-docs-0000000000", "owner": "acme",
                                   "function": "whisper"}  # fmt: skip
    if item.name in {"owner", "function"}:  # required unless targets is given
        base |= {"owner": None, "function": None, "targets": "acme/whisper"}
    given = parse_inputs(base | {item.name: _as_workflow_gives_it(found["default"])})
    absent = parse_inputs(base | {item.name: None})
    field = item.name.replace("-", "_")
    assert getattr(given, field) == getattr(absent, field)
    choices = getattr(item.rule, "choices", None)
    assert found.get("options") == (list(choices) if choices else None)
    for option in found.get("options", []):
        parse_inputs(base | {"wait": "true", item.name: option})  # each choice is valid


def test_the_key_is_never_an_input_and_the_component_s_own_inputs_come_first() -> None:
    names = list(declared())
    assert "api-key" not in names and not any("key" in name for name in names)
    assert not any("token" in name for name in names)  # nor GitHub's token
    own = [name for name, _, _ in gitlab_component.OWN_INPUTS]
    github_only = {"github-token", "review-comment", "pull-request", "head-sha"}
    assert names == own + [i.name for i in spec() if i.name not in {"api-key", *github_only}]
    # The releases' repository by default; a fork names its own.
    assert declared()["source"]["default"] == "https://github.com/sieve-action/sieve-action"


def test_the_job_installs_as_the_readme_s_job_and_keeps_text_out_of_the_shell() -> None:
    component = documents()[1]["$[[ inputs.job-name ]]"]
    script: list[str] = component["script"]
    installs = job()["script"][:-1]  # the README's job, but its command
    assert script[: len(installs)] == installs
    text_inputs = {
        name
        for name, value in declared().items()
        if value["type"] == "string" and "options" not in value
    }
    for line in script:
        for name in re.findall(r"\$\[\[ inputs\.([\w-]+) \]\]", line):
            assert name not in text_inputs, f"text input {name} is written into the script"
    for name in text_inputs - {"source", "release", "job-name", "stage", "image"}:
        assert component["variables"][gitlab_component.variable(name)] == f"$[[ inputs.{name} ]]"
    # The reports: outputs as dotenv, the smoke cases as JUnit, on every ending.
    artifacts = component["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["reports"] == {"dotenv": "sieve-action.env", "junit": "sieve-action-junit.xml"}
    command = script[-1]
    assert "--dotenv sieve-action.env" in command and "--junit sieve-action-junit.xml" in command
    # A later job receives the dotenv variables: none may replace the job's own, or the key.
    assert not set(DOTENV_NAMES.values()) & {*component["variables"], KEY_VARIABLE}


def test_gitlab_s_ci_schema_accepts_the_component_and_the_pipelines(tmp_path: Path) -> None:
    """check-jsonschema reads one YAML document a file: the component's two are checked
    each on its own."""
    paths = []
    for index, document in enumerate(documents()):
        path = tmp_path / f"component-{index}.yml"
        path.write_text(yaml.safe_dump(document))
        paths.append(str(path))
    files = [*paths, str(FIXTURE), *map(str, GITLAB_FILES)]
    assert len(GITLAB_FILES) >= 2
    result = run_tool(tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_user_examples_give_only_inputs_the_component_has() -> None:
    for path in GITLAB_FILES:
        for include in yaml.safe_load(path.read_text()).get("include", []):
            unknown = set(include.get("inputs", {})) - set(declared())
            assert not unknown, (path.name, unknown)


# --- the component under gitlab-ci-local -----------------------------------------------------


def _tools_or_skip() -> None:
    missing = [name for name, found in (
        ("gitlab-ci-local (npm ci --prefix ci/gitlab)", GITLAB_CI_LOCAL.exists()),
        ("rsync", shutil.which("rsync") is not None),
        ("git", shutil.which("git") is not None),
    ) if not found]  # fmt: skip
    if missing and os.environ.get("CI") != "true":
        pytest.skip(f"needs {', '.join(missing)} (scripts/test.sh installs them)")
    assert not missing, f"CI must have {', '.join(missing)}"


def _versions(sim: Simulator) -> dict[str, tuple[int, int | None]]:
    return {v.id: (v.minimum_replicas, v.maximum_replicas)
            for v in sim.state.functions[("acme", "whisper")].versions}  # fmt: skip


def test_the_component_runs_under_gitlab_ci_local(tmp_path: Path) -> None:
    _tools_or_skip()
    repo = tmp_path / "repo"
    (repo / "templates").mkdir(parents=True)
    shutil.copyfile(FIXTURE, repo / ".gitlab-ci.yml")
    shutil.copyfile(TEMPLATE, repo / "templates" / TEMPLATE.name)
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    env = fresh_venv(tmp_path / "venv")
    env["PATH"] += os.pathsep + os.environ["PATH"]  # gitlab-ci-local needs node, git, rsync
    env[KEY_VARIABLE] = KEY  # a masked CI/CD variable of the project
    with Simulator(KEY) as sim, serve_release() as (url, _):
        sim.state.deploy("acme", "whisper", version_id=OLD, minimum_replicas=1, maximum_replicas=3)
        sim.state.deploy("acme", "whisper", version_id=NEW)
        sim.state.functions[("acme", "whisper")].jobs = JobScript(
            outputs=[{"type": "str", "name": "text", "data": "Hello world"}]
        )
        started = time.monotonic()
        run = subprocess.run(
            [str(GITLAB_CI_LOCAL), "--force-shell-executor",
             "--shell-isolation", "--no-color", "--variable", f"SIEVE_TEST_SOURCE={url}",
             "--variable", f"SIEVE_TEST_API_URL={sim.url}"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
        seconds = time.monotonic() - started
        log = run.stdout + run.stderr
        assert run.returncode == 0, log
        # Promoted, then undone: the earlier version warm again, the new one back to 0.
        assert _versions(sim) == {NEW: (0, 3), OLD: (1, 3)}, log
    print(f"gitlab-ci-local ran the pipeline in {seconds:.1f} s")

    assert KEY not in log
    state = repo / ".gitlab-ci-local"
    promoted = read_as_gitlab(
        (
            state / "artifacts" / "promote" / ".gitlab-ci-reports" / "dotenv" / "sieve-action.env"
        ).read_text()
    )
    assert promoted["SIEVE_VERSION_ID"] == NEW
    assert (promoted["SIEVE_CHANGED"], promoted["SIEVE_SMOKE_TEST_STATUS"]) == ("true", "passed")
    assert json.loads(promoted["SIEVE_RETIRED"]) == [
        {"version_id": OLD, "previous_min_replicas": 1}
    ]
    junit = ET.parse(state / "builds" / "promote" / "sieve-action-junit.xml").getroot()
    assert (junit.get("tests"), junit.get("failures")) == ("2", "0")
    assert [case.get("name") for case in junit.iter("testcase")] == ["short clip", "silence"]
    result = json.loads((state / "artifacts" / "promote" / "sieve-action.json").read_text())
    assert result["results"][0]["retired"] == json.loads(promoted["SIEVE_RETIRED"])
    undone = read_as_gitlab(
        (
            state / "artifacts" / "undo" / ".gitlab-ci-reports" / "dotenv" / "sieve-action.env"
        ).read_text()
    )
    assert undone["SIEVE_CHANGED"] == "true"


def test_the_user_page_says_what_the_component_declares() -> None:
    """docs/gitlab.md describes the inputs' types and the component's own inputs by hand:
    each statement checked against the component."""
    page = (ROOT / "docs" / "gitlab.md").read_text()
    typed = page.split("**Inputs**")[1].split("| Input |")[0]
    for name, value in declared().items():
        if value["type"] == "number":
            assert f"`{name}`" in typed, name
        for option in value.get("options", []):
            assert f"`{name}` offers" in typed and f"`{option}`" in typed, name
    rows = re.findall(r"^\| `([\w-]+)` \| (.+?) \|", page, re.M)
    assert rows == [
        (name, "(required)" if value is None else f"`{value}`")
        for name, value, _ in gitlab_component.OWN_INPUTS
    ]
