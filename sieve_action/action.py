"""The GitHub Action's edge: ``INPUT_*`` variables in; outputs and the job summary out
through the runner's file commands. Everything else is :func:`~.driver.drive`'s."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import github_action_utils as gha

from .console import Console
from .driver import drive
from .inputs import INPUT_NAMES
from .report import closing_line, outputs, summary
from .scaling import TargetRun
from .tls import PendingContext


def read_inputs(environ: Mapping[str, str]) -> dict[str, str | None]:
    """Inputs as the runner passes them: ``INPUT_<NAME>``, upper-cased, hyphens kept.
    Absent under ``uses: docker://`` (no action.yml): then the defaults apply."""
    raw = {name: environ.get(f"INPUT_{name.upper()}") for name in INPUT_NAMES}
    raw["api-key"] = (raw["api-key"] or "").strip() or environ.get("SIEVE_API_KEY", "").strip()
    return raw


def main(tls: PendingContext | None = None) -> int:
    console = Console(github=True)

    def publish(runs: Sequence[TargetRun], dry_run: bool, _code: int) -> bool:
        return write_report(console, runs, dry_run, os.environ)

    return drive(
        read_inputs(os.environ),
        console,
        describe=str,
        publish=publish,
        environ=os.environ,
        tls=tls,
    )


def write_report(
    console: Console, runs: Sequence[TargetRun], dry_run: bool, environ: Mapping[str, str]
) -> bool:
    """One closing line per target, the outputs and the summary. False when the outputs
    could not be written (later steps would read them as empty); each file is written
    on its own, so one that fails does not lose the other."""
    if not runs:
        return True
    for run in runs:
        console.info(closing_line(run, dry_run))
    written = True
    # Values are scrubbed where they are formatted (escaping or JSON could hide a key
    # from a later scrub); the whole text is scrubbed once more on its way out.
    if "GITHUB_OUTPUT" in environ:
        try:
            for name, value in outputs(runs, dry_run, console.secrets).items():
                gha.set_output(name, console.scrub(value))
        except OSError as problem:
            written = False
            console.error(
                f"The step's outputs could not be written to GITHUB_OUTPUT ({problem.strerror}); "
                "later steps would see them empty, so the step fails.",
                title="sieve-action: outputs",
            )
    if "GITHUB_STEP_SUMMARY" in environ:
        try:
            gha.append_job_summary(console.scrub(summary(runs, dry_run, console.secrets)))
        except OSError as problem:
            console.warning(
                f"The job summary could not be written to GITHUB_STEP_SUMMARY ({problem.strerror})."
            )
    return written
