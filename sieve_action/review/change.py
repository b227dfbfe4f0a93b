"""A capacity file's change, seen over the coming week: per function, every stretch of
time the two files give different bounds, the functions added and removed, and the
warm-minimum replica-hours before and after. Both files are seen from one instant by
the step's own schedule code (holidays, one-off dates, overrides and daylight saving
included), so the review says what the step would do, not an estimate of it.

A function the pull request removes is no longer set by the step: its bounds stay as the
base's file has them when the change lands (taken as its bounds now), for good. So it
keeps costing what those cost; a removal never reads as a saving it would not be.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Literal

from ..capacity.model import Bounds, FunctionSchedule, Schedule
from ..capacity.schedule import HORIZON, Outlook, evaluate
from ..contract.targets import folded

Kind = Literal["added", "removed", "changed", "unchanged"]


@dataclass(frozen=True)
class Stretch:
    """A stretch of the week where the two files differ: from ``start`` to ``end``, the
    base's bounds and the pull request's (None: the function is not in the base's file;
    for a function the pull request removes, the bounds it keeps)."""

    start: datetime
    end: datetime
    before: Bounds | None
    after: Bounds | None


@dataclass(frozen=True)
class FunctionChange:
    """One function version under both files. ``kept``: for a function the pull request
    removes, the bounds it keeps (the base's now)."""

    before: Outlook | None
    after: Outlook | None
    stretches: tuple[Stretch, ...]
    kept: Bounds | None = None

    @property
    def kind(self) -> Kind:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed" if self.stretches else "unchanged"

    @property
    def hours_before(self) -> float:
        return 0.0 if self.before is None else self.before.replica_hours

    @property
    def hours_after(self) -> float:
        if self.after is None:  # removed: its kept minimum, all week
            kept = 0 if self.kept is None else self.kept.min
            return kept * HORIZON.total_seconds() / 3600
        return self.after.replica_hours

    @property
    def label(self) -> str:
        return self.schedule.label

    @property
    def schedule(self) -> FunctionSchedule:
        """The function as the files name it (the pull request's first)."""
        outlook = self.after or self.before
        assert outlook is not None  # a function is in one file at least
        return outlook.function

    @property
    def compute(self) -> str | None:
        """The compute type the files give it (the pull request's first)."""
        for outlook in (self.after, self.before):
            if outlook is not None and outlook.function.compute is not None:
                return outlook.function.compute
        return None


@dataclass(frozen=True)
class Change:
    """The change of a capacity file, from the base's to the pull request's, over the
    week from ``now``. ``base`` is None when the base branch has no such file."""

    now: datetime
    base: Schedule | None
    head: Schedule
    functions: tuple[FunctionChange, ...]

    @property
    def hours_before(self) -> float:
        return sum(f.hours_before for f in self.functions)

    @property
    def hours_after(self) -> float:
        return sum(f.hours_after for f in self.functions)

    @property
    def changed(self) -> tuple[FunctionChange, ...]:
        return tuple(f for f in self.functions if f.kind != "unchanged")


def change(base: Schedule | None, head: Schedule, now: datetime) -> Change:
    """Compare ``base`` (None: no file yet) with ``head`` over the week from ``now``: the
    pull request's functions in its order, then those it removes."""
    before = {_key(o): o for o in (evaluate(base, now) if base is not None else ())}
    after = {_key(o): o for o in evaluate(head, now)}
    end = now + HORIZON
    found = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        kept = old.in_effect.bounds if new is None and old is not None else None
        lines = timeline(old, now), timeline(new, now, kept)
        found.append(FunctionChange(old, new, _stretches(*lines, end), kept))
    return Change(now, base, head, tuple(found))


def _key(outlook: Outlook) -> tuple[str, ...]:
    function = outlook.function
    return folded(function.owner, function.function, function.version)


def timeline(
    outlook: Outlook | None, now: datetime, kept: Bounds | None = None
) -> list[tuple[datetime, Bounds | None]]:
    """The bounds from ``now`` on, as (from when, bounds): in effect now, then each
    change; for a function not in the file, the bounds it keeps (None: none known)."""
    if outlook is None:
        return [(now, kept)]
    return [(now, outlook.in_effect.bounds), *((c.at, c.bounds) for c in outlook.changes)]


def lanes(
    function: FunctionChange, now: datetime
) -> tuple[list[tuple[datetime, Bounds | None]], list[tuple[datetime, Bounds | None]]]:
    """The function's timelines under the base's file and under the pull request's."""
    return timeline(function.before, now), timeline(function.after, now, function.kept)


def _stretches(
    before: list[tuple[datetime, Bounds | None]],
    after: list[tuple[datetime, Bounds | None]],
    end: datetime,
) -> tuple[Stretch, ...]:
    """Where the two timelines differ, as stretches; neighbours with the same pair of
    bounds are one stretch."""
    edges = sorted({t for t, _ in before} | {t for t, _ in after} | {end})
    found: list[Stretch] = []
    for start, stop in pairwise(edges):
        pair = (_at(before, start), _at(after, start))
        if pair[0] == pair[1]:
            continue
        if found and found[-1].end == start and (found[-1].before, found[-1].after) == pair:
            found[-1] = Stretch(found[-1].start, stop, *pair)
        else:
            found.append(Stretch(start, stop, *pair))
    return tuple(found)


def _at(line: list[tuple[datetime, Bounds | None]], moment: datetime) -> Bounds | None:
    """The bounds a timeline gives at ``moment`` (the last entry at or before it)."""
    index = bisect.bisect_right([t for t, _ in line], moment) - 1
    return line[max(index, 0)][1]
