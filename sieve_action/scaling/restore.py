"""Setting back what a failed target raised (``restore-on-failure``).

Only a raise is undone: a lowered minimum saves money, and undoing it would spend it.
Just before the edit the version is read again: if someone changed it since this step
set it, their change stands. Never raises for Sieve's failures: the target has failed
already, and how the restore went is recorded in its run.
"""

from __future__ import annotations

from ..api.models import EditFunctionVersionRequest
from ..errors import SieveError
from .context import Context
from .edit import bound
from .record import TargetRun


def set_back_to(run: TargetRun) -> tuple[int, int | None] | None:
    """The bounds a restore sets: each bound the step raised at its value before, the
    other as the step set it; None when the step raised neither."""
    back = run.raised()
    if back is None or run.min_after is None:
        return None
    low = run.min_after if back[0] is None else back[0]
    high = run.max_after if back[1] is None else back[1]
    return low, high


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
    back = set_back_to(run)
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
    low, high = back
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


def would_restore(run: TargetRun) -> None:
    """A dry run's word on restoring: what a failed wait or smoke test would set back."""
    back, before = set_back_to(run), run.before
    if back is None or before is None:
        return
    run.restored = "would"
    run.restore_note = (
        f"version {before.id} would go back to {back[0]}..{bound(back[1])} if its wait or "
        "smoke test failed"
    )
