"""The smoke test: one job pushed to the exact version just made ready, awaited, judged.

The job goes to ``owner/name:VERSION_ID`` (the resolved ID, never ``latest``: another
deploy may land meanwhile). It is awaited with Sieve's long poll, call after call, until
it ends or ``smoke-test-timeout`` passes; Sieve's 10-minute limit is one call, not the
test's. A job that does not end in time, or a step cancelled meanwhile, has its job
cancelled: nothing keeps running on Sieve for a step that has given up on it. What the
record says is what Sieve said: ``cancelled`` only when Sieve cancelled it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .client import SieveClient
from .errors import Cancelled, SieveError
from .models import JOB_ENDINGS, PushRequest
from .targets import Target
from .waiting import Clock

#: One long poll at most this long: Sieve's own await gives up after 10 minutes.
AWAIT_SECONDS = 600.0
#: A cancel, and the read that follows a refused one, fit in the little time a
#: cancelled step has left (the runner kills it 7.5 to 10 s after SIGTERM).
CANCEL_SECONDS = 2.5
#: How long a cancelled step waits for a push already sent, to cancel what it made.
PUSH_GRACE_SECONDS = 2.0
#: How long the read after a refused cancel may take (it only says how the job ended).
READ_SECONDS = 1.5
#: How much of a job's error the log and summary show.
ERROR_EXCERPT = 300

#: How giving up on a job went: Sieve cancelled it; it had already ended; or the
#: cancel failed, so it may still be running.
Stop = Literal["cancelled", "ended", "failed"]


@dataclass
class SmokeTest:
    """What is known about a target's smoke test so far."""

    job_id: str | None = None
    status: str | None = None
    #: From the push to the moment the job was seen ending (or the test gave up).
    seconds: float | None = None
    #: The job's own error, scrubbed, cut to :data:`ERROR_EXCERPT` characters.
    error: str | None = None
    outputs: int = 0
    #: How the step's attempt to stop the job went, if it made one.
    stop: Stop | None = None
    #: Set once the push has an answer, or failed: a cancelled step waits for it.
    settled: threading.Event = field(default_factory=threading.Event, repr=False)
    pushing: bool = False
    #: One stop at a time: the target's thread and a cancelled step's may both try.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def passed(self) -> bool:
        return self.status == "finished"

    @property
    def running(self) -> bool:
        return self.job_id is not None and self.status not in JOB_ENDINGS

    def stopped(self) -> str:
        """What became of a job the step gave up on, in words, for messages."""
        if self.stop == "cancelled":
            return "so it was cancelled"
        if self.stop == "ended":
            return f"it had already ended (`{self.status}`) when the step cancelled it"
        return f"and it could not be cancelled: check job {self.job_id} on Sieve"


def smoke_test(
    client: SieveClient,
    target: Target,
    version_id: str,
    job_inputs: dict[str, Any] | list[Any],
    *,
    timeout: float,
    poll_interval: float,
    clock: Clock,
    record: SmokeTest,
    log: Callable[[str], None] = lambda _: None,
) -> str | None:
    """Run the smoke test, filling ``record`` as it goes; the failure in one line, or
    None when the job finished. Raises :class:`Cancelled` when the step is cancelled,
    and SieveError when Sieve fails, after trying to cancel the job."""
    function = f"{target.owner}/{target.function}:{version_id}"
    started = clock.monotonic()
    deadline = started + timeout
    record.pushing = True
    try:
        pushed = client.push_job(PushRequest(function=function, inputs=job_inputs))
        record.job_id, record.status = pushed.id, pushed.status
    finally:
        record.pushing = False
        record.settled.set()
    log(f"{target.label}: smoke test job {pushed.id} pushed to {function}")

    def heartbeat(held: float) -> None:
        so_far = clock.monotonic() - started
        log(f"{target.label}: smoke test job {pushed.id} {record.status}; "
            f"{so_far:.0f} s of {timeout:g}")  # fmt: skip

    try:
        while True:
            left = deadline - clock.monotonic()
            if left <= 0:
                break
            job = client.await_job(pushed.id, min(left, AWAIT_SECONDS), heartbeat)
            record.seconds = clock.monotonic() - started
            if job is not None:
                record.status, record.outputs = job.status, len(job.outputs)
                if job.ended:
                    record.error = _excerpt(job.error)
                    break
            # Sieve answers early only when its own wait ran out (or a proxy cut it short):
            # pause as between status reads, and stop here if the step is cancelled.
            clock.sleep(min(poll_interval, max(0.0, deadline - clock.monotonic())))
    except Cancelled:
        # The step's own thread stops every job at once (settle), within its grace.
        record.seconds = clock.monotonic() - started
        raise
    except SieveError:
        # The step gives up on the job (Sieve failing): so does Sieve.
        record.seconds = clock.monotonic() - started
        stop_job(client, target, record, log)
        raise
    record.seconds = clock.monotonic() - started
    if record.passed:
        log(f"{target.label}: smoke test job {pushed.id} finished in {record.seconds:.1f} s")
        return None
    where = f"`{target.label}`: the smoke test job {pushed.id} of version {version_id}"
    if record.running:
        last = record.status
        stop_job(client, target, record, log)
        return (
            f"{where} did not finish within smoke-test-timeout ({timeout:g} s; last status "
            f"`{last}`), {record.stopped()}: look at the job's logs on Sieve, or raise "
            "smoke-test-timeout"
        )
    said = f": {record.error}" if record.error else ""
    return (
        f"{where} ended `{record.status}` after {record.seconds:.1f} s{said}; look at the "
        "job's logs on Sieve"
    )


def stop_job(
    client: SieveClient, target: Target, record: SmokeTest, log: Callable[[str], None]
) -> None:
    """Cancel the job, once, in the little time the step has; record what Sieve said."""
    with record.lock:
        if record.job_id is not None and record.running and record.stop is None:
            _stop(client, target, record, record.job_id, log)


def _stop(
    client: SieveClient,
    target: Target,
    record: SmokeTest,
    job_id: str,
    log: Callable[[str], None],
) -> None:
    try:
        if client.cancel_job(job_id, CANCEL_SECONDS):
            record.status, record.stop = "cancelled", "cancelled"
            log(f"{target.label}: smoke test job {job_id} cancelled")
            return
    except SieveError as error:
        record.stop = "failed"
        log(f"{target.label}: could not cancel smoke test job {job_id}: {error}")
        return
    # Sieve refused the cancel: the job had ended. Read how, if Sieve says in time.
    record.stop = "ended"
    try:
        job = client.get_job(job_id, READ_SECONDS)
    except SieveError as error:
        log(f"{target.label}: smoke test job {job_id} had already ended ({error})")
        return
    record.status, record.outputs = job.status, len(job.outputs)
    record.error = _excerpt(job.error)
    log(f"{target.label}: smoke test job {job_id} had already ended `{job.status}`")


def settle(
    client: SieveClient, target: Target, record: SmokeTest, log: Callable[[str], None]
) -> None:
    """On a cancelled step: wait briefly for a push still in flight, then stop its job."""
    if record.pushing:
        record.settled.wait(PUSH_GRACE_SECONDS)
    stop_job(client, target, record, log)


def _excerpt(text: str | None) -> str | None:
    if not text:
        return None
    line = " ".join(text.split())
    return line if len(line) <= ERROR_EXCERPT else line[: ERROR_EXCERPT - 1] + "…"
