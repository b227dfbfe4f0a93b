"""One exchange with a service's HTTP API, bounded whatever the server does: what Sieve's
client and GitHub's share, each telling it only its own rules (:class:`Service`).

One ``httpx.Client`` is shared by every request of a client (and every target of a
fleet) so that connections are reused. Each request is retried on its own by
``stamina`` (exponential backoff with jitter; a wait the service asks for replaces the
backoff, up to ``RetryPolicy.max_retry_after``) and bounded (:class:`~.policy.RetryPolicy`):

- a hard deadline over all its attempts and waits (``RetryPolicy.timeout``). Socket
  timeouts alone do not give one: they bound each read, so a body that trickles in, a
  stuck proxy or a slow DNS answer could hold the step for hours. Each attempt runs on
  a worker thread that is abandoned when the deadline passes;
- a cap on the answer's size once decompressed (``RetryPolicy.max_answer_bytes``):
  a small gzip body can expand to gigabytes.

Every answer is scrubbed of the secrets as soon as it is decoded, before any part of it
is cut, quoted or parsed (see :mod:`sieve_action.secrets`). Errors a person can fix (an
answer the service words as a refusal, a certificate that does not verify, an unusable
proxy setting) are never retried and become the service's own error.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import stamina

from ..errors import ServiceError, UnusableEnvironment
from ..secrets import Secrets
from .network import certificate_problem, describe_failure, route
from .policy import HEARTBEAT_SECONDS, USER_AGENT, RetryPolicy
from .request import Answer, Refusal, Request, Retryable, StillHeld, Transient
from .shape import ShapeError, load
from .tls import PendingContext
from .wire import OverCap, UnaskedEncoding, read_body, short, well_formed

M = TypeVar("M")


@dataclass(frozen=True)
class Service:
    """What makes an exchange one service's own: its name in messages, which statuses
    are answers, which answers are worth another try, and its errors in its words."""

    #: The service's name in messages ("Sieve may have taken the request").
    name: str
    #: The statuses whose body is the answer.
    success: frozenset[int]
    #: An answer worth another try (429, 5xx, a rate limit), or None.
    retry: Callable[[Answer], Retryable | None]
    #: Any other answer that is not a success, as the service's error.
    refusal: Callable[[Refusal], ServiceError]
    #: Any other failure (a certificate, an encoding), in the service's error.
    error: Callable[[str], ServiceError]
    #: Transient failures past the policy.
    exhausted: Callable[[str], ServiceError]
    #: An answer over the size cap (its cap in bytes).
    too_large: Callable[[int], ServiceError]


def _http_client(
    base_url: str,
    headers: Mapping[str, str],
    policy: RetryPolicy,
    transport: httpx.BaseTransport | None,
    tls: PendingContext | None,
) -> httpx.Client:
    try:
        return httpx.Client(
            base_url=base_url,
            headers={
                **headers,
                "User-Agent": USER_AGENT,
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


class Exchange:
    """Requests to one service, each retried and bounded as a whole (:meth:`call`).

    ``headers`` are the service's own (its credentials among them: the caller registers
    those in ``secrets``); the User-Agent and ``Accept-Encoding: gzip`` are added here.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        service: Service,
        *,
        policy: RetryPolicy | None = None,
        secrets: Secrets | None = None,
        log: Callable[[str], None] = lambda _: None,
        transport: httpx.BaseTransport | None = None,
        tls: PendingContext | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.policy = policy or RetryPolicy()
        self.log = log
        self.secrets = secrets if secrets is not None else Secrets()
        self.http = _http_client(base_url, headers, self.policy, transport, tls)
        #: Where requests go, in words, for failures to name (a proxy's password left out).
        self.route = route(base_url, os.environ if environ is None else environ)

    def close(self) -> None:
        self.http.close()

    def call(self, request: Request, shape: type[M]) -> M:
        """The request's answer as ``shape``, after retries; or the service's error."""
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
                    data = self._decode(answer, label, request, shape)
                    return self._model(shape, data, label, answer.status)
        except Transient as error:
            waited = time.monotonic() - started
            raise self.service.exhausted(
                f"{label} failed after {tries} attempt{'s' if tries > 1 else ''} "
                f"over {waited:.1f} s; last: {error.reason}"
            ) from None
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _retry_for(self, request: Request, deadline: float) -> Callable[[Exception], bool | float]:
        name = self.service.name

        def should_retry(error: Exception) -> bool | float:
            if not isinstance(error, Transient) or time.monotonic() >= deadline:
                return False  # (stamina's own timer starts a moment after the deadline's)
            if not request.idempotent and not error.unsent:
                error.reason += f" (not retried: {name} may have taken the request)"
                return False
            retry_after = error.retry_after
            if retry_after is not None and retry_after > self.policy.max_retry_after:
                error.reason += (
                    f" ({name} asked to wait {retry_after:.0f} s, "
                    f"more than the {self.policy.max_retry_after:.0f} s this action waits)"
                )
                return False
            return True if retry_after is None else retry_after

        return should_retry

    def _attempt(self, request: Request, label: str, deadline: float, seconds: float) -> Answer:
        """One exchange, on a worker thread given up on at ``deadline``."""
        outcome: list[Answer | BaseException] = []
        done = threading.Event()
        timeout = self.http.timeout
        if request.long_poll is not None:
            # The service holds the answer back until the job ends: no read times out before.
            timeout = httpx.Timeout(request.long_poll + 5, connect=self.policy.connect_timeout)

        def exchange() -> None:
            try:
                built = self.http.build_request(
                    request.method,
                    request.path,
                    json=request.body,
                    params=request.params,
                    timeout=timeout,
                )
                response = self.http.send(built, stream=True)
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

        name = f"{self.service.name.lower()}-request"
        threading.Thread(target=exchange, name=name, daemon=True).start()
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
        return self._answer(outcome[0], label)

    def _answer(self, result: Answer | BaseException, label: str) -> Answer:
        """An attempt's answer, or its failure as the service's error or a Transient."""
        if isinstance(result, Answer):
            return result
        if isinstance(result, OverCap):
            raise self.service.too_large(result.cap) from None
        if isinstance(result, UnaskedEncoding):
            raise self.service.error(
                f"{self.service.name}'s answer is encoded as {result.encoding!r}, "
                "which the action did not ask for"
            ) from None
        if isinstance(result, httpx.TransportError):
            problem = certificate_problem(result)
            if problem is not None:
                raise self.service.error(
                    f"The TLS certificate of {self.http.base_url.host} could not be verified "
                    f"({problem}); not retried. If a proxy inspects TLS on this runner, give "
                    "its CA bundle in SSL_CERT_FILE."
                ) from None
            # Refused or timed out connecting: the request never left.
            unsent = isinstance(result, httpx.ConnectError | httpx.ConnectTimeout)
            reason = self.secrets.scrub(describe_failure(result, self.route))
            raise self._transient(label, reason, unsent=unsent) from None
        raise result

    def _decode(self, answer: Answer, label: str, request: Request, shape: type) -> Any:
        """Status to outcome; the body decoded and scrubbed before anything reads it."""
        status = answer.status
        retry = self.service.retry(answer)
        if retry is not None:
            raise self._transient(label, retry.reason, retry.after, unsent=retry.unsent)
        data: Any = None
        text: str | None = None
        try:
            data = self.secrets.scrub_json(well_formed(json.loads(answer.body)))
        except ValueError:  # not JSON (UnicodeDecodeError included)
            if status in self.service.success:
                raise self._transient(
                    label,
                    f"HTTP {status} with a body that is not a {shape.__name__} (not JSON)",
                ) from None
            text = short(self.secrets.scrub(answer.body.decode("utf-8", "replace")))
        else:
            if status in self.service.success:
                return data
        url = self.secrets.scrub(str(self.http.base_url).rstrip("/") + request.path)
        raise self.service.refusal(Refusal(status, request, data, text, url))

    def _model(self, model: type[M], data: Any, what: str, status: int) -> M:
        try:
            return load(model, data)
        except ShapeError as error:
            # A body cut short by a proxy is worth another try; the whole request is.
            raise self._transient(
                what, f"HTTP {status} with a body that is not a {model.__name__} ({error})"
            ) from None

    def _transient(
        self, what: str, reason: str, retry_after: float | None = None, *, unsent: bool = False
    ) -> Transient:
        return Transient(what, reason, self.policy.attempts, self.log, retry_after, unsent=unsent)
