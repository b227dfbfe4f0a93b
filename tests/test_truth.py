"""What the step reports is what Sieve did (issue 17): whatever is raised anywhere in a
target's phases (a fault at each call the client makes, a bug in each phase), the step
does not succeed, its outputs and summary are still made, and nothing the target did not
do at Sieve is reported as done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest

from sieve_action.api.client import SieveClient
from sieve_action.console import Console
from sieve_action.contract.checks import parse_inputs
from sieve_action.contract.outputs import OUTPUT_NAMES
from sieve_action.errors import SieveError
from sieve_action.report import results as report_results
from sieve_action.report import summary as report_summary
from sieve_action.scaling import phases as scaling
from sieve_action.scaling.record import TargetRun, exit_code
from testkit.inprocess import scale_in_process
from testkit.simulator import JobScript, Simulator

from .conftest import KEY, VERSION_ID

OLDER = "0f7e1d2c-0000-4000-8000-000000000001"
#: The calls a whole promotion makes: read, edit, push, await, the job's cost, the
#: version list, the earlier version's cost, its retiring edit.
CALLS = 8


@pytest.fixture
def promotion() -> Iterator[Simulator]:
    """An earlier version with warm replicas, then the version to promote (ready)."""
    with Simulator(KEY) as sim:
        sim.state.deploy(
            "acme", "whisper", version_id=OLDER, minimum_replicas=2, maximum_replicas=2
        )
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        sim.state.functions[("acme", "whisper")].jobs = JobScript("finished")
        yield sim


def promote(sim: Simulator) -> tuple[list[TargetRun], str, dict[str, str]]:
    console = Console(github=False, stream=StringIO())
    inputs = parse_inputs(
        {"api-key": KEY, "api-url": sim.url, "owner": "acme", "function": "whisper",
         "min-replicas": "1", "max-replicas": "3", "smoke-test": '{"text": "hi"}',
         "retire-previous": "true", "poll-interval": "0.05"}
    )  # fmt: skip
    runs = scale_in_process(inputs, console)
    return (
        runs,
        report_summary.summary(runs, False, console.secrets),
        report_results.outputs(runs, False, console.secrets),
    )


def check_truthful(
    sim: Simulator, runs: list[TargetRun], summary: str, out: dict[str, str]
) -> None:
    """Nothing reported as done that Sieve did not see done."""
    [run] = runs
    edited = {r["path"].split("/")[-2]: json.loads(r["body"]) for r in sim.state.edits()
              if r["path"].endswith("/edit")}  # fmt: skip
    if run.changed:
        assert VERSION_ID in edited
    for item in json.loads(out["retired"]):
        assert edited.get(item["version_id"]) == {"minimum_replicas": 0}
    if "none had warm replicas" in summary:
        assert run.retire_done and any(r["path"].endswith("/versions") for r in sim.state.requests)
    if out["smoke-test-status"] == "finished":
        assert any(sim.state.job_status(job) == "finished" for job in sim.state.jobs.values())
    if out["smoke-test-status"] == "cancelled":
        assert any(job.cancelled_at is not None for job in sim.state.jobs.values())


def test_a_whole_promotion_makes_the_calls_counted_here(promotion: Simulator) -> None:
    calls: list[str] = []
    real = SieveClient._call

    def counting(self: SieveClient, request: Any, shape: Any) -> Any:
        calls.append(f"{request.method} {request.path}")
        return real(self, request, shape)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SieveClient, "_call", counting)
        runs, _summary, out = promote(promotion)
    assert exit_code(runs) == 0, runs[0].error
    assert len(calls) == CALLS, calls
    assert json.loads(out["retired"]) == [{"version_id": OLDER, "previous_min_replicas": 2}]


@pytest.mark.parametrize("kind", [SieveError, RuntimeError, ValueError])
@pytest.mark.parametrize("at", range(CALLS))
def test_a_fault_at_any_call_never_ends_in_success_nor_claims_what_did_not_happen(
    promotion: Simulator, at: int, kind: type[Exception]
) -> None:
    seen = [0]
    real = SieveClient._call

    def faulty(self: SieveClient, request: Any, shape: Any) -> Any:
        seen[0] += 1
        if seen[0] == at + 1:
            raise kind("injected")
        return real(self, request, shape)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SieveClient, "_call", faulty)
        runs, summary, out = promote(promotion)
    # The job's cost (call 4) and an earlier version's cost (call 6) are only shown when
    # Sieve says: their failure as Sieve's is a warning, not a failure.
    if kind is SieveError and at in {4, 6}:
        assert exit_code(runs) == 0
    else:
        assert exit_code(runs) != 0, (at, kind, runs[0].outcome)
        assert runs[0].error
    assert summary.startswith("### ") and set(out) == set(OUTPUT_NAMES)
    check_truthful(promotion, runs, summary, out)


@pytest.mark.parametrize("phase", ["_set_bounds", "_wait", "_smoke", "retire_previous"])
def test_a_bug_in_any_phase_never_ends_in_success(promotion: Simulator, phase: str) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError(f"a bug in {phase}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scaling, phase, broken)
        if phase == "_wait":
            promotion.state.functions[("acme", "whisper")].versions[0].build_reads = 2
        runs, summary, out = promote(promotion)
    [run] = runs
    assert exit_code(runs) != 0 and run.outcome == "failed", run.outcome
    assert "unexpected RuntimeError" in (run.error or "")
    assert "none had warm replicas" not in summary
    check_truthful(promotion, runs, summary, out)
