"""ci/act/runnable_examples.py: the copies of the examples that e2e.sh runs under act
differ from the examples only as its docstring says."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from testkit.paths import ROOT

SCRIPT = ROOT / "ci" / "act" / "runnable_examples.py"
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
URL = "http://127.0.0.1:4010"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runnable_examples", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runnable = _module()


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # YAML 1.1 reads an unquoted key `on` as True; the copy writes it quoted.
    return {("on" if key is True else key): value for key, value in data.items()}


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("workflows")
    command = [sys.executable, str(SCRIPT), "--api-url", URL, "--out", str(out)]
    result = subprocess.run(
        [*command, *map(str, EXAMPLES)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return out


def _is_skip(step: dict[str, Any], original: dict[str, Any]) -> bool:
    kept: dict[str, Any] = {k: original[k] for k in ("name", "id", "if", "env") if k in original}
    run = step.get("run", "")
    return step == {**kept, "run": run} and run.startswith("echo '[act] skipped: ")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_a_copy_changes_only_uses_api_url_and_skipped_steps(copies: Path, example: Path) -> None:
    original, copy = _load(example), _load(copies / example.name)
    # Everything but the jobs is as written.
    assert {k: v for k, v in copy.items() if k != "jobs"} == {
        k: v for k, v in original.items() if k != "jobs"
    }
    assert list(copy["jobs"]) == list(original["jobs"])
    for job_id, job in original["jobs"].items():
        copied = copy["jobs"][job_id]
        if "uses" in job:  # a call of the shared reusable workflow
            name = job["uses"].partition("@")[0].rsplit("/", 1)[1]
            assert copied["uses"] == f"./.github/workflows/{name}"
            assert (copies / name).is_file(), "the called copy is where the caller looks"
            assert copied["with"] == {**job["with"], "api-url": URL}
            assert {k: v for k, v in copied.items() if k not in ("uses", "with")} == {
                k: v for k, v in job.items() if k not in ("uses", "with")
            }
            continue
        environment = job.get("environment")
        if isinstance(environment, dict):  # `deployment` dropped: act does not know it
            job = {
                **job,
                "environment": {k: v for k, v in environment.items() if k != "deployment"},
            }
        assert {k: v for k, v in copied.items() if k != "steps"} == {
            k: v for k, v in job.items() if k != "steps"
        }
        assert len(copied["steps"]) == len(job["steps"])
        for step, new in zip(job["steps"], copied["steps"], strict=True):
            uses = step.get("uses", "")
            if uses == "sieve-action/sieve-action@v1":
                given = step["with"].get("api-url")
                url = given if given == "${{ inputs.api-url }}" else URL
                assert new == {**step, "uses": "./", "with": {**step["with"], "api-url": url}}
            elif uses or (example.name, step.get("name")) in runnable.STUBBED:
                assert _is_skip(new, step), new
            else:
                assert new == step


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_a_copy_fetches_nothing_remote(copies: Path, example: Path) -> None:
    copy = _load(copies / example.name)
    for job in copy["jobs"].values():
        refs = [job["uses"]] if "uses" in job else []
        refs += [step["uses"] for step in job.get("steps") or [] if "uses" in step]
        assert all(ref.startswith("./") for ref in refs), refs
    assert "\ntrue:" not in (copies / example.name).read_text(), "`on` is written as on"


def test_only_the_listed_steps_are_stubbed_and_every_listed_step_exists() -> None:
    workflow = _load(ROOT / "examples" / "after-deploy.yml")
    _, changes = runnable.rewrite(workflow, "after-deploy.yml", URL)
    skipped = [change for change in changes if "skipped" in change]
    assert len(skipped) == 4  # checkout, setup-python, the Sieve CLI's install, deploy
    # A listed step renamed in the example: the list is stale, and says so.
    job = workflow["jobs"]["deploy"]
    steps = [{**s, "name": "Deploy it"} if s.get("name") == "Deploy" else s for s in job["steps"]]
    renamed = {**workflow, "jobs": {"deploy": {**job, "steps": steps}}}
    with pytest.raises(runnable.RewriteError, match="update STUBBED"):
        runnable.rewrite(renamed, "after-deploy.yml", URL)


def test_a_job_calling_another_workflow_is_refused() -> None:
    workflow = {"on": "push", "jobs": {"x": {"uses": "octo/other@v1"}}}
    with pytest.raises(runnable.RewriteError, match="no rule covers"):
        runnable.rewrite(workflow, "x.yml", URL)


def test_a_hard_coded_api_url_is_replaced() -> None:
    step = {"uses": "sieve-action/sieve-action@v1", "with": {"api-url": "https://elsewhere"}}
    workflow = {"on": "push", "jobs": {"x": {"runs-on": "u", "steps": [step]}}}
    copy, _ = runnable.rewrite(workflow, "x.yml", URL)
    assert copy["jobs"]["x"]["steps"] == [{"uses": "./", "with": {"api-url": URL}}]


def test_an_environment_loses_only_its_deployment_key_and_says_so() -> None:
    steps = [{"run": "true"}]
    jobs = {
        "a": {
            "runs-on": "u",
            "environment": {"name": "sieve", "deployment": False},
            "steps": steps,
        },
        "b": {"runs-on": "u", "environment": {"name": "sieve", "url": "https://x"}, "steps": steps},
        "c": {"runs-on": "u", "environment": "sieve", "steps": steps},
    }
    copy, changes = runnable.rewrite({"on": "push", "jobs": jobs}, "x.yml", URL)
    assert copy["jobs"]["a"] == {"runs-on": "u", "environment": {"name": "sieve"}, "steps": steps}
    assert copy["jobs"]["b"] == jobs["b"] and copy["jobs"]["c"] == jobs["c"]
    assert changes == ["job a: environment without deployment: false (act refuses it)"]
