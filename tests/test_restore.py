"""A failed promotion leaves nothing running that nobody asked for (issue 15, part 1): a
target that fails after the step raised its bounds gets them back, end to end through
the real entrypoint against the simulator; a lowered minimum is never raised back, and a
change someone else made meanwhile stands."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest

from sieve_action.scaling import grace
from testkit.runner import start_step
from testkit.simulator import Fault, JobScript, Simulator

from .conftest import KEY, VERSION_ID, Step

SMOKE = '{"text": "hi"}'
RAISE = {"min_replicas": "2", "max_replicas": "3", "poll_interval": "0.05"}


def edits(sim: Simulator) -> list[object]:
    """The bodies of the edits sent (not the pushes)."""
    return [json.loads(r["body"]) for r in sim.state.requests if r["path"].endswith("/edit")]


def bounds(sim: Simulator) -> tuple[int, int | None]:
    version = sim.state.functions[("acme", "whisper")].versions[0]
    return version.minimum_replicas, version.maximum_replicas


def test_a_failed_smoke_test_sets_the_raised_bounds_back(sim: Simulator, step: Step) -> None:
    sim.state.functions[("acme", "whisper")].jobs = JobScript("error")
    result = step(smoke_test=SMOKE, **RAISE)
    assert result.returncode == 1
    assert bounds(sim) == (0, 1)
    assert edits(sim) == [
        {"minimum_replicas": 2, "maximum_replicas": 3},
        {"minimum_replicas": 0, "maximum_replicas": 1},
    ]
    assert result.outputs["restored"] == "true"
    assert json.loads(result.outputs["results"])[0]["restored"] is True
    assert f"version {VERSION_ID} back to 0..1 after its smoke test failed" in result.stdout
    assert "back to 0..1 after its smoke test failed" in result.summary


def test_a_build_that_ends_in_error_is_set_back(sim: Simulator, step: Step) -> None:
    sim.state.deploy("acme", "whisper", build_reads=3, fails=True)
    result = step(wait="true", **RAISE)
    assert result.returncode == 1
    assert bounds(sim) == (0, 1)
    assert "after its build ended in <code>error</code>" in result.summary  # code as code


def test_a_wait_that_runs_out_is_set_back(sim: Simulator, step: Step) -> None:
    sim.state.worker_seconds = 3600
    result = step(wait="true", wait_for="replicas", wait_timeout="0.3", **RAISE)
    assert result.returncode == 3
    assert bounds(sim) == (0, 1)
    assert "after its wait ran out" in result.summary


@pytest.mark.parametrize(
    ("case", "script", "why"),
    [
        ('{"inputs": {}, "expect": [{"data": "ok"}]}', JobScript("error"), "ended `error`"),
        (
            '{"name": "greets", "inputs": {}, "expect": [{"data": "hello"}]}',
            JobScript("finished"),
            'outputs[0].data: expected "hello", got "ok"',
        ),
        (
            '{"name": "fast", "inputs": {}, "max-seconds": 0.2}',
            JobScript("finished", seconds=0.6),
            "over its max-seconds (0.2 s)",
        ),
    ],
    ids=["status", "expect", "max-seconds"],
)
def test_a_smoke_case_that_fails_sets_the_bounds_back(
    sim: Simulator, step: Step, case: str, script: JobScript, why: str
) -> None:
    sim.state.functions[("acme", "whisper")].jobs = script
    result = step(smoke_test=f"[{case}]", **RAISE)
    assert result.returncode == 1, result.stdout
    assert bounds(sim) == (0, 1)
    assert why in result.errors()[0]
    assert result.outputs["smoke-test-status"] == "failed"
    [reported] = json.loads(result.outputs["smoke-tests"])
    assert reported["passed"] is False and why in reported["why"]


def test_a_cancelled_step_sets_the_bounds_back_within_its_grace(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.state.worker_seconds = 3600  # the warm replicas never come
    started = start_step(
        {"api-key": KEY, "api-url": sim.url, "owner": "acme", "function": "whisper",
         "min-replicas": "2", "max-replicas": "3", "wait": "true", "wait-for": "replicas",
         "poll-interval": "0.05"},
        tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while len(edits(sim)) < 1:
        assert time.monotonic() < deadline, "the bounds were never raised"
        time.sleep(0.02)
    time.sleep(0.2)
    sent = time.monotonic()
    started.process.send_signal(signal.SIGTERM)
    result = started.finish(timeout=30)
    assert result.returncode == 128 + signal.SIGTERM
    assert time.monotonic() - sent < 7.5  # before the runner's SIGKILL
    assert bounds(sim) == (0, 1)
    assert result.outputs["restored"] == "true"
    assert "after the step was cancelled" in result.summary


def test_a_lowered_minimum_is_never_raised_back(sim: Simulator, step: Step) -> None:
    version = sim.state.functions[("acme", "whisper")].versions[0]
    version.minimum_replicas, version.maximum_replicas = 2, 3
    sim.state.functions[("acme", "whisper")].jobs = JobScript("error")
    result = step(min_replicas="0", smoke_test=SMOKE, poll_interval="0.05")
    assert result.returncode == 1
    assert bounds(sim) == (0, 3)
    assert edits(sim) == [{"minimum_replicas": 0}]
    assert result.outputs["restored"] == "false"


def test_a_change_made_meanwhile_by_someone_else_stands(sim: Simulator, step: Step) -> None:
    version = sim.state.functions[("acme", "whisper")].versions[0]
    sim.state.functions[("acme", "whisper")].jobs = JobScript("never")

    def someone_else() -> None:
        deadline = time.monotonic() + 20
        while not sim.state.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
        with sim.state.lock:
            version.minimum_replicas = 5  # a person raised it by hand meanwhile
            version.maximum_replicas = 5

    helper = threading.Thread(target=someone_else)
    helper.start()
    result = step(smoke_test=SMOKE, smoke_test_timeout="1", **RAISE)
    helper.join()
    assert result.returncode == 1
    assert bounds(sim) == (5, 5)
    assert len(edits(sim)) == 1  # no restoring edit
    assert result.outputs["restored"] == "false"
    assert "left at 5..5" in result.summary and "that change stands" in result.summary


def test_restore_on_failure_false_keeps_today_s_behaviour(sim: Simulator, step: Step) -> None:
    sim.state.functions[("acme", "whisper")].jobs = JobScript("error")
    result = step(smoke_test=SMOKE, restore_on_failure="false", **RAISE)
    assert result.returncode == 1
    assert bounds(sim) == (2, 3)
    assert result.outputs["restored"] == "false"


def test_a_dry_run_says_what_it_would_set_back(sim: Simulator, step: Step) -> None:
    result = step(dry_run="true", smoke_test=SMOKE, **RAISE)
    assert result.returncode == 0
    assert edits(sim) == []
    assert f"version {VERSION_ID} would go back to 0..1 if its wait or smoke test failed" in (
        result.summary.replace("\\", "")
    )


def test_passing_cases_report_each_case_and_what_the_smoke_test_cost(
    sim: Simulator, step: Step
) -> None:
    sim.state.functions[("acme", "whisper")].jobs = JobScript("finished", seconds=0.1)
    cases = [
        {"name": "short clip", "inputs": {"url": "a"}, "expect": [{"type": "str", "data": "ok"}]},
        {"name": "no expectation", "inputs": ["x"]},
    ]
    result = step(smoke_test=json.dumps(cases), **RAISE)
    assert result.returncode == 0, result.stdout
    assert bounds(sim) == (2, 3)
    reported = json.loads(result.outputs["smoke-tests"])
    assert [c["name"] for c in reported] == ["short clip", "no expectation"]
    assert all(c["passed"] and c["job_id"] for c in reported)
    assert result.outputs["smoke-test-status"] == "passed"
    assert "2 of 2 cases passed" in result.summary
    assert "Smoke test cost" in result.summary
    assert '"ok"' not in result.stdout + result.summary  # outputs are never printed whole


def test_a_failure_while_retiring_keeps_the_new_version_warm(sim: Simulator, step: Step) -> None:
    """Not set back: it passed its checks, and earlier versions may be retired already,
    so setting it back could leave nothing warm."""
    function = sim.state.functions[("acme", "whisper")]
    newest = function.versions.pop(0)
    older = sim.state.deploy("acme", "whisper", minimum_replicas=2, maximum_replicas=2)
    function.versions.insert(0, newest)
    sim.state.inject(Fault("status", status=403, method="POST", path_suffix=f"{older.id}/edit"))
    result = step(retire_previous="true", **RAISE)
    assert result.returncode == 1
    assert bounds(sim) == (2, 3)
    assert result.outputs["restored"] == "false"
    assert "keeps its bounds: it passed its checks" in result.summary


def test_a_cancelled_steps_clean_up_fits_in_the_runners_grace() -> None:
    # The smoke test's stop and the restore run side by side; the longer must end
    # before the runner's kill, with room for the outputs and the summary.
    assert (
        max(
            grace.PUSH_GRACE_SECONDS + grace.CANCEL_SECONDS + grace.READ_SECONDS,
            2 * grace.RESTORE_SECONDS,
        )
        == grace.LONGEST
    )
    assert grace.LONGEST <= grace.RUNNER_GRACE - 1.0
