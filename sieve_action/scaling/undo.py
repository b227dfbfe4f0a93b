"""Undoing a promotion: each version it retired gets its previous minimum back, and the
version that replaced them the bounds the user gives (``undo``, read by
:mod:`sieve_action.contract.undo_list`).

It is a fleet like any other (:func:`.phases.run_phases` for each target, on the
fleet's :class:`.fleet.Work` pool, so an edit is sent only where the bounds differ and a
second undo sends nothing), with one rule more: every version is read before any edit,
and if one cannot be read (it was deleted), or two name one version, or a minimum to set
back is above the version's maximum now, every target fails and nothing is changed. A
half-done undo would leave a state nobody asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from ..contract.inputs import Inputs
from ..contract.targets import Target
from ..errors import BoundsConflict
from .context import Context
from .edit import bound, edit_for
from .fleet import Work, same_version
from .phases import read, run_phases
from .record import TargetRun

NOTHING = "nothing was changed"


def undo_runs(inputs: Inputs) -> list[TargetRun]:
    """The targets of an undo, in order: for each promotion, the version that replaced
    the retired ones, then each of those (its exact ID, its previous minimum, its
    maximum left as it is)."""
    undo = inputs.undo
    assert undo is not None
    given = inputs.resolved_targets[0]
    runs: list[TargetRun] = []
    for promotion in undo.promotions:
        owner = promotion.owner or given.owner
        function = promotion.function or given.function
        version = promotion.version_id or given.version
        replacing = Target(owner, function, version, given.min_replicas, given.max_replicas)
        runs.append(TargetRun(replacing, undo="replacing"))
        runs += [
            TargetRun(
                Target(owner, function, back.version_id, back.previous_min_replicas),
                undo="retired",
            )
            for back in promotion.retired
        ]
    return runs


def undo_fleet(ctx: Context, runs: Sequence[TargetRun]) -> None:
    """Read every version; then, if nothing stands in the way, carry each target on
    (edit, and wait when asked) on ``concurrency`` threads."""
    reads = Work(ctx.inputs.concurrency)
    for run in runs:
        reads.add(partial(read, ctx, run))
    reads.run()
    retired = sum(run.undo == "retired" for run in runs)
    ctx.log(
        f"undo of a promotion: {retired} retired version{'s' * (retired != 1)} to set back, "
        f"{len(runs) - retired} replacing"
    )
    if _refuse(runs):
        return
    edits = Work(ctx.inputs.concurrency)
    for run in runs:
        edits.add(partial(run_phases, ctx, run))
    edits.run()


def _refuse(runs: Sequence[TargetRun]) -> bool:
    """Fail every target, naming why, when the undo cannot be done whole; True if so."""
    unread = [run for run in runs if run.before is None]
    problems = [f"{run.target.label} could not be read" for run in unread]
    problems += [
        f"{other.target.label} and {run.target.label} are one version, {run.version_id} "
        "(give `version`: the ID of the version that replaced them)"
        for other, run in same_version(runs)
    ]
    conflicts: dict[int, str] = {}
    for index, run in enumerate(runs):
        if run.before is None:
            continue
        try:
            edit_for(run.target, run.before)
        except BoundsConflict as error:
            if run.undo == "retired":
                conflicts[index] = (
                    f"`{run.target.label}`: its maximum is now {bound(run.before.maximum_replicas)}"
                    f", below the minimum {run.target.min_replicas} the undo would set back; "
                    "raise its maximum first"
                )
            else:
                conflicts[index] = str(error)
    problems += conflicts.values()
    if not problems:
        return False
    for index, run in enumerate(runs):
        if run.failed:  # its read failed: its own error names the version and why
            run.error = f"{run.error}; the undo reads every version first, so {NOTHING}"
            continue
        own = conflicts.get(index)
        run.fail(
            f"{own}; {NOTHING}"
            if own
            else f"`{run.target.label}`: {NOTHING}: the undo reads every version first, and "
            + "; ".join(problems)
        )
    return True
