"""Capacity on a clock, in the step: the schedule read before any request, the bounds
each function should have now turned into targets for the fleet machinery, and, once
they ran, what each function's live bounds said (as intended, a late change, drift).

The schedule itself (the file, the rules, the week ahead) is :mod:`.file` and
:mod:`.schedule`; this module only wires them to the step. "Now" is the driver's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..contract.inputs import Inputs
from ..contract.targets import Target
from ..errors import BadInput, InputErrors
from ..scaling.record import TargetRun
from ..secrets import Secrets
from ..workspace import Unreadable, resolve, root
from .file import ScheduleErrors, parse_schedule, read_schedule
from .model import Bounds, Schedule
from .reader import BadEntry
from .schedule import Outlook, Status, classify, commitment, evaluate, expired_overrides


def load_schedule(
    inputs: Inputs, environ: Mapping[str, str], cwd: Path, secrets: Secrets
) -> Schedule | None:
    """The capacity schedule of ``capacity-file`` or ``capacity``, read and checked
    (None when neither is given); every mistake as a :class:`BadInput` naming the file,
    line and key, every value quoted through ``secrets``. A path is read only when it
    resolves inside the workspace (GITHUB_WORKSPACE when it is set, else ``cwd``),
    symbolic links followed: nothing outside the checkout is read, nor quoted."""
    try:
        if inputs.capacity_file:
            return read_schedule(
                _in_workspace(inputs.capacity_file, environ, cwd), inputs.capacity_file, secrets
            )
        if inputs.capacity:
            return parse_schedule(inputs.capacity, "capacity", secrets)
    except ScheduleErrors as refused:
        raise InputErrors([_input_error(inputs, entry) for entry in refused.bad]) from None
    return None


def _in_workspace(given: str, environ: Mapping[str, str], cwd: Path) -> Path:
    """``given`` resolved inside the workspace (GITHUB_WORKSPACE when it is set, else
    ``cwd``), or ScheduleErrors naming the file and the rule."""
    try:
        return resolve(given, root(environ, cwd))
    except Unreadable as refused:
        raise ScheduleErrors([BadEntry(given, None, "", str(refused))]) from None


def _input_error(inputs: Inputs, error: BadEntry) -> BadInput:
    said = f"{error.key}: {error.rule}" if error.key else error.rule
    if inputs.capacity_file:
        return BadInput("capacity-file", f"in {error}", "schedule", error.file, error.line)
    where = "" if error.line is None else f"line {error.line}: "
    return BadInput("capacity", f"{where}{said}", "schedule")


@dataclass(frozen=True)
class Intent:
    """What the schedule says at the step's instant: each function's outlook, and the
    targets that make its bounds hold (in the file's order)."""

    schedule: Schedule
    now: datetime
    outlooks: tuple[Outlook, ...]
    warnings: tuple[str, ...]

    @property
    def targets(self) -> tuple[Target, ...]:
        return tuple(
            Target(
                o.function.owner,
                o.function.function,
                o.function.version,
                o.in_effect.bounds.min,
                o.in_effect.bounds.max,
                o.function.line,
            )
            for o in self.outlooks
        )

    @property
    def replica_hours(self) -> float:
        """The warm-minimum commitment of the whole file over the coming week."""
        return commitment(self.outlooks)


def intent(schedule: Schedule, now: datetime) -> Intent:
    """The schedule seen from ``now``: every function's outlook and the expired overrides."""
    return Intent(schedule, now, evaluate(schedule, now), expired_overrides(schedule, now))


@dataclass(frozen=True)
class Observed:
    """One function after the run: its outlook, its target's run, and how its live
    bounds before the run compared with the schedule (None when they were not read)."""

    outlook: Outlook
    run: TargetRun
    status: Status | None

    @property
    def live(self) -> Bounds | None:
        return _live(self.run)


def _live(run: TargetRun) -> Bounds | None:
    """A target's bounds as read before any edit, if they were."""
    before = run.before
    return None if before is None else Bounds(before.minimum_replicas, before.maximum_replicas)


@dataclass(frozen=True)
class CapacityReport:
    """What a capacity step found, for the outputs and the summary."""

    intent: Intent
    functions: tuple[Observed, ...]

    @property
    def drift(self) -> tuple[Observed, ...]:
        return tuple(f for f in self.functions if f.status is not None and f.status.kind == "drift")


def observe(intent: Intent, runs: Sequence[TargetRun]) -> CapacityReport:
    """Each function's live bounds (as read before any edit) against the schedule."""
    found = []
    for outlook, run in zip(intent.outlooks, runs, strict=True):
        live = _live(run)
        found.append(Observed(outlook, run, None if live is None else classify(outlook, live)))
    return CapacityReport(intent, tuple(found))
