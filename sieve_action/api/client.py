"""A small client for the Sieve operations the action uses, bounded whatever the server does.

Every request goes through one :class:`~.http.Exchange` (shared by every target of a
fleet, so connections are reused): retried on its own by ``stamina`` (a ``Retry-After``
from Sieve replaces the backoff), under a hard deadline over all its attempts, its answer
within a size cap once decompressed and scrubbed of the key as soon as it is decoded.
What is Sieve's own is said here (:data:`SIEVE`): 200 is the only answer, 429 and 5xx
are worth another try, and errors a person can fix (400, 401, 403, 404, 422, a
certificate that does not verify, an unusable proxy setting) are never retried and
become :class:`SieveError` with a message that says what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import httpx

from ..errors import AnswerTooLarge, RetriesExhausted, SieveError
from ..secrets import Secrets
from .http import Exchange, Service
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
from .policy import RetryPolicy
from .request import Request, StillHeld
from .tls import PendingContext
from .wire import api_path, sieve_refusal, sieve_retry

#: Sieve's rules for the exchange: its name, its answers, its errors.
SIEVE = Service(
    name="Sieve",
    success=frozenset({200}),
    retry=sieve_retry,
    refusal=sieve_refusal,
    error=SieveError,
    exhausted=RetriesExhausted,
    too_large=AnswerTooLarge,
)

M = TypeVar("M")


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
        self._exchange = Exchange(
            api_url,
            {"X-API-Key": api_key, "Accept": "application/json"},
            SIEVE,
            policy=policy,
            secrets=secrets,
            log=log,
            transport=transport,
            tls=tls,
            environ=environ,
        )
        self.policy = self._exchange.policy
        self.log = log
        self._secrets = self._exchange.secrets
        #: Where requests go, in words, for failures to name (a proxy's password left out).
        self.route = self._exchange.route

    def __enter__(self) -> SieveClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._exchange.close()

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
        """The request's answer as ``shape``, after retries; or a SieveError. Every
        operation goes through here (tests count and fault Sieve's calls at it)."""
        return self._exchange.call(request, shape)
