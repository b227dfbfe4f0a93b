"""Undo a promotion (issue 15, part 3): the versions a promotion retired get their
previous minimum back and the version that replaced them the bounds given, end to end
through the real entrypoint against the simulator; refused with nothing sent when the
JSON is not what the action wrote or a listed version is gone; a second undo sends
nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.paths import ROOT
from testkit.simulator import Simulator

from .conftest import KEY, VERSION_ID, Step

OLD = "00000000-0000-4000-8000-00000000a001"
OLDER = "00000000-0000-4000-8000-00000000a000"
NEW = "00000000-0000-4000-8000-00000000a002"


def edits(sim: Simulator) -> list[dict[str, object]]:
    return [json.loads(r["body"]) for r in sim.state.requests if r["path"].endswith("/edit")]


def bounds(sim: Simulator, version_id: str, function: str = "whisper") -> tuple[int, int | None]:
    [version] = [v for v in sim.state.functions[("acme", function)].versions if v.id == version_id]
    return version.minimum_replicas, version.maximum_replicas


@pytest.fixture
def promoted(sim: Simulator, step: Step) -> str:
    """A real promotion: NEW raised to 1..4, the two earlier warm versions retired. Its
    ``retired`` output."""
    sim.state.functions[("acme", "whisper")].versions.clear()
    sim.state.deploy("acme", "whisper", version_id=OLDER, minimum_replicas=2, maximum_replicas=3)
    sim.state.deploy("acme", "whisper", version_id=OLD, minimum_replicas=1, maximum_replicas=2)
    sim.state.deploy("acme", "whisper", version_id=NEW)
    result = step(min_replicas="1", max_replicas="4", wait="true", retire_previous="true",
                  poll_interval="0.05")  # fmt: skip
    assert result.returncode == 0, result.stdout
    assert bounds(sim, OLD) == (0, 2) and bounds(sim, OLDER) == (0, 3)
    sim.state.requests.clear()
    return result.outputs["retired"]


def test_an_undo_sets_the_retired_versions_back_and_the_new_one_to_zero(
    sim: Simulator, step: Step, promoted: str
) -> None:
    assert json.loads(promoted) == [
        {"version_id": OLD, "previous_min_replicas": 1},
        {"version_id": OLDER, "previous_min_replicas": 2},
    ]
    result = step(undo=promoted, min_replicas="0")
    assert result.returncode == 0, result.stdout
    assert (bounds(sim, NEW), bounds(sim, OLD), bounds(sim, OLDER)) == ((0, 4), (1, 2), (2, 3))
    assert sorted(map(str, edits(sim))) == sorted(
        map(str, [{"minimum_replicas": 0}, {"minimum_replicas": 1}, {"minimum_replicas": 2}])
    )
    assert result.outputs["changed"] == "true"
    results = json.loads(result.outputs["results"])
    assert [(r["version_id"], r["previous_min_replicas"], r["min_replicas"]) for r in results] == [
        (NEW, 1, 0),
        (OLD, 0, 1),
        (OLDER, 0, 2),
    ]
    assert set(result.outputs) == {"changed", "results", "restored"}
    assert result.summary.startswith("### ✅ Undo of a promotion\n")
    assert "2 of 2 retired versions went back to their previous minimum" in result.summary
    assert f"| ✅ | acme/whisper | {OLD} | retired; back to minimum 1 | 0 → 1 | 2 | changed |" in (
        result.summary
    )
    assert f"| ✅ | acme/whisper | {NEW} | replaced them | 1 → 0 | 4 | changed |" in result.summary
    assert "undo of a promotion: 2 retired versions to set back, 1 replacing" in result.stdout

    again = step(undo=promoted, min_replicas="0")  # idempotent: nothing to send
    assert again.returncode == 0
    assert len(edits(sim)) == 3
    assert again.outputs["changed"] == "false"


def test_no_bounds_given_leaves_the_replacing_version_as_it_is(
    sim: Simulator, step: Step, promoted: str
) -> None:
    result = step(undo=promoted, version=NEW)
    assert result.returncode == 0, result.stdout
    assert bounds(sim, NEW) == (1, 4) and bounds(sim, OLD) == (1, 2)
    assert len(edits(sim)) == 2


def test_a_dry_run_sends_nothing_and_says_what_it_would_do(
    sim: Simulator, step: Step, promoted: str
) -> None:
    result = step(undo=promoted, min_replicas="0", dry_run="true")
    assert result.returncode == 0
    assert edits(sim) == []
    assert result.outputs["changed"] == "true"
    assert "Undo of a promotion (dry run: nothing was sent)" in result.summary
    assert "retired versions would go back" in result.summary


def test_a_listed_version_deleted_since_changes_nothing(
    sim: Simulator, step: Step, promoted: str
) -> None:
    versions = sim.state.functions[("acme", "whisper")].versions
    versions[:] = [v for v in versions if v.id != OLDER]
    result = step(undo=promoted, min_replicas="0")
    assert result.returncode == 1
    assert edits(sim) == []
    assert bounds(sim, NEW) == (1, 4) and bounds(sim, OLD) == (0, 2)
    errors = result.errors()
    assert len(errors) == 3
    assert all("nothing was changed" in error for error in errors)
    assert all(OLDER in error for error in errors)
    assert any("404" in error for error in errors)
    assert result.outputs["changed"] == "false"


def test_a_minimum_above_the_maximum_set_since_changes_nothing(
    sim: Simulator, step: Step, promoted: str
) -> None:
    [older] = [v for v in sim.state.functions[("acme", "whisper")].versions if v.id == OLDER]
    older.maximum_replicas = 1  # someone lowered it below the minimum to set back (2)
    result = step(undo=promoted, min_replicas="0")
    assert result.returncode == 1
    assert edits(sim) == []
    assert "its maximum is now 1, below the minimum 2 the undo would set back" in "\n".join(
        result.errors()
    )


def test_latest_being_a_listed_version_changes_nothing(sim: Simulator, step: Step) -> None:
    retired = json.dumps([{"version_id": VERSION_ID, "previous_min_replicas": 1}])
    result = step(undo=retired, min_replicas="0")  # latest *is* the version listed
    assert result.returncode == 1
    assert edits(sim) == []
    assert "give `version`: the ID of the version that replaced them" in result.errors()[0]


def test_the_results_form_names_each_replacing_version(sim: Simulator, step: Step) -> None:
    sim.state.deploy("acme", "diarize", version_id=OLD, minimum_replicas=1, maximum_replicas=2)
    sim.state.deploy("acme", "diarize", version_id=NEW)
    promoted = step(
        targets="acme/whisper min=1\nacme/diarize@latest min=1",
        owner=None,
        function=None,
        retire_previous="true",
    )
    assert promoted.returncode == 0, promoted.stdout
    assert bounds(sim, OLD, "diarize") == (0, 2)
    sim.state.requests.clear()
    result = step(undo=promoted.outputs["results"], owner=None, function=None, min_replicas="0")
    assert result.returncode == 0, result.stdout
    assert bounds(sim, OLD, "diarize") == (1, 2)
    assert bounds(sim, NEW, "diarize") == (0, 1)
    assert bounds(sim, VERSION_ID) == (0, 1)
    labels = [r["target"] for r in json.loads(result.outputs["results"])]
    assert labels == [f"acme/whisper@{VERSION_ID}", f"acme/diarize@{NEW}", f"acme/diarize@{OLD}"]
    assert len(edits(sim)) == 3  # whisper retired nothing, yet its raise is undone too


ONE = [{"version_id": OLD, "previous_min_replicas": 1}]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("[]", "is an empty array: the step it comes from retired nothing"),
        ("{", "it is not JSON"),
        (json.dumps(ONE[0]), "must be the `retired` output of an earlier step"),
        ('[{"version_id": "x", "previous_min_replicas": NaN}]', "NaN is not a JSON number"),
        (json.dumps([{**ONE[0], "cost": 1}]), "[0]: has the key 'cost', which the action never"),
        (json.dumps([{"version_id": OLD}]), "[0]: has no 'previous_min_replicas'"),
        (json.dumps([[OLD, 1]]), "[0]: must be an object, got an array"),
        (json.dumps([{**ONE[0], "version_id": "latest"}]), "[0].version_id: must be a version ID"),
        (json.dumps([{**ONE[0], "version_id": "a/b"}]), "[0].version_id: must be a version ID"),
        (json.dumps([{**ONE[0], "version_id": 7}]), "got 7"),
        (json.dumps([{**ONE[0], "previous_min_replicas": -1}]), "must be a whole number from 0"),
        (json.dumps([{**ONE[0], "previous_min_replicas": 1.5}]), "got 1.5"),
        (json.dumps([{**ONE[0], "previous_min_replicas": True}]), "got true"),
        (json.dumps([{**ONE[0], "previous_min_replicas": 2**31}]), "got 2147483648"),
        (json.dumps(ONE + ONE), f"names version {OLD} twice"),
        (
            json.dumps([{"target": "acme/whisper", "version_id": NEW, "retired": ONE}]),
            "[0].target: must be `owner/function@version`",
        ),
        (
            json.dumps([{"target": "acme/whisper@latest", "version_id": NEW, "retired": []}]),
            "lists no retired version in any `retired` list",
        ),
        (
            json.dumps([{"target": "acme/whisper@x", "version_id": NEW, "retired": [], "c": 0}]),
            "[0]: has the key 'c'",
        ),
        (
            json.dumps([{"target": "acme/whisper@latest", "version_id": None, "retired": ONE}]),
            "[0].version_id: must be a version ID",
        ),
    ],
)
def test_a_json_the_action_did_not_write_is_refused_with_nothing_sent(
    sim: Simulator, step: Step, value: str, why: str
) -> None:
    named = '"target"' in value
    result = step(
        undo=value, owner=None if named else "acme", function=None if named else "whisper"
    )
    assert result.returncode == 2, result.stdout
    assert sim.state.requests == []
    [error] = result.errors()
    assert error.startswith("Input `undo` "), error
    assert why in error
    assert "Traceback" not in result.stdout + result.stderr
    assert result.outputs == {"changed": "false", "results": "[]"}


@pytest.mark.parametrize(
    ("inputs", "named"),
    [
        ({"targets": "acme/whisper", "owner": None, "function": None}, "`targets`"),
        ({"retire_previous": "true"}, "`retire-previous: true`"),
        ({"smoke_test": '{"text": "hi"}'}, "`smoke-test`"),
    ],
)
def test_an_undo_cannot_be_combined_with_a_promotion(
    sim: Simulator, step: Step, inputs: dict[str, str | None], named: str
) -> None:
    result = step(undo=json.dumps(ONE), **inputs)
    assert result.returncode == 2
    assert sim.state.requests == []
    [error] = result.errors()
    assert error.startswith(f"Input `undo` cannot be combined with {named}")


def test_the_results_form_refuses_owner_and_function(sim: Simulator, step: Step) -> None:
    value = json.dumps([{"target": "acme/whisper@latest", "version_id": NEW, "retired": ONE}])
    result = step(undo=value)
    assert result.returncode == 2
    assert sim.state.requests == []
    assert (
        "cannot be combined with `owner`, `function` (a `results` output names"
        in (result.errors()[0])
    )


def cli(sim: Simulator, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sieve_action", "--api-url", sim.url, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env={"SIEVE_API_KEY": KEY, "PATH": "", "PYTHONPATH": str(ROOT)},
    )


def test_the_cli_reads_the_undo_from_a_file_or_stdin(
    sim: Simulator, promoted: str, tmp_path: Path
) -> None:
    path = tmp_path / "retired.json"
    path.write_text(promoted)
    common = ("--owner", "acme", "--function", "whisper", "--min-replicas", "0")
    proc = cli(sim, *common, "--undo-file", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert [r["min_replicas"] for r in document["results"]] == [0, 1, 2]
    again = cli(sim, *common, "--undo-file", "-", stdin=promoted)
    assert again.returncode == 0, again.stderr
    assert "(unchanged)" in again.stdout and len(edits(sim)) == 3
    bad = cli(sim, *common, "--undo-file", "-", stdin="[]")
    assert bad.returncode == 2
    assert "--undo-file is an empty array" in bad.stderr
    missing = cli(sim, *common, "--undo-file", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert f"--undo-file: cannot read {tmp_path / 'nope.json'}" in missing.stderr
