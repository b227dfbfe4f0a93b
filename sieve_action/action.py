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

from .client import UnusableEnvironment
from .console import Console
from .inputs import InputErrors, parse_inputs
from .report import closing_line, output_warnings, outputs, summary
from .run import announce, run_to_end
from .scaling import EXIT_FAILED, EXIT_INPUT, TargetRun, exit_code

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
    # A byte that is not UTF-8 in an input arrives as a lone surrogate: print it
    # escaped rather than fail mid-line.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
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

    try:
        runs, signalled = run_to_end(inputs, console)
    except UnusableEnvironment as problem:
        console.error(str(problem), title="sieve-action: environment")
        return EXIT_INPUT
    code = exit_code(runs) if runs else 1
    if not write_report(console, runs, inputs.dry_run) and code == 0:
        code = EXIT_FAILED
    if signalled is not None:
        console.error(
            "The step was cancelled; outputs and summary hold what was known at that moment."
        )
        sys.stdout.flush()
        os._exit(128 + signalled)  # targets still running on other threads must not delay it
    return code


def write_report(console: Console, runs: list[TargetRun], dry_run: bool) -> bool:
    """Outputs, summary, and one closing line per target; errors as annotations.

    False when the outputs could not be written: later steps would read them as empty.
    Each file is written on its own, so one that fails does not lose the other.
    """
    if not runs:
        return True
    for run in runs:
        console.info(closing_line(run, dry_run))
    announce(console, runs)
    for warning in output_warnings(runs, console.secrets):
        console.warning(warning)
    written = True
    # Values are scrubbed where they are formatted (escaping or JSON could hide a key
    # from a later scrub); the whole text is scrubbed once more on its way out.
    if "GITHUB_OUTPUT" in os.environ:
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
    if "GITHUB_STEP_SUMMARY" in os.environ:
        try:
            gha.append_job_summary(console.scrub(summary(runs, dry_run, console.secrets)))
        except OSError as problem:
            console.warning(
                f"The job summary could not be written to GITHUB_STEP_SUMMARY ({problem.strerror})."
            )
    return written
