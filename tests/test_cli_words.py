"""The CLI's own words and documents ("The first read"): generated help reads as each
input's declaration, with only input names turned into flags; boolean flags take a value
as a workflow gives it; ``--json`` goes back into ``--undo-file`` whole, and the README
lists the keys it prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sieve_action import cli
from sieve_action.contract.declare import InputSpec
from sieve_action.contract.inputs import INPUT_NAMES, spec
from sieve_action.contract.outputs import CLI_JSON_ALWAYS, CLI_JSON_KEYS
from testkit.paths import README
from testkit.simulator import Simulator

from .test_cli import cli as run_cli

OLD = "00000000-0000-4000-8000-00000000b001"
NEW = "00000000-0000-4000-8000-00000000b002"
#: Every flag that stands for an input, and the input.
FLAG_OF = {cli.flag(name): name for name in INPUT_NAMES}
_FLAG = re.compile("|".join(re.escape(flag) for flag in sorted(FLAG_OF, key=len, reverse=True)))
_NAMES = "|".join(map(re.escape, sorted(INPUT_NAMES, key=len, reverse=True)))
_HYPHENATED = "|".join(re.escape(n) for n in sorted(INPUT_NAMES, key=len, reverse=True) if "-" in n)


def _help_of(item: InputSpec) -> str:
    """The help argparse shows for an input's flag, without what the CLI appends."""
    [action] = [a for a in cli.parser()._actions if cli.flag(item.name) in a.option_strings]
    assert action.help is not None
    text = action.help.removesuffix(f" (default: {item.default})")
    return text.removesuffix(f" {cli.FILES.get(item.name, '')}; - for stdin.")


@pytest.mark.parametrize(
    "item", [i for i in spec() if i.name not in cli.ENVIRONMENT], ids=lambda i: i.name
)
def test_generated_help_reads_as_the_declaration_with_only_names_turned_into_flags(
    item: InputSpec,
) -> None:
    """Each flag in the help, turned back into its input's name, gives the declaration
    exactly (a name the declaration wrote in backticks is a bare flag in the CLI's words,
    a step a run);
    and there are as many flags as the declaration wrote names as names (in backticks, or
    hyphenated, which prose never is): none stands for a word of prose."""
    shown = _help_of(item)
    named = re.compile(rf"`({_NAMES})`")
    # What the action calls a step, the CLI calls a run.
    declared = re.sub(r"\b([Tt]he|[Tt]his) step\b", r"\1 run", named.sub(r"\1", item.help))
    assert _FLAG.sub(lambda m: FLAG_OF[m[0]], shown) == declared, shown
    hyphenated = [m for m in re.finditer(rf"(?<![\w`-])({_HYPHENATED})(?![\w`-])", item.help)]
    expected = len(named.findall(item.help)) + len(hyphenated)
    assert len(_FLAG.findall(shown)) == expected, f"a flag stands for prose in: {shown}"


def test_retire_previous_help_keeps_its_words() -> None:
    [item] = [i for i in spec() if i.name == "retire-previous"]
    assert "retire every earlier version of the function: set its minimum" in _help_of(item)
    assert "--function" not in _help_of(item)


def test_help_renders(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    shown = capsys.readouterr().out
    assert "--wait [true|false], --no-wait" in shown
    assert "--dotenv FILE" in shown and "--junit FILE" in shown


def test_messages_still_turn_settings_into_flags() -> None:
    assert cli.words("set `wait: true` to wait") == "set `--wait true` to wait"
    assert cli.words("e.g. min-replicas: 3 and max-replicas: 3") == (
        "e.g. --min-replicas 3 and --max-replicas 3"
    )
    assert cli.words("of the function: set it") == "of the function: set it"
    assert cli.words("give `targets` or `owner`") == "give --targets-file or --owner"


# --- boolean flags -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "value"),
    [([], None), (["--wait"], "true"), (["--wait", "false"], "false"), (["--no-wait"], "false"),
     (["--wait", ""], ""), (["--wait", "--dry-run"], "true")],
)  # fmt: skip
def test_a_boolean_flag_takes_a_value_as_a_workflow_gives_it(
    argv: list[str], value: str | None
) -> None:
    assert cli.raw_inputs(cli.parser().parse_args(argv))["wait"] == value


def test_a_boolean_flag_s_value_is_checked_by_the_input_s_rule(sim: Simulator) -> None:
    proc = run_cli(sim, "--owner", "acme", "--function", "whisper", "--wait", "maybe")
    assert proc.returncode == 2
    assert "error: --wait must be a YAML boolean" in proc.stderr
    assert sim.state.requests == []


def test_the_negative_flag_takes_no_value(sim: Simulator) -> None:
    proc = run_cli(sim, "--owner", "acme", "--function", "whisper", "--no-wait", "true")
    assert proc.returncode == 2
    assert "--no-wait takes no value; give --wait false" in proc.stderr


# --- --json into --undo-file ----------------------------------------------------------------


def test_the_readme_lists_the_keys_json_prints() -> None:
    text = README.read_text()
    [listed] = re.findall(r"`--json`\s\(`\{([^}]*)\}`", text)
    assert [key.strip().strip('"') for key in listed.split(",")] == list(CLI_JSON_ALWAYS)
    extra = [key for key in CLI_JSON_KEYS if key not in CLI_JSON_ALWAYS]
    assert extra == ["drift", "review"]
    prose = " ".join(text.split())
    assert 'plus `"drift"` for a capacity step and `"review"` for a review' in prose


def _promote(sim: Simulator, tmp_path: Path, *extra: str) -> Path:
    function = sim.state.functions[("acme", "whisper")]
    function.versions.clear()
    sim.state.deploy("acme", "whisper", version_id=OLD, minimum_replicas=2, maximum_replicas=3)
    sim.state.deploy("acme", "whisper", version_id=NEW)
    proc = run_cli(sim, "--owner", "acme", "--function", "whisper", "--min-replicas", "1",
                   "--retire-previous", "--json", *extra)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    saved = tmp_path / "promotion.json"
    saved.write_text(proc.stdout)
    return saved


def _bounds(sim: Simulator, version_id: str) -> tuple[int, int | None]:
    [version] = [v for v in sim.state.functions[("acme", "whisper")].versions if v.id == version_id]
    return version.minimum_replicas, version.maximum_replicas


def test_json_output_goes_back_into_undo_file_whole(sim: Simulator, tmp_path: Path) -> None:
    saved = _promote(sim, tmp_path)
    assert _bounds(sim, OLD) == (0, 3) and _bounds(sim, NEW) == (1, 1)
    proc = run_cli(sim, "--undo-file", str(saved), "--min-replicas", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    assert (_bounds(sim, OLD), _bounds(sim, NEW)) == ((2, 3), (0, 1))
    assert json.loads(proc.stdout)["exit_code"] == 0


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"logs": []}, "has the key 'logs', which the action never writes"),
        ({"exit_code": "0"}, "exit_code: must be a whole number, got a string"),
        ({"dry_run": True}, "is the `--json` output of a dry run"),
        ({"problems": [1]}, "problems: must be an array of text"),
        ({"drift": {}}, "drift: must be an array, got an object"),
        ({"results": []}, "is `--json` output with no results"),
    ],
    ids=["unknown-key", "exit-code", "dry-run", "problems", "drift", "no-results"],
)
def test_json_output_is_read_strictly(
    sim: Simulator, tmp_path: Path, change: dict[str, object], said: str
) -> None:
    saved = _promote(sim, tmp_path)
    sim.state.requests.clear()
    saved.write_text(json.dumps(json.loads(saved.read_text()) | change))
    proc = run_cli(sim, "--undo-file", str(saved), "--min-replicas", "0")
    assert proc.returncode == 2
    assert f"error: --undo-file {said}" in proc.stderr or said in proc.stderr, proc.stderr
    assert sim.state.requests == []


def test_json_output_without_a_key_it_always_has_is_refused(sim: Simulator, tmp_path: Path) -> None:
    saved = _promote(sim, tmp_path)
    sim.state.requests.clear()
    document = json.loads(saved.read_text())
    del document["problems"]
    saved.write_text(json.dumps(document))
    proc = run_cli(sim, "--undo-file", str(saved), "--min-replicas", "0")
    assert (proc.returncode, sim.state.requests) == (2, [])
    assert "has no 'problems'" in proc.stderr
