"""Scaling targets: read, plan, edit, wait, for one target or a fleet of them.

Each target's progress is kept in a :class:`TargetRun` that is filled in as the work
goes, so whatever ends the step (success, a failure, a timeout or a cancel) the report
is written from what is known at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .client import SieveClient, SieveError
from .inputs import Inputs, Target
from .models import BUILD_STATUSES, Version
from .plan import BoundsConflict, Plan, bound, plan_edit
from .retire import Retired, retire_previous
from .smoke import SmokeTest, cancel_job, smoke_test
from .waiting import Cancelled, Clock, Ending, wait_for

Outcome = Literal["pending", "ok", "build-error", "timeout", "failed", "cancelled"]
#: What a target is doing, for messages about where it stopped.
Phase = Literal["reading", "editing", "waiting", "smoke-testing", "cooling down"]

#: Exit codes, the same for the action and the CLI (a signal N exits with 128+N).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_TIMEOUT = 3


@dataclass
class TargetRun:
    """What is known about one target so far."""

    target: Target
    before: Version | None = None
    current: Version | None = None
    #: The bounds differ from what was asked, so an edit is (or in a dry run, would be) due.
    edit_due: bool = False
    #: Sieve accepted the edit (in a dry run: one would be sent).
    changed: bool = False
    min_after: int | None = None
    max_after: int | None = None
    waited: float | None = None
    outcome: Outcome = "pending"
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    phase: Phase = "reading"
    wait_started: float | None = None
    #: The smoke test, when one was asked for (run or not).
    smoke: SmokeTest | None = None
    #: Whether cooling down earlier versions was asked for.
    retire: bool = False
    #: Earlier versions cooled down (or that would be, in a dry run), in order.
    retired: list[Retired] = field(default_factory=list)
    #: Why earlier versions were left as they were, when cooling down was asked.
    retire_skipped: str | None = None

    def end_wait(self, now: float) -> None:
        """Record how long the step waited, however the wait ended."""
        if self.wait_started is not None and self.waited is None:
            self.waited = now - self.wait_started

    @property
    def version_id(self) -> str | None:
        version = self.current or self.before
        return version.id if version else None

    @property
    def failed(self) -> bool:
        return self.outcome in {"failed", "build-error", "timeout", "cancelled"}


def scale(
    client: SieveClient,
    run: TargetRun,
    inputs: Inputs,
    clock: Clock,
    log: Callable[[str], None] = lambda _: None,
) -> None:
    """Run one target to its end (read, edit, wait, smoke test, cool down the versions it
    replaces), recording everything in ``run``; never raises for failures at Sieve,
    which are recorded as the outcome instead."""
    run.retire = inputs.retire_previous
    if inputs.smoke_test is not None:
        run.smoke = SmokeTest()
    try:
        plan = _set_bounds(client, run, inputs, clock, log)
        if run.outcome == "pending" and inputs.waits and not inputs.dry_run:
            _wait(client, run, inputs, plan, clock, log)
        if run.outcome == "pending":
            run.outcome = "ok"
        ready = run.current is not None and run.current.build_status == "ready"
        if inputs.smoke_test is not None and not inputs.dry_run and run.outcome == "ok":
            if ready:
                _smoke(client, run, inputs, clock, log)
            else:
                run.outcome, run.error = "failed", _not_ready(run, "its smoke test")
        if inputs.retire_previous:
            if run.outcome == "ok" and (ready or inputs.dry_run):
                run.phase = "cooling down"
                assert run.version_id is not None
                retire_previous(
                    client,
                    run.target,
                    run.version_id,
                    dry_run=inputs.dry_run,
                    retired=run.retired,
                    log=log,
                    warn=run.warnings.append,
                )
            else:
                run.retire_skipped = run.error or _not_ready(run, "cooling down")
    except (SieveError, BoundsConflict) as error:
        run.outcome, run.error = "failed", str(error)
        run.end_wait(clock.monotonic())
    except Cancelled:
        run.outcome, run.error = "cancelled", f"cancelled while {run.phase}"
        run.end_wait(clock.monotonic())
    if inputs.retire_previous and run.failed and not run.retire_skipped:
        run.retire_skipped = run.error


def _set_bounds(
    client: SieveClient,
    run: TargetRun,
    inputs: Inputs,
    clock: Clock,
    log: Callable[[str], None],
) -> Plan:
    """Read the version and send the edit its bounds need (none in a dry run)."""
    target = run.target
    run.before = run.current = client.get_version(target.owner, target.function, target.version)
    log(
        f"{target.label}: found version {run.before.id} ({run.before.build_status}), "
        f"replicas {run.before.minimum_replicas}..{bound(run.before.maximum_replicas)}"
    )
    plan = plan_edit(target, run.before)
    run.edit_due, run.min_after, run.max_after = plan.changes, plan.min_replicas, plan.max_replicas
    run.changed = plan.changes and inputs.dry_run
    # Everything after the read addresses the resolved ID, never `latest`: another
    # deploy may land while this step runs.
    version_id = run.before.id
    if plan.edit is not None and not inputs.dry_run:
        run.phase = "editing"
        clock.sleep(0)  # a cancelled step sends no edit
        log(f"{target.label}: sending {plan.edit.body()}")
        run.current = client.edit_version(target.owner, target.function, version_id, plan.edit)
        run.changed = True
        unmet = plan.unmet(run.current)
        if unmet is not None:
            # Sieve said yes but shows other bounds: the version may cost what the step
            # meant to stop, so this is a failure, not a note.
            run.outcome, run.error = (
                "failed",
                f"`{target.label}`: Sieve accepted the edit of version {run.current.id} but "
                f"answered {unmet}; check the version's replicas on Sieve",
            )
    elif plan.edit is not None:
        log(f"{target.label}: dry run, would send {plan.edit.body()}")
    else:
        bounds = f"{plan.min_replicas}..{bound(plan.max_replicas)}"
        log(f"{target.label}: replicas already {bounds}, nothing to change")
    status = run.before.build_status
    if status not in BUILD_STATUSES and not inputs.waits:
        run.warnings.append(
            f"`{target.label}`: Sieve reported an unknown build status {status!r} "
            f"for version {version_id}; reported as it is"
        )
    return plan


def _wait(
    client: SieveClient,
    run: TargetRun,
    inputs: Inputs,
    plan: Plan,
    clock: Clock,
    log: Callable[[str], None],
) -> None:
    target, current = run.target, run.current
    assert current is not None
    run.phase = "waiting"
    run.wait_started = clock.monotonic()
    version_id = current.id
    goal = "the build" if inputs.wait_for == "build" else _warm(plan.min_replicas)
    log(
        f"{target.label}: waiting for {goal} of {version_id} (now {current.build_status}; "
        f"every {inputs.poll_interval:g} s, at most {inputs.wait_timeout:g} s)"
    )

    def seen(version: Version) -> None:
        if run.current is None or run.current.build_status != version.build_status:
            log(f"{target.label}: build {version.build_status}")
        run.current = version

    result = wait_for(
        lambda: client.get_version(target.owner, target.function, version_id),
        current,
        goal=inputs.wait_for,
        min_replicas=plan.min_replicas,
        timeout=inputs.wait_timeout,
        interval=inputs.poll_interval,
        clock=clock,
        on_read=seen,
        warn=run.warnings.append,
    )
    run.current, run.waited = result.version, result.waited
    ending = _ending(run, result.ending, inputs)
    if ending != "ok":  # else not over: a smoke test or a cool-down may follow
        run.outcome = ending


def _smoke(
    client: SieveClient,
    run: TargetRun,
    inputs: Inputs,
    clock: Clock,
    log: Callable[[str], None],
) -> None:
    assert inputs.smoke_test is not None and run.version_id is not None
    assert run.smoke is not None
    run.phase = "smoke-testing"
    failure = smoke_test(
        client,
        run.target,
        run.version_id,
        inputs.smoke_test,
        timeout=inputs.smoke_test_timeout,
        poll_interval=inputs.poll_interval,
        clock=clock,
        record=run.smoke,
        log=log,
    )
    if failure is not None:
        run.outcome, run.error = "failed", failure


def _warm(count: int) -> str:
    return f"{count} warm replica{'' if count == 1 else 's'}"


def _not_ready(run: TargetRun, what: str) -> str:
    status = run.current.build_status if run.current else "unknown"
    return (
        f"`{run.target.label}`: version {run.version_id} is `{status}`, not ready, "
        f"so {what} did not run"
    )


def _ending(run: TargetRun, ending: Ending, inputs: Inputs) -> Outcome:
    version = run.current
    assert version is not None
    if ending == "ready":
        return "ok"
    if ending == "error":
        message = f"`{run.target.label}`: the build of version {version.id} ended in `error`"
        if inputs.fail_on_error:
            run.error = message
            return "build-error"
        run.warnings.append(message + " (not failing: fail-on-error is false)")
        return "ok"
    waited = run.waited or 0.0
    what = "its build to finish" if inputs.wait_for == "build" else _warm(run.min_after or 0)
    last = f"last status `{version.build_status}`"
    if inputs.wait_for == "replicas":
        warm = version.current_workers.warm if version.current_workers else 0
        last += f", {warm} warm (idle + active)"
    run.error = (
        f"`{run.target.label}`: waited {waited:.0f} s (wait-timeout) for {what} "
        f"of version {version.id}; {last}"
    )
    return "timeout"


def scale_all(
    client: SieveClient,
    targets: Sequence[Target],
    inputs: Inputs,
    clock: Clock,
    log: Callable[[str], None] = lambda _: None,
    runs: list[TargetRun] | None = None,
) -> list[TargetRun]:
    """Scale every target, at most ``inputs.concurrency`` at a time, on one client.

    One target's failure does not stop the others. ``runs``, when given, is filled in
    place so a caller on another thread can report progress on cancel.
    """
    runs = runs if runs is not None else []
    runs.extend(TargetRun(target) for target in targets)
    if len(runs) == 1:
        scale(client, runs[0], inputs, clock, log)
        return runs
    from concurrent.futures import ThreadPoolExecutor  # only fleets pay for the import

    pool = ThreadPoolExecutor(
        max_workers=min(inputs.concurrency, len(runs)), thread_name_prefix="target"
    )
    try:
        for future in [pool.submit(scale, client, run, inputs, clock, log) for run in runs]:
            future.result()
    finally:
        # On cancel, do not wait for targets still running: the report is due now.
        pool.shutdown(wait=False, cancel_futures=True)
    return runs


def stop_smoke_tests(
    client: SieveClient, runs: Sequence[TargetRun], log: Callable[[str], None]
) -> None:
    """Cancel every smoke test job still running, at once (the step is being cancelled)."""
    running = [run.smoke for run in runs if run.smoke is not None and run.smoke.running]
    if not running:
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(running)) as pool:
        for record in running:
            pool.submit(cancel_job, client, record, log)


def exit_code(runs: Sequence[TargetRun]) -> int:
    """1 for any failure at Sieve or in a build (or for no target at all: a step that
    got nowhere has not succeeded), else 3 for a timeout, else 0."""
    if not runs:
        return EXIT_FAILED
    outcomes = {run.outcome for run in runs}
    if outcomes & {"failed", "build-error", "cancelled"}:
        return EXIT_FAILED
    if "timeout" in outcomes:
        return EXIT_TIMEOUT
    return EXIT_OK
