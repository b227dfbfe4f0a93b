"""The review in words: the totals and the verdict first (they are never cut), then one
row per function the change touches, every differing stretch of the week (folded), the
chart, and where each price came from. Made as the parts GitHub's comment is cut from
(:mod:`sieve_action.github.body`): the job summary shows them whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..capacity.model import Bounds
from ..contract.outputs import HORIZON_DAYS
from ..contract.rules import Threshold
from ..github.body import Cut, Part
from ..report.markdown import markdown, row
from ..secrets import Secrets
from .change import Change, FunctionChange, Stretch
from .chart import chart
from .cost import Rate, money


@dataclass(frozen=True)
class Verdict:
    """How the week's increase compares with ``max-weekly-increase``: None when there
    is no limit; else whether it passes, and why, in words."""

    passed: bool
    why: str


def verdict(
    change: Change, rates: dict[str, Rate | None], limit: Threshold | None
) -> Verdict | None:
    """The increase against the limit. In dollars, a function the change touches with no
    price fails it: a limit that cannot be checked must not pass green."""
    if limit is None:
        return None
    if limit.unit == "replica-hours":
        grown = change.hours_after - change.hours_before
        said = f"{_signed(grown)} replica-hours a week"
    else:
        unpriced = [f.label for f in change.changed if rates.get(f.label) is None]
        if unpriced:
            return Verdict(
                False,
                f"`max-weekly-increase` is {limit}, and the weekly cost of {_list(unpriced)} "
                "cannot be known: give its price in the file (`prices`), or the limit in "
                "replica-hours",
            )
        grown = sum(
            (money(f.hours_after, rates[f.label]) or 0)
            - (money(f.hours_before, rates[f.label]) or 0)
            for f in change.changed
        )
        said = f"{_dollars(grown, signed=True)} a week"
    if grown > limit.amount:
        return Verdict(False, f"{said} is more than `max-weekly-increase` ({limit})")
    return Verdict(True, f"{said} is within `max-weekly-increase` ({limit})")


def parts(
    change: Change,
    rates: dict[str, Rate | None],
    judged: Verdict | None,
    secrets: Secrets,
    live: str | None = None,
) -> list[Part]:
    """The review's body, before its footer and marker, as parts to cut from."""
    found = [Part(_head(change, rates, judged, secrets))]
    rows = [_row(f, rates.get(f.label), secrets) for f in change.changed]
    if rows:
        table = [
            "| Function | Change | Warm minimum a week | Cost a week |",
            "| --- | --- | --- | --- |",
            *rows,
        ]
        found.append(Part("\n".join(table), Cut.LINES, "row", keep=2))
        stretches = [_stretch(f, s, change, secrets) for f in change.changed for s in f.stretches]
        count = len(stretches)
        found += [
            Part(
                f"<details><summary>Every difference over the coming {HORIZON_DAYS} days "
                f"({change.head.timezone}): {count} stretch{'es' * (count != 1)}</summary>"
            ),
            Part(
                "\n".join(
                    [
                        "| Function | When | Base | Pull request |",
                        "| --- | --- | --- | --- |",
                        *stretches,
                    ]
                ),
                Cut.LINES,
                "stretch",
                keep=2,
            ),
            Part("</details>"),
        ]
    drawn = chart(change)
    if drawn is not None:
        found.append(Part(drawn, Cut.WHOLE, "the chart"))
    found.append(Part(_prices(change, rates, secrets), Cut.LINES, "price", keep=1))
    if live is not None:
        found.append(Part(live, Cut.LINES, "row"))
    return found


def _head(
    change: Change, rates: dict[str, Rate | None], judged: Verdict | None, secrets: Secrets
) -> str:
    file = markdown(f"`{change.head.file}`", secrets)
    before, after = change.hours_before, change.hours_after
    kinds = [f.kind for f in change.functions]
    counts = ", ".join(
        f"{kinds.count(kind)} {kind}"
        for kind in ("changed", "added", "removed", "unchanged")
        if kind in kinds
    )
    lines = [
        f"### Sieve capacity review: {file}",
        "",
        f"**{_signed(after - before)} replica-hours a week** of warm minimum "
        f"({_hours(before)} → {_hours(after)}){_cost_total(change, rates)}. Functions: "
        f"{counts}.",
    ]
    if change.base is None:
        lines += ["", "The base branch has no such file: every function is added."]
    elif not change.head.functions:
        lines += ["", "The pull request deletes the file: every function is removed."]
    if "removed" in kinds:
        lines += [
            "",
            "A function removed from the file keeps the bounds it has when this lands (its "
            "bounds now, counted all week): the step no longer sets them.",
        ]
    if judged is not None:
        lines += ["", f"{'✅' if judged.passed else '❌'} {markdown(judged.why, secrets)}."]
    return "\n".join(lines)


def _cost_total(change: Change, rates: dict[str, Rate | None]) -> str:
    priced = [f for f in change.functions if rates.get(f.label) is not None]
    if not priced:
        return ""
    before = sum(money(f.hours_before, rates[f.label]) or 0 for f in priced)
    after = sum(money(f.hours_after, rates[f.label]) or 0 for f in priced)
    unpriced = len(change.functions) - len(priced)
    rest = f"; {unpriced} function{'s' * (unpriced != 1)} without a price" if unpriced else ""
    return (
        f", **{_dollars(after - before, signed=True)} a week** "
        f"({_dollars(before)} → {_dollars(after)}{rest})"
    )


def _row(function: FunctionChange, rate: Rate | None, secrets: Secrets) -> str:
    before, after = function.hours_before, function.hours_after
    count = len(function.stretches)
    what: str = function.kind
    if what == "changed":
        what = f"changed: {count} stretch{'es' * (count != 1)}"
    elif what == "removed":  # no longer set by the step: its bounds stay
        what = f"removed: keeps {_bounds(function.kept)}"
    hours = f"{_hours(before)} → {_hours(after)} replica-hours ({_signed(after - before)})"
    if rate is None:
        cost = "no price"
    else:
        old, new = money(before, rate) or 0, money(after, rate) or 0
        cost = f"{_dollars(old)} → {_dollars(new)} ({_dollars(new - old, signed=True)})"
    cells = [f"`{function.label}`", what, hours, cost]
    return row(cells, secrets)


def _stretch(function: FunctionChange, stretch: Stretch, change: Change, secrets: Secrets) -> str:
    kept = " (kept)" if function.kind == "removed" else ""
    cells = [
        f"`{function.label}`",
        _when(stretch.start, stretch.end, change),
        _bounds(stretch.before),
        _bounds(stretch.after) + kept,
    ]
    return row(cells, secrets)


def _when(start: datetime, end: datetime, change: Change) -> str:
    zone = change.head.zone
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        return f"{first:%a %d %b %H:%M}–{last:%H:%M}"
    return f"{first:%a %d %b %H:%M} – {last:%a %d %b %H:%M}"


def _bounds(bounds: Bounds | None) -> str:
    if bounds is None:
        return "not in the file"
    return f"{bounds.min}..{bounds.max}" if bounds.max is not None else f"min {bounds.min}"


def _prices(change: Change, rates: dict[str, Rate | None], secrets: Secrets) -> str:
    """Where each price came from (an estimate is said to be one)."""
    lines = [f"**Prices** (dollars per replica-hour; the week's cost is the warm minimum × "
             f"hours × price, over the coming {HORIZON_DAYS} days):"]  # fmt: skip
    for function in change.changed:
        rate = rates.get(function.label)
        said = "none: give one in the file's `prices`" if rate is None else (
            f"{_price(rate.dollars)}, {rate.source}"
        )  # fmt: skip
        lines.append(f"- {markdown(f'`{function.label}`: {said}', secrets)}")
    same = [f for f in change.functions if f.kind == "unchanged"]
    if same:
        priced = sum(rates.get(f.label) is not None for f in same)
        lines.append(
            f"- {len(same)} unchanged function{'s' * (len(same) != 1)} ({priced} with a price): "
            "the same cost before and after"
        )
    return "\n".join(lines)


def _price(dollars: float) -> str:
    """A price as written: cents when it has no finer part ($0.80), else 4 figures."""
    return f"${dollars:,.2f}" if round(dollars, 2) == dollars else f"${dollars:,.4g}"


def _hours(value: float) -> str:
    return f"{round(value, 1):,g}"


def _signed(value: float) -> str:
    rounded = round(value, 1)
    return f"+{rounded:,g}" if rounded > 0 else f"{rounded:,g}"


def _dollars(value: float, *, signed: bool = False) -> str:
    sign = "+" if signed and value > 0.005 else ("-" if value < -0.005 else "")
    return f"{sign}${abs(value):,.2f}"


def _list(labels: Sequence[str]) -> str:
    shown = ", ".join(f"`{label}`" for label in labels[:5])
    return shown + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
