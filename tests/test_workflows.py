"""The repository's workflows and the README's example workflows.

Static rules the project holds itself to (SHA pins, no expressions inside
``run:``, explicit least permissions, no persisted checkout credentials), then
zizmor and check-jsonschema over the same files. Both tools come from
requirements/test.txt, so they are never skipped: a missing tool fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
ACTION = ROOT / "action.yml"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
ALL_WORKFLOWS = WORKFLOWS + EXAMPLES

# The action as the examples refer to it: a placeholder the README explains
# (readers replace it with the released action, pinned as they see fit).
PLACEHOLDER = "sieve-action/sieve-action@v1"
# The shared repository of the reusable-workflow example: the reader's own.
SHARED_WORKFLOW = "my-org/sieve-workflows/.github/workflows/reusable-scale.yml@v1"
SHA = re.compile(r"[0-9a-f]{40}")
# `uses: owner/repo[/path]@<40 hex> # vX[.Y[.Z]]` on one line.
PINNED_LINE = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)(?:\s+#\s*(?P<comment>.*))?$",
)
VERSION_COMMENT = re.compile(r"v\d+(?:\.\d+){0,2}\b")
EXPECTED_EXAMPLES = {
    "after-deploy.yml",
    "nightly-scale-down.yml",
    "morning-scale-up.yml",
    "reusable-scale.yml",
    "reusable-caller.yml",
    "fleet.yml",
}


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{_name(path)}: not a mapping"
    return data


def _triggers(workflow: dict[Any, Any]) -> Any:
    # YAML 1.1 reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def _jobs(workflow: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    jobs = workflow.get("jobs")
    assert isinstance(jobs, dict), "no jobs"
    assert jobs, "no jobs"
    return jobs


def _steps(workflow: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in _jobs(workflow).items():
        for step in job.get("steps") or []:
            yield job_id, step


def _is_local(ref: str) -> bool:
    # ./path (the workspace) and $/path (this repository at the running commit).
    return ref.startswith(("./", "$/"))


def test_every_file_is_there() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}
    assert {p.name for p in EXAMPLES} >= EXPECTED_EXAMPLES
    assert ACTION.is_file()
    assert DEPENDABOT.is_file()


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_parses_as_a_workflow(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("name"), "a workflow has a name"
    assert _triggers(workflow), "a workflow has triggers"
    for job_id, job in _jobs(workflow).items():
        assert isinstance(job, dict), job_id
        assert "runs-on" in job or "uses" in job, job_id


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_third_party_actions_are_pinned_by_sha(path: Path) -> None:
    workflow = _load(path)
    referenced = {step["uses"] for _, step in _steps(workflow) if "uses" in step}
    referenced |= {job["uses"] for job in _jobs(workflow).values() if "uses" in job}
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = PINNED_LINE.match(line)
        if not match:
            continue
        ref, comment = match["ref"], match["comment"] or ""
        seen.add(ref)
        where = f"{_name(path)}:{number}"
        if _is_local(ref):
            continue
        if ref in (PLACEHOLDER, SHARED_WORKFLOW):
            assert path in EXAMPLES, f"{where}: the placeholder belongs in examples only"
            continue
        assert not ref.startswith("docker://"), f"{where}: use an action, not an image"
        action, _, pin = ref.partition("@")
        assert action.count("/") >= 1, f"{where}: {ref}"
        assert SHA.fullmatch(pin), f"{where}: {ref} is not pinned to a full commit SHA"
        assert VERSION_COMMENT.match(comment), f"{where}: {ref} needs a '# vX.Y.Z' comment"
    # Every `uses:` was on a line of its own form (nothing hidden in flow style).
    assert referenced <= seen, f"{_name(path)}: unscanned uses: {referenced - seen}"


def test_a_sha_always_carries_the_same_version() -> None:
    by_sha: dict[str, set[str]] = {}
    by_version: dict[tuple[str, str], set[str]] = {}
    for path in ALL_WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = PINNED_LINE.match(line)
            if not match or "@" not in match["ref"] or _is_local(match["ref"]):
                continue
            action, _, pin = match["ref"].partition("@")
            version_match = VERSION_COMMENT.match(match["comment"] or "")
            if not SHA.fullmatch(pin) or not version_match:
                continue
            version = version_match.group(0)
            by_sha.setdefault(f"{action}@{pin}", set()).add(version)
            by_version.setdefault((action, version), set()).add(pin)
    assert by_sha, "no pinned actions found"
    assert {ref: v for ref, v in by_sha.items() if len(v) > 1} == {}
    assert {key: p for key, p in by_version.items() if len(p) > 1} == {}


def _runs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield value
            else:
                yield from _runs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _runs(item)


@pytest.mark.parametrize("path", [*ALL_WORKFLOWS, ACTION], ids=_name)
def test_no_expression_inside_run(path: Path) -> None:
    # Values reach scripts through `env:`; an expression inside `run:` is
    # pasted into the script before the shell parses it (script injection).
    runs = list(_runs(_load(path)))
    assert all("${{" not in script for script in runs), [s for s in runs if "${{" in s]


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_permissions_are_explicit(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("permissions") == {}, "top level: `permissions: {}`"
    for job_id, job in _jobs(workflow).items():
        assert "permissions" in job, f"job {job_id} declares no permissions"
        permissions = job["permissions"]
        assert isinstance(permissions, dict), f"job {job_id}: scopes, not {permissions!r}"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        if path.name == "release.yml":
            allowed = {"image": {"packages"}, "major-tag": {"contents"}}.get(job_id, set())
        else:
            allowed = set()
        assert writes <= allowed, f"job {job_id} writes {sorted(writes - allowed)}"


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_checkout_keeps_no_credentials(path: Path) -> None:
    for job_id, step in _steps(_load(path)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert (step.get("with") or {}).get("persist-credentials") is False, job_id


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_name)
def test_no_risky_triggers_or_inherited_secrets(path: Path) -> None:
    workflow = _load(path)
    triggers = _triggers(workflow)
    names = set(triggers) if isinstance(triggers, dict | list) else {triggers}
    assert not names & {"pull_request_target", "workflow_run"}
    for job_id, job in _jobs(workflow).items():
        assert job.get("secrets") != "inherit", job_id


@pytest.mark.parametrize("path", EXAMPLES, ids=_name)
def test_examples_take_the_key_from_a_secret(path: Path) -> None:
    steps = [step for _, step in _steps(_load(path)) if step.get("uses") == PLACEHOLDER]
    if path.name == "reusable-caller.yml":
        job = _jobs(_load(path))["scale"]
        assert job["secrets"] == {"sieve-api-key": "${{ secrets.SIEVE_API_KEY }}"}
        return
    assert steps, "the example uses the action"
    expected = {
        "reusable-scale.yml": "${{ secrets.sieve-api-key }}",
    }.get(path.name, "${{ secrets.SIEVE_API_KEY }}")
    for step in steps:
        assert step["with"]["api-key"] == expected


def test_release_publishes_both_platforms_and_three_tags() -> None:
    release = _load(ROOT / ".github" / "workflows" / "release.yml")
    assert _triggers(release) == {"push": {"tags": ["v*.*.*"]}}
    steps = [step for _, step in _steps(release)]
    by_action = {str(step.get("uses", "")).partition("@")[0]: step for step in steps}
    for action in (
        "docker/setup-qemu-action",
        "docker/setup-buildx-action",
        "docker/login-action",
        "docker/metadata-action",
        "docker/build-push-action",
    ):
        assert action in by_action, action
    build = by_action["docker/build-push-action"]["with"]
    assert set(build["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert build["push"] is True
    tags = by_action["docker/metadata-action"]["with"]["tags"].split()
    assert tags == [
        "type=semver,pattern=v{{version}}",
        "type=semver,pattern=v{{major}}.{{minor}}",
        "type=semver,pattern=v{{major}}",
    ]


def test_ci_tests_every_supported_python() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    matrix = _jobs(ci)["test"]["strategy"]["matrix"]["python-version"]
    assert matrix == ["3.11", "3.12", "3.13"]


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed (it comes from requirements/test.txt)"
    return found


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    # No token: the offline audits only, whatever the environment holds.
    for variable in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"):
        env.pop(variable, None)
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _paths(paths: list[Path]) -> list[str]:
    return [_name(path) for path in paths]


def test_zizmor_finds_nothing() -> None:
    # One run over every file: the workflows, the examples, action.yml and
    # dependabot.yml, at the default persona, offline.
    # --strict-collection: a file zizmor cannot load fails the run (by default
    # it is skipped with a warning, and the run passes).
    files = [ACTION, DEPENDABOT, *ALL_WORKFLOWS]
    command = [_tool("zizmor"), "--offline", "--strict-collection", "--no-progress"]
    result = _run(*command, "--format=json", *_paths(files))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("schema", "paths"),
    [
        ("vendor.github-workflows", ALL_WORKFLOWS),
        ("vendor.github-actions", [ACTION]),
        ("vendor.dependabot", [DEPENDABOT]),
    ],
    ids=["workflows", "action", "dependabot"],
)
def test_check_jsonschema_accepts(schema: str, paths: list[Path]) -> None:
    result = _run(_tool("check-jsonschema"), "--builtin-schema", schema, *_paths(paths))
    assert result.returncode == 0, result.stdout + result.stderr
