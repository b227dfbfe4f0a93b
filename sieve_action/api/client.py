"""A small client for the Sieve operations the action uses, bounded whatever the server does.

One ``httpx.Client`` is shared by every request (and every target of a fleet) so that
connections are reused. Each request is retried on its own by ``stamina`` (exponential
backoff with jitter; a ``Retry-After`` from Sieve replaces the backoff) and bounded
(:class:`~.policy.RetryPolicy`):

- a hard deadline over all its attempts and waits (``RetryPolicy.timeout``). Socket
  timeouts alone do not give one: they bound each read, so a body that trickles in, a
  stuck proxy or a slow DNS answer could hold the step for hours. Each attempt runs on
  a worker thread that is abandoned when the deadline passes;
- a cap on the answer's size once decompressed (``RetryPolicy.max_answer_bytes``):
  a version is a few KB, and a small gzip body can expand to gigabytes.

Every answer is scrubbed of the key as soon as it is decoded, before any part of it is
cut, quoted or parsed (see :mod:`sieve_action.secrets`). Errors a person can fix (400,
401, 403, 404, 422, a certificate that does not verify, an unusable proxy setting) are
never retried and become :class:`SieveError` with a message that says what to do.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
import stamina

from ..errors import RetriesExhausted, SieveError, UnusableEnvironment
from ..secrets import Secrets
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
from .policy import HEARTBEAT_SECONDS, RETRY_STATUSES, USER_AGENT, RetryPolicy
from .request import Answer, Request, StillHeld, Transient
from .shape import ShapeError, load
from .tls import PendingContext
from .wire import (
    api_path,
    error_detail,
    no_endpoint,
    parse_retry_after,
    read_body,
    short,
    sieve_missing,
    status_message,
    well_formed,
)

M = TypeVar("M")


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
                # Only what read_body can decode within the size cap.
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
            Request(
                "GET",
                api_path("/v2/functions/{}/{}/versions/{}", owner, function, version),
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
        path = api_path("/v2/functions/{}/{}/versions/{}/edit", owner, function, version)
        request = Request(
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
        path = api_path("/v2/functions/{}/{}/versions", owner, function)
        request = Request(
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
        request = Request(
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
        request = Request(
            "GET",
            api_path("/v2/jobs/{}/await", job_id),
            f"job {job_id}",
            kind="job",
            long_poll=seconds,
            heartbeat=heartbeat,
        )
        try:
            return self._call(request, Job)
        except StillHeld:
            return None
        except SieveError as error:
            if error.status == 408:
                return None
            raise

    def get_job(self, job_id: str, seconds: float | None = None) -> Job:
        """``get_job``, bounded by ``seconds`` when given (else the policy's deadline)."""
        return self._call(
            Request(
                "GET",
                api_path("/v2/jobs/{}", job_id),
                f"job {job_id}",
                kind="job",
                deadline=seconds,
            ),
            Job,
        )

    def cancel_job(self, job_id: str, seconds: float) -> bool:
        """``cancel_job``, bounded by ``seconds`` (a cancelled step has little time): True
        when Sieve cancelled it, False when Sieve answered 400, which it does for a job
        that already ended (read it to know how); SieveError for anything else."""
        request = Request(
            "DELETE", api_path("/v2/jobs/{}", job_id), f"job {job_id}", kind="job", deadline=seconds
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
        path = api_path("/v2/usage/function/{}/{}/versions/{}", owner, function, version)
        request = Request(
            "GET",
            path,
            f"{owner}/{function}@{version}",
            params={"start_timestamp": start, "end_timestamp": end},
            kind="usage of function version",
        )
        return self._call(request, DetailedUsage)

    def job_cost(self, job_id: str) -> float:
        """``job_usage``: what one job cost, in dollars (its child jobs included)."""
        request = Request(
            "GET", api_path("/v2/usage/job/{}", job_id), f"job {job_id}", kind="usage of job"
        )
        return self._call(request, JobCost).cost

    # -- one request ------------------------------------------------------------------
    def _call(self, request: Request, shape: type[M]) -> M:
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
        except Transient as error:
            waited = time.monotonic() - started
            raise RetriesExhausted(
                f"{label} failed after {tries} attempt{'s' if tries > 1 else ''} "
                f"over {waited:.1f} s; last: {error.reason}"
            ) from None
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _retry_for(self, request: Request, deadline: float) -> Callable[[Exception], bool | float]:
        def should_retry(error: Exception) -> bool | float:
            if not isinstance(error, Transient) or time.monotonic() >= deadline:
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

    def _attempt(self, request: Request, label: str, deadline: float, seconds: float) -> Answer:
        """One exchange, on a worker thread given up on at ``deadline``."""
        outcome: list[Answer | BaseException] = []
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
                        Answer(
                            response.status_code,
                            response.headers,
                            read_body(response, self.policy.max_answer_bytes),
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
                raise StillHeld  # no news within the time the caller gave: not a failure
            raise self._transient(
                label,
                f"no complete answer within the request's deadline ({seconds:.0f} s)",
            )
        result = outcome[0]
        if isinstance(result, Answer):
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
            raise self._transient(label, reason, unsent=unsent) from None
        raise result

    def _decode(self, answer: Answer, label: str, request: Request, shape: type) -> Any:
        """Status to outcome; the body decoded and scrubbed before anything reads it."""
        status = answer.status
        if status in RETRY_STATUSES:
            raise self._transient(
                label,
                f"HTTP {status}",
                parse_retry_after(answer.headers.get("Retry-After")),
                unsent=status == 429,  # refused, not taken
            )
        data: Any = None
        try:
            data = self._secrets.scrub_json(well_formed(json.loads(answer.body)))
        except ValueError:  # not JSON (UnicodeDecodeError included)
            if status == 200:
                raise self._transient(
                    label,
                    f"HTTP 200 with a body that is not a {shape.__name__} (not JSON)",
                ) from None
            detail = short(self._secrets.scrub(answer.body.decode("utf-8", "replace")))
        else:
            if status == 200:
                return data
            detail = error_detail(data)
        if status == 404 and not sieve_missing(data):
            url = self._secrets.scrub(str(self._http.base_url).rstrip("/") + request.path)
            raise SieveError(no_endpoint(url, request.kind, detail or "no detail given"), status)
        message = status_message(status, request.what, request.kind, detail or "no detail given")
        raise SieveError(message, status)

    def _model(self, model: type[M], data: Any, what: str) -> M:
        try:
            return load(model, data)
        except ShapeError as error:
            # A body cut short by a proxy is worth another try; the whole request is.
            raise self._transient(
                what, f"HTTP 200 with a body that is not a {model.__name__} ({error})"
            ) from None

    def _transient(
        self, what: str, reason: str, retry_after: float | None = None, *, unsent: bool = False
    ) -> Transient:
        return Transient(what, reason, self.policy.attempts, self.log, retry_after, unsent=unsent)
