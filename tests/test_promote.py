"""Smoke test and cool-down, unit by unit: the requests they send (each checked against
Sieve's OpenAPI document), how a job's ending is judged, when a job is cancelled, and
which versions are cooled down, across pages."""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sieve_action.api.client import SieveClient
from sieve_action.api.policy import RetryPolicy
from sieve_action.api.request import log_retry
from sieve_action.contract.smoke_cases import SmokeCase, SmokeCases
from sieve_action.contract.targets import Target
from sieve_action.errors import SieveError
from sieve_action.scaling.retire import PAGE, Retired, earlier_versions, retire_previous
from sieve_action.scaling.smoke import SmokeRecord, SmokeTest, smoke_test
from testkit.runner import start_step
from testkit.simulator import Fault, JobScript, Simulator

from .conftest import KEY as STEP_KEY
from .conftest import VERSION_ID, Step
from .test_client import VERSION
from .test_waiting import FakeClock

pytestmark = pytest.mark.usefixtures("requests_follow_the_document")

KEY = "sk-promote-2b7d9e4f6a1c3e58"
TARGET = Target("acme", "whisper", "latest")
NEW = "41b83e76-0a13-4d96-b0a0-7cd62c9977c3"
JOB = "43d7add5-61cf-44ad-aac8-c5d14c642bb4"
FAST = RetryPolicy(wait_initial=0.01, wait_max=0.02, wait_jitter=0, timeout=5)


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[SieveClient]:
    stamina.instrumentation.set_on_retry_hooks([log_retry])
    # What a job cost, asked once the smoke test is over (the requests below leave it out).
    httpserver.expect_request(re.compile(r"/v2/usage/job/.*")).respond_with_json(
        {"job_id": JOB, "function_name": "whisper", "function_owner_name": "acme",
         "function_id": "f00d", "cost": 0.01}
    )  # fmt: skip
    with SieveClient(httpserver.url_for("/").rstrip("/"), KEY, policy=FAST) as sieve:
        yield sieve


def sent(httpserver: HTTPServer) -> list[Any]:
    """The requests sent, but for what a job cost."""
    return [r for r, _ in httpserver.log if not r.path.startswith("/v2/usage/job/")]


def job(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": JOB,
        "function_id": "f00d",
        "organization_id": "org",
        "function": None,
        "status": status,
        "created_at": "2024-12-15T01:41:59.195000",
        "started_at": None,
        "completed_at": None,
        "error": None,
        "visibility": "private",
        "run_id": "run",
        "outputs": [],
        **fields,
    }


PUSHED = {
    "id": JOB,
    "run_id": "run",
    "stream_output": False,
    "status": "queued",
    "organization_id": "org",
    "model_id": "model",
    "workflow_id": None,
}


def run(
    client: SieveClient, clock: FakeClock | None = None, timeout: float = 600
) -> tuple[str | None, SmokeTest]:
    record = SmokeRecord(SmokeCases((SmokeCase({"text": "hello"}, "the smoke test"),), False))
    failure = smoke_test(
        client,
        TARGET,
        NEW,
        record,
        timeout=timeout,
        poll_interval=5,
        clock=clock or FakeClock(),
    )
    return failure, record.cases[0]


# -- the smoke test ------------------------------------------------------------------------
def test_a_job_is_pushed_to_the_exact_version_and_awaited(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    httpserver.expect_request("/v2/push", method="POST").respond_with_json(PUSHED)
    httpserver.expect_request(f"/v2/jobs/{JOB}/await").respond_with_json(
        job("finished", outputs=[{"type": "str", "data": "secret output"}])
    )
    failure, record = run(client)
    assert failure is None
    assert (record.job_id, record.status, record.outputs) == (JOB, "finished", 1)
    push, _await = sent(httpserver)
    assert json.loads(push.get_data()) == {
        "function": f"acme/whisper:{NEW}",
        "inputs": {"text": "hello"},
    }


@pytest.mark.parametrize("ending", ["error", "cancelled"])
def test_a_job_that_ends_badly_fails_naming_the_job_and_its_error(
    httpserver: HTTPServer, client: SieveClient, ending: str
) -> None:
    httpserver.expect_request("/v2/push", method="POST").respond_with_json(PUSHED)
    error = "Traceback: CUDA out of memory " + "x" * 500
    httpserver.expect_request(f"/v2/jobs/{JOB}/await").respond_with_json(
        job(ending, error=error if ending == "error" else None)
    )
    failure, record = run(client)
    assert failure is not None and "\n" not in failure
    assert f"the smoke test job {JOB} of version {NEW} ended `{ending}`" in failure
    assert "look at the job's logs on Sieve" in failure
    if ending == "error":
        assert record.error is not None and record.error.startswith("Traceback: CUDA")
        assert len(record.error) <= 300  # an excerpt, not the whole text
    assert all(r.method != "DELETE" for r, _ in httpserver.log)  # it already ended


def test_sieve_s_ten_minute_await_is_one_call_of_a_longer_test(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    """Sieve answers 408 when its own wait runs out; the test calls again."""
    httpserver.expect_request("/v2/push", method="POST").respond_with_json(PUSHED)
    for _ in range(3):
        httpserver.expect_oneshot_request(f"/v2/jobs/{JOB}/await").respond_with_json(
            {"detail": "Request timeout."}, status=408
        )
    httpserver.expect_request(f"/v2/jobs/{JOB}/await").respond_with_json(job("finished"))
    failure, record = run(client, timeout=1800)
    assert failure is None and record.status == "finished"
    assert len(sent(httpserver)) == 1 + 4


def test_a_job_that_does_not_finish_in_time_is_cancelled(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    clock = FakeClock()

    def still_running(request: Request) -> Response:
        clock.now += 40  # every long poll takes 40 s of the test's time
        return Response(json.dumps(job("processing")), content_type="application/json")

    httpserver.expect_request("/v2/push", method="POST").respond_with_json(PUSHED)
    httpserver.expect_request(f"/v2/jobs/{JOB}/await").respond_with_handler(still_running)
    httpserver.expect_request(f"/v2/jobs/{JOB}", method="DELETE").respond_with_json(
        {"message": "Job cancelled."}
    )
    failure, record = run(client, clock, timeout=100)
    assert failure is not None
    assert "did not finish within smoke-test-timeout (100 s; last status `processing`)" in failure
    assert "so it was cancelled" in failure
    assert record.status == "cancelled"
    methods = [r.method for r in sent(httpserver)]
    assert methods == ["POST", "GET", "GET", "GET", "DELETE"]  # 40 + 40 + 40 > 100


def test_each_long_poll_asks_for_no_more_than_the_time_left(
    httpserver: HTTPServer, client: SieveClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[float] = []
    real = SieveClient.await_job

    def spy(self: SieveClient, job_id: str, seconds: float, heartbeat: Any = None) -> Any:
        asked.append(seconds)
        return real(self, job_id, seconds, heartbeat)

    monkeypatch.setattr(SieveClient, "await_job", spy)
    httpserver.expect_request("/v2/push", method="POST").respond_with_json(PUSHED)
    httpserver.expect_request(f"/v2/jobs/{JOB}/await").respond_with_json(job("finished"))
    run(client, timeout=30)
    run(client, timeout=3600)
    assert asked == [30, 600]  # Sieve's own await stops at 10 minutes


def test_a_push_is_never_sent_twice_after_an_answer_was_lost(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    httpserver.expect_request("/v2/push", method="POST").respond_with_data("", status=502)
    with pytest.raises(SieveError) as caught:
        run(client)
    assert "not retried: Sieve may have taken the request" in str(caught.value)
    assert len(httpserver.log) == 1


def test_a_push_refused_with_429_is_sent_again(httpserver: HTTPServer, client: SieveClient) -> None:
    httpserver.expect_oneshot_request("/v2/push", method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_request("/v2/push", method="POST").respond_with_json(PUSHED)
    httpserver.expect_request(f"/v2/jobs/{JOB}/await").respond_with_json(job("finished"))
    assert run(client)[0] is None


def test_a_key_in_the_job_s_error_is_never_shown(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    httpserver.expect_request("/v2/push", method="POST").respond_with_json(PUSHED)
    httpserver.expect_request(f"/v2/jobs/{JOB}/await").respond_with_json(
        job("error", error="x" * 290 + KEY + " was refused")  # across the excerpt's cut
    )
    client._secrets.add(KEY)
    failure, record = run(client)
    assert failure is not None and record.error is not None
    for text in (failure, record.error):
        assert all(KEY[i : i + 8] not in text for i in range(len(KEY) - 7))


# -- cooling down --------------------------------------------------------------------------
def version(version_id: str, minimum: int) -> dict[str, Any]:
    return {**VERSION, "id": version_id, "minimum_replicas": minimum, "maximum_replicas": 5}


def serve_versions(httpserver: HTTPServer, versions: list[dict[str, Any]]) -> None:
    """Sieve's list, newest first, paged by ``limit`` and ``offset``."""

    def page(request: Request) -> Response:
        limit, offset = int(request.args["limit"]), int(request.args["offset"])
        body = json.dumps(versions[offset : offset + limit])
        return Response(body, content_type="application/json")

    httpserver.expect_request("/v2/functions/acme/whisper/versions").respond_with_handler(page)


def test_only_earlier_versions_are_listed_across_pages(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    ids = [f"v{n:03d}" for n in range(2 * PAGE + 7)]  # newest first
    serve_versions(httpserver, [version(i, 1) for i in ids])
    earlier = earlier_versions(client, TARGET, ids[3])
    assert [v.id for v in earlier] == ids[4:]  # never the target, never one newer
    assert [r.args["offset"] for r, _ in httpserver.log] == ["0", "50", "100"]


def test_a_version_missing_from_the_list_cools_nothing(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    serve_versions(httpserver, [version("v1", 2), version("v0", 1)])
    assert earlier_versions(client, TARGET, "gone") == []


@pytest.mark.parametrize("dry_run", [False, True])
def test_earlier_versions_with_warm_replicas_go_to_zero_and_their_cost_is_read(
    httpserver: HTTPServer, client: SieveClient, dry_run: bool
) -> None:
    serve_versions(
        httpserver,
        [version("v9", 0), version(NEW, 1), version("v3", 2), version("v2", 0), version("v1", 1)],
    )
    for old in ("v3", "v1"):
        httpserver.expect_request(
            f"/v2/functions/acme/whisper/versions/{old}/edit", method="POST"
        ).respond_with_json(version(old, 0))
        httpserver.expect_request(
            f"/v2/usage/function/acme/whisper/versions/{old}"
        ).respond_with_json({"total_compute_seconds": 3600.0, "total_cost_dollars": 2.5})
    retired: list[Retired] = []
    retire_previous(client, TARGET, NEW, dry_run=dry_run, retired=retired)
    assert [(r.version_id, r.previous_min_replicas, r.cost_dollars) for r in retired] == [
        ("v3", 2, 2.5),
        ("v1", 1, 2.5),
    ]
    edits = [r for r, _ in httpserver.log if r.method == "POST"]
    assert [json.loads(r.get_data()) for r in edits] == (
        [] if dry_run else [{"minimum_replicas": 0}] * 2
    )
    usage = [r for r, _ in httpserver.log if r.path.startswith("/v2/usage/")]
    window = float(usage[0].args["end_timestamp"]) - float(usage[0].args["start_timestamp"])
    assert (
        window == pytest.approx(86400)
        and abs(float(usage[0].args["end_timestamp"]) - time.time()) < 60
    )


def test_a_version_deleted_meanwhile_is_noted_not_failed(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    serve_versions(httpserver, [version(NEW, 1), version("v1", 1)])
    httpserver.expect_request(
        "/v2/functions/acme/whisper/versions/v1/edit", method="POST"
    ).respond_with_json({"detail": "Function version not found."}, status=404)
    httpserver.expect_request("/v2/usage/function/acme/whisper/versions/v1").respond_with_json(
        {"detail": "Function version not found."}, status=404
    )
    retired: list[Retired] = []
    warnings: list[str] = []
    retire_previous(client, TARGET, NEW, dry_run=False, retired=retired, warn=warnings.append)
    [item] = retired
    assert item.note == "deleted meanwhile: nothing to retire"
    assert item.cost_dollars is None and len(warnings) == 1


@pytest.mark.parametrize("status", [401, 403, 404])
def test_cost_that_sieve_will_not_give_is_one_warning_never_a_failure(
    httpserver: HTTPServer, client: SieveClient, status: int
) -> None:
    serve_versions(httpserver, [version(NEW, 1), version("v2", 1), version("v1", 3)])
    for old in ("v2", "v1"):
        httpserver.expect_request(
            f"/v2/functions/acme/whisper/versions/{old}/edit", method="POST"
        ).respond_with_json(version(old, 0))
    httpserver.expect_request(re.compile(r"/v2/usage/.*")).respond_with_json(
        {"detail": "no"}, status=status
    )
    retired: list[Retired] = []
    warnings: list[str] = []
    retire_previous(client, TARGET, NEW, dry_run=False, retired=retired, warn=warnings.append)
    assert [r.cost_dollars for r in retired] == [None, None]
    [warning] = warnings  # asked once: Sieve's refusal holds for every version
    assert "past cost of version v2 is not shown" in warning


def test_an_edit_that_fails_stops_the_cool_down_and_keeps_what_was_done(
    httpserver: HTTPServer, client: SieveClient
) -> None:
    serve_versions(httpserver, [version(NEW, 1), version("v2", 1), version("v1", 3)])
    httpserver.expect_request(
        "/v2/functions/acme/whisper/versions/v2/edit", method="POST"
    ).respond_with_json(version("v2", 0))
    httpserver.expect_request(
        "/v2/functions/acme/whisper/versions/v1/edit", method="POST"
    ).respond_with_json({"detail": "Forbidden."}, status=403)
    httpserver.expect_request(re.compile(r"/v2/usage/.*")).respond_with_json(
        {"total_compute_seconds": 0.0, "total_cost_dollars": 0.0}
    )
    retired: list[Retired] = []
    with pytest.raises(SieveError, match="403"):
        retire_previous(client, TARGET, NEW, dry_run=False, retired=retired)
    assert [r.version_id for r in retired] == ["v2"]


# -- end to end: the entrypoint as the runner runs it, against the simulator ----------------
SMOKE = '{"text": "hello"}'


def deploy_history(sim: Simulator, minimums: list[int]) -> list[str]:
    """Earlier versions of acme/whisper with these minimums (oldest first), then the fixture's
    version made the newest again; their IDs, oldest first."""
    function = sim.state.functions[("acme", "whisper")]
    newest = function.versions.pop(0)
    ids = [sim.state.deploy("acme", "whisper", minimum_replicas=m, maximum_replicas=5).id
           for m in minimums]  # fmt: skip
    function.versions.insert(0, newest)
    return ids


def cooled(sim: Simulator) -> list[str]:
    """The earlier versions whose minimum the step set to 0, in order (a raise of the
    target's own set back after a failure is not retiring it)."""
    return [
        r["path"].split("/")[-2]
        for r in sim.state.edits()
        if json.loads(r["body"]) == {"minimum_replicas": 0}
        and r["path"].split("/")[-2] != VERSION_ID
    ]


def test_after_deploy_scale_wait_smoke_test_and_cool_down_in_one_step(
    sim: Simulator, step: Step
) -> None:
    old = deploy_history(sim, [0, 2, 1])
    result = step(
        min_replicas="1", max_replicas="4", wait="true", poll_interval="0.1",
        smoke_test=SMOKE, retire_previous="true",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    out = result.outputs
    assert out["smoke-test-status"] == "finished" and out["smoke-test-job-id"]
    assert float(out["smoke-test-seconds"]) < 5
    [pushed] = [r for r in sim.state.requests if r["path"] == "/v2/push"]
    assert json.loads(pushed["body"]) == {
        "function": f"acme/whisper:{VERSION_ID}",
        "inputs": {"text": "hello"},
    }
    assert json.loads(out["retired"]) == [
        {"version_id": old[2], "previous_min_replicas": 1},
        {"version_id": old[1], "previous_min_replicas": 2},
    ]
    assert cooled(sim) == [old[2], old[1]]  # the one already at 0 is left alone
    assert "Retired" in result.summary and "past cost" in result.summary
    assert "$48.00" in result.summary  # 2 warm replicas for 24 h at the simulator's $24 a day


def test_nothing_to_cool_down_when_there_is_no_earlier_version(sim: Simulator, step: Step) -> None:
    result = step(min_replicas="1", retire_previous="true")
    assert result.returncode == 0 and result.outputs["retired"] == "[]"
    assert "none had warm replicas" in result.summary


def test_many_earlier_versions_across_pages_are_all_cooled_down(sim: Simulator, step: Step) -> None:
    old = deploy_history(sim, [1] * (PAGE + 12))
    result = step(retire_previous="true", min_replicas="1", wait="true", poll_interval="0.1")
    assert result.returncode == 0, result.stdout
    assert sorted(cooled(sim)) == sorted(old)
    lists = [r for r in sim.state.requests if r["path"].endswith("/versions")]
    assert [r["query"] for r in lists] == ["limit=50&offset=0", "limit=50&offset=50"]


@pytest.mark.parametrize(
    ("outcome", "status"), [("error", "error"), ("never", "cancelled")], ids=["error", "timeout"]
)
def test_a_failed_smoke_test_fails_the_step_and_cools_nothing_down(
    sim: Simulator, step: Step, outcome: str, status: str
) -> None:
    deploy_history(sim, [2])
    sim.state.functions[("acme", "whisper")].jobs = JobScript(outcome)
    result = step(
        min_replicas="1", smoke_test=SMOKE, smoke_test_timeout="1", retire_previous="true",
        poll_interval="0.1",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.outputs["smoke-test-status"] == status
    [error] = result.errors()
    assert "smoke test job" in error and "look at the job's logs on Sieve" in error
    assert cooled(sim) == [] and result.outputs["retired"] == "[]"
    assert "left as they were" in result.summary
    deletes = [r for r in sim.state.requests if r["method"] == "DELETE"]
    assert len(deletes) == (1 if outcome == "never" else 0)


@pytest.mark.parametrize("failure", ["build-error", "wait-timeout"])
def test_no_cool_down_after_the_wait_failed(sim: Simulator, step: Step, failure: str) -> None:
    deploy_history(sim, [2])
    newest = sim.state.functions[("acme", "whisper")].versions[0]
    if failure == "build-error":
        newest.forced_status = "error"
    else:
        newest.forced_status = "building"
    result = step(
        min_replicas="1", wait="true", wait_timeout="0.5", poll_interval="0.1",
        retire_previous="true", smoke_test=SMOKE,
    )  # fmt: skip
    assert result.returncode in {1, 3}
    assert cooled(sim) == [] and not [r for r in sim.state.requests if r["path"] == "/v2/push"]
    assert "left as they were" in result.summary


def test_a_dry_run_lists_what_it_would_cool_down_and_sends_nothing(
    sim: Simulator, step: Step
) -> None:
    old = deploy_history(sim, [3])
    result = step(min_replicas="1", smoke_test=SMOKE, retire_previous="true", dry_run="true")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.outputs["retired"]) == [
        {"version_id": old[0], "previous_min_replicas": 3}
    ]
    assert [r["method"] for r in sim.state.requests].count("POST") == 0
    assert "Would retire" in result.summary and "would run" in result.summary


def test_every_target_of_a_fleet_cools_down_its_own_earlier_versions(
    sim: Simulator, step: Step
) -> None:
    old = deploy_history(sim, [1])
    llama_old = sim.state.deploy("acme", "llama", minimum_replicas=2).id
    sim.state.deploy("acme", "llama")
    result = step(
        owner="", function="", targets="acme/whisper min=1\nacme/llama min=1",
        retire_previous="true", smoke_test=SMOKE, poll_interval="0.1",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    whisper, llama = json.loads(result.outputs["results"])
    assert whisper["retired"] == [{"version_id": old[0], "previous_min_replicas": 1}]
    assert llama["retired"] == [{"version_id": llama_old, "previous_min_replicas": 2}]
    assert whisper["smoke_test"]["status"] == llama["smoke_test"]["status"] == "finished"
    assert "Earlier versions" in result.summary and "Smoke test" in result.summary


def test_a_version_deleted_while_being_cooled_down(sim: Simulator, step: Step) -> None:
    old = deploy_history(sim, [1, 2])
    sim.state.inject(Fault("delete", method="POST", path_suffix=f"{old[0]}/edit"))
    result = step(min_replicas="1", retire_previous="true")
    assert result.returncode == 0, result.stdout
    assert [r["version_id"] for r in json.loads(result.outputs["retired"])] == [old[1], old[0]]
    assert "deleted meanwhile" in result.summary


def test_cost_sieve_will_not_give_is_a_warning(sim: Simulator, step: Step) -> None:
    deploy_history(sim, [1])
    sim.state.functions[("acme", "whisper")].usage_forbidden = True
    result = step(min_replicas="1", retire_previous="true")
    assert result.returncode == 0
    assert any("past cost" in warning for warning in result.warnings())
    assert "not known" in result.summary


def test_the_key_in_a_job_s_error_is_never_printed(sim: Simulator, step: Step) -> None:
    sim.state.functions[("acme", "whisper")].jobs = JobScript(
        "error", error=f"KeyError: {STEP_KEY} is not a valid token"
    )
    result = step(min_replicas="1", smoke_test=SMOKE, poll_interval="0.1")  # step checks the key
    assert result.returncode == 1
    assert "KeyError: *** is not a valid token" in result.errors()[0]


def test_a_step_cancelled_mid_job_cancels_the_job(sim: Simulator, tmp_path: Path) -> None:
    sim.state.functions[("acme", "whisper")].jobs = JobScript("never")
    started = start_step(
        {
            "api-key": STEP_KEY, "api-url": sim.url, "owner": "acme", "function": "whisper",
            "min-replicas": "1", "smoke-test": SMOKE, "poll-interval": "0.1",
        },
        tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not any(r["path"].endswith("/await") for r in sim.state.requests):
        assert time.monotonic() < deadline, "the job was never awaited"
        time.sleep(0.05)
    time.sleep(0.2)
    started.process.send_signal(signal.SIGTERM)
    result = started.finish(timeout=30)
    assert result.returncode == 128 + signal.SIGTERM
    assert "DELETE" in [r["method"] for r in sim.state.requests]
    [job] = sim.state.jobs.values()
    assert sim.state.job_status(job) == "cancelled"
    assert result.outputs["smoke-test-status"] == "cancelled"
