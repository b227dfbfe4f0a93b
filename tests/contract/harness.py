"""Prism as a test fixture: the pinned binary, a process on a free loopback port, its log,
and a transparent tap in front of it that records what Prism answered.

How Prism 5 (``@stoplight/prism-http-server``) reports a contract violation:

* ``sl-violations`` response header: a JSON list of ``{location, severity, code,
  message}`` for every request (``location[0] == "request"``) and response
  (``"response"``) violation it found, on forwarded or mocked answers.
* ``--errors``: a response with an ``Error``-severity violation is replaced by
  ``500 application/problem+json`` (``…/errors#VIOLATIONS``, the violations also in its
  ``validation`` member and in ``sl-violations``). An invalid *request* is not forwarded
  at all: Prism answers ``422`` (or ``401`` for a missing key) as
  ``application/problem+json`` with the violations in ``validation`` and **no**
  ``sl-violations`` header. So the header alone misses request violations under
  ``--errors``; a ``problem+json`` answer (which neither Sieve nor the simulator sends)
  catches them.
* The log (stdout): ``[VALIDATOR] … Violation: <location> <message>`` for every violation
  that did not end the request, ``Request terminated with error: <type>: <title>`` for
  every answer Prism made up instead (violations under ``--errors``, unknown routes,
  an unreachable upstream).

:class:`Tap` and :class:`PrismProcess` check both witnesses.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from testkit.paths import ROOT

HERE = Path(__file__).resolve().parent
PRISM = HERE / "node_modules" / ".bin" / "prism"
INSTALL = "npm ci --prefix tests/contract"
#: Log lines by which Prism reports a violation or an answer it had to make up.
COMPLAINTS = ("Violation:", "Request terminated with error")
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        "te",
        "trailer",
        "content-length",
        "content-encoding",
        "host",
    }
)


def pinned_version() -> str:
    manifest = json.loads((HERE / "package.json").read_text())
    return str(manifest["devDependencies"]["@stoplight/prism-cli"])


def require_prism() -> Path:
    """The pinned Prism binary, or a test failure that says how to install it."""
    if shutil.which("node") is None:
        pytest.fail(f"Node.js is not on PATH: Prism needs it (then run `{INSTALL}`)")
    installed = HERE / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if not PRISM.exists() or not installed.exists():
        pytest.fail(f"Prism is not installed: run `{INSTALL}` from the repository root")
    version = json.loads(installed.read_text())["version"]
    if version != pinned_version():
        pytest.fail(
            f"Prism {version} is installed but package.json pins {pinned_version()}: "
            f"run `{INSTALL}`"
        )
    return PRISM


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrismProcess:
    """``prism <args>`` on a free loopback port, its output in ``log_path``."""

    def __init__(self, args: Sequence[str], log_path: Path) -> None:
        self.args = list(args)
        self.log_path = log_path
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> PrismProcess:
        binary = require_prism()
        problem = ""
        for _ in range(3):  # a free port can be taken between the probe and Prism's bind
            self.port = free_port()
            self.log_path.write_bytes(b"")
            with self.log_path.open("ab") as log:
                self._proc = subprocess.Popen(
                    [str(binary), *self.args, "--host", "127.0.0.1", "--port", str(self.port)],
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
                    start_new_session=True,
                )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if f"Prism is listening on {self.url}" in self.log():
                    return self
                if self._proc.poll() is not None:
                    break
                time.sleep(0.05)
            problem = self.log()[-3000:]
            self.stop()
            if "EADDRINUSE" not in problem:
                break
        pytest.fail(f"Prism did not start (prism {' '.join(self.args)}):\n{problem}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        # Prism runs in its own session: its group holds only what it started.
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def mark(self) -> int:
        return len(self.log())

    def complaints(self, since: int = 0) -> list[str]:
        return [
            line for line in self.log()[since:].splitlines() if any(c in line for c in COMPLAINTS)
        ]

    def sync(
        self,
        api_key: str,
        timeout: float = 10.0,
        *,
        path: str = "/v2/functions/prism-sync/{token}/versions/latest",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a harmless request and wait for its log line: everything Prism logged for
        earlier requests (some lines follow the answer) is in the log file by then.
        ``path`` (with ``{token}``) and ``headers``: a request another document allows."""
        token = f"prism-sync-{uuid.uuid4().hex}"
        httpx.get(
            self.url + path.format(token=token),
            headers={"X-API-Key": api_key} if headers is None else headers,
            timeout=timeout,
        )
        deadline = time.monotonic() + timeout
        while token not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError(f"Prism never logged the sync request {token}")
            time.sleep(0.02)


@dataclass
class Exchange:
    """One request through the tap and what Prism answered."""

    method: str
    path: str
    request_body: str
    status: int
    content_type: str
    header: str | None  # sl-violations, verbatim
    body: str

    @property
    def violations(self) -> list[Any]:
        """What Prism reported: the header's list, or a problem+json answer's
        ``validation`` (or the problem itself when it has none)."""
        found: list[Any] = []
        if self.header is not None:
            try:
                parsed = json.loads(self.header)
            except ValueError:  # "Too many violations! …"
                parsed = [self.header]
            found.extend(parsed if isinstance(parsed, list) else [parsed])
        if self.content_type.startswith("application/problem+json"):
            try:
                problem = json.loads(self.body)
            except ValueError:
                problem = self.body
            validation = problem.get("validation") if isinstance(problem, dict) else None
            if not self.header:
                found.extend(validation if isinstance(validation, list) else [problem])
        return found

    def __str__(self) -> str:
        return (
            f"{self.method} {self.path} {self.request_body[:200]!r} -> {self.status} "
            f"{self.content_type}: violations {json.dumps(self.violations)[:1500]}"
        )


class Tap:
    """A transparent HTTP relay in front of Prism that keeps every answer's status,
    ``sl-violations`` header and body. ``prefer(method, path)`` may add a ``Prefer``
    header (Prism mock: which documented status to answer), ``accept`` replace the
    ``Accept`` header."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.exchanges: list[Exchange] = []
        self.prefer: Callable[[str, str], str | None] = lambda _method, _path: None
        #: An ``Accept`` header sent instead of the client's (Prism's mock knows only the
        #: media types a document lists).
        self.accept: str | None = None
        self._lock = threading.Lock()
        self._http = httpx.Client(base_url=upstream, timeout=30.0)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Tap:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def reset(self) -> None:
        with self._lock:
            self.exchanges.clear()

    def recorded(self, where: str = "") -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if where in e.path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tap = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._relay()

            def do_POST(self) -> None:
                self._relay()

            def do_DELETE(self) -> None:
                self._relay()

            def do_PATCH(self) -> None:
                self._relay()

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                prefer = tap.prefer(self.command, self.path)
                if prefer:
                    headers["Prefer"] = prefer
                if tap.accept is not None:
                    headers = {k: v for k, v in headers.items() if k.lower() != "accept"}
                    headers["Accept"] = tap.accept
                answer = tap._http.request(
                    self.command, self.path, content=body or None, headers=headers
                )
                exchange = Exchange(
                    self.command,
                    self.path,
                    body.decode(errors="replace"),
                    answer.status_code,
                    answer.headers.get("content-type", ""),
                    answer.headers.get("sl-violations"),
                    answer.text,
                )
                with tap._lock:
                    tap.exchanges.append(exchange)
                self.send_response(answer.status_code)
                for name, value in answer.headers.multi_items():
                    if name.lower() not in _HOP_BY_HOP | {"date", "server"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        return Handler


def violations_in(exchanges: Sequence[Exchange]) -> list[str]:
    return [str(e) for e in exchanges if e.violations]
