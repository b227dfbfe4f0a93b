"""The outputs and the ``results`` JSON, from the run records.

Pure functions from :class:`~sieve_action.scaling.record.TargetRun` records to values,
so the same outputs are written whatever ended the step. What each output holds is
declared in :mod:`sieve_action.contract.outputs`; the outputs file is written with a
random delimiter by ``github-action-utils``. Values from Sieve are scrubbed here, before
any of them is encoded as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..api.models import Version
from ..api.shape import documented, dump
from ..contract.outputs import RESULT_KEYS
from ..scaling.record import TargetRun
from ..secrets import Secrets

#: The largest ``version`` output: a version is a few KB, and GitHub keeps a job's
#: outputs under 1 MB. Over it, the output holds only the fields Sieve documents.
VERSION_OUTPUT_LIMIT = 256 * 1024


def _text(value: object) -> str:
    return "" if value is None else str(value)


def last_status(run: TargetRun) -> str:
    """The build status last seen, or ``unknown`` when the version was never read."""
    return run.current.build_status if run.current else "unknown"


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
        "retired": [retired.entry() for retired in run.retired],
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
    return {"status": smoke.status, "seconds": _round(smoke.seconds), "cases": case_results(run)}


def case_results(run: TargetRun) -> list[dict[str, Any]]:
    """The ``smoke-tests`` output: one object per case (not yet scrubbed)."""
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
    # Any target's bounds set back after a failure: a fleet says so as one target does.
    values["restored"] = _flag(any(run.restored == "restored" for run in runs))
    if any(run.undo for run in runs):  # an undo is a fleet that says whether it changed
        return {"changed": _flag(any(run.changed for run in runs)), **values}
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
            "smoke-tests": json.dumps(secrets.scrub_json(case_results(run))),
            "retired": json.dumps(entries[0]["retired"]),
            "drift": "",  # a capacity step's (capacity_report.outputs)
            "review": "",  # a review's (the driver's output_values)
        }
    )
    return values


def _flag(value: bool) -> str:
    return "true" if value else "false"


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
