"""Capacity on a clock, end to end: the real entrypoint, run as the runner runs it, under
a faked system clock (Debian's ``faketime``), against the simulator (its every exchange
checked against Sieve's OpenAPI document by the ``sim`` fixture).

Each rule of docs/capacity.md at an instant that tells it apart from its near misses,
a rerun that sends nothing, drift, a late change, a dry-run plan, and every mistake a
file can hold, each reported with its file, line and key before any request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from testkit.paths import ROOT
from testkit.runner import StepResult, faked_clock, parse_commands, run_step
from testkit.simulator import Simulator, SimVersion

from .conftest import KEY, edits

FILE = "sieve-capacity.yml"
WORKDAY = """\
timezone: Europe/Berlin
functions:
  acme/whisper:
    min: 0
    max: 4
    windows:
      - days: mon-fri
        from: "08:00"
        to: "20:00"
        min: 2
        max: 8
"""


def capacity(
    sim: Simulator, tmp_path: Path, at: str | None, text: str, **inputs: str
) -> StepResult:
    """Run the action with ``text`` as the capacity file, the clock at ``at`` (UTC)."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    (workspace / FILE).write_text(text, encoding="utf-8")
    given = {"api-key": KEY, "api-url": sim.url, "capacity-file": FILE}
    given.update({name.replace("_", "-"): value for name, value in inputs.items()})
    clock: dict[str, Any] = {} if at is None else faked_clock(at)
    result = run_step(given, tmp_path, **clock)
    assert KEY not in result.everything(), "the API key leaked"
    assert "Traceback" not in result.everything()
    return result


def version(sim: Simulator, name: str = "whisper") -> SimVersion:
    return sim.state.functions[("acme", name)].versions[0]


def bounds(sim: Simulator, name: str = "whisper") -> tuple[int, int | None]:
    found = version(sim, name)
    return found.minimum_replicas, found.maximum_replicas


def results(result: StepResult) -> dict[str, dict[str, Any]]:
    return {entry["target"]: entry for entry in json.loads(result.outputs["results"])}


def test_a_weekday_window_is_applied_and_a_rerun_sends_nothing(
    sim: Simulator, tmp_path: Path
) -> None:
    # Wednesday 2 December 2026, 10:00 in Berlin (09:00 UTC): inside mon-fri 08:00-20:00,
    # and the live bounds still the night's (the first run since 08:00).
    version(sim).maximum_replicas = 4
    result = capacity(sim, tmp_path, "2026-12-02 09:00:00", WORKDAY)
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (2, 8)
    assert edits(sim) == [{"minimum_replicas": 2, "maximum_replicas": 8}]
    entry = results(result)["acme/whisper@latest"]
    assert entry["changed"] is True
    assert entry["reason"] == "window mon-fri 08:00–20:00"
    assert entry["next_change"] == {"at": "2026-12-02T19:00:00Z", "min": 0, "max": 4}
    assert result.outputs["drift"] == "[]"
    summary = result.summary
    assert (
        "| acme/whisper@latest | 2..8 | window mon-fri 08:00–20:00 | 0..4 | changed to 2..8 | "
        "late: due 08:00, applied 10:00 (2 h 00 min late) |"
    ) in summary
    assert "| acme/whisper@latest | Wed 02 Dec 20:00 CET | 0..4 | baseline |" in summary
    # Wed 10-20, Thu, Fri, Mon, Tue 08-20, Wed 08-10: 60 hours at min 2.
    assert "total **120 replica-hours**" in summary
    # The next run, a minute later: the bounds hold, so nothing is sent.
    again = capacity(sim, tmp_path, "2026-12-02 09:01:00", WORKDAY)
    assert again.returncode == 0, again.stdout
    assert len(edits(sim)) == 1
    assert results(again)["acme/whisper@latest"]["changed"] is False
    assert "| no change | as scheduled |" in again.summary


NIGHT_SHIFT = """\
timezone: Europe/Berlin
holidays:
  country: DE
functions:
  acme/whisper:
    min: 0
    max: 4
    windows:
      - days: mon-fri
        from: "08:00"
        to: "20:00"
        min: 2
        max: 8
      - days: fri
        from: "22:00"
        to: "06:00"
        min: 3
"""


@pytest.mark.parametrize(
    ("at", "expected", "reason"),
    [
        # Saturday 5 December, 05:00 in Berlin: Friday's window runs into Saturday morning.
        ("2026-12-05 04:00:00", (3, 4), "window fri 22:00–06:00 (max from the baseline)"),
        # Saturday 26 December, 05:00: that window belongs to Friday 25th, Christmas Day,
        # and the holiday is why (named in English, whatever the runner's locale).
        ("2026-12-26 04:00:00", (0, 4), "holiday: Christmas Day"),
        # Friday 25 December, 10:00: a weekday window does not apply on a public holiday.
        ("2026-12-25 09:00:00", (0, 4), "holiday: Christmas Day"),
    ],
    ids=["across-midnight", "holiday-friday-night", "holiday-weekday"],
)
def test_a_window_across_midnight_and_holidays(
    sim: Simulator, tmp_path: Path, at: str, expected: tuple[int, int], reason: str
) -> None:
    version(sim).minimum_replicas, version(sim).maximum_replicas = 1, 1
    result = capacity(sim, tmp_path, at, NIGHT_SHIFT)
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == expected
    assert results(result)["acme/whisper@latest"]["reason"] == reason


def test_a_one_off_date_is_not_suppressed_by_its_holiday(sim: Simulator, tmp_path: Path) -> None:
    text = WORKDAY.replace("timezone: Europe/Berlin\n", "timezone: Europe/Berlin\nholidays:\n  "
                           "dates: [2026-12-31]\n") + (
        '      - date: 2026-12-31\n        from: "18:00"\n        to: "24:00"\n        min: 4\n'
    )  # fmt: skip
    # Thursday 31 December, 19:00 in Berlin: a holiday (no weekday window), and the date's.
    result = capacity(sim, tmp_path, "2026-12-31 18:00:00", text)
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (4, 4)
    entry = results(result)["acme/whisper@latest"]
    assert entry["reason"] == "window 2026-12-31 18:00–24:00 (max from the baseline)"
    assert entry["next_change"] == {"at": "2026-12-31T23:00:00Z", "min": 0, "max": 4}


def test_overlapping_windows_take_the_highest_of_each_bound(sim: Simulator, tmp_path: Path) -> None:
    text = """\
timezone: Europe/Berlin
functions:
  acme/whisper:
    min: 0
    max: 4
    windows:
      - {days: daily, from: "08:00", to: "20:00", min: 2, max: 4}
      - {days: mon-fri, from: "12:00", to: "14:00", min: 1, max: 10}
"""
    result = capacity(sim, tmp_path, "2026-12-02 12:30:00", text)  # 13:30 in Berlin
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (2, 10)
    entry = results(result)["acme/whisper@latest"]
    assert entry["reason"] == (
        "windows daily 08:00–20:00 and mon-fri 12:00–14:00 (the highest of each bound)"
    )
    assert entry["next_change"] == {"at": "2026-12-02T13:00:00Z", "min": 2, "max": 4}


OVERRIDE = WORKDAY + "    override:\n      min: 6\n      max: 12\n      until: 2026-12-02T18:00\n"


def test_an_active_override_wins(sim: Simulator, tmp_path: Path) -> None:
    # Live at the window's bounds: the override is not applied yet (late, not drift).
    version(sim).minimum_replicas, version(sim).maximum_replicas = 2, 8
    result = capacity(sim, tmp_path, "2026-12-02 09:00:00", OVERRIDE)
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (6, 12)
    entry = results(result)["acme/whisper@latest"]
    assert entry["reason"] == "override until 2026-12-02 18:00"
    assert entry["next_change"] == {"at": "2026-12-02T17:00:00Z", "min": 2, "max": 8}
    assert result.warnings() == []
    assert "late: the override was not applied yet; applied now" in result.summary


def test_an_expired_override_is_ignored_with_a_warning(sim: Simulator, tmp_path: Path) -> None:
    version(sim).minimum_replicas, version(sim).maximum_replicas = 2, 8
    result = capacity(sim, tmp_path, "2026-12-02 17:30:00", OVERRIDE)  # 18:30 in Berlin
    assert result.returncode == 0, result.stdout
    assert (bounds(sim), edits(sim)) == ((2, 8), [])
    assert results(result)["acme/whisper@latest"]["reason"] == "window mon-fri 08:00–20:00"
    [warning] = result.warnings()
    assert warning == (
        f"{FILE}:13: functions.acme/whisper.override: expired at 2026-12-02 18:00 "
        "(Europe/Berlin) and is ignored: remove it"
    )
    assert "remove it" in result.summary


DST = """\
timezone: {zone}
functions:
  acme/whisper:
    min: 0
    max: 4
    windows:
      - {{days: daily, from: "{start}", to: "05:00", min: 3}}
"""


@pytest.mark.parametrize(
    ("zone", "start", "at", "ends"),
    [
        # Berlin springs forward at 02:00 CET on 28 March 2027: 02:30 does not exist, so
        # the window opens at 03:00 CEST (01:00 UTC), not at 01:30 UTC.
        ("Europe/Berlin", "02:30", "2027-03-28 01:00:30", "2027-03-28T03:00:00Z"),
        # Berlin falls back at 03:00 CEST on 25 October 2026: 02:30 happens twice; the
        # first (00:30 UTC) opens the window, and 05:00 is CET (04:00 UTC).
        ("Europe/Berlin", "02:30", "2026-10-25 00:45:00", "2026-10-25T04:00:00Z"),
        # New York springs forward at 02:00 EST on 14 March 2027: 03:00 EDT, 07:00 UTC.
        ("America/New_York", "02:30", "2027-03-14 07:00:30", "2027-03-14T09:00:00Z"),
        # New York falls back at 02:00 EDT on 1 November 2026: 01:30 EDT is 05:30 UTC.
        ("America/New_York", "01:30", "2026-11-01 05:45:00", "2026-11-01T10:00:00Z"),
    ],
    ids=["berlin-spring", "berlin-fall", "new-york-spring", "new-york-fall"],
)
def test_daylight_saving_changes(
    sim: Simulator, tmp_path: Path, zone: str, start: str, at: str, ends: str
) -> None:
    result = capacity(sim, tmp_path, at, DST.format(zone=zone, start=start))
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (3, 4)
    entry = results(result)["acme/whisper@latest"]
    assert entry["reason"] == f"window daily {start}–05:00 (max from the baseline)"
    assert entry["next_change"] == {"at": ends, "min": 0, "max": 4}


def test_bounds_changed_by_hand_are_drift_and_set_back(sim: Simulator, tmp_path: Path) -> None:
    version(sim).minimum_replicas, version(sim).maximum_replicas = 5, 9
    result = capacity(sim, tmp_path, "2026-12-02 09:00:00", WORKDAY)
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (2, 8)
    assert json.loads(result.outputs["drift"]) == [
        {
            "function": "acme/whisper@latest",
            "live": {"min": 5, "max": 9},
            "intended": {"min": 2, "max": 8},
            "since": "2026-12-02T07:00:00Z",
        }
    ]
    [warning] = result.warnings()
    assert warning.startswith("acme/whisper@latest: drift: live 5..9 match neither")
    assert warning.endswith("; set back")


def test_a_late_change_says_how_late(sim: Simulator, tmp_path: Path) -> None:
    # Still at the window's bounds at 20:31 in Berlin: the 20:00 change is late.
    version(sim).minimum_replicas, version(sim).maximum_replicas = 2, 8
    result = capacity(sim, tmp_path, "2026-12-02 19:31:00", WORKDAY)
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (0, 4)
    assert result.outputs["drift"] == "[]"
    assert "late: due 20:00, applied 20:31 (31 min late)" in result.summary
    assert result.warnings() == []
    assert "acme/whisper@latest: late: due 20:00, applied 20:31 (31 min late)" in result.stdout


def test_a_dry_run_is_the_plan_and_sends_nothing(sim: Simulator, tmp_path: Path) -> None:
    result = capacity(sim, tmp_path, "2026-12-02 09:00:00", WORKDAY, dry_run="true")
    assert result.returncode == 0, result.stdout
    assert edits(sim) == []
    assert bounds(sim) == (0, 1)
    entry = results(result)["acme/whisper@latest"]
    assert (entry["changed"], entry["min_replicas"], entry["max_replicas"]) == (True, 2, 8)
    summary = result.summary
    assert "### Sieve capacity (dry run: the plan, nothing was sent)" in summary
    assert "| would change to 2..8 |" in summary
    assert "| acme/whisper@latest | Thu 03 Dec 08:00 CET | 2..8 | window mon-fri 08:00–20:00 |" in (
        summary
    )


MISTAKES = """\
timezone: Europe/Berlln
holidays:
  country: XX
functions:
  acme/whisper:
    min: 0
    windws: []
    override: {min: 1, max: 2, until: "18:00"}
  acme/Whisper:
    min: 0
  acme/llama:
    min: 0
    windows:
      - {days: mon-fri, from: 8am, to: "20:00", min: 1}
  acme/speech:
    min: 0
    windows:
      - {days: daily, from: "08:00", to: "20:00", max: 1}
      - {days: mon, from: "10:00", to: "11:00", min: 3}
"""


def _error_commands(result: StepResult) -> list[tuple[str, str, str]]:
    return [
        (c.properties.get("file", ""), c.properties.get("line", ""), c.message)
        for c in result.commands
        if c.name == "error"
    ]


def test_every_mistake_names_the_file_line_and_key_before_any_request(
    sim: Simulator, tmp_path: Path
) -> None:
    result = capacity(sim, tmp_path, None, MISTAKES)
    assert result.returncode == 2, result.stdout
    assert sim.state.requests == []
    found = {(file, line): message for file, line, message in _error_commands(result)}
    prefix = f"Input `capacity-file` in {FILE}:"
    expected = {
        "1": "timezone: is not a known IANA time zone, got 'Europe/Berlln' (did you mean "
        "Europe/Berlin?)",
        "3": "holidays.country: is not a country the `holidays` library knows, got 'XX'",
        "7": "functions.acme/whisper.windws: is not a known key (did you mean `windows`?)",
        "8": "functions.acme/whisper.override.until: must be a date as well as a time",
        "9": "functions.acme/Whisper: names the same function version as line 5",
        "14": "functions.acme/llama.windows[0].from: must be HH:MM (00:00 to 23:59), got '8am'",
        "19": "functions.acme/speech.windows[1]: can be active together with windows[0]",
    }
    for line, words in expected.items():
        message = found.get((FILE, line), "")
        assert message.startswith(f"{prefix}{line}: "), (line, found)
        assert words in message, (line, message)
    assert len(found) == len(expected), found
    assert "nothing was sent" in result.summary
    assert result.outputs["results"] == "[]"
    assert result.outputs["changed"] == "false"


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("- acme/whisper\n- acme/llama\n", f"{FILE}:1: must be a mapping of"),
        (BOMB, f"{FILE}:1: uses a YAML anchor or alias"),
        ("functions:\n" + "#" * (1024 * 1024), f"{FILE}: is larger than 1 MiB"),
        ("functions: {acme/whisper: {min: 0}\n", f"{FILE}:2: is not valid YAML"),
    ],
    ids=["not-a-mapping", "alias-bomb", "over-1-MiB", "not-yaml"],
)
def test_a_file_that_is_not_a_schedule_is_refused(
    sim: Simulator, tmp_path: Path, text: str, words: str
) -> None:
    result = capacity(sim, tmp_path, None, text)
    assert result.returncode == 2, result.stdout
    assert sim.state.requests == []
    [error] = result.errors()
    assert error.startswith(f"Input `capacity-file` in {words}"), error


def test_a_missing_file_and_inputs_the_schedule_decides_are_refused(
    sim: Simulator, tmp_path: Path
) -> None:
    result = capacity(sim, tmp_path, None, WORKDAY, capacity_file="nope.yml", owner="acme")
    assert result.returncode == 2, result.stdout
    assert sim.state.requests == []
    [error] = result.errors()
    assert error.startswith("Input `capacity-file` cannot be combined with `owner`: give one")
    result = capacity(sim, tmp_path, None, WORKDAY, capacity_file="nope.yml")
    [error] = result.errors()
    assert error.startswith("Input `capacity-file` in nope.yml: cannot be read: No such file")
    result = capacity(sim, tmp_path, None, WORKDAY, capacity="functions: {}")
    [error] = result.errors()
    assert error.startswith("Input `capacity` cannot be combined with `capacity-file`: give one")


def test_inline_capacity_names_its_line(sim: Simulator, tmp_path: Path) -> None:
    result = capacity(
        sim,
        tmp_path,
        None,
        "",
        capacity_file="",
        capacity="functions:\n  acme/whisper:\n    mn: 1\n",
    )
    assert result.returncode == 2, result.stdout
    unknown, required = result.errors()
    assert unknown.startswith("Input `capacity` line 3: functions.acme/whisper.mn: is not a known")
    assert required == (
        "Input `capacity` line 2: functions.acme/whisper.min: is required: the bounds outside "
        "every window"
    )


def test_the_cli_takes_a_capacity_file(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / FILE
    path.write_text(WORKDAY, encoding="utf-8")
    version(sim).minimum_replicas, version(sim).maximum_replicas = 5, 9
    clock = faked_clock("2026-12-02 09:00:00")
    command = [sys.executable, "-m", "sieve_action", "--capacity-file", FILE, "--json"]
    command += ["--api-url", sim.url]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "SIEVE_API_KEY": KEY}
    done = subprocess.run(
        [*clock["wrapper"], *command],
        cwd=tmp_path,
        env={**env, **clock["env"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["results"][0]["reason"] == "window mon-fri 08:00–20:00"
    assert document["drift"][0]["live"] == {"min": 5, "max": 9}
    assert bounds(sim) == (2, 8)
    assert parse_commands(done.stdout) == []
