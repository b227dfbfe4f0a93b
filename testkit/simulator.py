"""A local Sieve for tests and the demo: the operations the action uses, in memory.

Standard library only, so it adds no dependency and is never shipped with the action.
It follows ``spec/sieve-openapi.json`` and Sieve's documented errors (401 for a missing
or wrong ``X-API-Key``, 403, 404, 400, FastAPI-style 422). Versions: reading one,
listing them newest first with ``limit`` and ``offset``, editing their bounds; each
version's ``build_status`` moves through ``queued → building → pushing → deploying →
ready`` (or ``error``) over a configurable time, and warm workers come up to the
minimum after the build. Jobs: pushed to ``owner/name[:version]``, read, awaited (held
until they end, then 408 after ``await_seconds``, as Sieve's 10 minutes) and
cancelled, ending as each function's :class:`JobScript` says (finished, error, or
never). Usage: a version's cost over a time window, from its minimum replicas. Faults
a real network and service produce can be injected: latency, 5xx and 429 bursts with
``Retry-After``, malformed or truncated bodies, dropped connections.

Run it: ``python -m testkit.simulator --function acme/whisper --api-key KEY``.
Control it (tests): the :class:`Simulator` object, or ``/_sim/*`` endpoints (no key).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

STAGES = ("queued", "building", "pushing", "deploying")
# Fraction of the build time at which each stage begins.
_STAGE_STARTS = (0.0, 0.1, 0.6, 0.75)
_ROUTE = re.compile(
    r"/v2/functions/(?P<owner>[^/]+)/(?P<function>[^/]+)"
    r"(?:/versions(?:/(?P<slug>[^/]+)(?P<edit>/edit)?)?)?"
)
_JOB = re.compile(r"/v2/jobs/(?P<job>[^/]+)(?P<wait>/await)?")
_USAGE = re.compile(
    r"/v2/usage/function/(?P<owner>[^/]+)/(?P<function>[^/]+)/versions/(?P<slug>[^/]+)"
)
#: The machine types ``DetailedUsage`` breaks a version's usage down by.
_MACHINES = ("cpu", "a100", "a100-20gb", "v100", "l4", "t4")
_JOB_USAGE = re.compile(r"/v2/usage/job/(?P<job>[^/]+)")
#: The statuses a job ends in.
JOB_ENDINGS = frozenset({"finished", "error", "cancelled"})


@dataclass
class SimVersion:
    id: str
    created: float
    build_seconds: float
    fails: bool = False
    minimum_replicas: int = 0
    maximum_replicas: int | None = 1
    #: When the minimum last changed, so warm workers can ramp up after it.
    scaled_at: float = 0.0
    #: A build status to report instead of the computed one (faults, odd values).
    forced_status: str | None = None
    #: Report ``current_workers: null``.
    workers_null: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: A build that moves one stage per read of the version (queued, building, pushing,
    #: deploying, then ready or error on the read after the last): the same answers
    #: however fast or slow the machine, unlike ``build_seconds``.
    build_reads: int | None = None
    #: Warm workers that come up one every this many reads of the version once the minimum is raised
    #: (and the build is ready), whatever the time.
    worker_reads: int | None = None
    #: Reads of this version so far (``GET``), for the two above.
    reads: int = 0
    #: Reads when the minimum last changed.
    scaled_reads: int = 0
    #: How jobs pushed to this version go (else the function's script): a version that
    #: answers wrong, or slowly.
    jobs: JobScript | None = None


@dataclass
class JobScript:
    """How the jobs pushed to a function go: ``finished``, ``error`` or ``never`` (runs
    until cancelled), after ``seconds`` (a fifth of it queued, the rest processing)."""

    outcome: str = "finished"
    seconds: float = 0.0
    error: str = "ValueError: the input was refused"
    outputs: list[Any] = field(default_factory=lambda: [{"type": "str", "data": "ok"}])


@dataclass
class SimJob:
    id: str
    function: SimFunction
    version: SimVersion
    inputs: Any
    created: float
    script: JobScript
    cancelled_at: float | None = None


@dataclass
class SimFunction:
    owner: str
    name: str
    versions: list[SimVersion] = field(default_factory=list)  # newest first
    forbidden: bool = False
    jobs: JobScript = field(default_factory=JobScript)
    #: The usage endpoint answers 403 for this function's versions.
    usage_forbidden: bool = False


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next ``count`` matching requests.

    ``kind``: ``status`` (answer ``status`` with ``retry_after`` if set), ``malformed``
    (200 with a body that is not JSON), ``wrong_shape`` (200 with JSON that is not a
    Version), ``truncate`` (headers promise more body than is sent), ``reset`` (close
    the connection without an answer), ``latency`` (sleep ``seconds`` first, then
    answer normally), ``late`` (act on the request, then sleep ``seconds`` before the
    answer: a push whose job exists before the client hears of it), ``delete`` (remove
    the version, then answer 404), ``stale`` (answer an edit with the version as it was,
    the edit not applied).
    """

    kind: str
    count: int = 1
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    method: str | None = None
    #: Only requests whose path ends with this (e.g. "/edit") match.
    path_suffix: str | None = None
    #: Apply to every ``every``-th matching request only (1: each one).
    every: int = 1
    seen: int = 0


def _iso(wall: float, naive: bool) -> str:
    """RFC 3339 in UTC. The schema's ``date-time`` format needs the zone (``Z``); Sieve
    itself writes none (its examples and answers), which ``naive`` reproduces."""
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall)) + f".{int((wall % 1) * 1e6):06d}"
    return text if naive else text + "Z"


class SimState:
    """Sieve's state in memory; every method takes the lock."""

    def __init__(
        self,
        api_key: str,
        clock: Callable[[], float] = time.monotonic,
        worker_seconds: float = 0.0,
        latency: float = 0.0,
        naive_timestamps: bool = False,
    ) -> None:
        self.api_key = api_key
        self.naive_timestamps = naive_timestamps
        # The clock is monotonic (and may be a test's); timestamps need wall time.
        self._wall_offset = time.time() - clock()
        self.clock = clock
        self.worker_seconds = worker_seconds
        self.latency = latency
        self.functions: dict[tuple[str, str], SimFunction] = {}
        self.jobs: dict[str, SimJob] = {}
        #: How long ``/await`` holds a request for a job still running (Sieve: 10 minutes),
        #: then answers 408.
        self.await_seconds = 600.0
        #: Dollars a warm replica costs a day, for the usage endpoint.
        self.replica_dollars_per_day = 24.0
        #: Dollars a second of a job costs, for the job usage endpoint.
        self.job_dollars_per_second = 0.001
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.RLock()

    # -- set-up -------------------------------------------------------------------------
    def deploy(
        self,
        owner: str,
        name: str,
        *,
        build_seconds: float = 0.0,
        build_reads: int | None = None,
        fails: bool = False,
        minimum_replicas: int = 0,
        maximum_replicas: int | None = 1,
        version_id: str | None = None,
    ) -> SimVersion:
        """A new version, newest first, as ``sieve deploy`` makes one."""
        with self.lock:
            function = self.functions.setdefault((owner, name), SimFunction(owner, name))
            now = self.clock()
            version = SimVersion(
                version_id or str(uuid.uuid4()),
                now,
                build_seconds,
                fails,
                minimum_replicas,
                maximum_replicas,
                scaled_at=now,
                build_reads=build_reads,
            )
            function.versions.insert(0, version)
            return version

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def edits(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["method"] == "POST"]

    # -- views ---------------------------------------------------------------------------
    def status(self, version: SimVersion) -> str:
        if version.forced_status is not None:
            return version.forced_status
        if version.build_reads is not None:
            if version.reads >= version.build_reads:
                return "error" if version.fails else "ready"
            return STAGES[min(version.reads * len(STAGES) // version.build_reads, len(STAGES) - 1)]
        elapsed = self.clock() - version.created
        if version.build_seconds <= 0 or elapsed >= version.build_seconds:
            return "error" if version.fails else "ready"
        fraction = elapsed / version.build_seconds
        return next(
            s
            for s, start in reversed(list(zip(STAGES, _STAGE_STARTS, strict=True)))
            if fraction >= start
        )

    def _iso(self, moment: float) -> str:
        return _iso(moment + self._wall_offset, self.naive_timestamps)

    def render(self, version: SimVersion) -> dict[str, Any]:
        status = self.status(version)
        built = version.created + version.build_seconds
        workers: dict[str, int] | None = None
        if not version.workers_null:
            warm = 0
            if status == "ready" and version.worker_reads is not None:
                up = version.reads - max(version.scaled_reads, version.build_reads or 0)
                warm = min(version.minimum_replicas, max(0, up) // version.worker_reads)
            elif status == "ready":
                since = self.clock() - max(built, version.scaled_at)
                ramp = 1.0 if self.worker_seconds <= 0 else min(1.0, since / self.worker_seconds)
                warm = int(version.minimum_replicas * ramp)
            starting = version.minimum_replicas - warm if status == "ready" else 0
            workers = {
                "starting": starting,
                "setup": 0,
                "active": 0,
                "idle": warm,
                "awaiting_resources": 0,
            }
        body: dict[str, Any] = {
            "id": version.id,
            "build_status": status,
            "queued_at": self._iso(version.created),
            "built_at": self._iso(built) if status in {"ready", "deploying", "error"} else None,
            "ready_at": self._iso(built) if status == "ready" else None,
            "compute_type": "gpu-a100",
            "python_packages": ["torch"],
            "system_packages": [],
            "cuda_version": "12.1",
            "gpu": True,
            "split": 1,
            "minimum_replicas": version.minimum_replicas,
            "maximum_replicas": version.maximum_replicas,
            "inputs": [],
            "outputs": [],
            "current_workers": workers,
            "environment_variables": [],
            "stream_output": False,
            "function_dependencies": [],
        }
        body.update(version.extra)
        return body

    def job_status(self, job: SimJob) -> str:
        if job.cancelled_at is not None:
            return "cancelled"
        elapsed = self.clock() - job.created
        if job.script.outcome == "never" or elapsed < job.script.seconds:
            return "queued" if elapsed < job.script.seconds / 5 else "processing"
        return job.script.outcome

    def render_job(self, job: SimJob) -> dict[str, Any]:
        status = self.job_status(job)
        ended = status in JOB_ENDINGS
        return {
            "id": job.id,
            "function_id": job.version.id[:7],
            "organization_id": "sim-org",
            "function": None,
            "status": status,
            "created_at": self._iso(job.created),
            "started_at": self._iso(job.created) if status != "queued" else None,
            "completed_at": self._iso(self.clock()) if ended else None,
            "inputs": job.inputs if isinstance(job.inputs, dict) else {},
            "outputs": job.script.outputs if status == "finished" else [],
            "error": job.script.error if status == "error" else "",
            "visibility": "private",
            "run_id": f"run-{job.id[:8]}",
        }

    def find(
        self, owner: str, name: str, slug: str | None
    ) -> tuple[SimFunction | None, SimVersion | None]:
        function = self.functions.get((owner, name))
        if function is None or slug is None:
            return function, None
        if slug == "latest":
            return function, (function.versions[0] if function.versions else None)
        matches = [v for v in function.versions if v.id.startswith(slug)]
        return function, (matches[0] if len(matches) == 1 else None)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (fault.method in (None, method)) and (
                    fault.path_suffix is None or path.endswith(fault.path_suffix)
                ):
                    fault.seen += 1
                    if fault.seen % fault.every:
                        return None
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
            return None


Answer = tuple[int, Any, dict[str, str]]


def _detail(status: int, detail: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {"detail": detail}, headers or {}


def handle(
    state: SimState,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    query: str = "",
) -> Answer:
    """Answer one API request as Sieve would (faults are applied by the caller)."""
    if headers.get("x-api-key") != state.api_key and (
        _ROUTE.fullmatch(path) or _JOB.fullmatch(path) or _USAGE.fullmatch(path)
        or _JOB_USAGE.fullmatch(path) or path == "/v2/push"
    ):  # fmt: skip
        return _detail(401, "Unauthorized - valid API Key required.")
    arguments = dict(parse_qsl(query))
    if path == "/v2/push":
        return _push(state, body) if method == "POST" else _detail(405, "Method Not Allowed")
    if (job := _JOB.fullmatch(path)) is not None:
        return _job(state, method, unquote(job["job"]), bool(job["wait"]))
    if (usage := _USAGE.fullmatch(path)) is not None:
        return _usage(state, method, usage, arguments)
    if (cost := _JOB_USAGE.fullmatch(path)) is not None:
        return _job_cost(state, method, unquote(cost["job"]))
    match = _ROUTE.fullmatch(path)
    if match is None:
        return _detail(404, "Not Found")
    owner, name = unquote(match["owner"]), unquote(match["function"])
    slug = unquote(match["slug"]) if match["slug"] else None
    is_edit = bool(match["edit"])
    is_list = slug is None and path.rstrip("/").endswith("/versions")
    allowed = "POST" if is_edit else "GET"
    if method != allowed:
        return _detail(405, "Method Not Allowed")
    with state.lock:
        function, version = state.find(owner, name, slug)
        if function is None:
            return _detail(404, "Function not found.")
        if function.forbidden and is_edit:
            return _detail(403, "Forbidden.")
        if is_list:
            limit, offset = int(arguments.get("limit", 500)), int(arguments.get("offset", 0))
            page = function.versions[offset : offset + limit]
            return 200, [state.render(v) for v in page], {}
        if slug is None:
            latest = state.render(function.versions[0]) if function.versions else None
            return 200, {"name": name, "owner_name": owner, "latest_version": latest}, {}
        if version is None:
            return _detail(404, "Function version not found.")
        if not is_edit:
            version.reads += 1
            return 200, state.render(version), {}
        return _edit(state, version, body)


def _push(state: SimState, body: bytes) -> Answer:
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return _detail(422, [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}])
    if not isinstance(data, dict) or "inputs" not in data:
        return _detail(422, [{"loc": ["body", "inputs"], "msg": "Field required",
                              "type": "missing"}])  # fmt: skip
    ref = str(data.get("function") or "")
    owner, _, rest = ref.partition("/")
    name, _, slug = rest.partition(":")
    with state.lock:
        function, version = state.find(owner, name, slug or "latest")
        if function is None:
            return _detail(404, "Function not found.")
        if version is None:
            return _detail(400, "Invalid function specified.")
        script = version.jobs or function.jobs
        job = SimJob(str(uuid.uuid4()), function, version, data["inputs"], state.clock(), script)
        state.jobs[job.id] = job
        return (
            200,
            {
                "id": job.id,
                "run_id": f"run-{job.id[:8]}",
                "stream_output": False,
                "status": state.job_status(job),
                "organization_id": "sim-org",
                "model_id": version.id,
                "workflow_id": None,
            },
            {},
        )


def _job(state: SimState, method: str, job_id: str, wait: bool) -> Answer:
    """``GET /v2/jobs/{id}``, ``DELETE`` it, and one look of ``/await`` (the handler
    repeats that look until the job ends or ``await_seconds`` pass)."""
    allowed = {"GET"} if wait else {"GET", "DELETE"}
    if method not in allowed:
        return _detail(405, "Method Not Allowed")
    with state.lock:
        job = state.jobs.get(job_id)
        if job is None:
            return _detail(404, "Job not found.")
        if method == "DELETE":
            if state.job_status(job) in JOB_ENDINGS:
                return _detail(400, "Job is not processing.")
            job.cancelled_at = state.clock()
            return 200, {"message": f"Job {job_id} cancelled."}, {}
        if wait and state.job_status(job) not in JOB_ENDINGS:
            return _detail(408, "Request timeout.")
        return 200, state.render_job(job), {}


def _job_cost(state: SimState, method: str, job_id: str) -> Answer:
    """``GET /v2/usage/job/{id}``: a job's cost, from how long it ran (or runs so far)."""
    if method != "GET":
        return _detail(405, "Method Not Allowed")
    with state.lock:
        job = state.jobs.get(job_id)
        if job is None:
            return _detail(404, "Job not found.")
        if job.function.usage_forbidden:
            return _detail(403, "Forbidden.")
        ran = min(state.clock() - job.created, job.script.seconds or 0.0)
        return (
            200,
            {
                "job_id": job.id,
                "function_name": job.function.name,
                "function_owner_name": job.function.owner,
                "function_id": job.version.id[:7],
                "cost": round(ran * state.job_dollars_per_second, 6),
            },
            {},
        )


def _usage(state: SimState, method: str, match: re.Match[str], arguments: dict[str, str]) -> Answer:
    if method != "GET":
        return _detail(405, "Method Not Allowed")
    try:
        start, end = float(arguments["start_timestamp"]), float(arguments["end_timestamp"])
    except (KeyError, ValueError):
        return _detail(400, "Invalid timestamps provided.")
    if end < start:
        return _detail(400, "Invalid timestamps provided.")
    with state.lock:
        function, version = state.find(
            unquote(match["owner"]), unquote(match["function"]), unquote(match["slug"])
        )
        if function is not None and function.usage_forbidden:
            return _detail(403, "Forbidden.")
        if version is None:
            return _detail(404, "Function version not found.")
        days = (end - start) / 86400
        seconds = version.minimum_replicas * (end - start)
        dollars = round(version.minimum_replicas * days * state.replica_dollars_per_day, 2)
        answer: dict[str, Any] = {"total_compute_seconds": seconds, "total_cost_dollars": dollars}
        # By machine type too, as the document allows, for a type it names (the
        # simulator's own default, gpu-a100, is none of them).
        machine = version.extra.get("compute_type")
        if machine in _MACHINES:
            answer[machine] = {"compute_seconds": seconds, "cost_dollars": dollars}
        return 200, answer, {}


def _edit(state: SimState, version: SimVersion, body: bytes) -> Answer:
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return _detail(422, [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}])
    if not isinstance(data, dict):
        return _detail(
            422,
            [
                {
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary",
                    "type": "model_attributes_type",
                }
            ],
        )
    problems = [
        {"loc": ["body", key], "msg": "Input should be a valid integer", "type": "int_type"}
        for key in ("minimum_replicas", "maximum_replicas")
        if key in data
        and data[key] is not None
        and (not isinstance(data[key], int) or isinstance(data[key], bool))
    ]
    if problems:
        return _detail(422, problems)
    low = data.get("minimum_replicas", version.minimum_replicas)
    high = data.get("maximum_replicas", version.maximum_replicas)
    low = version.minimum_replicas if low is None else low
    if low < 0 or (high is not None and (high < 0 or low > high)):
        return _detail(400, "Invalid values passed.")
    if low != version.minimum_replicas:
        version.scaled_at = state.clock()
        version.scaled_reads = version.reads
    version.minimum_replicas, version.maximum_replicas = low, high
    return 200, state.render(version), {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the body would wait
    # for the client's delayed ACK (about 40 ms on Linux) on every answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # the base class's signature
        pass  # quiet: tests read /_sim/requests instead

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path.startswith("/_sim/"):
            self._control(method, path, body)
            return
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            self._entry: dict[str, Any] = {
                "method": method,
                "path": path,
                "query": urlsplit(self.path).query,
                "headers": {
                    k.lower(): v for k, v in self.headers.items() if k.lower() != "x-api-key"
                },
                "key_sent": self.headers.get("X-API-Key") is not None,
                "body": body.decode("utf-8", "replace"),
                "at": state.clock(),
            }
            state.requests.append(self._entry)
        try:
            if state.latency:
                time.sleep(state.latency)
            self._answer(state, method, path, body)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, state: SimState, method: str, path: str, body: bytes) -> None:
        fault = state.take_fault(method, path)
        if fault is not None and fault.kind == "latency":
            time.sleep(fault.seconds)
            fault = None
        if fault is not None and fault.kind == "delete":
            match = _ROUTE.fullmatch(path)
            if match and match["slug"]:
                with state.lock:
                    function, version = state.find(
                        unquote(match["owner"]), unquote(match["function"]), unquote(match["slug"])
                    )
                    if function and version:
                        function.versions.remove(version)
            fault = None
        if fault is None or fault.kind == "late":
            status, payload, headers = self._handle(state, method, path, body)
            data = json.dumps(payload).encode()
            with state.lock:
                self._entry["response"] = {"status": status, "body": data.decode()}
            if fault is not None:  # done, but the answer is slow to come back
                time.sleep(fault.seconds)
            self._send(status, data, headers)
        elif fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            self._send(
                fault.status,
                json.dumps({"detail": HTTPStatus(fault.status).phrase}).encode(),
                headers,
            )
        elif fault.kind == "malformed":
            self._send(200, b'{"id": "abc", "build_status": ', {})
        elif fault.kind == "stale":
            match = _ROUTE.fullmatch(path)
            assert match is not None and match["slug"], "stale applies to an edit"
            with state.lock:
                _, version = state.find(
                    unquote(match["owner"]), unquote(match["function"]), unquote(match["slug"])
                )
                assert version is not None
                data = json.dumps(state.render(version)).encode()
                self._entry["response"] = {"status": 200, "body": data.decode()}
            self._send(200, data, {})
        elif fault.kind == "wrong_shape":
            self._send(200, json.dumps({"items": [1, 2, 3]}).encode(), {})
        elif fault.kind == "truncate":
            data = b'{"id": "abc", "build_status": "ready", "minimum_replicas": 1}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) * 2))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True
        elif fault.kind == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
        else:  # pragma: no cover - a typo in a test
            raise ValueError(f"unknown fault kind {fault.kind!r}")

    def _handle(self, state: SimState, method: str, path: str, body: bytes) -> Answer:
        """:func:`handle`, held back for ``/await`` until the job ends (or gives 408)."""
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = urlsplit(self.path).query
        held_until = time.monotonic() + state.await_seconds
        while True:
            answer = handle(state, method, path, headers, body, query)
            if answer[0] != 408 or not path.endswith("/await") or time.monotonic() > held_until:
                return answer
            time.sleep(0.02)

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _control(self, method: str, path: str, body: bytes) -> None:
        """Test hooks, outside Sieve's API: deploy, inject faults, read what was asked."""
        state = self.server.state
        data = json.loads(body) if body else {}
        answer: Any
        if path == "/_sim/deploy" and method == "POST":
            version = state.deploy(**data)
            answer = state.render(version)
        elif path == "/_sim/faults" and method == "POST":
            state.inject(*(Fault(**item) for item in data))
            answer = {"queued": len(state.faults)}
        elif path == "/_sim/requests":
            with state.lock:
                answer = {"requests": state.requests, "max_in_flight": state.max_in_flight}
        else:
            self._send(404, b'{"detail": "Not Found"}', {})
            return
        self._send(200, json.dumps(answer).encode(), {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on an answer (a long poll, a deadline) closed the socket.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class Simulator:
    """A running simulator on a background thread: ``with Simulator("key") as sim:``."""

    def __init__(
        self,
        api_key: str = "sim-key",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
        worker_seconds: float = 0.0,
        latency: float = 0.0,
        naive_timestamps: bool = False,
    ) -> None:
        self.state = SimState(api_key, clock, worker_seconds, latency, naive_timestamps)
        self._server = _Server((host, port), self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Simulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m testkit.simulator", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--api-key", default="sim-key", help="the key requests must send")
    parser.add_argument(
        "--function",
        action="append",
        default=[],
        metavar="OWNER/NAME",
        help="a function with one new version (repeatable)",
    )
    parser.add_argument(
        "--build-seconds", type=float, default=3.0, help="time from queued to ready"
    )
    parser.add_argument(
        "--worker-seconds", type=float, default=0.0, help="time for workers to warm up"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every API answer"
    )
    parser.add_argument(
        "--job-outcome",
        choices=("finished", "error", "never"),
        default="finished",
        help="how the jobs pushed to every function end",
    )
    parser.add_argument("--job-seconds", type=float, default=1.0, help="how long a job runs")
    parser.add_argument("--ready-file", type=Path, help="write the base URL here once listening")
    args = parser.parse_args(argv)
    sim = Simulator(
        args.api_key, args.host, args.port, worker_seconds=args.worker_seconds, latency=args.latency
    )
    for spec in args.function:
        owner, _, name = spec.partition("/")
        sim.state.deploy(owner, name, build_seconds=args.build_seconds)
        sim.state.functions[(owner, name)].jobs = JobScript(args.job_outcome, args.job_seconds)
    sim.start()
    print(sim.url, flush=True)
    if args.ready_file:
        args.ready_file.write_text(sim.url + "\n")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
