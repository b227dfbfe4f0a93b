"""What the step tells the world: outputs, the job summary, and the closing log lines.

Pure functions from :class:`~sieve_action.scaling.TargetRun` records to text, so the
same report is written whatever ended the step. Values that come from Sieve are
untrusted text: they are escaped for Markdown here, and the outputs file is written
with a random delimiter by ``github-action-utils``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from .models import Version
from .plan import bound
from .scaling import TargetRun
from .secrets import Secrets

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
    "smoke-test-job-id": "The ID of the smoke test job, or empty.",
    "smoke-test-status": "How the smoke test job ended (`finished`, `error`, `cancelled`), "
    "or empty.",
    "smoke-test-seconds": "Seconds from pushing the smoke test job to its end, or empty.",
    "retired": "A JSON array of the earlier versions cooled down (in a dry run: that would "
    "be), each `version_id` and `previous_min_replicas`; `[]` when none.",
    "results": "A JSON array with one object per target (`target`, `version_id`, "
    "`build_status`, `min_replicas`, `max_replicas`, `previous_min_replicas`, "
    "`previous_max_replicas`, `changed`, `error`, `smoke_test`, `retired`).",
}
OUTPUT_NAMES = tuple(OUTPUTS)
_CELL_LIMIT = 120
#: The largest ``version`` output: a version is a few KB, and GitHub keeps a job's
#: outputs under 1 MB. Over it, the output holds only the fields Sieve documents.
VERSION_OUTPUT_LIMIT = 256 * 1024
_DOCUMENTED = frozenset(Version.model_fields)
# Inside a table cell only these change how text renders, with < > & (HTML) escaped first.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
_ICON = {
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


def _json(model: BaseModel | None, secrets: Secrets) -> str:
    if model is None:
        return ""
    return json.dumps(secrets.scrub_json(model.model_dump(mode="json", exclude_unset=True)))


def result_object(run: TargetRun, dry_run: bool) -> dict[str, Any]:
    """One entry of the ``results`` output."""
    low, high = after_bounds(run, dry_run)
    before = run.before
    return {
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
    }


def _smoke_object(run: TargetRun) -> dict[str, Any] | None:
    smoke = run.smoke
    if smoke is None or smoke.job_id is None:
        return None
    seconds = None if smoke.seconds is None else round(smoke.seconds, 1)
    return {"job_id": smoke.job_id, "status": smoke.status, "seconds": seconds,
            "error": smoke.error}  # fmt: skip


def results(runs: Sequence[TargetRun], dry_run: bool, secrets: Secrets) -> list[Any]:
    """The ``results`` output (and the CLI's ``--json``), secrets scrubbed."""
    return [secrets.scrub_json(result_object(run, dry_run)) for run in runs]


def outputs(runs: Sequence[TargetRun], dry_run: bool, secrets: Secrets) -> dict[str, str]:
    """Step outputs; a null is the empty string. Single-target outputs need one target.
    ``secrets`` are scrubbed from every value taken from Sieve."""
    entries = results(runs, dry_run, secrets)
    values = {"results": json.dumps(entries)}
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
            "smoke-test-job-id": secrets.scrub(_text(smoke["job_id"] if smoke else None)),
            "smoke-test-status": secrets.scrub(_text(smoke["status"] if smoke else None)),
            "smoke-test-seconds": _text(smoke["seconds"] if smoke else None),
            "retired": json.dumps(entries[0]["retired"]),
        }
    )
    return values


def _version_json(version: Version | None, secrets: Secrets) -> str:
    text = _json(version, secrets)
    if version is None or len(text) <= VERSION_OUTPUT_LIMIT:
        return text
    return json.dumps(secrets.scrub_json(version.model_dump(mode="json", include=set(_DOCUMENTED))))


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
    text = " ".join(secrets.scrub(_text(value)).split())
    if len(text) > _CELL_LIMIT:
        text = text[: _CELL_LIMIT - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text) or " "


def _bounds_change(before: int | None, after: int | None, known_before: bool) -> str:
    if not known_before:
        return bound(after) if after is not None else "?"
    return bound(before) if before == after else f"{bound(before)} → {bound(after)}"


def _workers(run: TargetRun) -> str:
    workers = run.current.current_workers if run.current else None
    if workers is None:
        return "unknown"
    counts = workers.model_dump(
        include={"idle", "active", "starting", "setup", "awaiting_resources"}
    )
    return (
        ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items() if count)
        or "none"
    )


def _utc(stamp: str) -> str:
    """Sieve's UTC timestamps, with or without a zone suffix, shown the same way."""
    for suffix in ("Z", "+00:00"):
        stamp = stamp.removesuffix(suffix)
    return stamp.replace("T", " ") + " UTC"


def _status(run: TargetRun) -> str:
    return run.current.build_status if run.current else "unknown"


def summary(runs: Sequence[TargetRun], dry_run: bool, secrets: Secrets) -> str:
    """The job summary: a key/value table for one target, a row per target for a fleet."""
    title = "Sieve scaling" + (" (dry run: nothing was sent)" if dry_run else "")
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
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for run in runs:
        low, high = after_bounds(run, dry_run)
        before = run.before
        lines.append(
            "| "
            + " | ".join(
                [
                    _ICON[run.outcome],
                    cell(run.target.label, secrets),
                    cell(run.version_id or "?", secrets),
                    cell(_status(run), secrets),
                    cell(
                        _bounds_change(
                            before.minimum_replicas if before else None, low, before is not None
                        ),
                        secrets,
                    ),
                    cell(
                        _bounds_change(
                            before.maximum_replicas if before else None, high, before is not None
                        ),
                        secrets,
                    ),
                    *([cell(_smoke_text(run, dry_run), secrets)] if run.smoke else [" "] * smoke),
                    *(
                        [cell(_retire_text(run, dry_run), secrets)]
                        if run.retire
                        else [" "] * retire
                    ),
                    cell(run.error or ("changed" if run.changed else "no change"), secrets),
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


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
        ("Waited", "did not wait" if run.waited is None else f"{run.waited:.1f} s"),
    ]
    if run.smoke is not None:
        rows.append(("Smoke test", _smoke_text(run, dry_run)))
    if run.retire:
        rows.append(("Earlier versions", _retire_text(run, dry_run)))
    lines = [f"### {_ICON[run.outcome]} {title}", "", "| | |", "| --- | --- |"]
    lines += [f"| {name} | {cell(value, secrets)} |" for name, value in rows]
    if run.error:
        lines += ["", f"**Failed:** {cell(run.error, secrets)}"]
    lines += _retired_table(run, dry_run, secrets)
    return "\n".join(lines) + "\n"


def _smoke_text(run: TargetRun, dry_run: bool) -> str:
    smoke = run.smoke
    assert smoke is not None
    if smoke.job_id is None:
        return "would run once the version is ready" if dry_run else "did not run"
    took = "" if smoke.seconds is None else f" after {smoke.seconds:.1f} s"
    said = f": {smoke.error}" if smoke.error else ""
    outputs = f" ({smoke.outputs} output{'' if smoke.outputs == 1 else 's'}, not shown)"
    return f"job {smoke.job_id}: {smoke.status}{took}{said}" + (outputs if smoke.passed else "")


def _retire_text(run: TargetRun, dry_run: bool) -> str:
    verb = "would cool down" if dry_run else "cooled down"
    done = f"{verb} {len(run.retired)}: minimum replicas set to 0 (maximum unchanged)"
    if run.retire_skipped:
        if run.retired:  # stopped part-way: what was done stays done
            return f"{done}, then stopped: {run.retire_skipped}"
        return f"left as they were: {run.retire_skipped}"
    if not run.retired:
        return "none had warm replicas" if run.outcome == "ok" else "not reached"
    return done


def _retired_table(run: TargetRun, dry_run: bool, secrets: Secrets) -> list[str]:
    if not run.retired:
        return []
    lines = [
        "",
        f"**{'Would cool down' if dry_run else 'Cooled down'}** (cost over the last 24 h is "
        "past cost as Sieve reports it, not a forecast):",
        "",
        "| Version | Min replicas before | Cost, last 24 h |",
        "| --- | --- | --- |",
    ]
    for item in run.retired:
        cost = "not known" if item.cost_dollars is None else f"${item.cost_dollars:,.2f}"
        if item.note:
            cost += f" ({item.note})"
        lines.append(
            f"| {cell(item.version_id, secrets)} | {item.previous_min_replicas} | "
            f"{cell(cost, secrets)} |"
        )
    return lines


def _changed(run: TargetRun, dry_run: bool) -> str:
    if run.changed:
        return "would change" if dry_run else "yes"
    return "no (the edit failed)" if run.edit_due and not dry_run else "no"


def closing_line(run: TargetRun, dry_run: bool) -> str:
    """One line for the log: what happened to this target."""
    low, high = after_bounds(run, dry_run)
    where = f"{run.target.label} → {run.version_id or '?'}"
    bounds = f"replicas {low}..{bound(high)}" if low is not None else "replicas unknown"
    if run.outcome == "ok":
        verb = ("would change" if dry_run else "changed") if run.changed else "unchanged"
        status = _status(run)
        return f"{where}: {bounds} ({verb}), build {status}"
    return f"{where}: {run.outcome}"
