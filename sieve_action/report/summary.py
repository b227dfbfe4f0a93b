"""The Markdown job summaries: one target's table, a fleet's rows, an undo's, and a step
refused before any request. Every value from Sieve or a user goes through
:mod:`.markdown` (scrubbed, then escaped or cut).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..scaling.edit import bound
from ..scaling.record import Outcome, TargetRun
from ..scaling.waiting import worker_counts
from ..secrets import Secrets
from .markdown import cell, markdown, row, within_limit
from .results import after_bounds, last_status

_ICON: dict[Outcome, str] = {
    "ok": "✅",
    "build-error": "❌",
    "failed": "❌",
    "timeout": "⏱️",
    "cancelled": "🛑",
    "pending": "…",
}


def bounds_cells(run: TargetRun, dry_run: bool) -> tuple[str, str]:
    """The minimum and the maximum as the summary shows them: ``before → after`` when
    the step changed one (or would, in a dry run), else the value; ``?`` when unknown."""
    low, high = after_bounds(run, dry_run)
    before = run.before
    if before is None:
        return ("?" if low is None else bound(low)), ("?" if high is None else bound(high))
    return _change(before.minimum_replicas, low), _change(before.maximum_replicas, high)


def _change(before: int | None, after: int | None) -> str:
    return bound(before) if before == after else f"{bound(before)} → {bound(after)}"


def _utc(stamp: str) -> str:
    """Sieve's UTC timestamps, with or without a zone suffix or fractions of a second,
    shown the same way: ``2024-12-15 01:43:10 UTC``."""
    for suffix in ("Z", "+00:00"):
        stamp = stamp.removesuffix(suffix)
    return stamp.replace("T", " ").split(".")[0] + " UTC"


def refused_summary(problems: Sequence[str], secrets: Secrets) -> str:
    """The summary of a step refused before any request: why, and that nothing changed."""
    head = ["### ❌ Sieve scaling: nothing was sent", ""]
    bullets = [f"- {markdown(problem, secrets)}" for problem in problems]
    return within_limit(head, bullets, [], "The log has every error.")


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
    restore = _restore_column(runs)
    extra = ["Smoke test"] * smoke + ["Earlier versions"] * retire + ["Restored"] * restore
    header = ["", "Target", "Version", "Build", "Min", "Max", *extra, "Note"]
    table = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    table += [_fleet_row(run, dry_run, secrets, smoke, retire, restore) for run in runs]
    retired = [line for run in runs for line in _retired_rows(run, secrets)]
    if retired:
        retired = ["", _retired_heading(dry_run), "", *_RETIRED_HEADER, *retired]
    return within_limit(lines, table, [*_failures(runs, secrets), *retired])


def _failures(runs: Sequence[TargetRun], secrets: Secrets) -> list[str]:
    """Why each failed target failed, whole (a table cell would cut it): one line each."""
    lines = []
    for run in runs:
        if run.error:
            error = run.error.removeprefix(f"`{run.target.label}`: ")
            lines.append(
                f"- <code>{cell(run.target.label, secrets)}</code>: {markdown(error, secrets)}"
            )
    return ["", "**Why each failed:**", "", *lines] if lines else []


def _fleet_row(
    run: TargetRun, dry_run: bool, secrets: Secrets, smoke: bool, retire: bool, restore: bool
) -> str:
    cells = [
        _ICON[run.outcome],
        cell(run.target.label, secrets),
        cell(run.version_id or "?", secrets),
        cell(last_status(run), secrets),
        *(cell(text, secrets) for text in bounds_cells(run, dry_run)),
        *([cell(_smoke_text(run, dry_run), secrets)] if run.smoke else [" "] * smoke),
        *([cell(_retire_text(run, dry_run), secrets)] if run.retire else [" "] * retire),
        *([cell(restore_words(run) or "", secrets)] * restore),
        cell(_note(run, dry_run), secrets),
    ]
    return "| " + " | ".join(cells) + " |"


def _restore_column(runs: Sequence[TargetRun]) -> bool:
    """Whether a table needs a Restored column: a target failed, or one has a word on
    restoring (a dry run's "would go back")."""
    return any(run.failed or run.restore_note for run in runs)


def restore_words(run: TargetRun) -> str | None:
    """Whether the bounds a failed target's step raised were set back, and why not when
    they were not; a dry run's word on what would be; None for a target that passed."""
    if run.restore_note is not None:
        return run.restore_note
    if not run.failed:
        return None
    if run.raised() is None:
        return "nothing to set back: the step raised no bound"
    return "not set back: restore-on-failure is false"


def _note(run: TargetRun, dry_run: bool) -> str:
    if run.failed:
        return f"{run.outcome}: why, below"
    if run.changed:
        return "would change" if dry_run else "changed"
    return "no change"


def _summary_one(run: TargetRun, dry_run: bool, title: str, secrets: Secrets) -> str:
    low, high = bounds_cells(run, dry_run)
    rows = [
        ("Function", f"`{run.target.owner}/{run.target.function}`"),
        ("Version", run.version_id or f"{run.target.version} (not resolved)"),
        ("Build status", last_status(run)),
        ("Min replicas", low),
        ("Max replicas", high),
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
    restored = restore_words(run)
    if restored is not None:
        rows.append(("Restored" if run.restored != "would" else "On failure", restored))
    lines = [f"### {_ICON[run.outcome]} {title}", ""]
    if run.error:  # what went wrong first, whole
        lines += [f"**Failed:** {markdown(run.error, secrets)}", ""]
    # The first row is the table's header: GitHub shows no table without one.
    (name, value), *rest = rows
    lines += [f"| {name} | {cell(value, secrets)} |", "| --- | --- |"]
    lines += [f"| {name} | {cell(value, secrets)} |" for name, value in rest]
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
        lines.append(row([icon, *cells], secrets))
    return lines


def _retire_text(run: TargetRun, dry_run: bool) -> str:
    verb = "would retire" if dry_run else "retired"
    done = f"{verb} {len(run.retired)}: minimum replicas set to 0 (maximum unchanged)"
    if run.retire_skipped:
        # The failure itself is said once, whole, above the table.
        why = "the target failed (above)" if run.retire_skipped == run.error else run.retire_skipped
        if run.retired:  # stopped part-way: what was done stays done
            return f"{done}, then stopped: {why}"
        return f"left as they were: {why}"
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
    if run.restored == "restored":
        return "raised, then set back"
    if run.changed:
        return "would change" if dry_run else "yes"
    return "no (the edit failed)" if run.edit_due and not dry_run else "no"


# -- an undo of a promotion (sieve_action.scaling.undo) ------------------------------------------
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
    restore = _restore_column(runs)
    header = ["", "Function", "Version", "Part", "Min", "Max", *["Restored"] * restore, "Note"]
    table = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for run in runs:
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
            *(cell(text, secrets) for text in bounds_cells(run, dry_run)),
            *([cell(restore_words(run) or "", secrets)] * restore),
            cell(_note(run, dry_run), secrets),
        ]
        table.append("| " + " | ".join(cells) + " |")
    return within_limit(lines, table, _failures(runs, secrets))


def _worst(runs: Sequence[TargetRun]) -> Outcome:
    worst: tuple[Outcome, ...] = ("failed", "build-error", "cancelled", "timeout", "pending")
    return next((o for o in worst if any(run.outcome == o for run in runs)), "ok")
