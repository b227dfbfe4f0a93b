"""The command-line tool: flags named like the inputs, documented exit codes, ``--json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.paths import ROOT
from testkit.runner import parse_commands
from testkit.simulator import Simulator

from .conftest import KEY, VERSION_ID, edits


def cli(
    sim: Simulator,
    *args: str,
    key: str | None = KEY,
    github: bool = False,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    if key is not None:
        env["SIEVE_API_KEY"] = key
    if github:
        env["GITHUB_ACTIONS"] = "true"
    proc = subprocess.run(
        [sys.executable, "-m", "sieve_action", "--api-url", sim.url, *args],
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )
    visible = [
        line
        for line in (proc.stdout + proc.stderr).splitlines()
        if not line.startswith("::add-mask")
    ]
    assert KEY not in "\n".join(visible)
    return proc


def test_success_prints_one_line_per_target_and_exits_0(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--min-replicas", "1")
    assert proc.returncode == 0, proc.stderr
    assert (
        proc.stdout == f"acme/whisper@latest → {VERSION_ID}: replicas 1..1 (changed), build ready\n"
    )
    assert "::" not in proc.stdout + proc.stderr  # no workflow commands outside GitHub


def test_json_shape(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--max-replicas", "4", "--json")
    document = json.loads(proc.stdout)
    assert document["exit_code"] == 0
    assert document["dry_run"] is False
    [result] = document["results"]
    assert set(result) == {
        "target",
        "version_id",
        "build_status",
        "min_replicas",
        "max_replicas",
        "previous_min_replicas",
        "previous_max_replicas",
        "changed",
        "error",
        "smoke_test",
        "retired",
        "restored",
    }
    assert result["max_replicas"] == 4
    assert (result["smoke_test"], result["retired"]) == (None, [])


def test_bad_input_exits_2_naming_the_flag(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--min-replicas", "-3")
    assert proc.returncode == 2
    assert "error: --min-replicas must be a whole number" in proc.stderr
    assert sim.state.requests == []


def test_missing_key_exits_2(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", key=None)
    assert proc.returncode == 2
    assert "SIEVE_API_KEY is not set" in proc.stderr


def test_failure_at_sieve_exits_1(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "nope", "--min-replicas", "1")
    assert proc.returncode == 1
    assert "404" in proc.stderr


def test_wait_timeout_exits_3(sim: Simulator) -> None:
    sim.state.deploy("acme", "whisper", build_seconds=60)
    proc = cli(
        sim,
        "--owner",
        "acme",
        "--function",
        "whisper",
        "--wait",
        "--wait-timeout",
        "0.3",
        "--poll-interval",
        "0.1",
    )
    assert proc.returncode == 3
    assert "waited" in proc.stderr


def test_targets_file_from_stdin_with_dry_run(sim: Simulator) -> None:
    sim.state.deploy("acme", "llama")
    proc = cli(
        sim,
        "--targets-file",
        "-",
        "--dry-run",
        "--json",
        stdin="acme/whisper min=1\nacme/llama max=3\n",
    )
    assert proc.returncode == 0
    assert [r["changed"] for r in json.loads(proc.stdout)["results"]] == [True, True]
    assert edits(sim) == []


def test_targets_file_that_cannot_be_read_exits_2(sim: Simulator, tmp_path: Path) -> None:
    proc = cli(sim, "--targets-file", str(tmp_path / "missing.txt"))
    assert proc.returncode == 2
    assert "--targets-file" in proc.stderr


def test_under_github_actions_errors_are_workflow_commands_and_json_stays_clean(
    sim: Simulator,
) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "nope", "--json", github=True)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["exit_code"] == 1  # nothing else on stdout
    commands = parse_commands(proc.stderr)
    assert (commands[0].name, commands[0].message) == ("add-mask", KEY)
    assert any(c.name == "error" and "404" in c.message for c in commands)


@pytest.mark.parametrize(
    "flag", ["--owner", "--min-replicas", "--targets-file", "--wait", "--dry-run", "--json"]
)
def test_help_lists_flags_named_like_the_inputs(sim: Simulator, flag: str) -> None:
    proc = cli(sim, "--help")
    assert flag in proc.stdout


def test_the_cli_smoke_tests_and_cools_down_like_the_action(sim: Simulator) -> None:
    function = sim.state.functions[("acme", "whisper")]
    newest = function.versions.pop(0)
    earlier = sim.state.deploy("acme", "whisper", minimum_replicas=2).id
    function.versions.insert(0, newest)
    proc = cli(
        sim, "--owner", "acme", "--function", "whisper", "--min-replicas", "1",
        "--smoke-test", '{"text": "hi"}', "--retire-previous", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)["results"]
    assert result["smoke_test"]["status"] == "finished"
    assert result["retired"] == [{"version_id": earlier, "previous_min_replicas": 2}]


# --- the CLI's own conventions and words (issue 14, point 4) ---------------------------------


def test_version_prints_the_program_s_version(sim: Simulator) -> None:
    from sieve_action import __version__

    proc = cli(sim, "--version")
    assert (proc.returncode, proc.stdout) == (0, f"sieve-action {__version__}\n")
    assert sim.state.requests == []


def test_the_function_version_has_a_flag_of_its_own(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--function-version", "41b83e76")
    assert proc.returncode == 0, proc.stderr
    assert sim.state.requests[0]["path"].endswith("/versions/41b83e76")
    bad = cli(sim, "--owner", "acme", "--function", "whisper", "--function-version", "v/1")
    assert bad.returncode == 2
    assert "error: --function-version must be `latest` or a version ID" in bad.stderr


def test_messages_name_inputs_as_flags(sim: Simulator) -> None:
    proc = cli(sim, "--wait-for", "replicas")
    assert proc.returncode == 2
    assert "--owner is required (or give --targets-file, one owner/function" in proc.stderr
    assert "--wait-for is `replicas` but --wait is false: set `--wait true`" in proc.stderr
    assert "`targets`" not in proc.stderr and "`wait`" not in proc.stderr


def test_a_conflict_suggests_flags(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--min-replicas", "3")
    assert proc.returncode == 1
    assert "set both, e.g. --min-replicas 3 and --max-replicas 3" in proc.stderr


def test_a_refused_step_still_prints_its_problems_as_json(sim: Simulator) -> None:
    proc = cli(sim, "--owner", "acme", "--function", "whisper", "--min-replicas", "x", "--json")
    assert proc.returncode == 2
    document = json.loads(proc.stdout)
    assert document["results"] == [] and document["exit_code"] == 2
    [problem] = document["problems"]
    assert problem.startswith("--min-replicas must be a whole number")


def test_the_cli_writes_utf8_whatever_the_locale(sim: Simulator, tmp_path: Path) -> None:
    sim.state.deploy("acme", "whisper")
    (tmp_path / "cap.yml").write_text(
        "functions:\n  acme/whisper:\n    min: 0\n    windows:\n"
        "      - {days: daily, from: '00:00', to: '24:00', min: 1}\n"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "SIEVE_API_KEY": KEY,
           "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "latin-1"}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "sieve_action", "--api-url", sim.url, "--capacity-file", "cap.yml"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # The window's label (00:00–24:00) on stderr, the closing line's arrow on stdout.
    assert "00:00–24:00" in proc.stderr.decode("utf-8")
    assert "→" in proc.stdout.decode("utf-8")
