"""One target's phases: read, edit, wait, smoke-test, retire; then, on a failure after
a raise, restore.

Each phase records what it learns in the target's
:class:`~sieve_action.scaling.record.TargetRun` as it goes, so whatever ends the step the
report is written from what is known at that moment. A fleet runs these on its worker
pool (:mod:`.fleet`).
"""

from __future__ import annotations

from ..api.models import BUILD_STATUSES, Version
from ..errors import BoundsConflict, Cancelled, SieveError
from .context import Context
from .edit import Edit, bound, edit_for
from .record import TargetRun
from .restore import restore_bounds, would_restore
from .retire import retire_previous
from .smoke import SmokeRecord, smoke_test
from .waiting import Ending, goal_met, progress, reached, wait_for, warm_replicas


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


def run_phases(ctx: Context, run: TargetRun) -> None:
    """Every phase after the read: edit, wait, smoke test, retire; then the outcome, and
    on a failure the bounds this step raised set back (:func:`.restore.restore_bounds`)."""
    if run.failed or run.before is None:
        return
    inputs = ctx.inputs
    with _recorded(ctx, run):
        edit = _set_bounds(ctx, run)
        if not run.failed and inputs.waits and not inputs.dry_run:
            _wait(ctx, run, edit)
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
        would_restore(run)


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


def _set_bounds(ctx: Context, run: TargetRun) -> Edit:
    """Work out the edit the bounds need, and send it (not in a dry run)."""
    target, before, inputs = run.target, run.before, ctx.inputs
    assert before is not None
    edit = edit_for(target, before)
    run.edit_due, run.min_after, run.max_after = edit.changes, edit.min_replicas, edit.max_replicas
    run.changed = edit.changes and inputs.dry_run
    # Everything after the read addresses the resolved ID, never `latest`: another
    # deploy may land while this step runs.
    if edit.request is not None and not inputs.dry_run:
        run.phase = "editing"
        ctx.clock.sleep(0)  # a cancelled step sends no edit
        ctx.log(f"{target.label}: sending {edit.request.body()}")
        run.current = ctx.client.edit_version(
            target.owner, target.function, before.id, edit.request
        )
        run.changed = True
        unmet = edit.unmet(run.current)
        if unmet is not None:
            # What the step set is what Sieve's answer holds: a raise counts (and is set
            # back) only when the answer holds it; a bound Sieve did not take is no change
            # of anyone's to blame.
            run.min_after = run.current.minimum_replicas
            run.max_after = run.current.maximum_replicas
            # Sieve said yes but shows other bounds: the version may cost what the step
            # meant to stop, so this is a failure, not a note.
            run.fail(
                f"`{target.label}`: Sieve accepted the edit of version {run.current.id} but "
                f"answered {unmet}; check the version's replicas on Sieve"
            )
    elif edit.request is not None:
        ctx.log(f"{target.label}: dry run, would send {edit.request.body()}")
    else:
        bounds = f"{edit.min_replicas}..{bound(edit.max_replicas)}"
        ctx.log(f"{target.label}: replicas already {bounds}, nothing to change")
    status = before.build_status
    if status not in BUILD_STATUSES and not inputs.waits:
        run.warnings.append(
            f"`{target.label}`: Sieve reported an unknown build status {status!r} "
            f"for version {before.id}; reported as it is"
        )
    return edit


def _wait(ctx: Context, run: TargetRun, edit: Edit) -> None:
    target, current, inputs = run.target, run.current, ctx.inputs
    assert current is not None
    run.phase = "waiting"
    run.wait_started = ctx.clock.monotonic()
    version_id = current.id
    if goal_met(current, inputs.wait_for, edit.min_replicas):
        run.waited, run.reached = 0.0, reached(inputs.wait_for, edit.min_replicas)
        ctx.log(f"{target.label}: {run.reached} already")
        return
    goal = "the build" if inputs.wait_for == "build" else warm_replicas(edit.min_replicas)
    now = progress(current, inputs.wait_for, edit.min_replicas)
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
        min_replicas=edit.min_replicas,
        timeout=inputs.wait_timeout,
        interval=inputs.poll_interval,
        clock=ctx.clock,
        on_read=seen,
        say=lambda line: ctx.log(f"{target.label}: {line}"),
        warn=run.warnings.append,
    )
    run.current, run.waited = result.version, result.waited
    _ending(ctx, run, result.ending, edit)


def _ending(ctx: Context, run: TargetRun, ending: Ending, edit: Edit) -> None:
    """Record how the wait ended; only a wait that ran out or a failed build fail."""
    version, inputs, label = run.current, ctx.inputs, run.target.label
    assert version is not None
    if ending == "ready":
        run.reached = reached(inputs.wait_for, edit.min_replicas)
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
