"""End to end: many targets in one step, waiting for warm replicas, and dry runs."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from testkit.runner import start_step
from testkit.simulator import Fault, Simulator

from .conftest import KEY, Step, edits


def _fleet(sim: Simulator, count: int) -> str:
    for i in range(count):
        sim.state.deploy("acme", f"fn{i}")
    return "\n".join(f"acme/fn{i}" for i in range(count))


def test_targets_lines_with_comments_defaults_and_overrides(sim: Simulator, step: Step) -> None:
    old = sim.state.deploy("acme", "llama", version_id="aaaa1111-0000")
    sim.state.deploy("acme", "llama")  # newer: `latest`
    targets = "\n".join(
        [
            "# the night shift",
            "",
            "acme/whisper",
            "acme/llama@aaaa1111 min=2 max=2",
            "   ",
        ]
    )
    result = step(owner="", function="", targets=targets, min_replicas="0", max_replicas="1")
    assert result.returncode == 0, result.stdout
    results = json.loads(result.outputs["results"])
    assert [r["target"] for r in results] == ["acme/whisper@latest", "acme/llama@aaaa1111"]
    assert results[0]["changed"] is False  # already 0..1
    assert results[1] == {
        "target": "acme/llama@aaaa1111",
        "version_id": old.id,
        "build_status": "ready",
        "min_replicas": 2,
        "max_replicas": 2,
        "previous_min_replicas": 0,
        "previous_max_replicas": 1,
        "changed": True,
        "error": None,
        "smoke_test": None,
        "retired": [],
        "restored": False,
    }
    assert edits(sim) == [{"minimum_replicas": 2, "maximum_replicas": 2}]
    # More than one target: the single-target outputs are not set.
    assert "version-id" not in result.outputs


def test_one_target_sets_the_single_target_outputs_too(sim: Simulator, step: Step) -> None:
    result = step(owner="", function="", targets="acme/whisper min=1")
    assert result.outputs["min-replicas"] == "1"
    assert len(json.loads(result.outputs["results"])) == 1


def test_malformed_targets_line_is_an_input_error_naming_the_line(
    sim: Simulator, step: Step
) -> None:
    result = step(owner="", function="", targets="acme/whisper\n\nacme/llama min=two")
    assert result.returncode == 2
    [error] = result.errors()
    assert "line 3" in error and "`targets`" in error
    assert sim.state.requests == []


def test_targets_and_owner_are_exclusive(sim: Simulator, step: Step) -> None:
    result = step(targets="acme/whisper")
    assert result.returncode == 2
    assert sim.state.requests == []
    assert any("cannot be combined with `owner`" in e for e in result.errors())


def test_partial_failure_runs_every_target_then_fails(sim: Simulator, step: Step) -> None:
    targets = (
        "acme/whisper min=1\nacme/missing min=1\n"
        + _fleet(sim, 2).replace("\n", " min=1\n")
        + " min=1"
    )
    result = step(owner="", function="", targets=targets)
    assert result.returncode == 1
    results = json.loads(result.outputs["results"])
    assert [r["error"] is None for r in results] == [True, False, True, True]
    assert "404" in results[1]["error"]
    assert len(edits(sim)) == 3
    # Every target is in the summary, with its outcome.
    for r in results:
        assert r["target"].split("@")[0] in result.summary.replace("\\", "")
    assert "3 changed, 0 already as asked, 1 failed" in result.summary


def test_concurrency_bound_is_respected(tmp_path: Path, step: Step, sim: Simulator) -> None:
    sim.state.latency = 0.05
    targets = _fleet(sim, 12).replace("\n", " min=1\n") + " min=1"
    result = step(owner="", function="", targets=targets, concurrency="3")
    assert result.returncode == 0, result.stdout
    assert sim.state.max_in_flight == 3


def test_a_429_slows_one_target_and_the_rest_go_on(sim: Simulator, step: Step) -> None:
    targets = _fleet(sim, 4).replace("\n", " min=1\n") + " min=1"
    sim.state.inject(
        Fault("status", count=1, status=429, retry_after="1", path_suffix="/fn2/versions/latest")
    )
    started = time.monotonic()
    result = step(owner="", function="", targets=targets, concurrency="4")
    assert result.returncode == 0, result.stdout
    by_target: dict[str, list[float]] = {}
    for r in sim.state.requests:
        by_target.setdefault(r["path"].split("/")[4], []).append(r["at"])
    assert len(by_target["fn2"]) == 3  # the 429, the retried read, the edit
    assert by_target["fn2"][1] - by_target["fn2"][0] >= 0.95
    # The other targets finished before fn2's Retry-After ran out.
    assert max(max(by_target[f"fn{i}"]) for i in (0, 1, 3)) < by_target["fn2"][1]
    assert time.monotonic() - started < 10


def test_summary_for_a_hundred_targets_is_a_table_far_under_1_mib(
    sim: Simulator, step: Step
) -> None:
    result = step(
        owner="", function="", targets=_fleet(sim, 100), concurrency="16", min_replicas="1"
    )
    assert result.returncode == 0
    rows = [line for line in result.summary.splitlines() if line.startswith("| ✅")]
    assert len(rows) == 100
    assert len(result.summary.encode()) < 64 * 1024


def test_wait_for_replicas_reaches_its_goal(sim: Simulator, step: Step) -> None:
    # A warm worker every two reads once the minimum is raised: the same answers however
    # busy the machine.
    sim.state.functions[("acme", "whisper")].versions[0].worker_reads = 2
    result = step(
        min_replicas="2", max_replicas="2", wait="true", wait_for="replicas", poll_interval="0.1"
    )
    assert result.returncode == 0, result.stdout
    workers = json.loads(result.outputs["workers"])
    assert workers["idle"] + workers["active"] >= 2
    reads = [r for r in sim.state.requests if r["method"] == "GET"]
    assert len(reads) >= 1 + 4  # it did wait for the workers, not just the (ready) build
    assert "0 of 2 warm" in result.stdout and "1 of 2 warm" in result.stdout


def test_wait_for_replicas_times_out_with_the_last_worker_counts(
    sim: Simulator, step: Step
) -> None:
    sim.state.worker_seconds = 60
    result = step(
        min_replicas="2",
        max_replicas="2",
        wait="true",
        wait_for="replicas",
        poll_interval="0.1",
        wait_timeout="0.4",
        restore_on_failure="false",  # the outputs keep the wait's last state
    )
    assert result.returncode == 3
    [error] = result.errors()
    assert "2 warm replicas" in error and "0 warm (idle + active)" in error
    assert json.loads(result.outputs["workers"])["starting"] == 2


def test_dry_run_reads_reports_and_sends_no_edit(sim: Simulator, step: Step) -> None:
    result = step(min_replicas="3", max_replicas="5", dry_run="true", wait="true")
    assert result.returncode == 0
    assert edits(sim) == []
    assert result.outputs["changed"] == "true"
    assert (result.outputs["min-replicas"], result.outputs["max-replicas"]) == ("3", "5")
    assert result.outputs["previous-min-replicas"] == "0"
    assert "dry run" in result.summary and "0 → 3" in result.summary
    assert all(r["method"] == "GET" for r in sim.state.requests)
    assert len(sim.state.requests) == 1  # a dry run does not wait either


def test_sigterm_mid_wait_writes_outputs_and_summary_and_exits_promptly(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.state.deploy("acme", "whisper", build_seconds=120)
    inputs = {
        "api-key": KEY,
        "owner": "acme",
        "function": "whisper",
        "min-replicas": "1",
        "wait": "true",
        "poll-interval": "30",
        "api-url": sim.url,
    }
    step = start_step(inputs, tmp_path)
    deadline = time.monotonic() + 10
    while not sim.state.edits() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    sent = time.monotonic()
    step.process.send_signal(signal.SIGTERM)
    result = step.finish(timeout=10)
    assert time.monotonic() - sent < 2
    assert result.returncode == 128 + signal.SIGTERM
    assert result.outputs["changed"] == "true"
    assert result.outputs["build-status"] in {"queued", "building"}
    assert "cancelled" in result.summary
    assert any("cancelled" in message for message in result.errors())
    assert KEY not in result.everything()
