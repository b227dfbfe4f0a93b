"""The week as a Mermaid gantt chart: for each function the change touches, a lane for the
base's file and one for the pull request's, each bar a stretch with warm replicas (its
bounds as its label). GitHub renders Mermaid in comments and job summaries alike.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..capacity.model import Bounds
from ..capacity.schedule import HORIZON
from .change import Change, FunctionChange, lanes

#: The most functions drawn (two lanes each); the table lists every one.
MAX_FUNCTIONS = 12
_FORMAT = "%Y-%m-%d %H:%M"
#: Pixels left of the chart for a lane's name (``acme/whisper · pull request``).
_PADDING = 230


def chart(change: Change) -> str | None:
    """The chart, as a ```` ```mermaid ```` block, or None when nothing changed."""
    drawn = [f for f in change.functions if f.kind != "unchanged"][:MAX_FUNCTIONS]
    if not drawn:
        return None
    zone = change.head.zone
    lines = [
        "```mermaid",
        "---",
        "displayMode: compact",
        "config:",
        "  gantt:",
        f"    leftPadding: {_PADDING}",  # room for the lanes' names
        "---",
        "gantt",
        f"    title Warm minimum over the week, base and pull request ({change.head.timezone})",
        "    dateFormat YYYY-MM-DD HH:mm",
        "    axisFormat %a %d",
        "    tickInterval 1day",
        "    todayMarker off",
    ]
    for function in drawn:
        base, head = lanes(function, change.now)
        kept = " (kept)" if function.kind == "removed" else ""
        for side, line, style in (
            ("base", base, ""),
            (f"pull request{kept}", head, "active, "),
        ):
            lines.append(f"    section {_name(function)} · {side}")
            bars = _bars(line, change.now, zone)
            if not bars:
                # A lane with no bar would vanish; one empty bar says "none" at the start.
                start = change.now.astimezone(zone).strftime(_FORMAT)
                lines.append(f"    none :{style}{start}, 1m")
            for label, begin, end in bars:
                lines.append(f"    {label} :{style}{begin}, {end}")
    lines.append("```")
    return "\n".join(lines)


def _name(function: FunctionChange) -> str:
    """The function as a section's title (no ``:``, ``;`` or ``#``: they end one)."""
    return function.label.removesuffix("@latest")


def _bars(
    line: list[tuple[datetime, Bounds | None]], now: datetime, zone: ZoneInfo
) -> list[tuple[str, str, str]]:
    """The stretches with a warm minimum: label, start and end, on the zone's clock."""
    end = now + HORIZON
    found = []
    for (start, bounds), (stop, _) in zip(line, [*line[1:], (end, None)], strict=True):
        if bounds is None or bounds.min == 0:
            continue
        label = f"{bounds.min}..{bounds.max}" if bounds.max is not None else f"min {bounds.min}"
        found.append(
            (
                label,
                start.astimezone(zone).strftime(_FORMAT),
                stop.astimezone(zone).strftime(_FORMAT),
            )
        )
    return found
