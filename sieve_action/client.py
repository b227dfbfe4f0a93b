"""A small client for the Sieve operations the action uses, with retries that know Sieve.

One ``httpx.Client`` is shared by every request (and every target of a fleet) so that
connections are reused. Transient failures are retried by ``stamina`` with exponential
backoff and jitter, bounded in attempts and in time; a ``Retry-After`` from Sieve
replaces the computed backoff. Errors a person can fix (400, 401, 403, 404, 422) are
never retried and become :class:`SieveError` with a message that says what to do.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import stamina
from pydantic import ValidationError

from . import __version__
from .models import EditFunctionVersionRequest, Version

T = TypeVar("T")

USER_AGENT = f"sieve-action/{__version__} (python-httpx/{httpx.__version__})"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request. The defaults fit a CI step: about a minute at most."""

    attempts: int = 5
    timeout: float = 60.0
    wait_initial: float = 0.5
    wait_max: float = 8.0
    wait_jitter: float = 1.0
    #: A Retry-After longer than this is not waited for: the request fails instead.
    max_retry_after: float = 30.0
    #: Retries shared by all requests of one client, so a fleet of targets hitting
    #: the same outage does not multiply its retries into a storm.
    budget: int = 40
    connect_timeout: float = 5.0
    read_timeout: float = 20.0


class SieveError(Exception):
    """A failure at Sieve that a person has to act on; the message says how."""


class RetriesExhausted(SieveError):
    """Transient failures went on past the retry policy's attempts or time."""


class _Transient(Exception):
    """A response worth another try: 429, 5xx, or a body that is not what was promised."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass
class _Budget:
    left: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def _detail(response: httpx.Response) -> str:
    """Sieve's own words from an error body (``detail``), or a short plain text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc", []) if p != "body") or "request"
                parts.append(f"{where}: {item.get('msg', '?')}")
        return "; ".join(parts)
    return response.text.strip()[:200]


class SieveClient:
    """The Sieve operations the action needs, each one retried as a whole."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        policy: RetryPolicy | None = None,
        log: Callable[[str], None] = lambda _: None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self._log = log
        self._budget = _Budget(self.policy.budget)
        self._http = httpx.Client(
            base_url=api_url,
            headers={"X-API-Key": api_key, "User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout),
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> SieveClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_version(self, owner: str, function: str, version: str) -> Version:
        """``get_function_version``: the version, ``latest`` resolved by Sieve."""
        return self._call("GET", _path(owner, function, version), f"{owner}/{function}@{version}")

    def edit_version(
        self, owner: str, function: str, version: str, edit: EditFunctionVersionRequest
    ) -> Version:
        """``edit_function_version``: send only the bounds being changed."""
        return self._call(
            "POST",
            _path(owner, function, version) + "/edit",
            f"{owner}/{function}@{version}",
            body=edit.body(),
        )

    def _call(
        self, method: str, path: str, what: str, body: dict[str, Any] | None = None
    ) -> Version:
        policy = self.policy
        started = time.monotonic()
        tries = 0

        def should_retry(error: Exception) -> bool | float:
            return self._should_retry(error, last_attempt=tries >= policy.attempts)

        try:
            for attempt in stamina.retry_context(
                on=should_retry,
                attempts=policy.attempts,
                timeout=policy.timeout,
                wait_initial=policy.wait_initial,
                wait_max=policy.wait_max,
                wait_jitter=policy.wait_jitter,
            ):
                with attempt:
                    tries = attempt.num
                    if tries > 1:
                        self._log(f"{method} {what}: try {tries} of {policy.attempts}")
                    try:
                        return _parse(self._http.request(method, path, json=body), what)
                    except (httpx.TransportError, _Transient) as error:
                        self._log(f"{method} {what}: {_reason(error)}")
                        raise
        except (httpx.TransportError, _Transient) as error:
            waited = time.monotonic() - started
            raise RetriesExhausted(
                f"{method} {what} failed after {tries} attempt{'s' if tries > 1 else ''} "
                f"over {waited:.1f} s; last: {_reason(error)}"
            ) from None
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _should_retry(self, error: Exception, *, last_attempt: bool) -> bool | float:
        # stamina asks before it checks its attempt limit, so the last attempt must not
        # spend a unit of the shared budget on a retry that will not happen.
        if not isinstance(error, httpx.TransportError | _Transient) or last_attempt:
            return False
        retry_after = error.retry_after if isinstance(error, _Transient) else None
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            assert isinstance(error, _Transient)
            error.reason += (
                f" (Sieve asked to wait {retry_after:.0f} s, "
                f"more than the {self.policy.max_retry_after:.0f} s this action waits)"
            )
            return False
        if not self._budget.take():
            return False
        return True if retry_after is None else retry_after


def _path(owner: str, function: str, version: str) -> str:
    # Inputs are checked to be plain names already; this is a second line of defence:
    # every segment stays one segment, and "." or ".." cannot climb the path.
    return "/v2/functions/{}/{}/versions/{}".format(*map(_segment, (owner, function, version)))


def _segment(text: str) -> str:
    quoted = quote(text, safe="")
    return quoted.replace(".", "%2E") if quoted.strip(".") == "" else quoted


def _reason(error: httpx.TransportError | _Transient) -> str:
    return error.reason if isinstance(error, _Transient) else _describe_transport(error)


def _describe_transport(error: httpx.TransportError) -> str:
    kind = {
        httpx.ConnectError: "could not connect",
        httpx.ConnectTimeout: "timed out connecting",
        httpx.ReadTimeout: "timed out waiting for the answer",
        httpx.RemoteProtocolError: "the connection broke mid-answer",
    }
    for cls, text in kind.items():
        if isinstance(error, cls):
            return text
    return f"network error ({type(error).__name__})"


def _parse(response: httpx.Response, what: str) -> Version:
    status = response.status_code
    if status in RETRY_STATUSES:
        raise _Transient(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
    if status == 200:
        try:
            return Version.model_validate_json(response.content)
        except ValidationError as error:
            problem = error.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in problem["loc"]) or "body"
            raise _Transient(
                f"HTTP 200 with a body that is not a Version ({where}: {problem['msg']})"
            ) from None
    detail = _detail(response) or "no detail given"
    owner_function = what.rsplit("@", 1)[0]
    if status == 401:
        message = "Sieve rejected the API key (401): check the secret passed as `api-key`"
    elif status == 403:
        message = f"The API key has no access to `{owner_function}` (403: {detail})"
    elif status == 404:
        message = f"Sieve has no function version `{what}` (404: {detail})"
    elif status == 422:
        message = f"Sieve refused the request for `{what}` (422): {detail}"
    elif status == 400:
        message = f"Sieve refused the values for `{what}` (400): {detail}"
    else:
        message = f"Sieve answered HTTP {status} for `{what}`: {detail}"
    raise SieveError(message)
