"""The smoke test: one job pushed to the exact version just made ready, awaited, judged.

The job goes to ``owner/name:VERSION_ID`` (the resolved ID, never ``latest``: another
deploy may land meanwhile). It is awaited with Sieve's long poll, call after call, until
it ends or ``smoke-test-timeout`` passes; Sieve's 10-minute limit is one call, not the
test's. A job that does not end in time, or a step cancelled meanwhile, has its job
cancelled: nothing keeps running on Sieve for a step that has given up on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .client import SieveClient, SieveError
from .inputs import Target
from .models import PushRequest
from .waiting import Cancelled, Clock

#: One long poll at most this long: Sieve's own await gives up after 10 minutes.
AWAIT_SECONDS = 600.0
#: A cancel has to fit in the little time a cancelled step has left.
CANCEL_SECONDS = 5.0
#: How much of a job's error the log and summary show.
ERROR_EXCERPT = 300


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

    @property
    def passed(self) -> bool:
        return self.status == "finished"

    @property
    def running(self) -> bool:
        return self.job_id is not None and self.status not in {"finished", "error", "cancelled"}


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
    and SieveError when Sieve fails, after cancelling the job."""
    function = f"{target.owner}/{target.function}:{version_id}"
    started = clock.monotonic()
    deadline = started + timeout
    pushed = client.push_job(PushRequest(function=function, inputs=job_inputs))
    record.job_id, record.status = pushed.id, pushed.status
    log(f"{target.label}: smoke test job {pushed.id} pushed to {function}")
    try:
        while True:
            left = deadline - clock.monotonic()
            if left <= 0:
                break
            job = client.await_job(pushed.id, min(left, AWAIT_SECONDS))
            record.seconds = clock.monotonic() - started
            if job is not None:
                record.status, record.outputs = job.status, len(job.outputs)
                if job.ended:
                    record.error = _excerpt(job.error)
                    break
            # Sieve answers early only when its own wait ran out (or a proxy cut it short):
            # pause as between status reads, and stop here if the step is cancelled.
            clock.sleep(min(poll_interval, max(0.0, deadline - clock.monotonic())))
    except (Cancelled, SieveError):
        # The step gives up on the job (cancelled, or Sieve failing): so does Sieve.
        record.seconds = clock.monotonic() - started
        cancel_job(client, record, log)
        raise
    record.seconds = clock.monotonic() - started
    if record.passed:
        log(f"{target.label}: smoke test job {pushed.id} finished in {record.seconds:.1f} s")
        return None
    where = f"`{target.label}`: the smoke test job {pushed.id} of version {version_id}"
    if record.running:
        last = record.status
        cancel_job(client, record, log)
        return (
            f"{where} did not finish within smoke-test-timeout ({timeout:g} s; last status "
            f"`{last}`), so it was cancelled: look at the job's logs on Sieve, or raise "
            "smoke-test-timeout"
        )
    said = f": {record.error}" if record.error else ""
    return (
        f"{where} ended `{record.status}` after {record.seconds:.1f} s{said}; look at the "
        "job's logs on Sieve"
    )


def cancel_job(client: SieveClient, record: SmokeTest, log: Callable[[str], None]) -> None:
    """Cancel the job, best effort: the step is ending either way."""
    if record.job_id is None or not record.running:
        return
    try:
        client.cancel_job(record.job_id, CANCEL_SECONDS)
    except SieveError as error:
        log(f"could not cancel smoke test job {record.job_id}: {error}")
        return
    record.status = "cancelled"
    log(f"smoke test job {record.job_id} cancelled")


def _excerpt(text: str | None) -> str | None:
    if not text:
        return None
    line = " ".join(text.split())
    return line if len(line) <= ERROR_EXCERPT else line[: ERROR_EXCERPT - 1] + "…"
