"""Whether a function's windows keep ``min <= max`` wherever they can be active together.

Overlapping windows take the highest min and the highest max, so a set of windows can
break the rule though each alone keeps it. Two windows are enough to check: in a set
whose highest min exceeds its highest max, the window of that min and the window of
that max already do (the pair's min is as high and its max no higher). Whether two
windows can meet is worked out on the wall clock (daylight saving only ever shortens a
span).
"""

from __future__ import annotations

from datetime import date, timedelta

from .calendar import DAY, Holidays, holiday_dates
from .model import FunctionSchedule, Window

#: One mistake found: the line, the key and the rule, for the reader to report.
Conflict = tuple[int, str, str]
#: The pairs of windows reported per function; the rest are counted in one more line.
MAX_PAIRS_SHOWN = 5


def conflicts(function: FunctionSchedule, key: str, holidays: Holidays) -> list[Conflict]:
    """Where ``min <= max`` fails for the baseline, each window, or a pair of windows
    that can be active together (empty when it holds everywhere): the first
    :data:`MAX_PAIRS_SHOWN` pairs, then a count of the others.

    A pair can only break the rule when the window with the higher min leaves its max
    to a baseline that has none (each window alone keeps min <= max), and the other
    window's max is below that min: only those pairs are looked at, by ascending max,
    so the work grows with the pairs that break the rule, not with every pair."""
    baseline = function.baseline
    if baseline.max is not None and baseline.min > baseline.max:
        return [(function.line, key, f"min {baseline.min} is greater than max {baseline.max}")]
    found: list[Conflict] = []
    filled = [w.filled(baseline) for w in function.windows]
    for index, (window, bounds) in enumerate(zip(function.windows, filled, strict=True)):
        if bounds.max is not None and bounds.min > bounds.max:
            own_min = f"min {bounds.min}" + (" (the baseline's)" if window.min is None else "")
            own_max = f"max {bounds.max}" + (" (the baseline's)" if window.max is None else "")
            found.append(
                (window.line, f"{key}.windows[{index}]", f"{own_min} is greater than {own_max}")
            )
    if found:
        return found
    capped = sorted(
        (bounds.max, index) for index, bounds in enumerate(filled) if bounds.max is not None
    )
    open_ended = [index for index, bounds in enumerate(filled) if bounds.max is None]
    holiday_days = _holidays_near(function.windows, holidays)
    weekly = {i: _week_spans(w) for i, w in enumerate(function.windows) if w.date is None}
    pairs = []
    for high in open_ended:
        low = filled[high].min
        for most, other in capped:
            if most >= low:
                break  # the rest have a max at or above this min
            a, b = function.windows[high], function.windows[other]
            if _can_overlap(a, b, holiday_days, weekly.get(high), weekly.get(other)):
                pairs.append((min(high, other), max(high, other)))
    for i, j in sorted(pairs)[:MAX_PAIRS_SHOWN]:
        a, b = function.windows[i], function.windows[j]
        low = max(filled[i].min, filled[j].min)
        most = min(m for m in (filled[i].max, filled[j].max) if m is not None)
        found.append(
            (
                b.line,
                f"{key}.windows[{j}]",
                f"can be active together with windows[{i}] ({a.label}, line {a.line}), and "
                f"then min {low} is greater than max {most} (overlapping windows take "
                "the highest min and the highest max)",
            )
        )
    if len(pairs) > MAX_PAIRS_SHOWN:
        more = len(pairs) - MAX_PAIRS_SHOWN
        found.append(
            (
                function.line,
                f"{key}.windows",
                f"{more} more pair{'s' * (more != 1)} of windows can be active together with "
                "a min above the other's max: fix the pairs above, then check again",
            )
        )
    return found


def _span(window: Window, day: int) -> tuple[int, int]:
    """The window's wall-clock span, in minutes, starting on ``day`` (counted in days)."""
    end = window.end + (DAY if window.overnight else 0)
    return day * DAY + window.start, day * DAY + end


def _week_spans(window: Window) -> list[tuple[int, int]]:
    """A weekday window's spans in one week of minutes, wrapped at its end."""
    week = 7 * DAY
    spans = []
    for day in window.days:
        start, end = _span(window, day)
        spans.append((start, min(end, week)))
        if end > week:
            spans.append((0, end - week))
    return spans


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _can_overlap(
    a: Window,
    b: Window,
    holiday_days: frozenset[date],
    a_week: list[tuple[int, int]] | None,
    b_week: list[tuple[int, int]] | None,
) -> bool:
    """Whether the two windows are ever active together, on the wall clock (changes of
    daylight saving only ever shorten a span). A weekday window suppressed by a holiday
    counts only next to a date window: weekly, it overlaps in other weeks anyway.
    ``a_week``, ``b_week``: a weekday window's spans in the week, worked out once."""
    if a_week is not None and b_week is not None:
        return _overlap(a_week, b_week)
    if a.date is not None and b.date is not None:
        return _overlap([_span(a, a.date.toordinal())], [_span(b, b.date.toordinal())])
    one, weekly = (a, b) if a.date is not None else (b, a)
    assert one.date is not None
    spans = [_span(one, 0)]
    for offset in (-1, 0, 1):
        day = one.date + timedelta(days=offset)
        weekday = day.weekday() in weekly.days and day not in holiday_days
        if weekday and _overlap(spans, [_span(weekly, offset)]):
            return True
    return False


def _holidays_near(windows: tuple[Window, ...], holidays: Holidays) -> frozenset[date]:
    """The holidays around the file's date windows (only those can hide an overlap)."""
    years = {w.date.year + d for w in windows if w.date is not None for d in (-1, 0, 1)}
    if not years:
        return frozenset()
    return frozenset(holiday_dates(holidays, years))
