"""The run record: what is known about each target as the step goes, and how it ended.

A target's outcome starts ``pending`` and changes once, through one of three
transitions: :meth:`TargetRun.finish` (every phase asked for ran and passed),
:meth:`TargetRun.fail` or :meth:`TargetRun.cancel`. Whatever ends the step (success,
a failure, a timeout, a cancel, a bug), the report is written from these records as
they stand, and a phase that did not run is never reported as having run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..api.models import Version
from ..contract.targets import Target
from ..errors import ExitCode
from .retire import Retired
from .smoke import SmokeRecord

Outcome = Literal["pending", "ok", "build-error", "timeout", "failed", "cancelled"]
#: The ways a target fails (all but ``ok`` and ``pending``).
Failure = Literal["build-error", "timeout", "failed", "cancelled"]
#: What a target is doing, for messages about where it stopped.
Phase = Literal["reading", "editing", "waiting", "smoke-testing", "retiring", "restoring"]
#: How restoring a raised version went: set back; left (someone changed it meanwhile);
#: failed (the edit did not go through); would (a dry run says what it would set back).
Restored = Literal["restored", "left", "failed", "would"]
#: A target's part in an undo (`undo`): the version that replaced the retired ones, or
#: one of those, set back to its previous minimum.
UndoRole = Literal["replacing", "retired"]


@dataclass
class TargetRun:
    """What is known about one target so far."""

    target: Target
    before: Version | None = None
    current: Version | None = None
    #: The bounds differ from what was asked, so an edit is (or in a dry run, would be) due.
    edit_due: bool = False
    #: Sieve accepted the edit (in a dry run: one would be sent).
    changed: bool = False
    min_after: int | None = None
    max_after: int | None = None
    waited: float | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    phase: Phase = "reading"
    wait_started: float | None = None
    #: What the wait reached, in words ("build ready", "4 warm replicas"), once it did.
    reached: str | None = None
    #: The smoke test, when one was asked for (run or not).
    smoke: SmokeRecord | None = None
    #: Whether retiring earlier versions was asked for.
    retire: bool = False
    #: Whether the search for earlier versions to retire ran to its end.
    retire_done: bool = False
    #: Earlier versions retired (or that would be, in a dry run), in order.
    retired: list[Retired] = field(default_factory=list)
    #: Why earlier versions were left as they were (or the search stopped), when asked.
    retire_skipped: str | None = None
    #: Whether a failure sets back the bounds this step raised (`restore-on-failure`).
    restore: bool = False
    #: How restoring went, when it was tried, and in words.
    restored: Restored | None = None
    restore_note: str | None = None
    #: Its part in an undo, when the step is one.
    undo: UndoRole | None = None
    _outcome: Outcome = field(default="pending", init=False)

    @property
    def outcome(self) -> Outcome:
        return self._outcome

    def finish(self) -> None:
        """Every phase asked for ran and passed."""
        if self._outcome == "pending":
            self._outcome = "ok"

    def fail(self, error: str, outcome: Failure = "failed") -> None:
        """The first failure is the one reported; a later one is only logged by its phase."""
        if self._outcome == "pending":
            self._outcome, self.error = outcome, error

    def cancel(self, now: float) -> None:
        """The step was cancelled while this target was not finished."""
        if self._outcome == "pending":
            self._outcome, self.error = "cancelled", f"cancelled while {self.phase}"
        self.end_wait(now)

    def end_wait(self, now: float) -> None:
        """Record how long the step waited, however the wait ended."""
        if self.wait_started is not None and self.waited is None:
            self.waited = now - self.wait_started

    def raised(self) -> tuple[int | None, int | None] | None:
        """The bounds to set back if this target fails: each bound the step's edit raised,
        at its value before (None: leave it); None when the edit raised neither. Only a
        raise is undone: a lowered minimum saves money, and undoing it would spend it."""
        before = self.before
        if before is None or not self.changed or self.min_after is None:
            return None  # no edit of this step's went through (or a dry run's would)
        low = before.minimum_replicas if self.min_after > before.minimum_replicas else None
        high_before, high_after = before.maximum_replicas, self.max_after
        raised_max = high_before is not None and (high_after is None or high_after > high_before)
        high = high_before if raised_max else None
        return None if low is None and high is None else (low, high)

    @property
    def version_id(self) -> str | None:
        version = self.current or self.before
        return version.id if version else None

    @property
    def failed(self) -> bool:
        return self._outcome not in {"ok", "pending"}


def exit_code(runs: Sequence[TargetRun]) -> ExitCode:
    """1 for any failure at Sieve, in a build or a smoke test (or for no target at all: a
    step that got nowhere has not succeeded), else 3 for a timeout, else 0. A target
    still pending has not succeeded either."""
    if not runs:
        return ExitCode.FAILED
    outcomes = {run.outcome for run in runs}
    if outcomes & {"failed", "build-error", "cancelled", "pending"}:
        return ExitCode.FAILED
    if "timeout" in outcomes:
        return ExitCode.TIMEOUT
    return ExitCode.OK
