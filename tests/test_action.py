"""End to end: the real entrypoint in a subprocess, as the runner runs it, against the
simulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import certifi

from testkit.runner import run_step, start_step
from testkit.simulator import Fault, Simulator

from .conftest import KEY, VERSION_ID, Step, edits


def test_after_deploy_scales_latest_and_waits_until_ready(sim: Simulator, step: Step) -> None:
    # One build stage per read: the same answers however busy the machine (a timed build
    # read once by a slow start-up could be ready already).
    building = sim.state.deploy("acme", "whisper", build_reads=4)
    result = step(min_replicas="1", max_replicas="3", wait="true", poll_interval="0.1")
    assert result.returncode == 0, result.stdout
    out = result.outputs
    assert out["version-id"] == building.id
    assert out["build-status"] == "ready"
    assert (out["min-replicas"], out["max-replicas"]) == ("1", "3")
    assert (out["previous-min-replicas"], out["previous-max-replicas"]) == ("0", "1")
    assert out["changed"] == "true"
    assert out["ready-at"].startswith("20")
    assert json.loads(out["workers"])["idle"] == 1
    assert json.loads(out["version"])["id"] == building.id
    assert edits(sim) == [{"minimum_replicas": 1, "maximum_replicas": 3}]
    # Waiting read the resolved ID, never `latest`.
    reads = [r["path"] for r in sim.state.requests if r["method"] == "GET"]
    assert reads[0].endswith("/versions/latest")
    assert all(path.endswith(f"/versions/{building.id}") for path in reads[1:]) and len(reads) > 1


def test_key_is_masked_before_anything_is_printed(step: Step) -> None:
    result = step(min_replicas="1")
    first = result.commands[0]
    assert result.stdout.lstrip().startswith("::") and (first.name, first.message) == (
        "add-mask",
        KEY,
    )
    assert result.returncode == 0


def test_no_op_rerun_sends_no_edit_and_reports_unchanged(sim: Simulator, step: Step) -> None:
    first = step(min_replicas="2", max_replicas="4")
    second = step(min_replicas="2", max_replicas="4")
    assert first.outputs["changed"] == "true"
    assert second.outputs["changed"] == "false"
    assert second.returncode == 0
    assert len(edits(sim)) == 1
    assert (second.outputs["previous-min-replicas"], second.outputs["min-replicas"]) == ("2", "2")
    assert second.errors() == [] and second.warnings() == []


def test_only_given_fields_are_sent(sim: Simulator, step: Step) -> None:
    step(max_replicas="5")
    assert edits(sim) == [{"maximum_replicas": 5}]


def test_one_bound_conflicting_with_the_other_fails_before_the_edit(
    sim: Simulator, step: Step
) -> None:
    result = step(min_replicas="3")  # current maximum is 1
    assert result.returncode == 1
    assert edits(sim) == []
    [error] = result.errors()
    assert "new minimum 3 is above its current maximum 1" in error and "set both" in error
    assert result.outputs["previous-max-replicas"] == "1"  # outputs written from what is known


def test_version_id_prefix_is_resolved(sim: Simulator, step: Step) -> None:
    result = step(version=VERSION_ID[:8], min_replicas="1")
    assert result.outputs["version-id"] == VERSION_ID
    assert sim.state.requests[-1]["path"].endswith(f"/versions/{VERSION_ID}/edit")


def test_wait_ends_in_build_error_and_fails(sim: Simulator, step: Step) -> None:
    sim.state.deploy("acme", "whisper", build_seconds=0.3, fails=True)
    result = step(min_replicas="1", wait="true", poll_interval="0.1")
    assert result.returncode == 1
    assert result.outputs["build-status"] == "error"
    assert any("ended in `error`" in e for e in result.errors())
    assert "error" in result.summary


def test_build_error_is_a_warning_when_fail_on_error_is_false(sim: Simulator, step: Step) -> None:
    sim.state.deploy("acme", "whisper", build_seconds=0.2, fails=True)
    result = step(min_replicas="1", wait="true", poll_interval="0.1", fail_on_error="false")
    assert result.returncode == 0
    assert result.errors() == []
    assert any("ended in `error`" in w for w in result.warnings())


def test_wait_timeout_says_how_long_and_last_status(sim: Simulator, step: Step) -> None:
    sim.state.deploy("acme", "whisper", build_seconds=60)
    result = step(min_replicas="1", wait="true", poll_interval="0.1", wait_timeout="0.5")
    assert result.returncode == 3
    [error] = result.errors()
    assert "waited 0 s" in error or "waited 1 s" in error
    assert "last status `queued`" in error or "last status `building`" in error
    assert result.outputs["build-status"] in {"queued", "building"}
    assert result.summary.strip()


def test_newline_in_a_response_string_cannot_forge_an_output(sim: Simulator, step: Step) -> None:
    version = sim.state.functions[("acme", "whisper")].versions[0]
    version.forced_status = "ready\nchanged=forged\nghadelimiter_x"
    version.extra = {"compute_type": "gpu\nversion-id=forged"}
    result = step(min_replicas="1")
    assert result.outputs["changed"] == "true"
    assert result.outputs["version-id"] == VERSION_ID
    assert result.outputs["build-status"] == "ready\nchanged=forged\nghadelimiter_x"
    assert "| Build status | ready changed=forged ghadelimiter\\_x |" in result.summary


def test_sieve_echoing_the_key_never_reaches_the_log(sim: Simulator, step: Step) -> None:
    sim.state.functions[("acme", "whisper")].versions[0].forced_status = f"error {KEY}"
    result = step(min_replicas="1")  # the `step` fixture asserts the key appears nowhere
    assert "***" in result.outputs["build-status"]


def test_transient_errors_are_retried_honouring_retry_after(sim: Simulator, step: Step) -> None:
    sim.state.inject(
        Fault("status", count=1, status=503, retry_after="1"),
        Fault("status", count=1, status=429, retry_after="0"),
    )
    result = step(min_replicas="1")
    assert result.returncode == 0, result.stdout
    gets = [r["at"] for r in sim.state.requests if r["method"] == "GET"]
    assert len(gets) == 3
    assert gets[1] - gets[0] >= 0.95  # Retry-After: 1 was honoured
    assert "HTTP 503" in result.stdout and "try 2 of 5" in result.stdout
    assert result.stderr == ""  # retries are logged once, by the action, not by stamina too


def test_client_errors_are_not_retried_and_say_what_to_do(sim: Simulator, step: Step) -> None:
    result = step(api_key="sk-wrong-key-00000000000", min_replicas="1")
    assert result.returncode == 1
    assert len(sim.state.requests) == 1
    [error] = result.errors()
    assert "rejected the API key (401)" in error


def test_unknown_function_names_owner_function_and_version(sim: Simulator, step: Step) -> None:
    result = step(function="nope", min_replicas="1")
    assert result.returncode == 1
    assert "`acme/nope@latest`" in result.errors()[0] and "404" in result.errors()[0]


def test_forbidden_edit_says_the_key_lacks_access(sim: Simulator, step: Step) -> None:
    sim.state.functions[("acme", "whisper")].forbidden = True
    result = step(min_replicas="1")
    assert result.returncode == 1
    assert "no access to `acme/whisper` (403" in result.errors()[0]


def test_unreachable_api_fails_after_bounded_retries_without_traceback(
    tmp_path: object, step: Step
) -> None:
    result = step(api_url="http://127.0.0.1:9", min_replicas="1")
    assert result.returncode == 1
    [error] = result.errors()
    assert "failed after 5 attempts" in error and "could not connect" in error
    assert "Traceback" not in result.stdout + result.stderr


def test_missing_key_fails_before_any_request_and_says_why(sim: Simulator, step: Step) -> None:
    result = step(api_key="", min_replicas="1")
    assert result.returncode == 2
    assert sim.state.requests == []
    [error] = result.errors()
    assert "SIEVE_API_KEY" in error and "fork" in error


def test_a_step_refused_while_the_ca_bundle_loads_exits_2(tmp_path: Path) -> None:
    """The CA bundle loads on a thread from the first line (sieve_action/tls.py). A refused
    step ends before it has loaded when the bundle is large; the process must wait for
    it and exit 2, not finalize while OpenSSL is busy and die of SIGSEGV (it did in
    about 4 runs of 10 with this bundle, when the thread was a daemon)."""
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes() * 8)
    runs = [
        start_step(
            {"api-key": KEY, "owner": "acme", "function": "a b"},
            tmp_path / str(n),
            env={"SSL_CERT_FILE": str(bundle)},
        )
        for n in range(10)
    ]
    results = [run.finish(60) for run in runs]
    assert [result.returncode for result in results] == [2] * 10
    assert all(
        result.errors()
        == ["Input `function` must be one name of letters, digits, '.', '_' or '-', got 'a b'"]
        for result in results
    )


def test_key_from_sieve_api_key_env(sim: Simulator, step: Step) -> None:
    result = step(api_key="", env={"SIEVE_API_KEY": KEY}, min_replicas="1")
    assert result.returncode == 0
    assert (result.commands[0].name, result.commands[0].message) == ("add-mask", KEY)


def test_sieves_zone_less_timestamps_pass_through(tmp_path: Path) -> None:
    # Sieve writes UTC without a zone, which the schema's date-time format does not
    # allow: a simulator of its own, since the shared fixture validates answers.
    with Simulator(KEY, naive_timestamps=True) as naive:
        naive.state.deploy("acme", "whisper")
        result = run_step(
            {"api-key": KEY, "api-url": naive.url, "owner": "acme", "function": "whisper"},
            tmp_path,
        )
    assert result.returncode == 0
    assert KEY not in result.everything()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", result.outputs["ready-at"])
    stamp = result.outputs["ready-at"].replace("T", " ").split(".")[0]  # shown to the second
    assert f"| Ready at | {stamp} UTC |" in result.summary.replace("\\-", "-")
