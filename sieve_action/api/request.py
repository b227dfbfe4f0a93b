"""One operation as a client sends it, and what an attempt can end in besides an
answer: a failure worth another try (:class:`Transient`), or a long poll still held; an
answer that is worth another try (:class:`Retryable`) or a refusal (:class:`Refusal`),
as a service's own rules (:class:`~.http.Service`) read them.

The retry log line is written through ``stamina``'s instrumentation (:func:`log_retry`),
to the log of the client that made the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import stamina


class Transient(Exception):
    """An attempt worth another try: 429, 5xx, a broken connection, a body that is not
    what was promised. Carries what the retry log line needs (see :func:`log_retry`)."""

    def __init__(
        self,
        what: str,
        reason: str,
        attempts: int,
        log: Callable[[str], None],
        retry_after: float | None = None,
        *,
        unsent: bool = False,
    ) -> None:
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason
        #: The service surely did not act on the request: safe to send again even when
        #: it is not idempotent.
        self.unsent = unsent
        self.attempts = attempts
        self.log = log
        self.retry_after = retry_after


class StillHeld(Exception):
    """A long poll still held by Sieve when the caller's time for it ran out."""


@dataclass(frozen=True)
class Answer:
    """An answer as read off the wire: status, headers, the body within the size cap."""

    status: int
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class Request:
    """One operation: what it sends, how it is named in messages, how it may be retried."""

    method: str
    path: str
    #: How messages name what the request is about (``acme/whisper@latest``, ``job …``).
    what: str
    body: Any = None
    params: Mapping[str, int | float] | None = None
    #: Safe to send twice (reads; edits set absolute values).
    idempotent: bool = True
    #: What the service calls the thing in a 404 ("Sieve has no <kind> …").
    kind: str = "function version"
    #: This request's own deadline in seconds (else the policy's).
    deadline: float | None = None
    #: A long poll: Sieve holds the answer up to this many seconds.
    long_poll: float | None = None
    #: Told the seconds so far, every ``HEARTBEAT_SECONDS`` while an answer is awaited.
    heartbeat: Callable[[float], None] | None = None
    #: One attempt only (a cancelled step has time for no retry).
    once: bool = False


@dataclass(frozen=True)
class Retryable:
    """An answer worth another try, in the service's words: why, how long it asked to
    wait (None: the policy's backoff), and whether it surely did not act on it."""

    reason: str
    after: float | None = None
    unsent: bool = False


@dataclass(frozen=True)
class Refusal:
    """An error answer, for the service to word: its status, the request, the body
    decoded and scrubbed (``data``; None when it was not JSON, then ``text`` holds it,
    scrubbed and short) and the URL asked (scrubbed)."""

    status: int
    request: Request
    data: Any
    text: str | None
    url: str


def log_retry(details: stamina.instrumentation.RetryDetails) -> None:
    """The ``stamina`` retry hook: one line per retry of a request, written to the
    log of the client that made it (hooks are process-wide; clients are not).

    Installed once, at the edge: ``stamina.instrumentation.set_on_retry_hooks([log_retry])``.
    """
    cause = details.caused_by
    if isinstance(cause, Transient):
        cause.log(
            f"{cause.what}: {cause.reason}; try {details.retry_num + 1} of "
            f"{cause.attempts} in {details.wait_for:.1f} s"
        )
