"""The GitHub Action's edge: ``INPUT_*`` variables in; outputs and the job summary out
through the runner's file commands. Everything else is :func:`~.driver.run_step`'s."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

import github_action_utils as gha

from .api.tls import PendingContext
from .console import Console
from .contract.inputs import INPUT_NAMES
from .driver import Edge, StepResult, output_values, run_step
from .github.event import read_event, stopping_schedule
from .report.lines import closing_line
from .report.summary import refused_summary, summary


def read_inputs(environ: Mapping[str, str]) -> dict[str, str | None]:
    """Inputs as the runner passes them: ``INPUT_<NAME>``, upper-cased, spaces as ``_``,
    hyphens kept. Absent under ``uses: docker://`` (no action.yml): then the defaults
    apply. Any other ``INPUT_*`` variable is an input the step was given that the action
    does not have (``min-replica``): it is passed on, lower-cased, to be refused."""
    declared = {f"INPUT_{name.upper().replace(' ', '_')}": name for name in INPUT_NAMES}
    raw: dict[str, str | None] = {name: environ.get(var) for var, name in declared.items()}
    for var, value in environ.items():
        if var.startswith("INPUT_") and var not in declared:
            raw[var.removeprefix("INPUT_").lower()] = value
    return raw


def main(tls: PendingContext | None = None) -> int:
    console = Console(github=True)
    edge = Edge(
        describe=str,
        publish=lambda result: write_report(console, result, os.environ),
        results_place="outputs and summary",
    )
    return run_step(read_inputs(os.environ), console, edge, environ=os.environ, tls=tls)


def write_report(console: Console, result: StepResult, environ: Mapping[str, str]) -> bool:
    """One closing line per target, the outputs and the summary, on every ending. False
    when the outputs could not be written (later steps would read them as empty); each
    file is written on its own, so one that fails does not lose the other."""
    runs, dry_run = result.runs, result.dry_run
    for run in runs:
        console.info(closing_line(run, dry_run))
    name = environ.get("GITHUB_EVENT_NAME", "")
    # The event's payload (up to 4 MiB) is read only where it can matter.
    event = read_event(environ) if name == "schedule" else {}
    stopping = stopping_schedule(name, event, datetime.now(UTC))
    if stopping is not None:
        console.warning(stopping)
    written = True
    # Values are scrubbed where they are formatted (escaping or JSON could hide a key
    # from a later scrub); the whole text is scrubbed once more on its way out, and
    # made encodable (Sieve's text may hold a lone surrogate).
    if "GITHUB_OUTPUT" in environ:
        try:
            for name, value in output_values(result, console.secrets).items():
                gha.set_output(name, console.printable(value))
        except OSError as problem:
            written = False
            console.error(
                f"The step's outputs could not be written to GITHUB_OUTPUT ({problem.strerror}); "
                "later steps would see them empty, so the step fails.",
                title="sieve-action: outputs",
            )
    if "GITHUB_STEP_SUMMARY" in environ:
        text = (
            summary(runs, dry_run, console.secrets)
            if runs or not result.problems
            else refused_summary(result.problems, console.secrets)
        )
        if result.capacity is not None:
            from .capacity.summary import summary as capacity_summary

            text = capacity_summary(result.capacity, dry_run, console.secrets) + text
        if result.review is not None:  # the review says what its dry run found
            text = result.review.report
        if stopping is not None:
            text = f"> [!WARNING]\n> {stopping}\n\n{text}"
        try:
            gha.append_job_summary(console.printable(text))
        except OSError as problem:
            console.warning(
                f"The job summary could not be written to GITHUB_STEP_SUMMARY ({problem.strerror})."
            )
    return written
