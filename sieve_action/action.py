"""The GitHub Action's edge: ``INPUT_*`` variables in, outputs, summary and exit code out.

The order matters and is the contract of ``action.yml``: mask the key before printing
anything, check every input before any request, and write outputs and the summary on
every ending that got as far as a request.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import github_action_utils as gha

from .console import Console
from .inputs import InputErrors, parse_inputs
from .report import closing_line, outputs, summary
from .run import announce, run_to_end
from .scaling import EXIT_INPUT, TargetRun, exit_code

#: Every input ``action.yml`` declares; a test keeps the two equal.
INPUT_NAMES = (
    "api-key",
    "owner",
    "function",
    "version",
    "min-replicas",
    "max-replicas",
    "wait",
    "wait-for",
    "wait-timeout",
    "poll-interval",
    "fail-on-error",
    "targets",
    "concurrency",
    "dry-run",
    "api-url",
)


def read_inputs(environ: Mapping[str, str]) -> dict[str, str | None]:
    """Inputs as the runner passes them: ``INPUT_<NAME>``, upper-cased, hyphens kept."""
    raw = {name: environ.get(f"INPUT_{name.upper()}") for name in INPUT_NAMES}
    raw["api-key"] = (raw["api-key"] or "").strip() or environ.get("SIEVE_API_KEY", "").strip()
    return raw


def main() -> int:
    console = Console(github=True)
    raw = read_inputs(os.environ)
    if raw["api-key"]:
        console.mask(raw["api-key"])  # the first line this process prints
    try:
        inputs = parse_inputs(raw)
    except InputErrors as errors:
        for error in errors.errors:
            console.error(str(error), title=f"sieve-action: input {error.name}")
        return EXIT_INPUT

    runs, signalled = run_to_end(inputs, console)
    write_report(console, runs, inputs.dry_run)
    code = exit_code(runs) if runs else 1
    if signalled is not None:
        console.error(
            "The step was cancelled; outputs and summary hold what was known at that moment."
        )
        sys.stdout.flush()
        os._exit(128 + signalled)  # targets still running on other threads must not delay the exit
    return code


def write_report(console: Console, runs: list[TargetRun], dry_run: bool) -> None:
    """Outputs, summary, and one closing line per target; errors as annotations."""
    if not runs:
        return
    for run in runs:
        console.info(closing_line(run, dry_run))
    announce(console, runs)
    # Values are scrubbed where they are formatted (escaping or JSON could hide a key
    # from a later scrub); the whole text is scrubbed once more on its way out.
    if "GITHUB_OUTPUT" in os.environ:
        for name, value in outputs(runs, dry_run, console.scrub).items():
            gha.set_output(name, console.scrub(value))
    if "GITHUB_STEP_SUMMARY" in os.environ:
        gha.append_job_summary(console.scrub(summary(runs, dry_run, console.scrub)))
