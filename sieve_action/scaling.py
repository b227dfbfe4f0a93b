"""Scaling targets: read, plan, edit, wait, smoke-test, retire the versions replaced.

Targets run on ``concurrency`` threads, each recording everything in its
:class:`~sieve_action.record.TargetRun` as it goes, so whatever ends the step the report
is written from what is known at that moment. The lines naming one function are read
together first, and two that name one version are refused before any edit. A target that
fails after its bounds were raised gets them set back (:func:`restore_bounds`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from .client import SieveClient
from .errors import BoundsConflict, Cancelled, SieveError
from .inputs import Inputs
from .models import BUILD_STATUSES, EditFunctionVersionRequest, Version
from .plan import Plan, bound, plan_edit
from .record import TargetRun
from .retire import retire_previous
from .smoke import SmokeRecord, settle, smoke_test
from .waiting import Clock, Ending, goal_met, progress, reached, wait_for, warm_replicas


@dataclass(frozen=True)
class Context:
    """What every target's work shares: Sieve, the inputs, time, and the log."""

    client: SieveClient
    inputs: Inputs
    clock: Clock
    log: Callable[[str], None]
    #: Told of an unexpected error (a bug), to show it with its traceback.
    bug: Callable[[BaseException], object] = lambda _: None


def read(ctx: Context, run: TargetRun) -> None:
    """Resolve the target's version (``latest`` or a prefix to an ID)."""
    target = run.target
    run.retire = ctx.inputs.retire_previous
    run.restore = ctx.inputs.restore_on_failure
    if ctx.inputs.smoke_test is not None:
        run.smoke = SmokeRecord(ctx.inputs.smoke_test)
    with _recorded(ctx, run):
        run.before = run.current = ctx.client.get_version(
            target.owner, target.function, target.version
        )
        ctx.log(
            f"{target.label}: found version {run.before.id} ({run.before.build_status}), "
            f"replicas {run.before.minimum_replicas}..{bound(run.before.maximum_replicas)}"
        )


def carry_on(ctx: Context, run: TargetRun) -> None:
    """Everything after the read: edit, wait, smoke test, retire; then the outcome."""
    if run.failed or run.before is None:
        return
    inputs = ctx.inputs
    with _recorded(ctx, run):
        plan = _set_bounds(ctx, run)
        if not run.failed and inputs.waits and not inputs.dry_run:
            _wait(ctx, run, plan)
        ready = run.current is not None and run.current.build_status == "ready"
        if run.smoke is not None and not inputs.dry_run and not run.failed:
            if ready:
                _smoke(ctx, run)
            else:
                run.fail(_not_ready(run, "its smoke test"))
        if run.retire and not run.failed:
            if ready or inputs.dry_run:
                run.phase = "retiring"
                assert run.version_id is not None
                retire_previous(
                    ctx.client,
                    run.target,
                    run.version_id,
                    dry_run=inputs.dry_run,
                    retired=run.retired,
                    log=ctx.log,
                    warn=run.warnings.append,
                )
                run.retire_done = True
            else:
                run.retire_skipped = _not_ready(run, "retiring earlier versions")
        run.finish()
    if run.retire and run.failed and not run.retire_done and not run.retire_skipped:
        run.retire_skipped = run.error
    if run.failed:
        restore_bounds(ctx, run)
    elif inputs.dry_run and run.restore and inputs.waits:
        _would_restore(run)


class _recorded:
    """Failures of a phase become the run's outcome: Sieve's and bounds conflicts as
    ``failed``, a cancel as ``cancelled``, anything else as a bug that fails the target
    (with its traceback shown once). Only a cancel goes on up."""

    def __init__(self, ctx: Context, run: TargetRun) -> None:
        self.ctx, self.run = ctx, run

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: object
    ) -> bool:
        run, now = self.run, self.ctx.clock.monotonic()
        if error is None:
            return False
        if isinstance(error, SieveError | BoundsConflict):
            run.fail(str(error))
            run.end_wait(now)
            return True
        if isinstance(error, Cancelled):
            run.cancel(now)
            return False
        if isinstance(error, Exception):
            self.ctx.bug(error)
            run.fail(f"`{run.target.label}`: unexpected {type(error).__name__} while {run.phase}")
            run.end_wait(now)
            return True
        return False


def _set_bounds(ctx: Context, run: TargetRun) -> Plan:
    """Plan the bounds and send the edit they need (none in a dry run)."""
    target, before, inputs = run.target, run.before, ctx.inputs
    assert before is not None
    plan = plan_edit(target, before)
    run.edit_due, run.min_after, run.max_after = plan.changes, plan.min_replicas, plan.max_replicas
    run.changed = plan.changes and inputs.dry_run
    # Everything after the read addresses the resolved ID, never `latest`: another
    # deploy may land while this step runs.
    if plan.edit is not None and not inputs.dry_run:
        run.phase = "editing"
        ctx.clock.sleep(0)  # a cancelled step sends no edit
        ctx.log(f"{target.label}: sending {plan.edit.body()}")
        run.current = ctx.client.edit_version(target.owner, target.function, before.id, plan.edit)
        run.changed = True
        unmet = plan.unmet(run.current)
        if unmet is not None:
            # Sieve said yes but shows other bounds: the version may cost what the step
            # meant to stop, so this is a failure, not a note.
            run.fail(
                f"`{target.label}`: Sieve accepted the edit of version {run.current.id} but "
                f"answered {unmet}; check the version's replicas on Sieve"
            )
    elif plan.edit is not None:
        ctx.log(f"{target.label}: dry run, would send {plan.edit.body()}")
    else:
        bounds = f"{plan.min_replicas}..{bound(plan.max_replicas)}"
        ctx.log(f"{target.label}: replicas already {bounds}, nothing to change")
    status = before.build_status
    if status not in BUILD_STATUSES and not inputs.waits:
        run.warnings.append(
            f"`{target.label}`: Sieve reported an unknown build status {status!r} "
            f"for version {before.id}; reported as it is"
        )
    return plan


def _wait(ctx: Context, run: TargetRun, plan: Plan) -> None:
    target, current, inputs = run.target, run.current, ctx.inputs
    assert current is not None
    run.phase = "waiting"
    run.wait_started = ctx.clock.monotonic()
    version_id = current.id
    if goal_met(current, inputs.wait_for, plan.min_replicas):
        run.waited, run.reached = 0.0, reached(inputs.wait_for, plan.min_replicas)
        ctx.log(f"{target.label}: {run.reached} already")
        return
    goal = "the build" if inputs.wait_for == "build" else warm_replicas(plan.min_replicas)
    now = progress(current, inputs.wait_for, plan.min_replicas)
    ctx.log(
        f"{target.label}: waiting for {goal} of {version_id} ({now}; "
        f"every {inputs.poll_interval:g} s, at most {inputs.wait_timeout:g} s)"
    )

    def seen(version: Version) -> None:
        run.current = version

    result = wait_for(
        lambda: ctx.client.get_version(target.owner, target.function, version_id),
        current,
        goal=inputs.wait_for,
        min_replicas=plan.min_replicas,
        timeout=inputs.wait_timeout,
        interval=inputs.poll_interval,
        clock=ctx.clock,
        on_read=seen,
        say=lambda line: ctx.log(f"{target.label}: {line}"),
        warn=run.warnings.append,
    )
    run.current, run.waited = result.version, result.waited
    _ending(ctx, run, result.ending, plan)


def _ending(ctx: Context, run: TargetRun, ending: Ending, plan: Plan) -> None:
    """Record how the wait ended; only a wait that ran out or a failed build fail."""
    version, inputs, label = run.current, ctx.inputs, run.target.label
    assert version is not None
    if ending == "ready":
        run.reached = reached(inputs.wait_for, plan.min_replicas)
        ctx.log(f"{label}: {run.reached} after {run.waited or 0:.1f} s")
        return
    if ending == "error":
        message = f"`{label}`: the build of version {version.id} ended in `error`"
        ctx.log(f"{label}: build error")
        if inputs.fail_on_error:
            run.fail(message, "build-error")
        else:
            run.warnings.append(message + " (not failing: fail-on-error is false)")
        return
    waited = run.waited or 0.0
    what = (
        "its build to finish" if inputs.wait_for == "build" else warm_replicas(run.min_after or 0)
    )
    last = f"last status `{version.build_status}`"
    if inputs.wait_for == "replicas":
        warm = version.current_workers.warm if version.current_workers else 0
        last += f", {warm} warm (idle + active)"
    run.fail(
        f"`{label}`: waited {waited:.0f} s (wait-timeout) for {what} "
        f"of version {version.id}; {last}",
        "timeout",
    )


def _smoke(ctx: Context, run: TargetRun) -> None:
    inputs = ctx.inputs
    assert inputs.smoke_test is not None and run.version_id is not None
    assert run.smoke is not None
    run.phase = "smoke-testing"
    failure = smoke_test(
        ctx.client,
        run.target,
        run.version_id,
        run.smoke,
        timeout=inputs.smoke_test_timeout,
        poll_interval=inputs.poll_interval,
        clock=ctx.clock,
        log=ctx.log,
        warn=run.warnings.append,
    )
    if failure is not None:
        run.fail(failure)


def _not_ready(run: TargetRun, what: str) -> str:
    status = run.current.build_status if run.current else "unknown"
    return (
        f"`{run.target.label}`: version {run.version_id} is `{status}`, not ready, "
        f"so {what} did not run"
    )


def refuse_duplicates(runs: Sequence[TargetRun]) -> None:
    """Two lines that Sieve resolved to one version (a prefix and ``latest``, or names
    in another case) would race: both fail, naming both lines, before any edit."""
    first: dict[str, TargetRun] = {}
    for run in runs:
        if run.before is None:
            continue
        other = first.setdefault(run.before.id, run)
        if other is run:
            continue
        for one in (other, run):
            one.fail(
                f"`targets` lines {other.target.line} ({other.target.label}) and "
                f"{run.target.line} ({run.target.label}) both name version "
                f"{run.before.id}: give each function version once (two edits of one "
                "version would race); nothing was changed for either"
            )


def scale_fleet(ctx: Context, runs: Sequence[TargetRun]) -> None:
    """Scale every target on ``concurrency`` threads; one target's failure does not stop
    the others.

    The lines naming one function (Sieve ignores case) are read together first, so
    that two of them resolving to one version are refused before either is edited;
    every other target goes on at its own pace. A cancel (:class:`Cancelled`, raised in
    this thread by the signal handler) reaches the caller at once; the targets' threads
    stop at their next sleep or request.
    """
    groups: dict[tuple[str, str], list[TargetRun]] = {}
    for run in runs:
        groups.setdefault((run.target.owner.lower(), run.target.function.lower()), []).append(run)
    work = _Work(ctx.inputs.concurrency)

    def read_group(group: list[TargetRun]) -> None:
        for run in group:
            read(ctx, run)
        refuse_duplicates(group)
        for run in group:
            work.add(partial(carry_on, ctx, run))

    for group in groups.values():
        work.add(partial(read_group, group))
    work.run()


class _Work:
    """Tasks (which may add tasks) run on at most ``threads`` threads; :meth:`run`
    returns when none is left, and stays interruptible by signals meanwhile."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.outstanding = 0
        self.lock = threading.Lock()
        #: A bug in a task (an exception no phase recorded), raised again by :meth:`run`.
        self.bugs: list[Exception] = []

    def add(self, task: Callable[[], None]) -> None:
        with self.lock:
            self.outstanding += 1
        self.tasks.put(task)

    def _done(self, count: int) -> None:
        with self.lock:
            self.outstanding -= 1
            last = self.outstanding == 0
        if last:  # wake every worker to leave
            for _ in range(count):
                self.tasks.put(None)

    def _worker(self, count: int) -> None:
        while (task := self.tasks.get()) is not None:
            try:
                task()
            except Cancelled:
                pass  # recorded; the main thread is reporting
            except Exception as error:
                self.bugs.append(error)
            finally:
                self._done(count)

    def run(self) -> None:
        with self.lock:
            count = min(self.threads, self.outstanding)
        threads = [
            threading.Thread(target=self._worker, args=(count,), name="target", daemon=True)
            for _ in range(count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.25)  # a signal reaches this thread between joins
        if self.bugs:
            raise self.bugs[0]


def settle_all(ctx: Context, runs: Sequence[TargetRun]) -> None:
    """The step is being cancelled: at once and side by side, stop every smoke test job
    (a push still in flight included: its answer is awaited briefly) and set back every
    version this step raised, each attempted once within :data:`RESTORE_SECONDS`."""
    work: list[threading.Thread] = []
    for run in runs:
        if run.smoke is not None:
            args = (ctx.client, run.target, run.smoke, ctx.log)
            work.append(threading.Thread(target=settle, args=args, daemon=True))
        if run.outcome == "cancelled" and run.restore and run.raised() is not None:
            restore = partial(restore_bounds, ctx, run, once_within=RESTORE_SECONDS)
            work.append(threading.Thread(target=restore, daemon=True))
    for thread in work:
        thread.start()
    for thread in work:
        thread.join()


#: A cancelled step's restoring read and edit, each one attempt within this many seconds
#: (the runner kills the step 7.5 to 10 s after SIGTERM).
RESTORE_SECONDS = 2.5


def _because(run: TargetRun) -> str:
    """Why a version is set back, in words: what failed."""
    if run.outcome == "build-error":
        return "after its build ended in `error`"
    if run.outcome == "timeout":
        return "after its wait ran out"
    if run.outcome == "cancelled":
        return "after the step was cancelled"
    if run.phase == "smoke-testing":
        return "after its smoke test failed"
    return f"after it failed while {run.phase}"


def restore_bounds(ctx: Context, run: TargetRun, *, once_within: float | None = None) -> None:
    """Set back the bounds this step raised on a target that then failed, unless someone
    changed them since (read just before the edit): their change stands. Records how
    it went; never raises for Sieve's failures (the target has failed already)."""
    back = run.raised()
    current, before = run.current, run.before
    if not run.restore or back is None or current is None or before is None:
        return
    if run.phase == "retiring":
        # It passed its checks, and earlier versions may be retired already: setting it
        # back now could leave the function nothing warm at all.
        run.restore_note = (
            f"version {before.id} keeps its bounds: it passed its checks, and the failure "
            "came while retiring earlier versions"
        )
        ctx.log(f"{run.target.label}: {run.restore_note}")
        return
    target, label = run.target, run.target.label
    # What this step set (its edit's answer was checked to hold exactly these).
    set_low, set_high = run.min_after, run.max_after
    assert set_low is not None
    low = set_low if back[0] is None else back[0]
    high = set_high if back[1] is None else back[1]
    shown = f"{low}..{bound(high)}"
    because = _because(run)
    try:
        live = ctx.client.get_version(
            target.owner, target.function, before.id, once_within=once_within
        )
        if (live.minimum_replicas, live.maximum_replicas) != (set_low, set_high):
            run.restored = "left"
            run.restore_note = (
                f"version {before.id} left at {live.minimum_replicas}.."
                f"{bound(live.maximum_replicas)}: changed since this step set "
                f"{set_low}..{bound(set_high)}; that change stands"
            )
            return
        fields = {
            name: value
            for name, value, now in (
                ("minimum_replicas", low, set_low),
                ("maximum_replicas", high, set_high),
            )
            if value != now and value is not None
        }
        answer = ctx.client.edit_version(
            target.owner,
            target.function,
            before.id,
            EditFunctionVersionRequest(**fields),
            once_within=once_within,
        )
        run.current = answer
        if (answer.minimum_replicas, answer.maximum_replicas) != (low, high):
            run.restored = "failed"
            run.restore_note = (
                f"version {before.id} was to go back to {shown} {because}, but Sieve answered "
                f"{answer.minimum_replicas}..{bound(answer.maximum_replicas)}: check it on Sieve"
            )
            return
        run.restored = "restored"
        run.restore_note = f"version {before.id} back to {shown} {because}"
    except SieveError as error:
        run.restored = "failed"
        run.restore_note = (
            f"version {before.id} could not be set back to {shown} {because}: {error}; "
            "check its replicas on Sieve"
        )
    finally:
        if run.restore_note is not None:
            ctx.log(f"{label}: {run.restore_note}")


def _would_restore(run: TargetRun) -> None:
    back, before = run.raised(), run.before
    if back is None or before is None or run.min_after is None:
        return
    low = run.min_after if back[0] is None else back[0]
    high = run.max_after if back[1] is None else back[1]
    run.restored = "would"
    run.restore_note = (
        f"version {before.id} would go back to {low}..{bound(high)} if its wait or smoke "
        "test failed"
    )
