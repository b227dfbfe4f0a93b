"""A small client for the Sieve operations the action uses, bounded whatever the server does.

One ``httpx.Client`` is shared by every request (and every target of a fleet) so that
connections are reused. Each request is retried on its own by ``stamina`` (exponential
backoff with jitter; a ``Retry-After`` from Sieve replaces the backoff) and bounded:

- a hard deadline over all its attempts and waits (:attr:`RetryPolicy.timeout`). Socket
  timeouts alone do not give one: they bound each read, so a body that trickles in, a
  stuck proxy or a slow DNS answer could hold the step for hours. Each attempt runs on
  a worker thread that is abandoned when the deadline passes;
- a cap on the answer's size once decompressed (:attr:`RetryPolicy.max_answer_bytes`):
  a version is a few KB, and a small gzip body can expand to gigabytes.

Every answer is scrubbed of the key as soon as it is decoded, before any part of it is
cut, quoted or parsed (see :mod:`sieve_action.secrets`). Errors a person can fix (400,
401, 403, 404, 422, a certificate that does not verify, an unusable proxy setting) are
never retried and become :class:`SieveError` with a message that says what to do.
"""

from __future__ import annotations

import email.utils
import json
import os
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import stamina

from . import __version__
from .errors import AnswerTooLarge, RetriesExhausted, SieveError, UnusableEnvironment
from .models import (
    DetailedUsage,
    EditFunctionVersionRequest,
    Job,
    JobCost,
    PushRequest,
    PushResponse,
    StatusResponse,
    Version,
    VersionList,
)
from .network import certificate_problem, describe_failure, route
from .secrets import Secrets
from .shape import ShapeError, load
from .tls import PendingContext

M = TypeVar("M")

USER_AGENT = f"sieve-action/{__version__} (python-httpx/{httpx.__version__})"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: How often a long poll says it is still waiting (see waiting.PROGRESS_SECONDS).
HEARTBEAT_SECONDS = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request. The defaults fit a CI step: a minute at most."""

    attempts: int = 5
    #: The hard deadline of one request: every attempt, and every wait between them.
    timeout: float = 60.0
    wait_initial: float = 0.5
    wait_max: float = 8.0
    wait_jitter: float = 1.0
    #: A Retry-After longer than this is not waited for: the request fails instead.
    max_retry_after: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    #: The largest answer accepted, decompressed: a version is a few KB.
    max_answer_bytes: int = 1 << 20


class _Transient(Exception):
    """An attempt worth another try: 429, 5xx, a broken connection, a body that is not
    what was promised. Carries what the retry log line needs (see :func:`log_retry`)."""

    def __init__(
        self,
        what: str,
        reason: str,
        client: SieveClient,
        retry_after: float | None = None,
        *,
        unsent: bool = False,
    ) -> None:
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason
        #: Sieve surely did not act on the request: safe to send again even when it is
        #: not idempotent.
        self.unsent = unsent
        self.attempts = client.policy.attempts
        self.log = client.log
        self.retry_after = retry_after


class _StillHeld(Exception):
    """A long poll still held by Sieve when the caller's time for it ran out."""


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class _Request:
    """One operation: what it sends, how it is named in messages, how it may be retried."""

    method: str
    path: str
    #: How messages name what the request is about (``acme/whisper@latest``, ``job …``).
    what: str
    body: Any = None
    params: Mapping[str, int | float] | None = None
    #: Safe to send twice (reads; edits set absolute values).
    idempotent: bool = True
    #: What Sieve calls the thing in a 404 ("Sieve has no <kind> …").
    kind: str = "function version"
    #: This request's own deadline in seconds (else the policy's).
    deadline: float | None = None
    #: A long poll: Sieve holds the answer up to this many seconds.
    long_poll: float | None = None
    #: Told the seconds so far, every :data:`HEARTBEAT_SECONDS` while an answer is awaited.
    heartbeat: Callable[[float], None] | None = None
    #: One attempt only (a cancelled step has time for no retry).
    once: bool = False


def log_retry(details: stamina.instrumentation.RetryDetails) -> None:
    """The ``stamina`` retry hook: one line per retry of a Sieve request, written to the
    log of the client that made it (hooks are process-wide; clients are not).

    Installed once, at the edge: ``stamina.instrumentation.set_on_retry_hooks([log_retry])``.
    """
    cause = details.caused_by
    if isinstance(cause, _Transient):
        cause.log(
            f"{cause.what}: {cause.reason}; try {details.retry_num + 1} of "
            f"{cause.attempts} in {details.wait_for:.1f} s"
        )


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


def _http_client(
    api_url: str,
    api_key: str,
    policy: RetryPolicy,
    transport: httpx.BaseTransport | None,
    tls: PendingContext | None,
) -> httpx.Client:
    try:
        return httpx.Client(
            base_url=api_url,
            headers={
                "X-API-Key": api_key,
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                # Only what _read can decode within the size cap.
                "Accept-Encoding": "gzip",
            },
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            transport=transport,
            follow_redirects=False,
            verify=tls.get() if tls is not None else True,
        )
    except (OSError, ssl.SSLError) as error:
        # httpx loads SSL_CERT_FILE (trust_env) when the client is made.
        raise UnusableEnvironment(
            "The CA bundle named by SSL_CERT_FILE cannot be loaded "
            f"({error.strerror or error}): fix or unset SSL_CERT_FILE for this step."
        ) from None
    except (ValueError, ImportError, httpx.InvalidURL) as error:
        raise UnusableEnvironment(
            f"The HTTP client cannot be set up from this environment ({error}); "
            "check the proxy variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY)."
        ) from None


class SieveClient:
    """The Sieve operations the action needs, each one retried and bounded as a whole."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        policy: RetryPolicy | None = None,
        secrets: Secrets | None = None,
        log: Callable[[str], None] = lambda _: None,
        transport: httpx.BaseTransport | None = None,
        tls: PendingContext | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.log = log
        self._secrets = secrets or Secrets()
        self._http = _http_client(api_url, api_key, self.policy, transport, tls)
        #: Where requests go, in words, for failures to name (a proxy's password left out).
        self.route = route(api_url, os.environ if environ is None else environ)

    def __enter__(self) -> SieveClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the operations ---------------------------------------------------------------
    def get_version(
        self, owner: str, function: str, version: str, *, once_within: float | None = None
    ) -> Version:
        """``get_function_version``: the version, ``latest`` resolved by Sieve.
        ``once_within``: one attempt within that many seconds (a cancelled step)."""
        return self._call(
            _Request(
                "GET",
                _path("/v2/functions/{}/{}/versions/{}", owner, function, version),
                f"{owner}/{function}@{version}",
                deadline=once_within,
                once=once_within is not None,
            ),
            Version,
        )

    def edit_version(
        self,
        owner: str,
        function: str,
        version: str,
        edit: EditFunctionVersionRequest,
        *,
        once_within: float | None = None,
    ) -> Version:
        """``edit_function_version``: send only the bounds being changed."""
        path = _path("/v2/functions/{}/{}/versions/{}/edit", owner, function, version)
        request = _Request(
            "POST",
            path,
            f"{owner}/{function}@{version}",
            body=edit.body(),
            deadline=once_within,
            once=once_within is not None,
        )
        return self._call(request, Version)

    def list_versions(self, owner: str, function: str, *, limit: int, offset: int) -> list[Version]:
        """``get_function_versions``: one page of versions, newest first."""
        path = _path("/v2/functions/{}/{}/versions", owner, function)
        request = _Request(
            "GET",
            path,
            f"{owner}/{function}",
            params={"limit": limit, "offset": offset},
            kind="function",
        )
        return self._call(request, VersionList).root

    def push_job(self, push: PushRequest) -> PushResponse:
        """``push_new_job``. Not idempotent: retried only when Sieve surely did not take it
        (the connection was refused, or 429), so a smoke test never runs twice."""
        request = _Request(
            "POST",
            "/v2/push",
            push.function,
            body=push.body(),
            idempotent=False,
            kind="function version",
        )
        return self._call(request, PushResponse)

    def await_job(
        self, job_id: str, seconds: float, heartbeat: Callable[[float], None] | None = None
    ) -> Job | None:
        """``get_job_await``: the job once it ends, or None when Sieve's own wait (10
        minutes, then 408) or ``seconds`` ran out first. A long poll: its deadline is
        ``seconds``, not the policy's; ``heartbeat`` hears how long it has been held."""
        request = _Request(
            "GET",
            _path("/v2/jobs/{}/await", job_id),
            f"job {job_id}",
            kind="job",
            long_poll=seconds,
            heartbeat=heartbeat,
        )
        try:
            return self._call(request, Job)
        except _StillHeld:
            return None
        except SieveError as error:
            if error.status == 408:
                return None
            raise

    def get_job(self, job_id: str, seconds: float | None = None) -> Job:
        """``get_job``, bounded by ``seconds`` when given (else the policy's deadline)."""
        return self._call(
            _Request(
                "GET", _path("/v2/jobs/{}", job_id), f"job {job_id}", kind="job", deadline=seconds
            ),
            Job,
        )

    def cancel_job(self, job_id: str, seconds: float) -> bool:
        """``cancel_job``, bounded by ``seconds`` (a cancelled step has little time): True
        when Sieve cancelled it, False when Sieve answered 400, which it does for a job
        that already ended (read it to know how); SieveError for anything else."""
        request = _Request(
            "DELETE", _path("/v2/jobs/{}", job_id), f"job {job_id}", kind="job", deadline=seconds
        )
        try:
            self._call(request, StatusResponse)
        except SieveError as error:
            if error.status != 400:
                raise
            return False
        return True

    def version_usage(
        self, owner: str, function: str, version: str, start: float, end: float
    ) -> DetailedUsage:
        """``function_version_usage``: the version's cost between two POSIX times."""
        path = _path("/v2/usage/function/{}/{}/versions/{}", owner, function, version)
        request = _Request(
            "GET",
            path,
            f"{owner}/{function}@{version}",
            params={"start_timestamp": start, "end_timestamp": end},
            kind="usage of function version",
        )
        return self._call(request, DetailedUsage)

    def job_cost(self, job_id: str) -> float:
        """``job_usage``: what one job cost, in dollars (its child jobs included)."""
        request = _Request(
            "GET", _path("/v2/usage/job/{}", job_id), f"job {job_id}", kind="usage of job"
        )
        return self._call(request, JobCost).cost

    # -- one request ------------------------------------------------------------------
    def _call(self, request: _Request, shape: type[M]) -> M:
        """The request's answer as ``shape``, after retries; or a SieveError."""
        policy = self.policy
        label = f"{request.method} {request.what}"
        seconds = request.long_poll or request.deadline or policy.timeout
        started = time.monotonic()
        deadline = started + seconds
        tries = 0
        try:
            for attempt in stamina.retry_context(
                on=self._retry_for(request, deadline),
                attempts=1 if request.once else policy.attempts,
                timeout=seconds,
                wait_initial=policy.wait_initial,
                wait_max=policy.wait_max,
                wait_jitter=policy.wait_jitter,
            ):
                with attempt:
                    tries = attempt.num
                    answer = self._attempt(request, label, deadline, seconds)
                    return self._model(shape, self._decode(answer, label, request, shape), label)
        except _Transient as error:
            waited = time.monotonic() - started
            raise RetriesExhausted(
                f"{label} failed after {tries} attempt{'s' if tries > 1 else ''} "
                f"over {waited:.1f} s; last: {error.reason}"
            ) from None
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _retry_for(self, request: _Request, deadline: float) -> Callable[[Exception], bool | float]:
        def should_retry(error: Exception) -> bool | float:
            if not isinstance(error, _Transient) or time.monotonic() >= deadline:
                return False  # (stamina's own timer starts a moment after the deadline's)
            if not request.idempotent and not error.unsent:
                error.reason += " (not retried: Sieve may have taken the request)"
                return False
            retry_after = error.retry_after
            if retry_after is not None and retry_after > self.policy.max_retry_after:
                error.reason += (
                    f" (Sieve asked to wait {retry_after:.0f} s, "
                    f"more than the {self.policy.max_retry_after:.0f} s this action waits)"
                )
                return False
            return True if retry_after is None else retry_after

        return should_retry

    def _attempt(self, request: _Request, label: str, deadline: float, seconds: float) -> _Answer:
        """One exchange, on a worker thread given up on at ``deadline``."""
        outcome: list[_Answer | BaseException] = []
        done = threading.Event()
        timeout = self._http.timeout
        if request.long_poll is not None:
            # Sieve holds the answer back until the job ends: no read times out before.
            timeout = httpx.Timeout(request.long_poll + 5, connect=self.policy.connect_timeout)

        def exchange() -> None:
            try:
                built = self._http.build_request(
                    request.method,
                    request.path,
                    json=request.body,
                    params=request.params,
                    timeout=timeout,
                )
                response = self._http.send(built, stream=True)
                try:
                    outcome.append(
                        _Answer(
                            response.status_code,
                            response.headers,
                            _read(response, self.policy.max_answer_bytes),
                        )
                    )
                finally:
                    response.close()
            except BaseException as error:  # handed to the caller's thread
                outcome.append(error)
            finally:
                done.set()

        threading.Thread(target=exchange, name="sieve-request", daemon=True).start()
        started = time.monotonic()
        while not done.wait(max(0.0, min(deadline - time.monotonic(), HEARTBEAT_SECONDS))):
            if time.monotonic() >= deadline:
                break
            if request.heartbeat is not None:
                request.heartbeat(time.monotonic() - started)
        if not done.is_set():
            if request.long_poll is not None:
                raise _StillHeld  # no news within the time the caller gave: not a failure
            raise _Transient(
                label,
                f"no complete answer within the request's deadline ({seconds:.0f} s)",
                self,
            )
        result = outcome[0]
        if isinstance(result, _Answer):
            return result
        if isinstance(result, httpx.TransportError):
            problem = certificate_problem(result)
            if problem is not None:
                raise SieveError(
                    f"The TLS certificate of {self._http.base_url.host} could not be verified "
                    f"({problem}); not retried. If a proxy inspects TLS on this runner, give "
                    "its CA bundle in SSL_CERT_FILE."
                ) from None
            # Refused or timed out connecting: the request never left.
            unsent = isinstance(result, httpx.ConnectError | httpx.ConnectTimeout)
            reason = self._secrets.scrub(describe_failure(result, self.route))
            raise _Transient(label, reason, self, unsent=unsent) from None
        raise result

    def _decode(self, answer: _Answer, label: str, request: _Request, shape: type) -> Any:
        """Status to outcome; the body decoded and scrubbed before anything reads it."""
        status = answer.status
        if status in RETRY_STATUSES:
            raise _Transient(
                label,
                f"HTTP {status}",
                self,
                parse_retry_after(answer.headers.get("Retry-After")),
                unsent=status == 429,  # refused, not taken
            )
        try:
            data: Any = self._secrets.scrub_json(_well_formed(json.loads(answer.body)))
        except ValueError:  # not JSON (UnicodeDecodeError included)
            if status == 200:
                raise _Transient(
                    label,
                    f"HTTP 200 with a body that is not a {shape.__name__} (not JSON)",
                    self,
                ) from None
            detail = _short(self._secrets.scrub(answer.body.decode("utf-8", "replace")))
        else:
            if status == 200:
                return data
            detail = _detail(data)
        message = _status_message(status, request.what, request.kind, detail or "no detail given")
        raise SieveError(message, status)

    def _model(self, model: type[M], data: Any, what: str) -> M:
        try:
            return load(model, data)
        except ShapeError as error:
            # A body cut short by a proxy is worth another try; the whole request is.
            raise _Transient(
                what, f"HTTP 200 with a body that is not a {model.__name__} ({error})", self
            ) from None


def _read(response: httpx.Response, cap: int) -> bytes:
    """The body, decompressed, or :class:`SieveError` once it passes ``cap`` bytes.

    httpx decodes gzip a network chunk at a time, and one chunk can expand a
    thousandfold; decoding here, with ``max_length``, keeps memory under the cap.
    """
    if response.is_stream_consumed:  # made in memory (httpx.MockTransport): already read
        if len(response.content) > cap:
            raise AnswerTooLarge(cap)
        return response.content
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > cap:
        raise AnswerTooLarge(cap)
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in {"identity", "", "gzip", "x-gzip"}:
        raise SieveError(
            f"Sieve's answer is encoded as {encoding!r}, which the action did not ask for"
        )
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 16) if "gzip" in encoding else None
    body = bytearray()
    for chunk in response.iter_raw():
        data = chunk
        while inflate is not None and data:
            out = inflate.decompress(data, cap + 1 - len(body))
            body += out
            if len(body) > cap:
                raise AnswerTooLarge(cap)
            data = inflate.unconsumed_tail
        if inflate is None:
            body += data
        if len(body) > cap:
            raise AnswerTooLarge(cap)
    return bytes(body)


def _well_formed(value: Any) -> Any:
    """Every string of a decoded JSON value encodable as UTF-8: JSON may escape a lone
    surrogate (``\\udcff``), which no file, log or header can hold; it becomes U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {_well_formed(k): _well_formed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_well_formed(v) for v in value]
    return value


def _path(template: str, *names: str) -> str:
    """``template`` with each name as one quoted path segment. Inputs are checked to be
    plain names already, and IDs come from Sieve: a second line of defence, so that no
    value changes the endpoint ("/" is quoted, "." and ".." cannot climb the path)."""
    return template.format(*map(_segment, names))


def _segment(text: str) -> str:
    quoted = quote(text, safe="")
    return quoted.replace(".", "%2E") if quoted.strip(".") == "" else quoted


def _short(text: str) -> str:
    """Plain text from an error body, already scrubbed: one line, at most 200 characters."""
    return " ".join(text.split())[:200]


def _detail(body: Any) -> str:
    """Sieve's own words from a decoded error body: ``detail`` as FastAPI writes it."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return _short(detail)
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = item.get("loc")
                where = (
                    ".".join(str(p) for p in loc if p != "body") if isinstance(loc, list) else ""
                )
                parts.append(f"{where or 'request'}: {item.get('msg', '?')}")
        return _short("; ".join(parts))
    return _short(json.dumps(body, ensure_ascii=False))


def _status_message(status: int, what: str, kind: str, detail: str) -> str:
    owner_function = what.rsplit("@", 1)[0].split(":", 1)[0]
    if status == 401:
        return "Sieve rejected the API key (401): check the secret passed as `api-key`"
    if status == 403:
        return f"The API key has no access to `{owner_function}` (403: {detail})"
    if status == 404:
        return f"Sieve has no {kind} `{what}` (404: {detail})"
    if status == 422:
        return f"Sieve refused the request for `{what}` (422): {detail}"
    if status == 400:
        return f"Sieve refused the values for `{what}` (400): {detail}"
    return f"Sieve answered HTTP {status} for `{what}`: {detail}"
