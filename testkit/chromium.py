"""Headless Chromium, driven over the DevTools protocol on a pipe: standard library only.

Chromium is started with ``--remote-debugging-pipe``: it reads commands on its file
descriptor 3 and writes answers and events on 4, each a JSON text ended by a NUL byte.
Every wait is for a condition (an answer, an event, a promise the page settles), each
with a deadline; nothing sleeps. Each :class:`Chromium` has a fresh profile, removed
when it closes, and refuses every request that would leave the machine: what a page
loads is its own files (:attr:`Tab.remote` lists what it tried).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: The flags Chromium needs here: headless as root in a container, no GPU, and nothing
#: of its own on the network (no QUIC, updates, sync or background fetches).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
#: Where Debian's ``chromium`` package puts it (scripts/install-browser.sh).
DEBIAN = Path("/usr/bin/chromium")
#: URLs a page may load: its own files and what it makes itself.
LOCAL = ("file:", "data:", "blob:", "about:")
#: Long enough for a busy two-core machine; a healthy call takes milliseconds.
TIMEOUT = 60.0


class BrowserError(RuntimeError):
    """Chromium failed, answered an error, or did not answer in time."""


def find_chromium(environ: Mapping[str, str] | None = None) -> Path | None:
    """``CHROMIUM`` when set (None if it is not an executable file), else Debian's
    ``/usr/bin/chromium``, else ``chromium`` on ``PATH``; None when there is none."""
    environ = os.environ if environ is None else environ
    named = environ.get("CHROMIUM")
    if named:
        path = Path(named)
        return path if path.is_file() and os.access(path, os.X_OK) else None
    if DEBIAN.is_file() and os.access(DEBIAN, os.X_OK):
        return DEBIAN
    found = shutil.which("chromium", path=environ.get("PATH"))
    return None if found is None else Path(found)


class Chromium:
    """One headless Chromium, as a context manager: ``with Chromium(path) as browser``."""

    def __init__(self, executable: Path, *, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._folder = Path(tempfile.mkdtemp(prefix="chromium-"))
        self._log = (self._folder / "stderr.log").open("wb")
        commands_in, self._commands = os.pipe()  # Chromium reads fd 3
        self._answers, answers_out = os.pipe()  # Chromium writes fd 4
        # The shell moves the pipes from its stdin and stdout to 3 and 4, then becomes
        # Chromium: no preexec_fn, so starting it is safe with threads running.
        script = 'exec 3<&0 4>&1 </dev/null >&2; exec "$0" "$@"'
        profile = f"--user-data-dir={self._folder / 'profile'}"
        try:
            self._process = subprocess.Popen(
                ["/bin/sh", "-c", script, str(executable), *FLAGS, profile, "about:blank"],
                stdin=commands_in,
                stdout=answers_out,
                stderr=self._log,
            )
        except BaseException:
            self._cleanup()
            raise
        finally:
            os.close(commands_in)
            os.close(answers_out)
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Ask Chromium to quit, end it if it does not, and remove its profile."""
        if self._process.poll() is None:
            with contextlib.suppress(BrowserError, OSError):
                self._send("Browser.close", {}, None)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        for fd in ("_commands", "_answers"):
            with contextlib.suppress(AttributeError, OSError):
                os.close(getattr(self, fd))
        self._log.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _stderr(self) -> str:
        self._log.flush()
        text = (self._folder / "stderr.log").read_bytes().decode(errors="replace")
        return text[-2000:]

    def _send(self, method: str, params: Mapping[str, Any], session: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._commands, data) :]
        return self._next_id

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        """The next message, events included; BrowserError once ``deadline`` passes."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer {waiting_for} in time")
            ready, _, _ = select.select([self._answers], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise BrowserError(
                    f"Chromium exited while waiting for {waiting_for}: {self._stderr()}"
                )
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and wait for its answer (events met meanwhile are kept)."""
        sent = self._send(method, params or {}, session)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            message = self._receive(deadline, method)
            if message.get("id") != sent:
                if "method" in message:
                    self._events.append(message)
                continue
            if "error" in message:
                raise BrowserError(f"{method}: {message['error'].get('message', message)}")
            result: dict[str, Any] = message.get("result", {})
            return result

    def wait_for_event(
        self, method: str, *, session: str | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """The first event ``method`` (of ``session``) not yet waited for: its params."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            for event in self._events:
                if event["method"] == method and event.get("sessionId") == session:
                    self._events.remove(event)
                    params: dict[str, Any] = event.get("params", {})
                    return params
            message = self._receive(deadline, method)
            if "method" in message:
                self._events.append(message)

    def events(self, method: str, *, session: str | None = None) -> list[dict[str, Any]]:
        """The params of every event ``method`` received so far (and not waited for)."""
        return [
            event.get("params", {})
            for event in self._events
            if event["method"] == method and event.get("sessionId") == session
        ]

    def forget(self, session: str) -> None:
        """Drop the events kept for ``session`` (a closed tab's)."""
        self._events = [event for event in self._events if event.get("sessionId") != session]

    def new_tab(self, width: int, height: int = 600) -> Tab:
        """A blank tab whose viewport is ``width`` × ``height`` CSS pixels, where every
        request off the machine is refused and recorded."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        tab = Tab(self, attached["sessionId"], target)
        tab.call("Page.enable")
        tab.call("Network.enable")
        remote = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]
        tab.call("Network.setBlockedURLs", {"urls": remote})
        tab.resize(width, height)
        return tab


class Tab:
    """One page of a :class:`Chromium`, addressed by its DevTools session."""

    def __init__(self, browser: Chromium, session: str, target: str) -> None:
        self.browser = browser
        self.session = session
        self.target = target

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.target})
        self.browser.forget(self.session)

    def call(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def resize(self, width: int, height: int, scale: float = 1) -> None:
        metrics = {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics)

    def open(self, url: str) -> None:
        """Navigate to ``url`` and wait for its load event."""
        answer = self.call("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise BrowserError(f"{url}: {answer['errorText']}")
        self.browser.wait_for_event("Page.loadEventFired", session=self.session)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page, a promise awaited; BrowserError
        with the page's message when it throws."""
        answer = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"the page threw: {text}")
        return answer["result"].get("value")

    def remote(self) -> list[str]:
        """Every URL the page asked for that is not its own (each one was refused)."""
        sent = self.browser.events("Network.requestWillBeSent", session=self.session)
        urls = [event["request"]["url"] for event in sent]
        return [url for url in urls if not url.startswith(LOCAL)]

    def screenshot(self, path: Path, *, scale: float = 1) -> tuple[int, int]:
        """A PNG of the whole page at the viewport's width, the height fitted to the
        content; its size in CSS pixels."""
        width, height = self.evaluate(
            "[document.documentElement.clientWidth,"
            " Math.ceil(document.documentElement.getBoundingClientRect().height)]"
        )
        self.resize(width, height, scale)
        shot = self.call("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height
