"""What a user reads must match what the code does: README, action.yml and examples."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import sync
from sieve_action import action as action_edge
from sieve_action import cli
from sieve_action.contract.checks import parse_inputs
from sieve_action.contract.declare import InputSpec
from sieve_action.contract.inputs import INPUT_NAMES, spec
from sieve_action.contract.outputs import OUTPUT_NAMES
from testkit.action_yml import declared_inputs, declared_outputs
from testkit.paths import ROOT
from testkit.simulator import Simulator

from .conftest import Step

README = (ROOT / "README.md").read_text()
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))


EXCERPT = re.compile(r"<!-- excerpt: (examples/[\w./-]+) -->\n```yaml\n(.*?)```\n", re.S)


def test_readme_excerpts_are_parts_of_the_example_files() -> None:
    """Each excerpt, as shown (dedented), is a run of whole lines of its file; the user
    pages' (docs/) too."""
    excerpts = EXCERPT.findall(README)
    assert len(excerpts) >= 4
    for page in sorted((ROOT / "docs").glob("*.md")):
        excerpts += EXCERPT.findall(page.read_text())
    assert "examples/gitlab/component.gitlab-ci.yml" in dict(excerpts)
    for name, shown in excerpts:
        lines = (ROOT / name).read_text().splitlines(keepends=True)
        size = shown.count("\n")
        runs = {textwrap.dedent("".join(lines[i : i + size])) for i in range(len(lines))}
        assert shown in runs, f"the README's excerpt of {name} is not a part of it"


def test_every_snippet_in_the_readme_is_an_excerpt_or_checked_by_a_test() -> None:
    """A YAML snippet is an excerpt of an example file (each run by a test: the workflows
    under act in .ci/run, the GitLab job by tests/test_gitlab_install.py); the one console
    block is the two commands (test below), the one text block the log (test below)."""
    blocks = re.findall(r"(<!-- excerpt: [^>]+ -->\n)?```(\w+)\n", README)
    kinds = [(kind, bool(marker)) for marker, kind in blocks]
    assert [k for k in kinds if k[0] == "yaml"] == [("yaml", True)] * len(EXCERPT.findall(README))
    assert sorted(k for k, marked in kinds if not marked) == ["console", "text"]
    assert "zizmor" not in README and "noqa" not in README  # no linter's words for users


def test_the_readme_is_read_in_one_sitting() -> None:
    assert len(README.splitlines()) < 300


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_readme_links_every_example_file(example: Path) -> None:
    assert f"](examples/{example.name})" in README


def _table(marker: str) -> dict[str, list[str]]:
    block = README[README.index(marker) :].split("\n\n")[0]
    rows = {}
    for line in block.splitlines()[3:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_action_yml_and_the_readme_tables_are_made_from_the_code() -> None:
    """Inputs and outputs are declared once, in the code; scripts/sync.py writes the rest."""
    assert sync.main(["--check"]) == 0, "run: python scripts/sync.py"


@pytest.mark.parametrize("item", spec(), ids=lambda item: item.name)
def test_action_yml_s_default_applies_the_value_the_code_applies(item: InputSpec) -> None:
    """The default the runner passes (from action.yml) and the one the code applies when
    nothing is passed (``uses: docker://``, the CLI) give the same typed value."""
    declared = ACTION["inputs"][item.name]
    assert declared["description"] == item.help
    if item.name == "api-key":  # no default: the edges fall back to SIEVE_API_KEY
        assert declared["default"] == ""
        return
    base = {"api-key": "sk-docs-0000000000", "owner": "acme", "function": "whisper"}
    passed = parse_inputs({**base, item.name: str(declared.get("default", ""))} | _needs(item))
    absent = parse_inputs({**base, item.name: None} | _needs(item))
    field = item.name.replace("-", "_")
    assert getattr(passed, field) == getattr(absent, field)


def _needs(item: InputSpec) -> dict[str, str | None]:
    # owner and function are required unless targets is given.
    if item.name in {"owner", "function"}:
        return {"targets": "acme/whisper", "owner": None, "function": None}
    return {}


def test_the_code_writes_exactly_the_declared_outputs() -> None:
    assert list(OUTPUT_NAMES) == list(declared_outputs())


def test_the_test_kit_reads_action_yml_as_a_yaml_parser_does() -> None:
    """testkit.action_yml reads only sync.py's shape; it must agree with PyYAML."""
    assert declared_inputs() == {
        name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()
    }
    assert declared_outputs() == {
        name: spec["description"] for name, spec in ACTION["outputs"].items()
    }


def test_every_input_but_the_secrets_has_a_cli_flag_applying_the_same_defaults() -> None:
    args = cli.parser().parse_args([])
    from_cli = parse_inputs(cli.raw_inputs(args) | {"api-key": "sk-docs-0000000000"} | OWNER)
    from_action = parse_inputs(
        action_edge.read_inputs({"INPUT_API-KEY": "sk-docs-0000000000"}) | OWNER
    )
    assert from_cli == from_action
    flags = {option for act in cli.parser()._actions for option in act.option_strings}
    # The key and GitHub's token never go on a command line: only in the environment.
    assert "--api-key" not in flags and "--github-token" not in flags
    for name in INPUT_NAMES:
        assert cli.flag(name) in flags | {"SIEVE_API_KEY", "GITHUB_TOKEN"}, name


OWNER = {"owner": "acme", "function": "whisper"}


def test_action_yml_runs_the_dockerfile_as_a_docker_action() -> None:
    runs = ACTION["runs"]
    assert runs == {"using": "docker", "image": "Dockerfile"}
    assert set(ACTION["branding"]) == {"icon", "color"}


def test_the_commands_the_docs_give_exist() -> None:
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    for command in (
        "scripts/demo.sh",
        "scripts/simulate.sh",
        "scripts/test.sh",
        "python scripts/sync.py",
    ):
        assert f"$ {command}" in contributing, command
        assert (ROOT / command.split()[-1]).exists()
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_shows_how_to_try_it_and_test_it_near_its_top() -> None:
    """A user's first questions (issue 14, point 1): the demo, the tests, what they need."""
    top = "\n".join(README.splitlines()[:40])
    for command in ("$ scripts/demo.sh", "$ scripts/test.sh"):
        assert command in top, command
    assert "Python 3.11" in top and "Node.js 20" in top


def test_the_demo_runs_a_promotion_to_its_end() -> None:
    demo = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "smoke test case 'hello': passed" in demo.stdout
    assert "retired: minimum 1 → 0" in demo.stdout


def test_the_readme_log_is_what_the_action_prints(sim: Simulator, step: Step) -> None:
    """Every line of the README's log is a line the action prints, IDs, the key and
    durations aside (the build moves one stage per read, as in the demo)."""
    shown = README.split("## What you see")[1].split("```text\n")[1]
    sim.state.deploy("acme", "whisper", build_reads=4)
    result = step(min_replicas="1", max_replicas="3", wait="true", poll_interval="1")

    def normal(text: str) -> set[str]:
        text = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "<id>", text)
        text = re.sub(r"::add-mask::\S+", "::add-mask::<key>", text)
        text = re.sub(r"\d+(\.\d)? s\b", "N s", text)  # durations
        text = re.sub(r"\b(of|in|after) \d+\b", r"\1 N", text)
        return set(text.splitlines())

    assert normal(shown.split("```")[0]) <= normal(result.stdout)
