"""The smoke test: jobs pushed to the exact version just made ready, awaited, judged.

``smoke-test`` is one job's inputs (an object), or an array of cases, each one job with
its own inputs, an optional ``expect`` (what its outputs must hold, see
:mod:`.expect`) and ``max-seconds`` (a latency budget). Every job goes to
``owner/name:VERSION_ID`` (the resolved ID, never ``latest``: another deploy may land
meanwhile), one case after another, all within ``smoke-test-timeout``. Each is awaited
with Sieve's long poll, call after call; Sieve's 10-minute limit is one call, not the
test's. A job that does not end in time, or a step cancelled meanwhile, has its job
cancelled: nothing keeps running on Sieve for a step that has given up on it. What a
record says is what Sieve said: ``cancelled`` only when Sieve cancelled it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..api.client import SieveClient
from ..api.models import JOB_ENDINGS, PushRequest
from ..contract.smoke_cases import NO_EXPECT, SmokeCase, SmokeCases
from ..contract.targets import Target
from ..errors import Cancelled, SieveError
from .expect import mismatch
from .grace import CANCEL_SECONDS, PUSH_GRACE_SECONDS, READ_SECONDS
from .waiting import Clock

#: One long poll at most this long: Sieve's own await gives up after 10 minutes.
AWAIT_SECONDS = 600.0
#: How much of a job's error the log and summary show.
ERROR_EXCERPT = 300

#: How giving up on a job went: Sieve cancelled it; it had already ended; or the
#: cancel failed, so it may still be running.
Stop = Literal["cancelled", "ended", "failed"]


@dataclass
class SmokeTest:
    """What is known about one case's job so far."""

    case: SmokeCase
    job_id: str | None = None
    status: str | None = None
    #: The last status Sieve reported while the job was awaited (before any cancel).
    seen: str | None = None
    #: From the push to the moment the job was seen ending (or the test gave up).
    seconds: float | None = None
    #: The job's own error, scrubbed, cut to :data:`ERROR_EXCERPT` characters.
    error: str | None = None
    outputs: int = 0
    #: Where the outputs first differ from ``expect`` (values cut short), if they do.
    mismatch: str | None = None
    #: The job finished, but after ``max-seconds``.
    slow: bool = False
    #: What the job cost, in dollars, when Sieve says.
    cost: float | None = None
    #: How the step's attempt to stop the job went, if it made one.
    stop: Stop | None = None
    #: Set once the push has an answer, or failed: a cancelled step waits for it.
    settled: threading.Event = field(default_factory=threading.Event, repr=False)
    pushing: bool = False
    #: One stop at a time: the target's thread and a cancelled step's may both try.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def passed(self) -> bool:
        return self.status == "finished" and self.mismatch is None and not self.slow

    @property
    def running(self) -> bool:
        return self.job_id is not None and self.status not in JOB_ENDINGS

    def verdict(self) -> str:
        """``passed``, ``failed``, or ``not run``."""
        if self.job_id is None:
            return "not run"
        return "passed" if self.passed else "failed"

    def why(self) -> str | None:
        """Why the case failed, in words, or None."""
        if self.passed or self.job_id is None:
            return None
        if self.status == "finished" and self.mismatch is not None:
            return f"its outputs do not match `expect`: {self.mismatch}"
        if self.status == "finished" and self.slow:
            return (
                f"it finished in {self.seconds or 0:.1f} s, over its max-seconds "
                f"({self.case.max_seconds:g} s)"
            )
        said = f": {self.error}" if self.error else ""
        if self.running or (self.stop is not None and self.stop != "ended"):
            return f"it did not finish (last status `{self.seen}`), {self.stopped()}"
        return f"it ended `{self.status}`{said}"

    def stopped(self) -> str:
        """What became of a job the step gave up on, in words, for messages."""
        if self.stop == "cancelled":
            return "so it was cancelled"
        if self.stop == "ended":
            return f"it had already ended (`{self.status}`) when the step cancelled it"
        return f"and it could not be cancelled: check job {self.job_id} on Sieve"


@dataclass
class SmokeRecord:
    """A target's smoke test: the plan and one record per case, in order."""

    plan: SmokeCases
    cases: list[SmokeTest] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.cases:
            self.cases = [SmokeTest(case) for case in self.plan.cases]

    @property
    def ran(self) -> bool:
        return any(test.job_id is not None for test in self.cases)

    @property
    def passed(self) -> bool:
        return all(test.passed for test in self.cases)

    @property
    def status(self) -> str | None:
        """One object: how its job ended. An array: ``passed`` or ``failed``."""
        if not self.ran:
            return None
        if not self.plan.listed:
            return self.cases[0].status
        return "passed" if self.passed else "failed"

    @property
    def seconds(self) -> float | None:
        spent = [test.seconds for test in self.cases if test.seconds is not None]
        return sum(spent) if spent else None

    @property
    def cost(self) -> float | None:
        costs = [test.cost for test in self.cases if test.cost is not None]
        return sum(costs) if costs else None


def smoke_test(
    client: SieveClient,
    target: Target,
    version_id: str,
    record: SmokeRecord,
    *,
    timeout: float,
    poll_interval: float,
    clock: Clock,
    log: Callable[[str], None] = lambda _: None,
    warn: Callable[[str], None] = lambda _: None,
) -> str | None:
    """Run every case, filling ``record`` as it goes; the failure in one line, or None
    when every case passed. Raises :class:`Cancelled` when the step is cancelled, and
    SieveError when Sieve fails, after trying to cancel the job of the case running."""
    function = f"{target.owner}/{target.function}:{version_id}"
    deadline = clock.monotonic() + timeout
    listed = record.plan.listed
    for test in record.cases:
        left = deadline - clock.monotonic()
        if left <= 0:
            break  # the cases left did not run: the time is up
        _run_case(client, target, function, test, left, poll_interval, clock, log)
        if listed:
            log(f"{target.label}: smoke test case {test.case.name!r}: {test.verdict()}"
                + (f", {test.why()}" if test.why() else ""))  # fmt: skip
    _costs(client, target, record, warn)
    if record.passed:
        return None
    where = f"`{target.label}`: the smoke test of version {version_id}"
    if not listed:
        test = record.cases[0]
        job = f"`{target.label}`: the smoke test job {test.job_id} of version {version_id}"
        if test.running or test.stop in {"cancelled", "failed"}:
            return (
                f"{job} did not finish within smoke-test-timeout ({timeout:g} s; last status "
                f"`{test.seen}`), {test.stopped()}: look at the job's logs on Sieve, or raise "
                "smoke-test-timeout"
            )
        said = f": {test.error}" if test.error else ""
        if test.status == "finished":
            return f"{job} finished, but {test.why()}"
        return (
            f"{job} ended `{test.status}` after {test.seconds or 0:.1f} s{said}; look at the "
            "job's logs on Sieve"
        )
    failed = [test for test in record.cases if not test.passed]
    first = failed[0]
    if first.job_id is None:
        reason = f"case {first.case.name!r} did not run: smoke-test-timeout ({timeout:g} s) ran out"
    else:
        reason = f"case {first.case.name!r} (job {first.job_id}) failed: {first.why()}"
    return f"{where} failed {len(failed)} of {len(record.cases)} cases; {reason}"


def _run_case(
    client: SieveClient,
    target: Target,
    function: str,
    test: SmokeTest,
    seconds: float,
    poll_interval: float,
    clock: Clock,
    log: Callable[[str], None],
) -> None:
    """One case: push its job, await it within ``seconds``, judge what it answered."""
    started = clock.monotonic()
    deadline = started + seconds
    test.pushing = True
    try:
        pushed = client.push_job(PushRequest(function=function, inputs=test.case.inputs))
        test.job_id, test.status = pushed.id, pushed.status
        test.seen = pushed.status
    finally:
        test.pushing = False
        test.settled.set()
    log(f"{target.label}: smoke test job {pushed.id} pushed to {function}")

    def heartbeat(_held: float) -> None:
        so_far = clock.monotonic() - started
        log(f"{target.label}: smoke test job {pushed.id} {test.status}; "
            f"{so_far:.0f} s of {seconds:.0f}")  # fmt: skip

    try:
        while True:
            left = deadline - clock.monotonic()
            if left <= 0:
                break
            job = client.await_job(pushed.id, min(left, AWAIT_SECONDS), heartbeat)
            test.seconds = clock.monotonic() - started
            if job is not None:
                test.status, test.outputs = job.status, len(job.outputs)
                test.seen = job.status
                if job.ended:
                    test.error = _excerpt(job.error)
                    if job.status == "finished" and test.case.expect is not NO_EXPECT:
                        test.mismatch = mismatch(test.case.expect, job.outputs)
                    break
            # Sieve answers early only when its own wait ran out (or a proxy cut it short):
            # pause as between status reads, and stop here if the step is cancelled.
            clock.sleep(min(poll_interval, max(0.0, deadline - clock.monotonic())))
    except Cancelled:
        # The step's own thread stops every job at once (settle), within its grace.
        test.seconds = clock.monotonic() - started
        raise
    except SieveError:
        # The step gives up on the job (Sieve failing): so does Sieve.
        test.seconds = clock.monotonic() - started
        stop_job(client, target, test, log)
        raise
    test.seconds = clock.monotonic() - started
    if test.running:
        stop_job(client, target, test, log)
        return
    limit = test.case.max_seconds
    test.slow = test.status == "finished" and limit is not None and test.seconds > limit
    if test.status == "finished":
        log(f"{target.label}: smoke test job {pushed.id} finished in {test.seconds:.1f} s")


def _costs(
    client: SieveClient, target: Target, record: SmokeRecord, warn: Callable[[str], None]
) -> None:
    """Each job's cost, where Sieve says; never a reason to fail the step."""
    for test in record.cases:
        if test.job_id is None:
            continue
        try:
            test.cost = client.job_cost(test.job_id)
        except SieveError as error:
            warn(f"`{target.label}`: what the smoke test cost is not shown: {error}")
            return


def stop_job(
    client: SieveClient, target: Target, test: SmokeTest, log: Callable[[str], None]
) -> None:
    """Cancel the job, once, in the little time the step has; record what Sieve said."""
    with test.lock:
        if test.job_id is not None and test.running and test.stop is None:
            _stop(client, target, test, test.job_id, log)


def _stop(
    client: SieveClient,
    target: Target,
    test: SmokeTest,
    job_id: str,
    log: Callable[[str], None],
) -> None:
    try:
        if client.cancel_job(job_id, CANCEL_SECONDS):
            test.status, test.stop = "cancelled", "cancelled"
            log(f"{target.label}: smoke test job {job_id} cancelled")
            return
    except SieveError as error:
        test.stop = "failed"
        log(f"{target.label}: could not cancel smoke test job {job_id}: {error}")
        return
    # Sieve refused the cancel: the job had ended. Read how, if Sieve says in time.
    test.stop = "ended"
    try:
        job = client.get_job(job_id, READ_SECONDS)
    except SieveError as error:
        log(f"{target.label}: smoke test job {job_id} had already ended ({error})")
        return
    test.status, test.outputs = job.status, len(job.outputs)
    test.error = _excerpt(job.error)
    log(f"{target.label}: smoke test job {job_id} had already ended `{job.status}`")


def settle(
    client: SieveClient, target: Target, record: SmokeRecord, log: Callable[[str], None]
) -> None:
    """On a cancelled step: wait briefly for a push still in flight, then stop its job."""
    for test in record.cases:
        if test.pushing:
            test.settled.wait(PUSH_GRACE_SECONDS)
        stop_job(client, target, test, log)


def _excerpt(text: str | None) -> str | None:
    if not text:
        return None
    line = " ".join(text.split())
    return line if len(line) <= ERROR_EXCERPT else line[: ERROR_EXCERPT - 1] + "…"
