"""What a user reads must match what the code does: README, action.yml and examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sieve_action.action import INPUT_NAMES
from sieve_action.cli import _parser
from sieve_action.inputs import DEFAULTS
from sieve_action.report import OUTPUT_NAMES

from .action_yml import action, declared_inputs, declared_outputs

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_readme_shows_each_example_file_verbatim(example: Path) -> None:
    marker = f"<!-- include: examples/{example.name} -->\n```yaml\n"
    assert marker in README, f"README does not include {example.name}"
    start = README.index(marker) + len(marker)
    shown = README[start : README.index("```\n", start)]
    assert shown == example.read_text()


def _table(marker: str) -> dict[str, list[str]]:
    block = README[README.index(marker) :].split("\n\n")[0]
    rows = {}
    for line in block.splitlines()[3:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_readme_inputs_table_equals_action_yml() -> None:
    table = _table("<!-- inputs:")
    spec = action()["inputs"]
    assert list(table) == list(spec)
    for name, (default, description) in table.items():
        expected = spec[name].get("default", "")
        assert default == (f"`{expected}`" if expected != "" else "—"), name
        assert description == spec[name]["description"], name


def test_readme_outputs_table_equals_action_yml() -> None:
    table = _table("<!-- outputs:")
    assert {name: cells[0] for name, cells in table.items()} == declared_outputs()


def test_code_reads_exactly_the_declared_inputs_with_the_same_defaults() -> None:
    declared = declared_inputs()
    assert set(INPUT_NAMES) == set(declared)
    # Defaults in code matter when the image runs directly (`docker://`): no action.yml.
    assert {name: d for name, d in declared.items() if d} == DEFAULTS


def test_code_writes_exactly_the_declared_outputs() -> None:
    assert set(OUTPUT_NAMES) == set(declared_outputs())


def test_every_input_but_the_key_has_a_cli_flag() -> None:
    flags = {option for action in _parser()._actions for option in action.option_strings}
    for name in INPUT_NAMES:
        if name == "api-key":
            assert "--api-key" not in flags  # the key never goes on a command line
        elif name == "targets":
            assert "--targets-file" in flags
        else:
            assert f"--{name}" in flags, name


def test_action_yml_runs_the_dockerfile_as_a_docker_action() -> None:
    runs = action()["runs"]
    assert runs == {"using": "docker", "image": "Dockerfile"}
    assert set(action()["branding"]) == {"icon", "color"}


def test_readme_commands_exist() -> None:
    for command in ("scripts/demo.sh", "scripts/test.sh"):
        assert f"$ {command}" in README
        assert (ROOT / command).exists()
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_readme_demo_output_is_what_the_demo_prints_in_shape() -> None:
    shown = (
        README.split("## What the log and summary look like")[1]
        .split("```text\n")[1]
        .split("```")[0]
    )
    assert "--- outputs ($GITHUB_OUTPUT, read with the runner's rules) ---" in shown
    for name in OUTPUT_NAMES:
        assert re.search(rf"^{re.escape(name)}=", shown, re.M), name
