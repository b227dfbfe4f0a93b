"""Run records in a given state, made through the record's own transitions."""

from __future__ import annotations

from sieve_action.scaling.record import Outcome, TargetRun


def ended(run: TargetRun, outcome: Outcome, error: str | None = None) -> TargetRun:
    """``run`` ended as ``outcome`` (``pending``: left as it is)."""
    if outcome == "ok":
        run.finish()
        run.error = error
    elif outcome != "pending":
        run.fail(error or f"{outcome} (test)", outcome)
        run.error = error
    return run
