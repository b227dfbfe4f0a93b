"""Every output and every key of a ``results`` entry, declared once: what each holds.

``action.yml``'s outputs and the README's table are made from :data:`OUTPUTS`
(``scripts/sync.py``); the report writes them, and an undo reads back what the report
wrote (:class:`RetiredVersion`, :data:`RESULT_KEYS`), so both sides share these.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

#: How far ahead a capacity step looks, in days: the next changes it lists and the
#: warm-minimum commitment it counts (``results``' ``next_change`` promises it).
HORIZON_DAYS = 7


@dataclass(frozen=True)
class RetiredVersion:
    """One item of the ``retired`` output (and of each ``results`` entry's ``retired``):
    an earlier version retired and the minimum it had, which an undo sets back."""

    version_id: str
    previous_min_replicas: int

    def entry(self) -> dict[str, Any]:
        """The item as the outputs write it, and as the ``undo`` input reads it back."""
        return {key: getattr(self, key) for key in RETIRED_KEYS}


#: The keys of each item of a ``retired`` output, exactly.
RETIRED_KEYS = tuple(item.name for item in fields(RetiredVersion))

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
    "be), each " + " and ".join(f"`{key}`" for key in RETIRED_KEYS) + "; `[]` when none.",
    "restored": "`true` when a target (with `targets`, any of them) failed after the step "
    "raised its bounds and they were set back (`restore-on-failure`), else `false`.",
    "results": "A JSON array with one object per target: "
    + ", ".join(f"`{key}`" for key in RESULT_KEYS)
    + "; `[]` when the inputs were refused. With `capacity-file` or `capacity`, one per "
    "function, each also with `reason` (why its bounds hold now) and `next_change` (the first "
    f"change over the coming {HORIZON_DAYS} days: `at` in ISO 8601 UTC, `min`, `max`; or null).",
    "review": "With `review-base`: the review as Markdown, the pull request comment's body "
    "(cut to GitHub's 65,536 characters, ending with its hidden marker); with "
    "`review-comment`, the body posted. Empty otherwise.",
    "drift": "With `capacity-file` or `capacity`: a JSON array of the functions whose live "
    "bounds matched neither the schedule's now nor those before its latest change (changed by "
    "hand), each `function`, `live` and `intended` (`min`, `max`) and `since` (when the intended "
    "bounds started to hold, ISO 8601 UTC, or null); `[]` when none. Empty otherwise.",
}
OUTPUT_NAMES = tuple(OUTPUTS)

#: The CLI's ``--json`` document: its keys, in order, and what each holds. ``--undo-file``
#: takes the whole document back (its ``results``).
CLI_JSON_KEYS: dict[str, str] = {
    "exit_code": "the exit code",
    "dry_run": "whether it was a dry run",
    "results": "the `results` output",
    "problems": "what was refused before any request, in words",
    "drift": "a capacity step's `drift` output (only for one)",
    "review": "a review's Markdown, the `review` output (only for one)",
}
#: The keys every ``--json`` document has (``drift`` is a capacity step's).
CLI_JSON_ALWAYS = ("exit_code", "dry_run", "results", "problems")
