"""The hostile world, declared intent: the capacity file, restore and undo, and the typo
that must never pass green, each case run against the real entrypoint the way the runner
runs it (the CLI's cases through its own command).

Each case asserts its outcome and returns it in words; the third part of
``docs/reliability.md`` is generated from them (``UPDATE_RELIABILITY=1``), after
``tests/test_hostile.py``'s. Then a property: whatever the capacity, undo and restore
inputs, a step refuses before any request or runs, never ends in a traceback, and always
writes its outputs and a summary under GitHub's 1 MiB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit.paths import ROOT
from testkit.runner import StepResult
from testkit.simulator import Fault, Simulator

from .conftest import KEY, VERSION_ID
from .hostile import PARTS, STEP, Case, check_part, no_part_of, registry, render, said, step

CASES, case = registry()
OLDER = "0f7e1d2c-0000-4000-8000-000000000001"
#: A proxy password shorter than a key: scrubbed and never quoted all the same.
PASSWORD = "pr0xy-pa55word"
PROXY = {"HTTPS_PROXY": f"http://user:{PASSWORD}@127.0.0.1:9"}
FUNCTIONS = "functions:\n  acme/whisper: {min: 0, max: 2}\n"


def workspace(tmp: Path) -> Path:
    """The step's GITHUB_WORKSPACE (testkit.runner lays it out there)."""
    path = tmp / "workspace"
    path.mkdir(parents=True, exist_ok=True)
    return path


def refused(result: StepResult, *fragments: str) -> str:
    """Exit 2 with outputs and a summary, the message holding ``fragments``, in words."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.outputs["changed"] == "false" and result.outputs["results"] == "[]"
    assert "nothing was sent" in result.summary
    return said(result.errors(), *fragments)


LEAK = "A secret in or beside the capacity file"


@case("capacity-key", LEAK, "the key inside a `timezone`, `days` and `from` value of the file")
def _capacity_key(tmp: Path) -> str:
    values = {
        "timezone": f'timezone: "Zone/abcdefghijklmnopqrstuvwxyz-{KEY}"\n' + FUNCTIONS,
        "days": "functions:\n  acme/whisper:\n    min: 0\n    windows:\n"
        f'      - {{days: "mon-fri{KEY}", from: "08:00", to: "20:00", min: 1}}\n',
        "from": "functions:\n  acme/whisper:\n    min: 0\n    windows:\n"
        f'      - {{days: mon, from: "0{KEY}", to: "20:00", min: 1}}\n',
    }
    words = []
    for name, text in values.items():
        (workspace(tmp / name) / "cap.yml").write_text(text)
        result, _ = step(tmp / name, {"api-key": KEY, "capacity-file": "cap.yml"})
        no_part_of(KEY, result.everything())
        words.append(refused(result, "holds the API key", "(not shown)"))
    return f"refused: exit 2, «{words[0]}» (each on its line); no 8 characters of the key"


@case("capacity-proxy", LEAK, f"a proxy password (`{PASSWORD}`) inside a capacity `timezone`")
def _capacity_proxy(tmp: Path) -> str:
    text = f'timezone: "Europe/{PASSWORD}-and-enough-text-to-be-cut"\n' + FUNCTIONS
    (workspace(tmp) / "cap.yml").write_text(text)
    result, _ = step(tmp, {"api-key": KEY, "capacity-file": "cap.yml"}, PROXY)
    no_part_of(PASSWORD, result.everything())
    return f"refused: exit 2, «{refused(result, 'not shown')}»; no 8 characters of it"


@case("input-proxy", LEAK, "a proxy password inside `owner`, an input quoted in its error")
def _input_proxy(tmp: Path) -> str:
    result, _ = step(tmp, {**STEP, "owner": f"{PASSWORD}/x"}, PROXY)
    no_part_of(PASSWORD, result.everything())
    return f"refused: exit 2, «{refused(result, '`owner`')}»; no 8 characters of it"


CRASH = "Capacity, undo and restore inputs that once crashed or hung"


@case("undo-capacity", CRASH, "`undo` together with `capacity`")
def _undo_capacity(tmp: Path) -> str:
    undo = json.dumps([{"version_id": OLDER, "previous_min_replicas": 1}])
    with Simulator(KEY) as sim:
        inputs = {"api-key": KEY, "api-url": sim.url, "undo": undo, "capacity": FUNCTIONS}
        result, _ = step(tmp, inputs)
        requests = len(sim.state.requests)
    assert requests == 0 and result.outputs["drift"] == "[]"
    return f"refused before any request: exit 2, «{refused(result, '`undo`')}»"


@case("fifo", CRASH, "`capacity-file` names a FIFO that no one writes to")
def _fifo(tmp: Path) -> str:
    os.mkfifo(workspace(tmp) / "pipe.yml")
    result, seconds = step(tmp, {"api-key": KEY, "capacity-file": "pipe.yml"})
    assert seconds < 30, seconds  # a read of the FIFO would never end
    return f"refused at once: exit 2, «{refused(result, 'regular file')}»"


@case(
    "outside",
    CRASH,
    "`capacity-file` is `/etc/passwd`, `../outside.yml`, or a link in the workspace to "
    "`/etc/passwd`",
)
def _outside(tmp: Path) -> str:
    (tmp / "outside.yml").write_text(FUNCTIONS)
    link = workspace(tmp / "link") / "cap.yml"
    link.symlink_to("/etc/passwd")
    words = []
    for name, path in (("abs", "/etc/passwd"), ("up", "../../outside.yml"), ("link", "cap.yml")):
        result, _ = step(tmp / name, {"api-key": KEY, "capacity-file": path})
        assert "root:" not in result.everything()  # nothing of the file is quoted
        words.append(refused(result, "inside the workspace"))
    return f"refused, nothing read: exit 2, «{words[0]}»"


REPORT = "Reports that say what happened"


def _conflicting(functions: int, windows: int) -> str:
    """Each function: half its windows with a min of 5 and no max, half with a max of 1,
    all at the same hours: every pair of the two halves breaks min <= max."""
    lines = ["functions:"]
    for n in range(functions):
        lines += [f"  acme/f{n}:", "    min: 0", "    windows:"]
        lines += ["      - {days: daily, from: '08:00', to: '20:00', min: 5}"] * (windows // 2)
        lines += ["      - {days: daily, from: '09:00', to: '10:00', max: 1}"] * (windows // 2)
    return "\n".join(lines) + "\n"


@case(
    "conflicts",
    REPORT,
    "40 functions, each with 50 windows whose 625 pairs conflict (25,000 pairs)",
)
def _conflicts(tmp: Path) -> str:
    (workspace(tmp) / "cap.yml").write_text(_conflicting(40, 50))
    result, _ = step(tmp, {"api-key": KEY, "capacity-file": "cap.yml"})
    errors = result.errors()
    size = len(result.summary.encode())
    assert len(errors) <= 51 and size < 64 * 1024, (len(errors), size)
    more = said(errors, "more mistakes not shown")
    return (
        f"refused: exit 2, {len(errors)} errors, a {size // 1024} KiB summary; the last: «{more}»"
    )


@case("windows", REPORT, "one function with 10,000 windows")
def _windows(tmp: Path) -> str:
    (workspace(tmp) / "cap.yml").write_text(_conflicting(1, 10_000))
    result, seconds = step(tmp, {"api-key": KEY, "capacity-file": "cap.yml"})
    assert len(result.errors()) == 1 and seconds < 30, seconds
    return f"refused at once: exit 2, «{refused(result, 'windows')}»"


@case("fleet-restore", REPORT, "a fleet of two raised, one build ending in `error`")
def _fleet_restore(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper")
        sim.state.deploy("acme", "speech", fails=True)
        targets = "acme/whisper min=1\nacme/speech min=1"
        inputs = {"api-key": KEY, "api-url": sim.url, "targets": targets, "wait": "true"}
        result, _ = step(tmp, inputs)
    assert result.returncode == 1 and result.outputs["restored"] == "true"
    row = next(line for line in result.summary.splitlines() if "acme/speech" in line)
    assert "back to 0..1 after its build ended in <code>error</code>" in row, row
    return "failed: exit 1; `restored` is `true`; the failed target's row says it went back to 0..1"


@case("undo-restore", REPORT, "an undo with `wait: true` whose replacing version never builds")
def _undo_restore(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=OLDER, maximum_replicas=2)
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID).forced_status = "building"
        undo = json.dumps([{"version_id": OLDER, "previous_min_replicas": 2}])
        inputs = {**STEP, "api-url": sim.url, "version": VERSION_ID, "undo": undo,
                  "wait": "true", "wait-timeout": "1", "poll-interval": "0.1"}  # fmt: skip
        result, _ = step(tmp, inputs)
    assert result.returncode == 3 and result.outputs["restored"] == "true"
    row = next(line for line in result.summary.splitlines() if VERSION_ID in line)
    assert "back to 0..1 after its wait ran out" in row, row
    return "timed out: exit 3; `restored` is `true`; the replacing version's row says it went back"


@case("unmet-edit", REPORT, "an edit answered 200 that holds the old bounds")
def _unmet_edit(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        sim.state.inject(Fault("stale", method="POST"))
        result, _ = step(tmp, {**STEP, "api-url": sim.url})
    assert result.returncode == 1 and result.outputs["restored"] == "false"
    assert "changed since" not in result.everything()  # no one else changed anything
    assert "| Restored | nothing to set back: the step raised no bound |" in result.summary
    return "failed: exit 1; the summary says nothing was set back, and blames no one"


@case("drift-refused", REPORT, "a capacity step refused for a mistake in its file")
def _drift_refused(tmp: Path) -> str:
    result, _ = step(tmp, {"api-key": KEY, "capacity": "functions: {acme/whisper: {min: x}}"})
    assert result.outputs["drift"] == "[]"
    return f"refused: exit 2, `drift` is `[]`, «{refused(result, 'whole number')}»"


TYPO = "A typo never passes green"


@case("misspelt", TYPO, "`min-replica: 0` (the runner passes `INPUT_MIN-REPLICA`)")
def _misspelt(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        inputs = {"api-key": KEY, "api-url": sim.url, "owner": "acme", "function": "whisper"}
        result, _ = step(tmp, {**inputs, "min-replica": "0"})
        requests = len(sim.state.requests)
    assert requests == 0
    return f"refused: exit 2, «{refused(result, 'did you mean `min-replicas`')}»"


@case("nothing", TYPO, "`owner` and `function` alone: no bound, no wait, nothing to do")
def _nothing(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper")
        inputs = {"api-key": KEY, "api-url": sim.url, "owner": "acme", "function": "whisper"}
        result, _ = step(tmp, inputs)
    assert result.returncode == 0
    return f"succeeded with a warning: exit 0, «{said(result.warnings(), 'changes nothing')}»"


@case("cli-prefix", TYPO, "the CLI given `--min-replica 1` or `--dry` (prefixes of flags)")
def _cli_prefix(tmp: Path) -> str:
    words = []
    for flag in (["--min-replica", "1"], ["--dry"]):
        process = subprocess.run(
            [sys.executable, "-m", "sieve_action", "--owner", "acme", "--function", "x", *flag],
            capture_output=True,
            text=True,
            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "SIEVE_API_KEY": KEY},
            timeout=60,
            check=False,
        )
        assert process.returncode == 2 and "unrecognized arguments" in process.stderr
        words.append(process.stderr.strip().splitlines()[-1])
    return f"refused: exit 2, «{words[0]}»"


@case("short-key", TYPO, "a one-character key, `t`")
def _short_key(tmp: Path) -> str:
    result, _ = step(tmp, {**STEP, "api-key": "t"})
    assert "***" not in result.everything()  # a "key" of one letter is not masked away
    assert "::add-mask::" not in result.stdout
    return f"refused: exit 2, «{refused(result, 'at least 16 characters')}»"


@case("api-url-path", TYPO, "`api-url` with Sieve's `/v2` path added")
def _api_url_path(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper")
        result, _ = step(tmp, {**STEP, "api-url": sim.url + "/v2"})
    assert result.returncode == 1
    return f"failed: exit 1, «{said(result.errors(), 'check `api-url`')}»"


# -- running and documenting ---------------------------------------------------------------
@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[str]]]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        yield {c.key: pool.submit(c.run, tmp_path_factory.mktemp(c.key)) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_case(case: Case, observed: dict[str, Future[str]]) -> None:
    assert observed[case.key].result(timeout=300)


HEADER = f"""{PARTS[1]}

## The hostile world: declared intent

The capacity file, restore and undo, and the typos that must never pass green. Each row is one
test, `tests/test_hostile_intent.py::test_case[<case>]`, run as the rows above are; a row about a
secret asserts that no 8 characters of it appear anywhere a user could look.
"""


def test_reliability_doc_shows_what_the_cases_observed(observed: dict[str, Future[str]]) -> None:
    found = {key: future.result(timeout=300) for key, future in observed.items()}
    check_part(PARTS[1], render(HEADER, CASES, found), "tests/test_hostile_intent.py")


# -- the property ----------------------------------------------------------------------------
UNDO = json.dumps([{"version_id": OLDER, "previous_min_replicas": 1}])
CHOICES = {
    "capacity": ["", FUNCTIONS, "functions: {acme/whisper: {min: 3, max: 1}}", "[1, 2]"],
    "capacity-file": ["", "cap.yml", "missing.yml", "/etc/hostname"],
    "undo": ["", UNDO, "[]", '[{"version_id": "latest"}]'],
    "restore-on-failure": ["", "true", "false"],
    "owner": ["", "acme"],
    "function": ["", "whisper"],
    "min-replicas": ["", "1"],
    "wait": ["", "true"],
    "dry-run": ["", "true"],
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    inputs=st.fixed_dictionaries({n: st.sampled_from(v) for n, v in CHOICES.items()}),
    fails=st.booleans(),
)
def test_any_capacity_undo_and_restore_inputs_refuse_or_run_and_always_report(
    inputs: dict[str, str], fails: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("step")
    (workspace(tmp) / "cap.yml").write_text(FUNCTIONS)
    with Simulator(KEY) as sim:
        # A build that ends in `error` after the step raised the bounds: a restore.
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID, build_seconds=0.2, fails=fails)
        sim.state.deploy("acme", "whisper", version_id=OLDER)
        started = time.monotonic()
        given_inputs = {n: v for n, v in inputs.items() if v} | {"api-url": sim.url}
        result, _ = step(tmp, {"api-key": KEY, "wait-timeout": "5", **given_inputs})
        requests = len(sim.state.requests)
    # step() asserts there is no traceback; every ending publishes.
    assert result.returncode in {0, 1, 2, 3}, result.stdout + result.stderr
    if result.returncode == 2:
        assert requests == 0, "refused after a request"
    assert {"changed", "results"} <= set(result.outputs), result.outputs
    assert result.summary.startswith("### ") and len(result.summary.encode()) < 1024 * 1024
    assert time.monotonic() - started < 120
