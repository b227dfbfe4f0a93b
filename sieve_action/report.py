"""What the step tells the world: outputs, the job summary, and the closing log lines.

Pure functions from :class:`~sieve_action.record.TargetRun` records to text, so the
same report is written whatever ended the step. Values that come from Sieve are
untrusted text: they are escaped for Markdown here, and the outputs file is written
with a random delimiter by ``github-action-utils``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from .models import Version
from .plan import bound
from .record import Outcome, TargetRun
from .secrets import Secrets
from .shape import documented, dump
from .waiting import worker_counts

#: The keys of each ``results`` entry, in order, and what each holds.
RESULT_KEYS: dict[str, str] = {
    "target": "the target as given, `owner/function@version`",
    "version_id": "the resolved version ID",
    "build_status": "the build status last seen",
    "min_replicas": "the minimum after the step",
    "max_replicas": "the maximum after the step",
    "previous_min_replicas": "the minimum before",
    "previous_max_replicas": "the maximum before",
    "changed": "whether Sieve accepted an edit",
    "error": "why the target failed, or null",
    "smoke_test": "the smoke test, or null: for one object `job_id`, `status`, `seconds`, "
    "`error`; for an array of cases `status`, `seconds`, `cases`",
    "retired": "the earlier versions retired",
    "restored": "whether bounds this step raised were set back after a failure",
}
#: Every output, declared once: name and what it holds. ``action.yml``'s outputs and the
#: README's table are made from this (``scripts/sync.py``).
OUTPUTS: dict[str, str] = {
    "version-id": "The resolved version ID (never `latest`).",
    "build-status": "The build status last seen (`queued`, `building`, `pushing`, `deploying`, "
    "`ready` or `error`).",
    "min-replicas": "The minimum replicas after the step.",
    "max-replicas": "The maximum replicas after the step (empty when the version has no maximum).",
    "previous-min-replicas": "The minimum replicas before the step.",
    "previous-max-replicas": "The maximum replicas before the step.",
    "changed": "`true` when Sieve accepted an edit (in a dry run: when one would be sent), "
    "else `false`.",
    "ready-at": "When the version became ready (UTC), or empty.",
    "workers": "The version's `current_workers` object as JSON, or empty.",
    "version": "The whole version object as JSON, as Sieve last returned it.",
    "smoke-test-job-id": "The ID of the smoke test job (for one object), or empty.",
    "smoke-test-status": "For one object, how its job ended as Sieve last reported it "
    "(`finished`, `error`, `cancelled`; another status when it could not be stopped); for "
    "an array of cases, `passed` or `failed`; empty when no job ran.",
    "smoke-test-seconds": "Seconds from pushing the smoke test jobs to their ends, or empty.",
    "smoke-tests": "A JSON array with one object per smoke test case: `name`, `job_id`, "
    "`status`, `seconds`, `passed`, `why` (why it failed), `cost` (dollars, when Sieve "
    "says); `[]` without a smoke test.",
    "retired": "A JSON array of the earlier versions retired (in a dry run: that would "
    "be), each `version_id` and `previous_min_replicas`; `[]` when none.",
    "restored": "`true` when a target failed after the step raised its bounds and they were "
    "set back (`restore-on-failure`), else `false`.",
    "results": "A JSON array with one object per target: "
    + ", ".join(f"`{key}`" for key in RESULT_KEYS)
    + "; `[]` when the inputs were refused. With `capacity-file` or `capacity`, one per "
    "function, each also with `reason` (why its bounds hold now) and `next_change` (the first "
    "change over the coming 7 days: `at` in ISO 8601 UTC, `min`, `max`; or null).",
    "drift": "With `capacity-file` or `capacity`: a JSON array of the functions whose live "
    "bounds matched neither the schedule's now nor those before its latest change (changed by "
    "hand), each `function`, `live` and `intended` (`min`, `max`) and `since` (when the intended "
    "bounds started to hold, ISO 8601 UTC, or null); `[]` when none. Empty otherwise.",
}
OUTPUT_NAMES = tuple(OUTPUTS)
_CELL_LIMIT = 120
#: The largest ``version`` output: a version is a few KB, and GitHub keeps a job's
#: outputs under 1 MB. Over it, the output holds only the fields Sieve documents.
VERSION_OUTPUT_LIMIT = 256 * 1024
#: GitHub refuses a step summary over 1 MiB (docs/github-runner.md) and loses all of
#: it; a fleet's table is cut to stay well under.
SUMMARY_LIMIT = 900 * 1024
# Inside a table cell only these change how text renders, with < > & (HTML) escaped first.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
_ICON: dict[Outcome, str] = {
    "ok": "✅",
    "build-error": "❌",
    "failed": "❌",
    "timeout": "⏱️",
    "cancelled": "🛑",
    "pending": "…",
}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def after_bounds(run: TargetRun, dry_run: bool) -> tuple[int | None, int | None]:
    """The bounds once the step is done: Sieve's answer, or the plan in a dry run."""
    if (dry_run or run.current is None) and run.min_after is not None:
        return run.min_after, run.max_after
    version = run.current
    return (version.minimum_replicas, version.maximum_replicas) if version else (None, None)


def _json(model: object | None, secrets: Secrets) -> str:
    if model is None:
        return ""
    return json.dumps(secrets.scrub_json(dump(model)))


def result_object(run: TargetRun, dry_run: bool) -> dict[str, Any]:
    """One entry of the ``results`` output."""
    low, high = after_bounds(run, dry_run)
    before = run.before
    values = {
        "target": run.target.label,
        "version_id": run.version_id,
        "build_status": run.current.build_status if run.current else None,
        "min_replicas": low,
        "max_replicas": high,
        "previous_min_replicas": before.minimum_replicas if before else None,
        "previous_max_replicas": before.maximum_replicas if before else None,
        "changed": run.changed,
        "error": run.error,
        "smoke_test": _smoke_object(run),
        "retired": [
            {"version_id": r.version_id, "previous_min_replicas": r.previous_min_replicas}
            for r in run.retired
        ],
        "restored": run.restored == "restored",
    }
    assert list(values) == list(RESULT_KEYS)
    return values


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def _smoke_object(run: TargetRun) -> dict[str, Any] | None:
    smoke = run.smoke
    if smoke is None or not smoke.ran:
        return None
    if not smoke.plan.listed:
        test = smoke.cases[0]
        return {"job_id": test.job_id, "status": test.status, "seconds": _round(test.seconds),
                "error": test.error}  # fmt: skip
    return {"status": smoke.status, "seconds": _round(smoke.seconds), "cases": _cases(run)}


def _cases(run: TargetRun) -> list[dict[str, Any]]:
    """The ``smoke-tests`` output: one object per case."""
    if run.smoke is None:
        return []
    return [
        {
            "name": test.case.name,
            "job_id": test.job_id,
            "status": test.status,
            "seconds": _round(test.seconds),
            "passed": test.passed,
            "why": test.why() if test.job_id else "not run",
            "cost": test.cost,
        }
        for test in run.smoke.cases
    ]


def results(runs: Sequence[TargetRun], dry_run: bool, secrets: Secrets) -> list[Any]:
    """The ``results`` output (and the CLI's ``--json``), secrets scrubbed."""
    return [secrets.scrub_json(result_object(run, dry_run)) for run in runs]


def outputs(runs: Sequence[TargetRun], dry_run: bool, secrets: Secrets) -> dict[str, str]:
    """Step outputs; a null is the empty string. Single-target outputs need one target;
    a step refused before any target says only that nothing changed."""
    entries = results(runs, dry_run, secrets)
    values = {"results": json.dumps(entries)}
    if not runs:
        return {"changed": "false", **values}
    if any(run.undo for run in runs):  # an undo is a fleet that says whether it changed
        return {"changed": "true" if any(run.changed for run in runs) else "false", **values}
    if len(runs) != 1:
        return values
    run, result = runs[0], result_object(runs[0], dry_run)
    smoke = result["smoke_test"]
    current = run.current
    workers = current.current_workers if current else None
    values.update(
        {
            "version-id": secrets.scrub(_text(result["version_id"])),
            "build-status": secrets.scrub(_text(result["build_status"])),
            "min-replicas": _text(result["min_replicas"]),
            "max-replicas": _text(result["max_replicas"]),
            "previous-min-replicas": _text(result["previous_min_replicas"]),
            "previous-max-replicas": _text(result["previous_max_replicas"]),
            "changed": "true" if run.changed else "false",
            "ready-at": secrets.scrub(_text(current.ready_at if current else None)),
            "workers": _json(workers, secrets),
            "version": _version_json(current, secrets),
            "smoke-test-job-id": secrets.scrub(_text(smoke.get("job_id") if smoke else None)),
            "smoke-test-status": secrets.scrub(_text(smoke["status"] if smoke else None)),
            "smoke-test-seconds": _text(smoke["seconds"] if smoke else None),
            "smoke-tests": json.dumps(secrets.scrub_json(_cases(run))),
            "retired": json.dumps(entries[0]["retired"]),
            "restored": "true" if run.restored == "restored" else "false",
            "drift": "",  # a capacity step's (capacity_report.outputs)
        }
    )
    return values


def _version_json(version: Version | None, secrets: Secrets) -> str:
    text = _json(version, secrets)
    if version is None or len(text) <= VERSION_OUTPUT_LIMIT:
        return text
    return json.dumps(secrets.scrub_json(documented(version)))


def output_warnings(runs: Sequence[TargetRun], secrets: Secrets) -> list[str]:
    """What the outputs had to leave out, to say so in the log."""
    version = runs[0].current if len(runs) == 1 else None
    if version is None or len(_json(version, secrets)) <= VERSION_OUTPUT_LIMIT:
        return []
    return [
        f"Sieve's answer for version {version.id} is over {VERSION_OUTPUT_LIMIT // 1024} KiB: "
        "the `version` output holds only the fields Sieve documents"
    ]


def cell(value: object, secrets: Secrets) -> str:
    """Text that stays inside one Markdown table cell and renders as itself. Secrets are
    scrubbed first: escaping or cutting the text could hide a secret from a later scrub."""
    return markdown(value, secrets, _CELL_LIMIT) or " "


def markdown(value: object, secrets: Secrets, limit: int | None = None) -> str:
    """Text on one line that renders as itself, cut to ``limit`` characters when given
    (before escaping, so no escape is cut in half), the secrets scrubbed first."""
    text = " ".join(secrets.scrub(_text(value)).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _bounds_change(before: int | None, after: int | None, known_before: bool) -> str:
    if not known_before:
        return bound(after) if after is not None else "?"
    return bound(before) if before == after else f"{bound(before)} → {bound(after)}"


def _utc(stamp: str) -> str:
    """Sieve's UTC timestamps, with or without a zone suffix or fractions of a second,
    shown the same way: ``2024-12-15 01:43:10 UTC``."""
    for suffix in ("Z", "+00:00"):
        stamp = stamp.removesuffix(suffix)
    return stamp.replace("T", " ").split(".")[0] + " UTC"


def _status(run: TargetRun) -> str:
    return run.current.build_status if run.current else "unknown"


def refused_summary(problems: Sequence[str], secrets: Secrets) -> str:
    """The summary of a step refused before any request: why, and that nothing changed."""
    lines = ["### ❌ Sieve scaling: nothing was sent", ""]
    lines += [f"- {cell(problem, secrets)}" for problem in problems]
    return "\n".join(lines) + "\n"


def summary(runs: Sequence[TargetRun], dry_run: bool, secrets: Secrets) -> str:
    """The job summary: a key/value table for one target, a row per target for a fleet."""
    title = "Sieve scaling" + (" (dry run: nothing was sent)" if dry_run else "")
    if any(run.undo for run in runs):
        return _undo_summary(runs, dry_run, secrets)
    if len(runs) == 1:
        return _summary_one(runs[0], dry_run, title, secrets)
    failed = sum(run.failed for run in runs)
    changed = sum(run.changed and not run.failed for run in runs)
    unchanged = sum(not run.changed and not run.failed for run in runs)
    verb = "would change" if dry_run else "changed"
    lines = [
        f"### {title}",
        "",
        f"{len(runs)} targets: {changed} {verb}, {unchanged} already as asked, {failed} failed.",
        "",
    ]
    smoke = any(run.smoke is not None for run in runs)
    retire = any(run.retire for run in runs)
    extra = ["Smoke test"] * smoke + ["Earlier versions"] * retire
    header = ["", "Target", "Version", "Build", "Min", "Max", *extra, "Note"]
    table = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    table += [_fleet_row(run, dry_run, secrets, smoke, retire) for run in runs]
    retired = [line for run in runs for line in _retired_rows(run, secrets)]
    if retired:
        retired = ["", _retired_heading(dry_run), "", *_RETIRED_HEADER, *retired]
    return _within_limit(lines, table, retired)


def _fleet_row(run: TargetRun, dry_run: bool, secrets: Secrets, smoke: bool, retire: bool) -> str:
    low, high = after_bounds(run, dry_run)
    before = run.before
    known = before is not None
    cells = [
        _ICON[run.outcome],
        cell(run.target.label, secrets),
        cell(run.version_id or "?", secrets),
        cell(_status(run), secrets),
        cell(_bounds_change(before.minimum_replicas if before else None, low, known), secrets),
        cell(_bounds_change(before.maximum_replicas if before else None, high, known), secrets),
        *([cell(_smoke_text(run, dry_run), secrets)] if run.smoke else [" "] * smoke),
        *([cell(_retire_text(run, dry_run), secrets)] if run.retire else [" "] * retire),
        cell(run.error or _change_note(run, dry_run), secrets),
    ]
    return "| " + " | ".join(cells) + " |"


def _change_note(run: TargetRun, dry_run: bool) -> str:
    if run.changed:
        return "would change" if dry_run else "changed"
    return "no change"


def _within_limit(head: list[str], table: list[str], tail: list[str]) -> str:
    """The summary, its tables cut at a row so that it stays under
    :data:`SUMMARY_LIMIT`, with a line saying what was cut."""
    text = "\n".join([*head, *table, *tail]) + "\n"
    if len(text.encode()) <= SUMMARY_LIMIT:
        return text
    budget = SUMMARY_LIMIT // 2  # each table gets half; the lines around are small
    kept_table = _rows_within(table, budget)
    kept_tail = _rows_within(tail, budget)
    cut = (len(table) - len(kept_table)) + (len(tail) - len(kept_tail))
    note = (
        f"*{cut} rows are not shown: GitHub keeps a step summary under 1 MiB. "
        "The `results` output holds every target.*"
    )
    return "\n".join([*head, *kept_table, "", note, *kept_tail]) + "\n"


def _rows_within(lines: list[str], budget: int) -> list[str]:
    kept, size = [], 0
    for line in lines:
        size += len(line.encode()) + 1
        if size > budget:
            break
        kept.append(line)
    return kept


def _summary_one(run: TargetRun, dry_run: bool, title: str, secrets: Secrets) -> str:
    low, high = after_bounds(run, dry_run)
    before = run.before
    known = before is not None
    rows = [
        ("Function", f"{run.target.owner}/{run.target.function}"),
        ("Version", run.version_id or f"{run.target.version} (not resolved)"),
        ("Build status", _status(run)),
        ("Min replicas", _bounds_change(before.minimum_replicas if before else None, low, known)),
        ("Max replicas", _bounds_change(before.maximum_replicas if before else None, high, known)),
        ("Changed", _changed(run, dry_run)),
        ("Workers", _workers(run)),
        (
            "Ready at",
            _utc(run.current.ready_at) if run.current and run.current.ready_at else "not yet",
        ),
        ("Waited", _waited(run)),
    ]
    if run.smoke is not None:
        rows.append(("Smoke test", _smoke_text(run, dry_run)))
        if run.smoke.cost is not None:
            rows.append(("Smoke test cost", f"${run.smoke.cost:,.4f}, as Sieve reports it"))
    if run.retire:
        rows.append(("Earlier versions", _retire_text(run, dry_run)))
    if run.restore_note is not None:
        rows.append(("Restored" if run.restored != "would" else "On failure", run.restore_note))
    lines = [f"### {_ICON[run.outcome]} {title}", "", "| | |", "| --- | --- |"]
    lines += [f"| {name} | {cell(value, secrets)} |" for name, value in rows]
    if run.error:
        lines += ["", f"**Failed:** {cell(run.error, secrets)}"]
    lines += _cases_table(run, secrets)
    retired = _retired_rows(run, secrets)
    if retired:
        lines += ["", _retired_heading(dry_run), "", *_RETIRED_HEADER, *retired]
    return "\n".join(lines) + "\n"


def _workers(run: TargetRun) -> str:
    return worker_counts(run.current.current_workers if run.current else None)


def _waited(run: TargetRun) -> str:
    if run.waited is None:
        return "did not wait"
    return f"{run.waited:.1f} s" + (f" (reached {run.reached})" if run.reached else "")


def _smoke_text(run: TargetRun, dry_run: bool) -> str:
    smoke = run.smoke
    assert smoke is not None
    if not smoke.ran:
        return "would run once the version is ready" if dry_run else "did not run"
    if smoke.plan.listed:
        passed = sum(test.passed for test in smoke.cases)
        return f"{smoke.status}: {passed} of {len(smoke.cases)} cases passed"
    test = smoke.cases[0]
    took = "" if test.seconds is None else f" after {test.seconds:.1f} s"
    said = f": {test.error}" if test.error else ""
    if test.stop == "failed":
        return f"job {test.job_id}: last seen `{test.status}`{took}; could not be cancelled, " \
            "check it on Sieve"  # fmt: skip
    if test.stop == "ended":
        said += " (it had already ended when the step cancelled it)"
    outputs = f" ({test.outputs} output{'' if test.outputs == 1 else 's'}, not shown)"
    return f"job {test.job_id}: {test.status}{took}{said}" + (outputs if test.passed else "")


def _cases_table(run: TargetRun, secrets: Secrets) -> list[str]:
    """The cases of an array smoke test, one row each; outputs are never shown whole."""
    smoke = run.smoke
    if smoke is None or not smoke.plan.listed or not smoke.ran:
        return []
    lines = [
        "",
        "**Smoke test cases:**",
        "",
        "| | Case | Job | Status | Seconds | Why it failed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for test in smoke.cases:
        icon = {"passed": "✅", "failed": "❌", "not run": "…"}[test.verdict()]
        seconds = "" if test.seconds is None else f"{test.seconds:.1f}"
        why = test.why() or ("did not run" if test.job_id is None else "")
        cells = [test.case.name, test.job_id or "", test.status or "", seconds, why]
        lines.append(f"| {icon} | " + " | ".join(cell(c, secrets) for c in cells) + " |")
    return lines


def _retire_text(run: TargetRun, dry_run: bool) -> str:
    verb = "would retire" if dry_run else "retired"
    done = f"{verb} {len(run.retired)}: minimum replicas set to 0 (maximum unchanged)"
    if run.retire_skipped:
        if run.retired:  # stopped part-way: what was done stays done
            return f"{done}, then stopped: {run.retire_skipped}"
        return f"left as they were: {run.retire_skipped}"
    if not run.retire_done:
        return "not reached"
    if not run.retired:
        return "none had warm replicas"
    return done


_RETIRED_HEADER = [
    "| Target | Version | Min replicas before | Cost, last 24 h |",
    "| --- | --- | --- | --- |",
]


def _retired_heading(dry_run: bool) -> str:
    return (
        f"**{'Would retire' if dry_run else 'Retired'}** (cost over the last 24 h is past cost "
        "as Sieve reports it, not a forecast):"
    )


def _retired_rows(run: TargetRun, secrets: Secrets) -> list[str]:
    rows = []
    for item in run.retired:
        cost = "not known" if item.cost_dollars is None else f"${item.cost_dollars:,.2f}"
        if item.note:
            cost += f" ({item.note})"
        rows.append(
            f"| {cell(run.target.label, secrets)} | {cell(item.version_id, secrets)} | "
            f"{item.previous_min_replicas} | {cell(cost, secrets)} |"
        )
    return rows


def _changed(run: TargetRun, dry_run: bool) -> str:
    if run.changed:
        return "would change" if dry_run else "yes"
    return "no (the edit failed)" if run.edit_due and not dry_run else "no"


def closing_line(run: TargetRun, dry_run: bool) -> str:
    """One line for the log: what happened to this target, the smoke test and the
    versions retired included."""
    if run.version_id is None:
        return f"{run.target.label}: {run.outcome}, its version not resolved"
    low, high = after_bounds(run, dry_run)
    where = f"{run.target.label} → {run.version_id}"
    bounds = f"replicas {low}..{bound(high)}" if low is not None else "replicas unknown"
    verb = ("would change" if dry_run else "changed") if run.changed else "unchanged"
    parts = [f"{bounds} ({verb})"]
    parts.append(run.reached or f"build {_status(run)}")
    smoke = run.smoke
    if smoke is not None and smoke.ran:
        parts.append(f"smoke test {smoke.status}")
    if run.retire and run.retire_done:
        parts.append(f"{'would retire' if dry_run else 'retired'} {len(run.retired)}")
    if run.restored in {"restored", "left", "failed"}:
        parts.append({"restored": "bounds set back", "left": "bounds left (changed meanwhile)",
                      "failed": "bounds NOT set back"}[run.restored])  # fmt: skip
    text = f"{where}: " + ", ".join(parts)
    return text if run.outcome == "ok" else f"{text}; {run.outcome}"


# -- an undo of a promotion (sieve_action.undo) ------------------------------------------
def _undo_summary(runs: Sequence[TargetRun], dry_run: bool, secrets: Secrets) -> str:
    """Which versions went back to which minimum, and the bounds of the version that
    replaced them: one row each, the replacing version first."""
    icon = "✅" if all(run.outcome == "ok" for run in runs) else _ICON[_worst(runs)]
    title = "Undo of a promotion" + (" (dry run: nothing was sent)" if dry_run else "")
    back = [run for run in runs if run.undo == "retired"]
    verb = "would go" if dry_run else "went"
    done = sum(run.outcome == "ok" for run in back)
    lines = [
        f"### {icon} {title}",
        "",
        f"{done} of {len(back)} retired versions {verb} back to their previous minimum; "
        "the version that replaced them got the bounds given.",
        "",
    ]
    header = ["", "Function", "Version", "Part", "Min", "Max", "Note"]
    table = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for run in runs:
        low, high = after_bounds(run, dry_run)
        before, known = run.before, run.before is not None
        part = (
            "replaced them"
            if run.undo == "replacing"
            else f"retired; back to minimum {run.target.min_replicas}"
        )
        cells = [
            _ICON[run.outcome],
            cell(f"{run.target.owner}/{run.target.function}", secrets),
            cell(run.version_id or run.target.version, secrets),
            cell(part, secrets),
            cell(_bounds_change(before.minimum_replicas if before else None, low, known), secrets),
            cell(_bounds_change(before.maximum_replicas if before else None, high, known), secrets),
            cell(run.error or run.restore_note or _change_note(run, dry_run), secrets),
        ]
        table.append("| " + " | ".join(cells) + " |")
    return _within_limit(lines, table, [])


def _worst(runs: Sequence[TargetRun]) -> Outcome:
    worst: tuple[Outcome, ...] = ("failed", "build-error", "cancelled", "timeout", "pending")
    return next((o for o in worst if any(run.outcome == o for run in runs)), "ok")
