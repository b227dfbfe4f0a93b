"""The hostile world: what a careful attacker and a badly configured runner can do to a
step, each case run against the real entrypoint the way the runner runs it (a few, that
need deadlines shorter than the action's, in process).

Each case asserts its outcome and returns it in words; the second part of
``docs/reliability.md`` is generated from those words (``UPDATE_RELIABILITY=1``, as for
``tests/test_faults.py``, which owns the first part). The cases run concurrently on a
pool, so the module takes about as long as its slowest case.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from sieve_action.api.policy import RetryPolicy
from sieve_action.report import results as report_results
from testkit.paths import ROOT
from testkit.runner import start_step
from testkit.simulator import Fault, JobScript, Simulator

from .conftest import KEY, VERSION_ID
from .hostile import (
    PARTS,
    STEP,
    Case,
    check_part,
    in_process,
    no_part_of,
    registry,
    render,
    said,
    step,
)
from .servers import raw_server, self_signed_server, socks5_proxy, trickle

CASES, case = registry()


LEAK = "The key, echoed in a form that is not the exact key"
#: Keys with the characters that escaping and reformatting change.
SLASH_KEY = "sk/live/4f9a_2c7e+1b3d=5a60"
T_KEY = "sk-T0ken-8e2f4a6c1d3b5e7f9aZ"


def _server(tmp: Path, ssl_context: ssl.SSLContext | None = None) -> HTTPServer:
    server = HTTPServer(ssl_context=ssl_context)
    server.start()
    return server


def _x(text: str) -> str:
    return re.sub(r"x{8,}", "x…x", text)


@case("cut", LEAK, "a 403 whose plain-text body holds the key across the 200-character cut")
def _cut(tmp: Path) -> str:
    server = _server(tmp)
    try:
        body = "x" * 190 + KEY + " is not allowed"
        server.expect_request(re.compile(".*")).respond_with_data(body, status=403)
        result, _ = step(tmp, {**STEP, "api-url": server.url_for("/").rstrip("/")})
    finally:
        server.stop()
    assert result.returncode == 1
    no_part_of(KEY, result.everything())
    return f"failed: exit 1, «{_x(said(result.errors(), '(403: '))}»; no 8 characters of the key"


@case(
    "json", LEAK, f"a 403 whose JSON body has no `detail` and holds the key `{SLASH_KEY}` as `\\/`"
)
def _json(tmp: Path) -> str:
    server = _server(tmp)
    try:
        escaped = SLASH_KEY.replace("/", "\\/")
        body = '{"error": "the key ' + escaped + ' is not allowed"}'
        server.expect_request(re.compile(".*")).respond_with_data(
            body, status=403, content_type="application/json"
        )
        inputs = {**STEP, "api-key": SLASH_KEY, "api-url": server.url_for("/").rstrip("/")}
        result, _ = step(tmp, inputs)
    finally:
        server.stop()
    assert result.returncode == 1
    no_part_of(SLASH_KEY, result.everything())
    return f"failed: exit 1, «{said(result.errors(), '(403: ')}»; no 8 characters of the key"


@case("timestamp", LEAK, f"`ready_at` echoes the key `{T_KEY}`, which the summary reformats")
def _timestamp(tmp: Path) -> str:
    with Simulator(T_KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID).extra = {"ready_at": T_KEY}
        result, _ = step(tmp, {**STEP, "api-key": T_KEY, "api-url": sim.url})
    assert result.returncode == 0
    no_part_of(T_KEY, result.everything())
    assert "| Ready at | \\*\\*\\* UTC |" in result.summary
    return "succeeded: exit 0; `ready-at` and the summary show `***`; no 8 characters of the key"


@case("input", LEAK, "the key pasted into `owner` as well as `api-key`")
def _input(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        result, _ = step(tmp, {**STEP, "owner": KEY, "api-url": sim.url})
        requests = len(sim.state.requests)
    assert result.returncode == 2 and requests == 0
    no_part_of(KEY, result.everything())
    return f"refused: exit 2, «{said(result.errors(), '`owner`')}»; no request"


DEADLINE = "A request that never ends"


@case(
    "trickle",
    DEADLINE,
    "the read's answer trickles in a byte every 0.1 s (in process, 3 s deadline)",
)
def _trickle(tmp: Path) -> str:
    policy = RetryPolicy(timeout=3.0, wait_initial=0.01, wait_jitter=0)
    with raw_server(trickle) as url:
        seen = in_process({**STEP, "api-url": url}, policy)
    # The server would trickle for 30 s; half of it proves the deadline, however busy.
    assert seen.code == 1 and seen.seconds < 15, seen.seconds
    return (
        f"failed: exit 1 at the 3 s deadline, not the server's 30 s: "
        f"«{said(seen.errors, 'deadline')}»"
    )


@case(
    "wait-deadline",
    DEADLINE,
    "every status read of the wait is answered 30 s late (in process: `wait-timeout: 1`, "
    "3 s deadline)",
)
def _wait_deadline(tmp: Path) -> str:
    policy = RetryPolicy(timeout=3.0, wait_initial=0.01, wait_jitter=0)
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID, build_seconds=600)
        sim.state.inject(
            Fault("latency", count=100, seconds=30, method="GET", path_suffix=VERSION_ID)
        )
        inputs = {**STEP, "api-url": sim.url, "wait": "true", "wait-timeout": "1",
                  "poll-interval": "0.05"}  # fmt: skip
        seen = in_process(inputs, policy)
    # The reads would take 30 s each; half of one proves the bound, however busy.
    assert seen.code == 1 and seen.seconds < 15, seen.seconds
    return (
        "failed: exit 1 within `wait-timeout` plus one request's deadline: "
        f"«{said(seen.errors, 'deadline')}»"
    )


def _peak_memory_probe(tmp: Path) -> tuple[dict[str, str], Callable[[], int]]:
    """Environment that makes the entrypoint's Python record its peak memory (VmHWM, in
    KiB) at exit, through a ``sitecustomize`` of the test's; and the reader of it.
    (``ru_maxrss`` would count the test process the child was forked from.)"""
    probe, record = tmp / "probe", tmp / "vmhwm"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(
        "import atexit\n"
        "def _record():\n"
        "    with open('/proc/self/status') as status:\n"
        "        peak = next(line for line in status if line.startswith('VmHWM:'))\n"
        f"    open({str(record)!r}, 'w').write(peak.split()[1])\n"
        "atexit.register(_record)\n"
    )
    return {"PYTHONPATH": f"{ROOT}{os.pathsep}{probe}"}, lambda: int(record.read_text())


def _bomb() -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1 << 20)
    return b"".join([*(squeeze.compress(block) for _ in range(512)), squeeze.flush()])


@case("bomb", DEADLINE, "a 200 that is a 512 MiB gzip bomb, 0.5 MB on the wire")
def _gzip_bomb(tmp: Path) -> str:
    server = _server(tmp)
    try:
        server.expect_request(re.compile(".*")).respond_with_data(
            _bomb(), headers={"Content-Encoding": "gzip"}, content_type="application/json"
        )
        env, peak = _peak_memory_probe(tmp)
        result, _ = step(tmp, {**STEP, "api-url": server.url_for("/").rstrip("/")}, env)
        requests = len(server.log)
    finally:
        server.stop()
    assert result.returncode == 1 and requests == 1
    assert peak() < 100 * 1024, f"{peak() // 1024} MiB"
    return (
        f"failed: exit 1 after 1 request, the process under 100 MiB: "
        f"«{said(result.errors(), 'decompressed')}»"
    )


@case("hundred-mb", DEADLINE, "a 200 that declares a 100 MB body")
def _hundred_mb(tmp: Path) -> str:
    def answer(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n{")
        time.sleep(30)

    with raw_server(answer) as url:
        result, seconds = step(tmp, {**STEP, "api-url": url})
    # The server holds the body for 30 s: ending in half of that is ending without it.
    assert result.returncode == 1 and seconds < 15, seconds
    return f"failed: exit 1 before reading the body: «{said(result.errors(), 'decompressed')}»"


RETRIES = "Occasional errors over a long step"


@case("wait-429", RETRIES, "a wait of 12 reads polled every 0.05 s, every other read answered 429")
def _wait_429(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID, build_reads=12)
        sim.state.inject(
            Fault("status", status=429, retry_after="0", count=10_000, every=2, method="GET",
                  path_suffix=VERSION_ID)
        )  # fmt: skip
        inputs = {**STEP, "api-url": sim.url, "wait": "true", "poll-interval": "0.05"}
        result, _ = step(tmp, inputs)
        reads = [r for r in sim.state.requests if r["path"].endswith(VERSION_ID)]
    assert result.returncode == 0, result.stdout
    assert len(reads) >= 20, len(reads)
    return "succeeded: exit 0; each 429 retried within its own request's 5 attempts"


@case("fleet-503", RETRIES, "a fleet of 300 targets (`concurrency: 64`), one request in ten 503")
def _fleet_503(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        for n in range(300):
            sim.state.deploy("acme", f"f{n:03d}")
        sim.state.inject(Fault("status", status=503, count=10_000, every=10))
        targets = "\n".join(f"acme/f{n:03d} min=1" for n in range(300))
        inputs = {"api-key": KEY, "api-url": sim.url, "targets": targets, "concurrency": "64"}
        result, _ = step(tmp, inputs)
        requests = len(sim.state.requests)
    results = json.loads(result.outputs["results"])
    assert result.returncode == 0, result.errors()[:3]
    assert all(r["changed"] and r["error"] is None for r in results) and len(results) == 300
    assert requests >= 600 + 60, requests
    return "succeeded: exit 0; all 300 targets changed, no target lost"


RUNNER = "The runner's environment"


@case("proxy-ftp", RUNNER, "`HTTPS_PROXY=ftp://proxy.example:21`")
def _proxy_ftp(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        env = {"HTTPS_PROXY": "ftp://proxy.example:21"}
        result, _ = step(tmp, {**STEP, "api-url": sim.url}, env)
        requests = len(sim.state.requests)
    assert result.returncode == 2 and requests == 0
    return f"refused: exit 2, «{said(result.errors(), 'HTTPS_PROXY')}»; no request"


@case("proxy-socks", RUNNER, "`ALL_PROXY=socks5://…`, a SOCKS5 proxy on loopback")
def _proxy_socks(tmp: Path) -> str:
    with Simulator(KEY) as sim, socks5_proxy() as (proxy, connections):
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        result, _ = step(tmp, {**STEP, "api-url": sim.url}, {"ALL_PROXY": proxy})
    assert result.returncode == 0 and connections, result.stdout
    return "succeeded: exit 0, every request through the proxy"


@case("no-output-folder", RUNNER, "`GITHUB_OUTPUT` in a folder that does not exist")
def _no_output_folder(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        env = {"GITHUB_OUTPUT": str(tmp / "missing" / "output")}
        result, _ = step(tmp, {**STEP, "api-url": sim.url}, env)
    assert result.returncode == 1 and "Sieve scaling" in result.summary
    return f"failed: exit 1, «{said(result.errors(), 'GITHUB_OUTPUT')}»; the summary written"


@case("summary-full-disk", RUNNER, "`GITHUB_STEP_SUMMARY=/dev/full` (a full disk)")
def _summary_full(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        result, _ = step(tmp, {**STEP, "api-url": sim.url}, {"GITHUB_STEP_SUMMARY": "/dev/full"})
    assert result.returncode == 0 and result.outputs["changed"] == "true"
    warning = said(result.warnings(), "GITHUB_STEP_SUMMARY")
    return f"succeeded: exit 0, warning «{warning}»; the outputs written"


@case("key-not-utf8", RUNNER, "an `api-key` holding a byte that is not UTF-8")
def _key_not_utf8(tmp: Path) -> str:
    key = "sk-\udcff-" + KEY  # the byte 0xff, as Python decodes the environment
    with Simulator(KEY) as sim:
        result, _ = step(tmp, {**STEP, "api-key": key, "api-url": sim.url})
        requests = len(sim.state.requests)
    assert result.returncode == 2 and requests == 0
    no_part_of(KEY, result.everything())
    return f"refused: exit 2, «{said(result.errors(), '`api-key`')}»"


@case("poll-huge", RUNNER, "`poll-interval: 1e10`")
def _poll_huge(tmp: Path) -> str:
    result, _ = step(tmp, {**STEP, "api-url": "https://sieve.invalid", "poll-interval": "1e10"})
    assert result.returncode == 2
    return f"refused: exit 2, «{said(result.errors(), '`poll-interval`')}»"


@case("ca-bundle", RUNNER, "`SSL_CERT_FILE` names a file that does not exist")
def _ca_bundle(tmp: Path) -> str:
    env = {"SSL_CERT_FILE": str(tmp / "missing.pem")}
    result, _ = step(tmp, {**STEP, "api-url": "https://sieve.invalid"}, env)
    assert result.returncode == 2
    return f"refused: exit 2, «{said(result.errors(), 'SSL_CERT_FILE')}»"


CLEAR = "Answers that must be clear errors"


@case("tls", CLEAR, "`api-url` serves a self-signed certificate")
def _tls(tmp: Path) -> str:
    with self_signed_server(tmp) as server:
        result, _ = step(tmp, {**STEP, "api-url": server.url_for("/").rstrip("/")})
    assert result.returncode == 1
    assert "try 2 of" not in result.stdout, result.stdout  # no retry was logged
    return f"failed at once, not retried: exit 1, «{said(result.errors(), 'certificate')}»"


@case("long-id", CLEAR, "Sieve answers a version ID of 70,000 characters")
def _long_id(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id="a" * 70_000)
        result, _ = step(tmp, {**STEP, "api-url": sim.url})
    assert result.returncode == 1
    return f"failed: exit 1, «{said(result.errors(), 'not a Version')}»"


@case("duplicate", CLEAR, "`targets` names `acme/whisper` twice, with different bounds")
def _duplicate(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        targets = "acme/whisper min=1\nacme/whisper@latest min=2"
        result, _ = step(tmp, {"api-key": KEY, "api-url": sim.url, "targets": targets})
        requests = len(sim.state.requests)
    assert result.returncode == 2 and requests == 0
    return f"refused: exit 2, «{said(result.errors(), 'both name')}»; no request"


DECIDED = "Decided (docs/assumptions.md)"


@case("stale-edit", DECIDED, "the edit is answered 200 with the bounds unchanged")
def _stale_edit(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        sim.state.inject(Fault("stale", method="POST"))
        result, _ = step(tmp, {**STEP, "api-url": sim.url})
    assert result.returncode == 1
    return f"failed: exit 1, «{said(result.errors(), 'accepted the edit')}»"


@case("poll-floor", DECIDED, "`poll-interval: 0.5` against Sieve (not loopback)")
def _poll_floor(tmp: Path) -> str:
    result, _ = step(tmp, {**STEP, "api-url": "https://sieve.invalid", "poll-interval": "0.5"})
    assert result.returncode == 2
    return f"refused: exit 2, «{said(result.errors(), 'at least 1')}»"


@case("unknown-status", DECIDED, "`build_status: compiling` when not waiting")
def _unknown_status(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID).forced_status = "compiling"
        result, _ = step(tmp, {**STEP, "api-url": sim.url})
    assert result.returncode == 0
    return f"succeeded: exit 0, warning «{said(result.warnings(), 'unknown build status')}»"


@case("plain-http", DECIDED, "`api-url: http://sieve.example` (reached through `HTTP_PROXY`)")
def _plain_http(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        env = {"HTTP_PROXY": sim.url}
        result, _ = step(tmp, {**STEP, "api-url": "http://sieve.example"}, env)
    assert result.returncode == 0, result.stdout
    return f"succeeded: exit 0, warning «{said(result.warnings(), 'unencrypted')}»"


@case("long-name", DECIDED, "`owner` of 5,000 characters")
def _long_name(tmp: Path) -> str:
    result, _ = step(tmp, {**STEP, "api-url": "https://sieve.invalid", "owner": "a" * 5000})
    assert result.returncode == 2 and "a" * 100 not in result.everything()
    return f"refused: exit 2, «{said(result.errors(), '`owner`')}»"


@case("big-version", DECIDED, "a version of 900 KB (under the 1 MiB cap)")
def _big_version(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        version = sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        version.extra = {"python_packages": ["torch==2.13.0"] * 60_000}
        result, _ = step(tmp, {**STEP, "api-url": sim.url})
    assert result.returncode == 0
    assert len(result.outputs["version"]) < report_results.VERSION_OUTPUT_LIMIT
    return (
        "succeeded: exit 0; the `version` output holds the documented fields, warning "
        f"«{said(result.warnings(), 'over 256 KiB')}»"
    )


TRUTH = "What the report claims is what Sieve did"
SMOKE = {**STEP, "smoke-test": '{"text": "hi"}', "poll-interval": "0.05"}
#: An earlier version with two warm replicas, then the fixture's version (the latest).
OLDER = "0f7e1d2c-0000-4000-8000-000000000001"


def _promotion(sim: Simulator) -> None:
    sim.state.deploy("acme", "whisper", version_id=OLDER, minimum_replicas=2, maximum_replicas=2)
    sim.state.deploy("acme", "whisper", version_id=VERSION_ID)


@case("nan", TRUTH, "`smoke-test: '{\"x\": NaN}'` (Python's JSON reads it; no encoder sends it)")
def _nan(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        _promotion(sim)
        inputs = {
            **SMOKE,
            "api-url": sim.url,
            "smoke-test": '{"x": NaN}',
            "retire-previous": "true",
        }
        result, _ = step(tmp, inputs)
        requests = len(sim.state.requests)
    assert result.returncode == 2 and requests == 0
    assert result.outputs == {"changed": "false", "results": "[]"}
    return f"refused: exit 2, «{said(result.errors(), 'NaN')}»; no request"


@case("surrogate", TRUTH, 'an error answer `{"detail": "…\\udcff…"}` (valid JSON)')
def _surrogate(tmp: Path) -> str:
    server = _server(tmp)
    try:
        body = '{"detail": "no such version \\udcff here"}'
        server.expect_request(re.compile(".*")).respond_with_data(
            body, status=404, content_type="application/json"
        )
        result, _ = step(tmp, {**STEP, "api-url": server.url_for("/").rstrip("/")})
    finally:
        server.stop()
    assert result.returncode == 1
    assert result.summary and result.outputs["changed"] == "false"
    return f"failed: exit 1, summary and outputs written, «{said(result.errors(), '404')}»"


@case("job-surrogate", TRUTH, "a smoke test job whose error holds a lone surrogate")
def _job_surrogate(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        sim.state.functions[("acme", "whisper")].jobs = JobScript("error", error="bad \udcff byte")
        result, _ = step(tmp, {**SMOKE, "api-url": sim.url})
    assert result.returncode == 1 and result.summary
    assert result.outputs["smoke-test-status"] == "error"
    return f"failed: exit 1, summary written, «{said(result.errors(), 'ended `error`')}»"


@case("cancel-ended", TRUTH, "the smoke test times out, and the job's cancel is answered 400")
def _cancel_ended(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        sim.state.functions[("acme", "whisper")].jobs = JobScript("never")
        sim.state.inject(Fault("status", status=400, method="DELETE"))
        result, _ = step(tmp, {**SMOKE, "api-url": sim.url, "smoke-test-timeout": "0.5"})
    assert result.returncode == 1
    assert result.outputs["smoke-test-status"] != "cancelled"
    return f"failed: exit 1, «{said(result.errors(), 'already ended')}»"


@case("cancel-500", TRUTH, "the smoke test times out, and the job's cancel keeps failing (500)")
def _cancel_500(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        sim.state.functions[("acme", "whisper")].jobs = JobScript("never")
        sim.state.inject(Fault("status", status=500, method="DELETE", count=100))
        result, _ = step(tmp, {**SMOKE, "api-url": sim.url, "smoke-test-timeout": "0.5"})
    assert result.returncode == 1
    assert result.outputs["smoke-test-status"] == "processing"
    [job_id] = [json.loads(r["response"]["body"])["id"] for r in sim.state.requests
                if r["path"] == "/v2/push"]  # fmt: skip
    assert any(job_id in error for error in result.errors())  # named, to check it on Sieve
    return f"failed: exit 1, «{said(result.errors(), 'could not be cancelled')}»"


@case(
    "push-in-flight",
    TRUTH,
    "SIGTERM while the push is in flight (the job exists, its answer not back)",
)
def _push_in_flight(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        sim.state.functions[("acme", "whisper")].jobs = JobScript("never")
        sim.state.inject(Fault("late", seconds=1.0, method="POST", path_suffix="/v2/push"))
        started = start_step({**SMOKE, "api-url": sim.url}, tmp)
        deadline = time.monotonic() + 20
        while not sim.state.jobs:
            assert time.monotonic() < deadline, "no job was pushed"
            time.sleep(0.01)
        started.process.send_signal(signal.SIGTERM)
        result = started.finish(timeout=30)
        [job] = sim.state.jobs.values()
        status = sim.state.job_status(job)
    assert result.returncode == 128 + signal.SIGTERM
    assert status == "cancelled", status
    return "cancelled: exit 143; the job the push made was cancelled on Sieve"


@case("retire-stale", TRUTH, "retiring an earlier version is answered 200 with its minimum still 2")
def _retire_stale(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        _promotion(sim)
        sim.state.inject(Fault("stale", method="POST", path_suffix=f"{OLDER}/edit"))
        result, _ = step(tmp, {**STEP, "api-url": sim.url, "retire-previous": "true"})
    assert result.returncode == 1
    assert result.outputs["retired"] == "[]"
    return f"failed: exit 1, `retired` is `[]`, «{said(result.errors(), 'retiring version')}»"


@case("fleet-retired", TRUTH, "a fleet (`targets`) with `retire-previous`")
def _fleet_retired(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        _promotion(sim)
        sim.state.deploy("acme", "speech")
        targets = "acme/whisper min=1\nacme/speech min=1"
        inputs = {"api-key": KEY, "api-url": sim.url, "targets": targets, "retire-previous": "true"}
        result, _ = step(tmp, inputs)
    assert result.returncode == 0
    assert f"| acme/whisper@latest | {OLDER} | 2 | $" in result.summary.replace("\\-", "-")
    return "succeeded: exit 0; the summary lists each version retired with its past cost"


@case("same-version", TRUTH, "`targets` names one version twice: `latest`, and its ID prefix")
def _same_version(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        targets = f"acme/whisper min=1 max=2\nacme/whisper@{VERSION_ID[:8]} min=3 max=4"
        result, _ = step(tmp, {"api-key": KEY, "api-url": sim.url, "targets": targets})
        edits = [r for r in sim.state.requests if r["method"] == "POST"]
    assert result.returncode == 1 and edits == []
    return f"refused before any edit: exit 1, «{said(result.errors(), 'both name version')}»"


@case("big-fleet", TRUTH, "1,000 targets that all fail with long errors")
def _big_fleet(tmp: Path) -> str:
    with Simulator(KEY) as sim:
        targets = "\n".join(f"acme/f{n:04d}-{'x' * 100} min=1" for n in range(1000))
        inputs = {"api-key": KEY, "api-url": sim.url, "targets": targets, "concurrency": "64"}
        result, _ = step(tmp, inputs)
    assert result.returncode == 1
    assert len(json.loads(result.outputs["results"])) == 1000
    size = len(result.summary.encode())
    assert size < 1024 * 1024, size
    return f"failed: exit 1; the summary is {size // 1024} KiB, under GitHub's 1 MiB"


# -- running and documenting ---------------------------------------------------------------
@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[str]]]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        yield {c.key: pool.submit(c.run, tmp_path_factory.mktemp(c.key)) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_case(case: Case, observed: dict[str, Future[str]]) -> None:
    assert observed[case.key].result(timeout=180)


HEADER = f"""{PARTS[0]}

## The hostile world

Each row is one test, `tests/test_hostile.py::test_case[<case>]`: the real entrypoint, run as the
runner runs it (the two deadline rows in process, with a 3 s deadline instead of 60 s), against a
simulator or a misbehaving server of its own, asserting the outcome written here. A row about the
key also asserts that no 8 characters of it appear anywhere a user could look (log, outputs,
summary), nor its JSON-, Markdown- or `repr`-escaped forms.
"""


def test_reliability_doc_shows_what_the_cases_observed(observed: dict[str, Future[str]]) -> None:
    found = {key: future.result(timeout=180) for key, future in observed.items()}
    check_part(PARTS[0], render(HEADER, CASES, found), "tests/test_hostile.py")
