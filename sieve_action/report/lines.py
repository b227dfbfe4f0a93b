"""The log's closing line per target: what happened to it, in one line."""

from __future__ import annotations

from ..scaling.edit import bound
from ..scaling.record import TargetRun
from .results import after_bounds, last_status


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
    parts.append(run.reached or f"build {last_status(run)}")
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
