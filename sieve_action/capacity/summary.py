"""What a capacity step tells the world, beside a fleet's report: each function's bounds
now and why, its live bounds before the run, a late change or drift, the next changes
over the coming week, and the warm-minimum commitment; the ``drift`` output, and the
``reason`` and ``next_change`` each ``results`` entry gains.

Times a reader sees are in the file's zone; times in outputs are ISO 8601 UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ..contract.outputs import HORIZON_DAYS
from ..report.markdown import cell, markdown, row
from ..report.results import after_bounds, results
from ..scaling.edit import bound
from ..secrets import Secrets
from .model import Bounds
from .schedule import Outlook
from .step import CapacityReport, Intent, Observed

#: The next changes listed per function in the summary (a week of windows is rarely more).
MAX_CHANGES_SHOWN = 40


def iso(moment: datetime | None) -> str | None:
    """An instant as the outputs give it: ``2026-12-24T19:00:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bounds_object(bounds: Bounds) -> dict[str, int | None]:
    return {"min": bounds.min, "max": bounds.max}


def next_change(outlook: Outlook) -> dict[str, Any] | None:
    """The first coming change: ``{at, min, max}`` (``max`` null: left as it is)."""
    if not outlook.changes:
        return None
    change = outlook.changes[0]
    return {"at": iso(change.at), **_bounds_object(change.bounds)}


def capacity_results(report: CapacityReport, dry_run: bool, secrets: Secrets) -> list[Any]:
    """The ``results`` output of a capacity step: a fleet's, each entry with ``reason``
    (why the bounds hold now) and ``next_change``."""
    runs = [f.run for f in report.functions]
    entries = results(runs, dry_run, secrets)
    for entry, function in zip(entries, report.functions, strict=True):
        entry["reason"] = function.outlook.in_effect.reason
        entry["next_change"] = next_change(function.outlook)
    return [secrets.scrub_json(entry) for entry in entries]


def drift(report: CapacityReport) -> list[dict[str, Any]]:
    """The ``drift`` output: live bounds that match neither the bounds in effect nor
    those just before the latest change (changed by hand)."""
    found = []
    for function in report.drift:
        live = function.live
        assert live is not None
        effect = function.outlook.in_effect
        found.append(
            {
                "function": function.run.target.label,
                "live": _bounds_object(live),
                "intended": _bounds_object(effect.bounds),
                "since": iso(effect.since),
            }
        )
    return found


def capacity_outputs(report: CapacityReport, dry_run: bool, secrets: Secrets) -> dict[str, str]:
    """The outputs a capacity step adds to (or changes in) a fleet's."""
    return {
        "results": json.dumps(capacity_results(report, dry_run, secrets)),
        "drift": json.dumps(secrets.scrub_json(drift(report))),
    }


# -- words ---------------------------------------------------------------------


def short(bounds: Bounds) -> str:
    """``2..8``; a max the schedule leaves as it is: ``min 2, max unchanged``."""
    return (
        f"min {bounds.min}, max unchanged" if bounds.max is None else f"{bounds.min}..{bounds.max}"
    )


def local(intent: Intent, moment: datetime, *, day: bool = True) -> str:
    """An instant on the file's wall clock: ``Thu 24 Dec 20:00 CET`` (or ``20:00``)."""
    wall = moment.astimezone(intent.schedule.zone)
    return wall.strftime("%a %d %b %H:%M %Z" if day else "%H:%M")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02} min"
    return f"{hours // 24} days {hours % 24} h"


def schedule_note(intent: Intent, function: Observed, dry_run: bool) -> str:
    """How the live bounds compared: as intended, a late change (due when, applied when),
    or drift; empty when they were not read."""
    status = function.status
    if status is None:
        return "live bounds not read"
    if status.kind == "as-intended":
        return "as scheduled"
    applied = function.run.changed and not function.run.failed
    if status.kind == "late":
        if status.due is None:
            return "late: the override was not applied yet" + (
                "; applied now" if applied and not dry_run else ""
            )
        zone = intent.schedule.zone
        same_day = status.due.astimezone(zone).date() == intent.now.astimezone(zone).date()
        due = local(intent, status.due, day=not same_day)
        now = local(intent, intent.now, day=not same_day)
        late = _duration(intent.now - status.due)
        if dry_run:
            return f"late: due {due}, not applied at {now} ({late} late)"
        if applied:
            return f"late: due {due}, applied {now} ({late} late)"
        return f"late: due {due}, still not applied at {now} ({late} late)"
    live = function.live
    assert live is not None
    fix = "would be set back" if dry_run else ("set back" if applied else "not set back")
    return (
        f"drift: live {live.min}..{bound(live.max)} match neither the schedule's now nor "
        f"before its latest change (changed by hand?); {fix}"
    )


def log_lines(intent: Intent) -> list[str]:
    """One line per function before any request: its bounds now, why, and what comes next."""
    lines = []
    for outlook in intent.outlooks:
        effect = outlook.in_effect
        text = f"{outlook.function.label}: {effect.bounds} now ({effect.reason})"
        if outlook.changes:
            change = outlook.changes[0]
            text += f"; next {local(intent, change.at)}: {change.bounds} ({change.reason})"
        lines.append(text)
    return lines


def _result(function: Observed, dry_run: bool) -> str:
    run = function.run
    if run.error:
        return f"failed: {run.error}"
    if run.changed:
        low, high = after_bounds(run, dry_run)
        return f"{'would change' if dry_run else 'changed'} to {low}..{bound(high)}"
    return "no change" if run.before is not None else "not read"


def summary(report: CapacityReport, dry_run: bool, secrets: Secrets) -> str:
    """The capacity part of the job summary (the fleet's table follows it): each
    function's status and its next change first, then the commitment, then the whole
    week ahead folded away (a week of windows for many functions is a long table)."""
    intent = report.intent
    schedule = intent.schedule
    title = "Sieve capacity" + (" (dry run: the plan, nothing was sent)" if dry_run else "")
    lines = [
        f"### {title}",
        "",
        f"`{markdown(schedule.file, secrets)}`, times in {schedule.timezone}; now "
        f"{local(intent, intent.now)} ({intent.now:%H:%M} UTC).",
        "",
        *status_table(report, dry_run, secrets),
    ]
    hours = ", ".join(
        f"{cell(f.run.target.label, secrets)} {round(f.outlook.replica_hours, 1):g}"
        for f in report.functions
    )
    lines += [
        "",
        f"**Warm-minimum commitment** (min × hours over the coming {HORIZON_DAYS} days): {hours}; "
        f"total **{round(intent.replica_hours, 1):g} replica-hours**.",
    ]
    for warning in intent.warnings:
        lines += ["", f"⚠️ {markdown(warning, secrets)}"]
    lines += _week(report, secrets)
    return "\n".join(lines) + "\n\n"


def status_table(report: CapacityReport, dry_run: bool, secrets: Secrets) -> list[str]:
    """One row per function: its bounds now and why, the live bounds read before the
    run, what the run did (or would), how they compared, and its next change."""
    intent = report.intent
    lines = [
        "| Function | Bounds now | Why | Live before | This run | Schedule | Next change |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for function in report.functions:
        effect, live = function.outlook.in_effect, function.live
        cells = [
            function.run.target.label,
            short(effect.bounds),
            effect.reason,
            "?" if live is None else f"{live.min}..{bound(live.max)}",
            _result(function, dry_run),
            schedule_note(intent, function, dry_run),
            _next(intent, function.outlook),
        ]
        lines.append(row(cells, secrets))
    return lines


def _next(intent: Intent, outlook: Outlook) -> str:
    if not outlook.changes:
        return f"none in {HORIZON_DAYS} days"
    change = outlook.changes[0]
    return f"{local(intent, change.at)}: {short(change.bounds)} ({change.reason})"


def _week(report: CapacityReport, secrets: Secrets) -> list[str]:
    """Every change over the coming week, one row each, folded in ``<details>``."""
    intent = report.intent
    count = sum(len(f.outlook.changes) for f in report.functions)
    lines = [
        "",
        f"<details><summary>The week ahead: {count} change{'s' * (count != 1)} over "
        f"{HORIZON_DAYS} days ({intent.schedule.timezone})</summary>",
        "",
        "| Function | When | To | Why |",
        "| --- | --- | --- | --- |",
    ]
    for function in report.functions:
        label = cell(function.run.target.label, secrets)
        changes = function.outlook.changes
        if not changes:
            lines.append(f"| {label} | none | | |")
        for change in changes[:MAX_CHANGES_SHOWN]:
            when, why = local(intent, change.at), cell(change.reason, secrets)
            lines.append(f"| {label} | {when} | {short(change.bounds)} | {why} |")
        if len(changes) > MAX_CHANGES_SHOWN:
            lines.append(f"| {label} | … {len(changes) - MAX_CHANGES_SHOWN} more | | |")
    return [*lines, "", "</details>"]
