"""What a capacity schedule says about one function, seen from an instant: the bounds in
effect and why, since when, the bounds before the latest change (to tell a late change
from drift), the next changes over the coming week, and the warm minimum it commits to.

One simple model answers all of these. Every window occurrence from a little more than a
week before the instant to a week after it becomes a [start, end) span of UTC instants;
their edges (and an override's end) cut that time into pieces, each piece's bounds come
from the windows active over it, and neighbours with equal bounds make one run. Pure
functions: the instant is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from ..contract.outputs import HORIZON_DAYS
from .calendar import holiday_dates, instant
from .model import Bounds, FunctionSchedule, Schedule, Window

#: How far ahead next changes and the warm-minimum commitment look.
HORIZON = timedelta(days=HORIZON_DAYS)
#: How far back the start of the bounds in effect is looked for (a week and a day: every
#: weekday window has an edge in it). Bounds unchanged for longer hold "since" unknown.
LOOKBACK = timedelta(days=8)


@dataclass(frozen=True)
class InEffect:
    """The bounds in effect at an instant, why (``window mon-fri 08:00–20:00``, ``baseline``,
    ``override until 2026-12-02 18:00``), and since when they hold (None: an override,
    whose start the file does not say, or bounds unchanged for longer than LOOKBACK)."""

    bounds: Bounds
    reason: str
    since: datetime | None


@dataclass(frozen=True)
class Change:
    """A change of bounds to come: when, to what, and why."""

    at: datetime
    bounds: Bounds
    reason: str


@dataclass(frozen=True)
class Previous:
    """The bounds in effect just before the latest change, and when that change was due
    (None when an override made it: its start is not in the file)."""

    bounds: Bounds
    due: datetime | None


@dataclass(frozen=True)
class Outlook:
    """Everything the schedule says about one function, seen from ``now``."""

    function: FunctionSchedule
    now: datetime
    in_effect: InEffect
    previous: Previous | None
    changes: tuple[Change, ...]
    #: The warm-minimum commitment: ``min`` integrated over the coming week, in
    #: replica-hours.
    replica_hours: float


@dataclass(frozen=True)
class Status:
    """How live bounds compare: ``as-intended``; ``late`` (still at the bounds before the
    latest change, ``due`` when it was due); or ``drift`` (neither: changed by hand)."""

    kind: Literal["as-intended", "late", "drift"]
    due: datetime | None = None


def evaluate(schedule: Schedule, now: datetime) -> tuple[Outlook, ...]:
    """Every function's outlook, in the file's order (holidays are worked out once)."""
    days = holidays_around(schedule, now)
    clock: _Clock = {}
    return tuple(outlook(schedule, f, now, days, clock) for f in schedule.functions)


def outlook(
    schedule: Schedule,
    function: FunctionSchedule,
    now: datetime,
    holidays: Mapping[date, str] | None = None,
    clock: _Clock | None = None,
) -> Outlook:
    """What the schedule says about ``function`` seen from ``now`` (an aware instant).
    ``holidays`` defaults to :func:`holidays_around` ``now``; ``clock`` keeps the wall
    times already turned into instants (shared by :func:`evaluate` across functions)."""
    now = _utc(now)
    if holidays is None:
        holidays = holidays_around(schedule, now)
    at = int(now.timestamp())
    spans, off = _occurrences(schedule, function, now, holidays, {} if clock is None else clock)
    runs, reason = _runs(function, spans, off, at, with_override=True)
    current = _holding(runs, at)
    start, _, bounds, _ = runs[current]
    effect = InEffect(bounds, reason, None if current == 0 else _datetime(start))
    override = function.override
    if override is not None and now < override.until:
        # The override's start is not in the file: before it, the windows' bounds now.
        windows, _ = _runs(function, spans, off, at, with_override=False)
        previous: Previous | None = Previous(windows[_holding(windows, at)][2], None)
    elif current == 0:
        previous = None
    else:
        previous = Previous(runs[current - 1][2], _datetime(start))
    changes = tuple(Change(_datetime(s), b, r) for s, _, b, r in runs[current + 1 :])
    return Outlook(function, now, effect, previous, changes, _replica_hours(runs, at))


def in_effect(schedule: Schedule, function: FunctionSchedule, now: datetime) -> InEffect:
    """The bounds in effect for ``function`` at ``now``, why, and since when."""
    return outlook(schedule, function, now).in_effect


def classify(outlook: Outlook, live: Bounds) -> Status:
    """Compare a version's live bounds with the schedule's. A ``max`` the schedule leaves
    as it is (None) matches any live max."""

    def matches(bounds: Bounds) -> bool:
        return live.min == bounds.min and (bounds.max is None or live.max == bounds.max)

    if matches(outlook.in_effect.bounds):
        return Status("as-intended")
    if outlook.previous is not None and matches(outlook.previous.bounds):
        return Status("late", outlook.previous.due)
    return Status("drift")


def commitment(outlooks: tuple[Outlook, ...]) -> float:
    """The warm-minimum commitment of every function together, in replica-hours a week."""
    return sum(outlook.replica_hours for outlook in outlooks)


def expired_overrides(schedule: Schedule, now: datetime) -> tuple[str, ...]:
    """A warning for each override that has expired at ``now``: it is ignored, and it
    should be removed from the file."""
    now = _utc(now)
    return tuple(
        f"{schedule.file}:{f.override.line}: functions.{f.name}.override: expired at "
        f"{f.override.written} ({schedule.timezone}) and is ignored: remove it"
        for f in schedule.functions
        if f.override is not None and f.override.until <= now
    )


def holidays_around(schedule: Schedule, now: datetime) -> dict[date, str]:
    """The schedule's holidays over the days any outlook from ``now`` looks at, named."""
    first, last = _days(schedule, _utc(now))
    return holiday_dates(schedule.holidays, range(first.year, last.year + 1))


# -- the model ----------------------------------------------------------------
# Instants are whole seconds since the epoch here (windows start on whole minutes):
# comparing integers keeps a 50-function file well under 100 ms.

_HORIZON = int(HORIZON.total_seconds())
_LOOKBACK = int(LOOKBACK.total_seconds())
#: Instants of wall-clock times already worked out: (day, minute) to seconds.
_Clock = dict[tuple[date, int], int]
#: A window's occurrence: start, end (seconds) and the window's place in the file.
_Occurrence = tuple[int, int, int]
#: A weekday window's occurrence a holiday suppressed: start, end, the holiday's name.
_Off = tuple[int, int, str]
#: A run of equal bounds: start, end (seconds), the bounds and why (its first reason).
_Run = tuple[int, int, Bounds, str]


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("a schedule is evaluated at an aware instant, not a naive datetime")
    return now.astimezone(UTC)


def _datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _days(schedule: Schedule, now: datetime) -> tuple[date, date]:
    """The local days whose windows can reach [now - LOOKBACK, now + HORIZON]: a window
    ends at most two days after the day it belongs to."""
    zone = schedule.zone
    first = (now - LOOKBACK).astimezone(zone).date() - timedelta(days=2)
    last = (now + HORIZON).astimezone(zone).date() + timedelta(days=1)
    return first, last


def _occurrences(
    schedule: Schedule,
    function: FunctionSchedule,
    now: datetime,
    holidays: Mapping[date, str],
    clock: _Clock,
) -> tuple[list[_Occurrence], list[_Off]]:
    """Each window's occurrences over the days around ``now``, sorted by start, and those
    a holiday suppressed. A weekday window belongs to the day it starts (a holiday that
    day suppresses it); a date window is never suppressed. Empty spans (inside a
    spring-forward gap) are dropped."""
    first, last = _days(schedule, now)
    found, off = [], []
    day = first
    while day <= last:
        for index, window in enumerate(function.windows):
            if window.date is None:
                if day.weekday() not in window.days:
                    continue
            elif window.date != day:
                continue
            start = _instant(clock, day, window.start, schedule.zone)
            end_day = day + timedelta(days=1) if window.overnight else day
            end = _instant(clock, end_day, window.end, schedule.zone)
            if start >= end:
                continue
            if window.date is None and day in holidays:
                off.append((start, end, holidays[day]))
            else:
                found.append((start, end, index))
        day += timedelta(days=1)
    found.sort()
    return found, off


def _instant(clock: _Clock, day: date, minute: int, zone: ZoneInfo) -> int:
    key = (day, minute)
    if key not in clock:
        clock[key] = int(instant(day, minute, zone).timestamp())
    return clock[key]


def _runs(
    function: FunctionSchedule,
    spans: list[_Occurrence],
    off: list[_Off],
    now: int,
    with_override: bool,
) -> tuple[list[_Run], str]:
    """[now - LOOKBACK, now + HORIZON) cut at every edge of a window occurrence (and at
    the override's end, and where a holiday suppressed a window), each piece given its
    bounds and why; neighbours with equal bounds are one run. Also why the bounds hold
    at ``now`` (the piece holding it: a run keeps its first piece's reason)."""
    begin, finish = now - _LOOKBACK, now + _HORIZON
    edges = {begin, finish}
    edges.update(t for start, end, _ in spans for t in (start, end) if begin < t < finish)
    edges.update(t for start, end, _ in off for t in (start, end) if begin < t < finish)
    override = function.override if with_override else None
    until = finish if override is None else int(override.until.timestamp())
    if override is not None and begin < until < finish:
        edges.add(until)
    runs: list[_Run] = []
    reason_now = ""
    combined: dict[tuple[int, ...], Bounds] = {}  # by the active windows
    active: list[_Occurrence] = []
    waiting = iter(spans)
    upcoming = next(waiting, None)
    for start, end in pairwise(sorted(edges)):
        while upcoming is not None and upcoming[0] <= start:
            active.append(upcoming)
            upcoming = next(waiting, None)
        active = [o for o in active if o[1] > start]
        which = tuple(sorted(index for _, _, index in active))
        if override is not None and start < until:
            bounds, reason = override.bounds, f"override until {override.written}"
        else:
            if which not in combined:
                combined[which] = _combine(function.baseline, [function.windows[i] for i in which])
            bounds = combined[which]
            holiday = next((name for s, e, name in off if s <= start and end <= e), None)
            if not which and holiday is not None:
                reason = f"holiday: {holiday}"
            else:
                reason = _reason(function.baseline, which, function.windows)
        if start <= now < end:
            reason_now = reason
        if runs and runs[-1][2] == bounds:
            runs[-1] = (runs[-1][0], end, bounds, runs[-1][3])
        else:
            runs.append((start, end, bounds, reason))
    return runs, reason_now


def _combine(baseline: Bounds, active: list[Window]) -> Bounds:
    """The bounds of the active windows: the highest min and the highest max, each taken
    independently; a bound a window leaves out comes from the baseline."""
    if not active:
        return baseline
    filled = [window.filled(baseline) for window in active]
    highs = [b.max for b in filled if b.max is not None]
    return Bounds(max(b.min for b in filled), max(highs) if highs else None)


def _reason(baseline: Bounds, which: tuple[int, ...], windows: tuple[Window, ...]) -> str:
    """Why the active windows (by their places in the file) give the bounds they do."""
    if not which:
        return "baseline"
    labels = list(dict.fromkeys(windows[i].label for i in which))
    if len(which) > 1:
        return f"windows {' and '.join(labels)} (the highest of each bound)"
    window = windows[which[0]]
    notes = [
        f"{name} from the baseline"
        for name, own, base in (
            ("min", window.min, baseline.min),
            ("max", window.max, baseline.max),
        )
        if own is None and base is not None
    ]
    return f"window {window.label}" + (f" ({', '.join(notes)})" if notes else "")


def _holding(runs: list[_Run], now: int) -> int:
    """The run that holds ``now``."""
    return next(i for i, (start, end, _, _) in enumerate(runs) if start <= now < end)


def _replica_hours(runs: list[_Run], now: int) -> float:
    """``min`` integrated over [now, now + HORIZON), in replica-hours."""
    seconds = sum(
        bounds.min * (min(end, now + _HORIZON) - max(start, now))
        for start, end, bounds, _ in runs
        if end > now
    )
    return seconds / 3600
