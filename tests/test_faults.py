"""The fault matrix: every fault that Sieve or the network can produce, injected into one
phase of a real step (the read, the edit, the wait), with the outcome the step must reach.

Each (fault, phase) cell is a test of the real entrypoint against a simulator of its own.
``docs/reliability.md`` is generated from what the cells observed:
``UPDATE_RELIABILITY=1 python -m pytest tests/test_faults.py`` writes it; a plain run fails
when it differs. The cells run concurrently on a pool (the ``matrix`` fixture), so the
module takes about as long as its slowest cell, not the sum of them.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from io import StringIO
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest
import stamina
from openapi_core import OpenAPI

from sieve_action import report
from sieve_action.client import RetryPolicy, log_retry
from sieve_action.console import Console
from sieve_action.inputs import parse_inputs
from sieve_action.run import execute
from sieve_action.scaling import exit_code
from sieve_action.simulator import Fault, SimState, Simulator, SimVersion

from .conftest import KEY, VERSION_ID, check_exchanges
from .runner import ROOT, StepResult, run_step, start_step

Phase = Literal["read", "edit", "wait"]
PHASES: tuple[Phase, ...] = ("read", "edit", "wait")
DOC = ROOT / "docs" / "reliability.md"
SIGTERM_EXIT = 128 + signal.SIGTERM
#: The step every cell runs: raise the minimum of the newest version and wait for its build.
STEP = {
    "owner": "acme",
    "function": "whisper",
    "min-replicas": "1",
    "wait": "true",
    "poll-interval": "0.1",
    "wait-timeout": "30",
}
_DOING = {"read": "reading", "edit": "editing", "wait": "waiting"}


def phase_of(method: str, path: str) -> Phase:
    """The read is the GET of ``latest``; the edit, the POST; the wait, GETs by ID."""
    if method == "POST":
        return "edit"
    return "read" if path.rstrip("/").endswith("/versions/latest") else "wait"


def aim(phase: Phase) -> dict[str, str]:
    """``Fault`` targeting for one phase."""
    return {
        "read": {"method": "GET", "path_suffix": "/versions/latest"},
        "edit": {"method": "POST", "path_suffix": "/edit"},
        "wait": {"method": "GET", "path_suffix": f"/versions/{VERSION_ID}"},
    }[phase]


# -- what a cell expects ---------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Succeeds:
    """Exit 0, the version ready with its new minimum, after ``tries`` requests in the phase."""

    tries: int
    #: How the action logged the phase's first failed attempt.
    logged: str | None = None
    warning: str | None = None
    check: Callable[[Observation], None] | None = None


@dataclass(frozen=True, eq=False)
class Fails:
    """Exit ``code`` with a target error holding every fragment of ``message``."""

    code: int
    message: tuple[str, ...]
    #: Requests the simulator received in the phase (an attempt refused at connect is
    #: not one: it never arrives).
    tries: int
    check: Callable[[Observation], None] | None = None


@dataclass(frozen=True, eq=False)
class Cancelled:
    """Exit 143 within 2 s of SIGTERM, outputs and summary holding what was known."""

    check: Callable[[Observation], None] | None = None


Expect = Succeeds | Fails | Cancelled


@dataclass(frozen=True, eq=False)
class Row:
    key: str
    #: The row's label and how the fault is made, as the document shows them.
    fault: str
    how: str
    expect: Expect | Mapping[Phase, Expect]
    #: ``Fault`` arguments (without the targeting), or a function making them at injection.
    inject: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None
    #: Fields to override in the phase's first answer (as ``forced_status`` and
    #: ``workers_null`` do, but for one answer).
    patch: Mapping[str, Any] | None = None
    #: ``step``: the entrypoint; ``in-process``: ``run.execute`` with a short read
    #: timeout; ``sigterm``: the entrypoint, signalled mid-phase.
    runner: Literal["step", "in-process", "sigterm"] = "step"
    #: Sieve goes down in the phase: its port refuses connections from then on.
    outage: bool = False
    inputs: Mapping[str, str] = field(default_factory=dict)
    #: Slow cells (retries exhausted, long waits) are started first.
    slow: bool = False


@dataclass(frozen=True, eq=False)
class Cell:
    row: Row
    phase: Phase

    @property
    def id(self) -> str:
        return f"{self.row.key}-{self.phase}"

    @property
    def expect(self) -> Expect:
        expect = self.row.expect
        return expect[self.phase] if isinstance(expect, Mapping) else expect


# -- what a cell observed --------------------------------------------------------------
@dataclass
class Observation:
    phase: Phase
    code: int
    #: The target's error annotations, and every error annotation of the step.
    target_errors: list[str]
    errors: list[str]
    warnings: list[str]
    outputs: dict[str, str]
    summary: str
    log: str
    #: Everything a user could see (log without ``add-mask``, outputs, summary).
    visible: str
    sim: Simulator
    injected: Fault | None = None
    signal_to_exit: float | None = None

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [
            r
            for r in list(self.sim.state.requests)
            if phase_of(r["method"], r["path"]) == self.phase
        ]

    @property
    def tries(self) -> int:
        return len(self.requests)

    def gap(self) -> float:
        """Seconds between the phase's first request and its retry."""
        first, second = self.requests[:2]
        return float(second["at"] - first["at"])

    @property
    def target_error(self) -> str | None:
        return self.target_errors[0] if self.target_errors else None

    @property
    def first_failure(self) -> str | None:
        """How the action logged the first failed attempt of the phase."""
        method = "POST" if self.phase == "edit" else "GET"
        what = "acme/whisper@" + ("latest" if self.phase == "read" else VERSION_ID)
        for line in self.log.splitlines():
            _, found, reason = line.partition(f"{method} {what}: ")
            if found:
                return reason.split("; try ")[0]  # "; try 2 of 5 in 0.7 s": jittered
        return None

    @classmethod
    def of_step(cls, phase: Phase, result: StepResult, sim: Simulator) -> Observation:
        def title(c: Any) -> str:
            return str(c.properties.get("title", ""))

        return cls(
            phase=phase,
            code=result.returncode,
            target_errors=[
                c.message
                for c in result.commands
                if c.name == "error" and title(c).startswith("sieve-action: acme/")
            ],
            errors=result.errors(),
            warnings=result.warnings(),
            outputs=result.outputs,
            summary=result.summary,
            log=result.stdout + result.stderr,
            visible=result.everything(),
            sim=sim,
        )


# -- the rows --------------------------------------------------------------------------
def _at_least(seconds: float) -> Callable[[Observation], None]:
    def check(obs: Observation) -> None:
        assert obs.gap() >= seconds, f"retried after {obs.gap():.2f} s, not {seconds} s"

    return check


def _at_once(obs: Observation) -> None:
    # The backoff's first wait is at least 0.5 s: a quicker retry honoured Retry-After: 0.
    assert obs.gap() < 0.45, f"retried after {obs.gap():.2f} s"


def _not_before_the_date(obs: Observation) -> None:
    assert obs.injected is not None and obs.injected.retry_after is not None
    date = email.utils.parsedate_to_datetime(obs.injected.retry_after).timestamp()
    wall = time.time() - time.monotonic()  # the simulator's clock is time.monotonic
    retried = obs.requests[1]["at"] + wall
    assert retried >= date - 0.05, f"retried {date - retried:.2f} s before the Retry-After date"


def _http_date_in(seconds: float) -> Callable[[], Mapping[str, Any]]:
    def make() -> Mapping[str, Any]:
        when = email.utils.formatdate(time.time() + seconds, usegmt=True)
        return {"kind": "status", "status": 429, "retry_after": when}

    return make


def _workers_after_wait(obs: Observation) -> None:
    assert json.loads(obs.outputs["workers"])["idle"] >= 1


def _burst(status: int, count: int) -> Row:
    return Row(
        f"http{status}x{count}",
        f"HTTP {status}, a burst of {count}",
        f"`Fault('status', status={status}, count={count})`",
        Succeeds(count + 1, logged=f"HTTP {status}"),
        inject={"kind": "status", "status": status, "count": count},
        slow=count > 1,
    )


def _client_error(status: int, *message: str) -> Row:
    return Row(
        f"http{status}",
        f"HTTP {status}",
        f"`Fault('status', status={status})`",
        Fails(1, message, tries=1),
        inject={"kind": "status", "status": status},
    )


UNKNOWN_STATUS = "Sieve reported an unknown build status 'compiling'; still waiting"

ROWS: tuple[Row, ...] = (
    Row(
        "refused",
        "Connection refused (Sieve down)",
        "read: `api-url` is a closed port; edit, wait: a TCP proxy in front of the simulator "
        "drops the connection and closes its port when the phase's first request reaches it",
        Fails(1, ("failed after 5 attempts", "last: could not connect"), tries=0),
        outage=True,
        slow=True,
    ),
    Row(
        "dropped",
        "Connection closed before any answer",
        "`Fault('reset')`",
        Succeeds(2, logged="the connection broke mid-answer"),
        inject={"kind": "reset"},
    ),
    Row(
        "mid-body",
        "Connection reset mid-body",
        "`Fault('truncate')`: headers promise twice the body that is sent",
        Succeeds(2, logged="the connection broke mid-answer"),
        inject={"kind": "truncate"},
    ),
    Row(
        "read-timeout",
        "Read timeout",
        "`Fault('latency', seconds=1.5)` once, in process with `RetryPolicy(read_timeout=0.5)` "
        "(the action's 20 s is too slow for a test)",
        Succeeds(2, logged="timed out waiting for the answer"),
        inject={"kind": "latency", "seconds": 1.5},
        runner="in-process",
    ),
    Row(
        "slow",
        "Slow answer (1 s, under the 20 s read timeout)",
        "`Fault('latency', seconds=1)`",
        Succeeds(1),
        inject={"kind": "latency", "seconds": 1.0},
    ),
    *(_burst(status, count) for status in (500, 502, 503, 504) for count in (1, 2)),
    Row(
        "http503x5",
        "HTTP 503, more than the 5 attempts",
        "`Fault('status', status=503, count=5)`",
        Fails(1, ("failed after 5 attempts", "last: HTTP 503"), tries=5),
        inject={"kind": "status", "status": 503, "count": 5},
        slow=True,
    ),
    Row(
        "http429",
        "HTTP 429 without Retry-After",
        "`Fault('status', status=429)`",
        Succeeds(2, logged="HTTP 429", check=_at_least(0.5)),
        inject={"kind": "status", "status": 429},
    ),
    Row(
        "http429-after-0",
        "HTTP 429, Retry-After: 0",
        "`Fault('status', status=429, retry_after='0')`",
        Succeeds(2, logged="HTTP 429", check=_at_once),
        inject={"kind": "status", "status": 429, "retry_after": "0"},
    ),
    Row(
        "http429-after-1",
        "HTTP 429, Retry-After: 1",
        "`Fault('status', status=429, retry_after='1')`",
        Succeeds(2, logged="HTTP 429", check=_at_least(0.95)),
        inject={"kind": "status", "status": 429, "retry_after": "1"},
    ),
    Row(
        "http429-after-date",
        "HTTP 429, Retry-After as an HTTP date",
        "`Fault('status', status=429, retry_after=formatdate(now + 4, usegmt=True))`",
        Succeeds(2, logged="HTTP 429", check=_not_before_the_date),
        inject=_http_date_in(4),
        slow=True,
    ),
    Row(
        "http429-after-120",
        "HTTP 429, Retry-After: 120 (over the 30 s the action waits)",
        "`Fault('status', status=429, retry_after='120')`",
        Fails(1, ("failed after 1 attempt ", "asked to wait 120 s, more than the 30 s"), 1),
        inject={"kind": "status", "status": 429, "retry_after": "120"},
    ),
    Row(
        "truncated-json",
        "Truncated JSON",
        '`Fault(\'malformed\')`: 200 with `{"id": "abc", "build_status": `',
        Succeeds(2, logged="HTTP 200 with a body that is not a Version (not JSON)"),
        inject={"kind": "malformed"},
    ),
    Row(
        "wrong-shape",
        "JSON of the wrong shape",
        "`Fault('wrong_shape')`: 200 with `{\"items\": [1, 2, 3]}`",
        Succeeds(2, logged="HTTP 200 with a body that is not a Version (id: Field required)"),
        inject={"kind": "wrong_shape"},
    ),
    Row(
        "unknown-status",
        "`build_status` outside the documented six",
        "the phase's first answer says `build_status: compiling`",
        {
            "read": Succeeds(1),
            "edit": Succeeds(1, warning=UNKNOWN_STATUS),
            "wait": Succeeds(2, warning=UNKNOWN_STATUS),
        },
        patch={"build_status": "compiling"},
    ),
    Row(
        "workers-null",
        "`current_workers: null` (with `wait-for: replicas`)",
        "the phase's first answer says `current_workers: null`",
        {
            "read": Succeeds(1, check=_workers_after_wait),
            "edit": Succeeds(1, check=_workers_after_wait),
            "wait": Succeeds(2, check=_workers_after_wait),
        },
        patch={"current_workers": None},
        inputs={"wait-for": "replicas"},
    ),
    _client_error(400, "Sieve refused the values for `acme/whisper@", "(400): Bad Request"),
    _client_error(401, "Sieve rejected the API key (401): check the secret passed as `api-key`"),
    _client_error(403, "The API key has no access to `acme/whisper` (403: Forbidden)"),
    _client_error(404, "Sieve has no function version `acme/whisper@", "(404: Not Found)"),
    _client_error(422, "Sieve refused the request for `acme/whisper@", "(422): "),
    Row(
        "deleted",
        "The version is deleted",
        "`Fault('delete')`: the version is removed, then the request is answered (404)",
        Fails(1, ("Sieve has no function version", "(404: Function version not found.)"), 1),
        inject={"kind": "delete"},
    ),
    Row(
        "sigterm",
        "SIGTERM (cancel, `timeout-minutes`)",
        "the phase's request is answered 3 s late (`Fault('latency', seconds=3)`); "
        "SIGTERM 0.2 s after it arrived",
        Cancelled(),
        inject={"kind": "latency", "seconds": 3.0},
        runner="sigterm",
    ),
)
CELLS = tuple(Cell(row, phase) for row in ROWS for phase in PHASES)


# -- running a cell --------------------------------------------------------------------
def script(state: SimState, phase: Phase, patch: Mapping[str, Any] | None) -> None:
    """The cell's Sieve: the version builds until the action first reads it by ID (so
    every phase is reached whatever the machine's speed), and ``patch`` overrides the
    fields of the phase's first answer."""
    render = state.render
    patched: list[Phase] = []

    def scripted(version: SimVersion) -> dict[str, Any]:
        last = state.requests[-1]  # the request being answered: one target, one at a time
        now = phase_of(last["method"], last["path"])
        if now == "wait":
            version.build_seconds = 0.0
        body = render(version)
        if patch is not None and now == phase and not patched:
            patched.append(now)
            body.update(patch)
        return body

    state.render = scripted  # type: ignore[method-assign]


class Outage:
    """Sieve going down: a TCP proxy in front of the simulator that, when the first
    request of ``phase`` reaches it, drops every connection and closes its port, which
    refuses connections from then on. For the read it is down from the start: a
    closed port."""

    def __init__(self, upstream: str, phase: Phase) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._phase = phase
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._down = threading.Event()
        if phase == "read":
            self.go_down()
        else:
            threading.Thread(target=self._accept, daemon=True).start()

    def go_down(self) -> None:
        with self._lock:
            self._down.set()
            self._listener.close()
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self) -> None:
        while not self._down.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            with self._lock:
                if self._down.is_set():
                    client.close()
                    upstream.close()
                    return
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._forward, args=(source, sink, source is client), daemon=True
                ).start()

    def _forward(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if from_client and self._starts(data):
                    self.go_down()
                    return
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _starts(self, data: bytes) -> bool:
        """Whether ``data`` is the start of a request of this outage's phase."""
        words = data.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        return (
            len(words) == 3
            and words[0] in {"GET", "POST"}
            and phase_of(words[0], words[1]) == self._phase
        )


def _signalled(cell: Cell, inputs: Mapping[str, str], tmp: Path, sim: Simulator) -> Observation:
    step = start_step(inputs, tmp)
    proc = step.process
    try:
        deadline = time.monotonic() + 20
        while not any(
            phase_of(r["method"], r["path"]) == cell.phase for r in list(sim.state.requests)
        ):
            assert proc.poll() is None, "the step ended before the phase began"
            assert time.monotonic() < deadline, f"the step never reached the {cell.phase}"
            time.sleep(0.02)
        time.sleep(0.2)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        result = step.finish(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    obs = Observation.of_step(cell.phase, result, sim)
    obs.signal_to_exit = took
    return obs


def _in_process(cell: Cell, inputs: Mapping[str, str], sim: Simulator) -> Observation:
    stream = StringIO()
    console = Console(github=False, stream=stream)
    console.mask(KEY)
    checked = parse_inputs(inputs)
    stamina.instrumentation.set_on_retry_hooks([log_retry])  # as the edge installs it
    runs = execute(checked, console, policy=RetryPolicy(read_timeout=0.5))
    outputs = {k: console.scrub(v) for k, v in report.outputs(runs, False, console.secrets).items()}
    summary = console.scrub(report.summary(runs, False, console.secrets))
    errors = [run.error for run in runs if run.error]
    warnings = [w for run in runs for w in run.warnings]
    log = stream.getvalue()
    return Observation(
        phase=cell.phase,
        code=exit_code(runs),
        target_errors=errors,
        errors=errors,
        warnings=warnings,
        outputs=outputs,
        summary=summary,
        log=log,
        visible="\n".join([log, *outputs.values(), summary]),
        sim=sim,
    )


def run_cell(cell: Cell, tmp: Path) -> Observation:
    row = cell.row
    sim = Simulator(KEY).start()
    outage: Outage | None = None
    try:
        sim.state.deploy("acme", "whisper", build_seconds=3600, version_id=VERSION_ID)
        script(sim.state, cell.phase, row.patch)
        injected = None
        if row.inject is not None:
            made = row.inject() if callable(row.inject) else row.inject
            injected = Fault(**made, **aim(cell.phase))
            sim.state.inject(injected)
        if row.outage:
            outage = Outage(sim.url, cell.phase)
        url = outage.url if outage else sim.url
        inputs = {"api-key": KEY, "api-url": url, **STEP, **row.inputs}
        if row.runner == "in-process":
            obs = _in_process(cell, inputs, sim)
        elif row.runner == "sigterm":
            obs = _signalled(cell, inputs, tmp, sim)
        else:
            obs = Observation.of_step(cell.phase, run_step(inputs, tmp), sim)
        obs.injected = injected
        return obs
    finally:
        if outage is not None:
            outage.go_down()
        sim.stop()


class Matrix:
    """Cells started on a pool as soon as the module begins, observed when asked."""

    def __init__(self, pool: ThreadPoolExecutor, tmp: pytest.TempPathFactory) -> None:
        self._pool = pool
        self._tmp = tmp
        self._futures: dict[str, Future[Observation]] = {}

    def start(self, cell: Cell) -> None:
        if cell.id not in self._futures:
            self._futures[cell.id] = self._pool.submit(run_cell, cell, self._tmp.mktemp(cell.id))

    def observe(self, cell: Cell) -> Observation:
        self.start(cell)
        return self._futures[cell.id].result(timeout=120)


@pytest.fixture(scope="module")
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    mine = [item for item in request.session.items if item.module is sys.modules[__name__]]
    wanted = {
        item.callspec.params["cell"].id
        for item in mine
        if hasattr(item, "callspec") and "cell" in item.callspec.params
    }
    if any(item.name == test_reliability_doc_is_what_the_cells_observed.__name__ for item in mine):
        wanted = {cell.id for cell in CELLS}
    with ThreadPoolExecutor(max_workers=12, thread_name_prefix="cell") as pool:
        found = Matrix(pool, tmp_path_factory)
        for cell in sorted(CELLS, key=lambda c: not c.row.slow):
            if cell.id in wanted:
                found.start(cell)
        yield found


# -- the tests -------------------------------------------------------------------------
@pytest.mark.parametrize("cell", CELLS, ids=lambda cell: cell.id)
def test_cell(cell: Cell, matrix: Matrix, openapi: OpenAPI) -> None:
    obs = matrix.observe(cell)
    expect = cell.expect
    # Whatever the ending: no traceback, no key, outputs and summary written.
    assert "Traceback" not in obs.log
    assert KEY not in obs.visible, "the API key leaked"
    assert set(obs.outputs) == set(report.OUTPUT_NAMES), obs.outputs
    assert obs.outputs["changed"] in {"true", "false"}
    assert obs.summary.startswith("### ")
    resolved = "" if cell.phase == "read" and not isinstance(expect, Succeeds) else VERSION_ID
    assert obs.outputs["version-id"] == resolved
    if isinstance(expect, Succeeds):
        assert obs.code == 0, obs.log
        assert obs.tries == expect.tries
        assert obs.target_errors == [] and obs.errors == []
        assert (obs.outputs["build-status"], obs.outputs["min-replicas"]) == ("ready", "1")
        assert obs.warnings == ([expect.warning] if expect.warning else [])
        if expect.logged:
            assert expect.logged in (obs.first_failure or ""), obs.log
    elif isinstance(expect, Fails):
        assert obs.code == expect.code, obs.log
        assert obs.tries == expect.tries
        assert len(obs.target_errors) == 1, obs.log
        for fragment in expect.message:
            assert fragment in obs.target_errors[0]
        assert "**Failed:**" in obs.summary
        if cell.phase == "wait":  # the edit's answer is reported
            assert (obs.outputs["changed"], obs.outputs["min-replicas"]) == ("true", "1")
    else:
        assert obs.code == SIGTERM_EXIT, obs.log
        assert obs.signal_to_exit is not None and obs.signal_to_exit < 2
        cancelled = f"cancelled while {_DOING[cell.phase]}"
        assert obs.target_errors == [cancelled]
        assert json.loads(obs.outputs["results"])[0]["error"] == cancelled
        assert "🛑" in obs.summary and cancelled in obs.summary
        assert any(e.startswith("The step was cancelled") for e in obs.errors)
        if cell.phase != "read":
            assert obs.outputs["previous-min-replicas"] == "0"
            # `changed` is what Sieve confirmed: a cancel before the edit's answer is not.
            assert obs.outputs["changed"] == ("true" if cell.phase == "wait" else "false")
    if expect.check is not None:
        expect.check(obs)
    check_exchanges(openapi, obs.sim)


CELL = {cell.id: cell for cell in CELLS}


@pytest.mark.parametrize("cell_id", ["sigterm-wait", "http503x5-wait", "refused-wait"])
def test_summary_of_a_step_stopped_mid_wait_says_it_waited(cell_id: str, matrix: Matrix) -> None:
    obs = matrix.observe(CELL[cell_id])
    assert "| Waited | did not wait |" not in obs.summary, obs.summary


@pytest.mark.parametrize("cell_id", ["http403-edit", "http503x5-edit", "deleted-edit"])
def test_summary_of_a_refused_edit_does_not_say_changed(cell_id: str, matrix: Matrix) -> None:
    obs = matrix.observe(CELL[cell_id])
    assert "| Min replicas | 0 |" in obs.summary  # the edit did not happen...
    assert "| Changed | yes |" not in obs.summary, obs.summary  # ...and the summary says so


# -- the document ----------------------------------------------------------------------
def _normal(text: str) -> str:
    """A message as the document shows it: the same on every run and Python."""
    text = text.replace(VERSION_ID, "<id>")
    text = re.sub(r"over \d+\.\d s", "over N s", text)
    # Python 3.13 renamed the phrase of 422.
    return text.replace(HTTPStatus(422).phrase, "Unprocessable Entity")


def _requests(n: int, phase: Phase) -> str:
    return f"{n} request{'' if n == 1 else 's'} in the {phase}"


def describe(cell: Cell, obs: Observation) -> str:
    """The cell's outcome, in words, from what was observed (never from the expectation)."""
    if obs.signal_to_exit is not None:
        took = "within 2 s" if obs.signal_to_exit < 2 else f"after {obs.signal_to_exit:.0f} s"
        written = "outputs and summary written" if obs.outputs and obs.summary else "no report"
        return (
            f"cancelled: exit {obs.code} {took} of SIGTERM, the answer still pending; "
            f"{written}; «{_normal(obs.target_error or '')}»"
        )
    if obs.code != 0:
        return (
            f"failed: exit {obs.code}, «{_normal(obs.target_error or '')}» "
            f"({_requests(obs.tries, cell.phase)})"
        )
    failure = obs.first_failure
    text = f"{'retried, then succeeded' if failure else 'succeeded'}: exit 0 after "
    text += _requests(obs.tries, cell.phase)
    if failure:
        text += f"; the first logged as «{_normal(failure)}»"
    for warning in obs.warnings:
        text += f"; warning «{_normal(warning)}»"
    return text


def _md(text: str) -> str:
    return text.replace("|", "\\|")


HEADER = """\
# Reliability: what each fault does to a step

This file is generated by `UPDATE_RELIABILITY=1 python -m pytest tests/test_faults.py` from what
the tests observed, and must not be edited by hand: a plain test run fails when it differs.

Every cell below is one test, `tests/test_faults.py::test_cell[<row>-<phase>]`. It runs the real
entrypoint, as GitHub's runner runs the container, against a simulator of its own, injects the
row's fault into one phase, and asserts the outcome: the exit code, the error annotation, how many
requests the phase took, and, whatever the ending, that outputs and summary were written, hold no
traceback and no key, and that every exchange matches Sieve's OpenAPI document.

The step raises the minimum replicas of `acme/whisper@latest` from 0 to 1 and waits for the build
(`wait: true`, `poll-interval: 0.1`). The phases:

- **the read**: `GET /v2/functions/acme/whisper/versions/latest`, which resolves the version;
- **the edit**: `POST …/versions/<id>/edit`;
- **the wait**: `GET …/versions/<id>`, every `poll-interval` until the build is `ready`. The
  version builds until the action first reads it by ID, so every phase is reached.
"""

NOTES = """\
## Notes

- Requests are counted as the simulator received them in the phase; a connection refused never
  arrives, and a retried edit is sent again (it sets absolute values: see
  [assumptions](assumptions.md), item 7).
- Retries: at most 5 attempts per request, exponential backoff from 0.5 s with up to 1 s of
  jitter, a `Retry-After` (seconds or an HTTP date) replacing the backoff up to 30 s. 400, 401,
  403, 404 and 422 are never retried.
- Read timeout: the action's read timeout (`RetryPolicy.read_timeout`, 20 s) has no input or
  environment variable, so that row runs `sieve_action.run.execute` in the test process with a
  0.5 s read timeout against a 1.5 s late answer; the *slow answer* row shows, through the
  entrypoint, that an answer slower than usual but under the timeout is waited for, not retried.
- Connection refused after the read: a refused connection happens only on a new connection, so
  the proxy first drops the kept-alive one (that attempt fails mid-answer) and then refuses
  every new one.
- 400 and 403 are documented for the edit only; the read and wait cells show the client meeting
  them anyway.
- SIGTERM: GitHub sends it on cancel and at `timeout-minutes`; the step must exit promptly with
  `128 + 15`, writing the outputs and summary known at that moment.
"""


def render_doc(observed: Mapping[str, str]) -> str:
    lines = [
        HEADER,
        "| Fault | Injected as | The read | The edit | The wait |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in ROWS:
        cells = [_md(observed[Cell(row, phase).id]) for phase in PHASES]
        lines.append("| " + " | ".join([row.fault, _md(row.how), *cells]) + " |")
    outcomes = [text.split(":", 1)[0] for text in observed.values()]
    counted = "; ".join(
        f"{outcomes.count(kind)} {kind}"
        for kind in ("succeeded", "retried, then succeeded", "failed", "cancelled")
    )
    lines += ["", f"{len(outcomes)} cells: {counted}.", "", NOTES]
    return "\n".join(lines)


def test_reliability_doc_is_what_the_cells_observed(matrix: Matrix) -> None:
    text = render_doc({cell.id: describe(cell, matrix.observe(cell)) for cell in CELLS})
    if os.environ.get("UPDATE_RELIABILITY") == "1":
        DOC.write_text(text)
        return
    assert DOC.exists(), "run: UPDATE_RELIABILITY=1 python -m pytest tests/test_faults.py"
    assert DOC.read_text() == text, (
        "docs/reliability.md differs from what the cells observed; if the change is intended, "
        "run: UPDATE_RELIABILITY=1 python -m pytest tests/test_faults.py"
    )
