"""The step driver: one step from raw input strings to an exit code, the same for the
action and the CLI, which only say how to name an input and where results go.

The order is the contract of both: mask the key before printing anything, check every
input and the runner's environment before any request, run every target with
SIGTERM/SIGINT handled, then publish outputs on every ending that got as far as a
request. Exit codes: 0 success, 1 a failure at Sieve or in a build (or no result at
all), 2 bad input or environment, 3 a wait that timed out, 128+N stopped by signal N.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import FrameType

from stamina.instrumentation import set_on_retry_hooks

from .client import RetryPolicy, SieveClient, UnusableEnvironment, check_environment, log_retry
from .console import Console
from .inputs import InputError, InputErrors, Inputs, parse_inputs
from .report import output_warnings
from .scaling import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_OK,
    TargetRun,
    exit_code,
    scale_all,
    stop_smoke_tests,
)
from .tls import PendingContext
from .waiting import Cancelled, Clock, RealClock

#: Writes a step's results where its edge puts them (file commands, stdout); False
#: when they could not be written.
Publish = Callable[[Sequence[TargetRun], bool, int], bool]


def drive(
    raw: Mapping[str, str | None],
    console: Console,
    *,
    describe: Callable[[InputError], str],
    publish: Publish,
    environ: Mapping[str, str],
    tls: PendingContext | None = None,
) -> int:
    """Run one step; the exit code. ``describe`` words an input error for the edge;
    ``publish`` gets the runs, whether it was a dry run, and the exit code so far;
    ``tls`` is the TLS context, when the edge started making it early."""
    for stream in (sys.stdout, sys.stderr):
        # A byte that is not UTF-8 in an input arrives as a lone surrogate: print it
        # escaped rather than fail mid-line.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    key = raw.get("api-key") or ""
    if key:
        console.mask(key)  # the first line this process prints
    try:
        inputs = parse_inputs(raw)
        check_environment(environ)
    except InputErrors as errors:
        for error in errors.errors:
            console.error(describe(error), title=f"sieve-action: input {error.name}")
        return EXIT_INPUT
    except UnusableEnvironment as problem:
        console.error(str(problem), title="sieve-action: environment")
        return EXIT_INPUT
    try:
        runs, signalled = run_to_end(inputs, console, tls)
    except UnusableEnvironment as problem:
        console.error(str(problem), title="sieve-action: environment")
        return EXIT_INPUT
    code = exit_code(runs) if signalled is None else 128 + signalled
    if not publish(runs, inputs.dry_run, code) and code == EXIT_OK:
        code = EXIT_FAILED
    announce(console, runs)
    for warning in output_warnings(runs, console.secrets):
        console.warning(warning)
    if signalled is not None:
        console.error(
            "The step was cancelled; outputs and summary hold what was known at that moment."
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # targets still running on other threads must not delay it
    return code


def execute(
    inputs: Inputs,
    console: Console,
    *,
    clock: Clock | None = None,
    policy: RetryPolicy | None = None,
    runs: list[TargetRun] | None = None,
    tls: PendingContext | None = None,
) -> list[TargetRun]:
    """Scale every target; failures at Sieve are recorded in the runs, not raised.

    ``runs`` is filled in place, so that if :class:`Cancelled` escapes, the caller
    still holds everything known so far.
    """
    targets = inputs.resolve_targets()
    runs = runs if runs is not None else []
    title = targets[0].label if len(targets) == 1 else f"{len(targets)} targets"
    # Raises UnusableEnvironment (SSL_CERT_FILE), before any request and any record.
    client = SieveClient(
        inputs.api_url,
        inputs.api_key,
        policy=policy,
        secrets=console.secrets,
        log=console.info,
        tls=tls,
    )
    for warning in inputs.warnings():
        console.warning(warning)
    with console.group(f"Scaling {title}{' (dry run)' if inputs.dry_run else ''}"), client:
        try:
            scale_all(client, targets, inputs, clock or RealClock(), console.info, runs)
        except Cancelled:
            # Targets of a fleet run on other threads, which may not get to cancel their
            # own smoke test job before the step exits: cancel them from here.
            stop_smoke_tests(client, runs, console.info)
            raise
    return runs


def run_to_end(
    inputs: Inputs, console: Console, tls: PendingContext | None = None
) -> tuple[list[TargetRun], int | None]:
    """:func:`execute` with SIGTERM/SIGINT handled: the runs (each ended, failed or
    cancelled) and the signal that cancelled the step, if any. An unexpected error is
    reported as one annotation plus a folded traceback, never as a bare crash."""
    # Retries are logged through stamina's instrumentation, one line each, to the log of
    # the client that made the request.
    set_on_retry_hooks([log_retry])
    runs: list[TargetRun] = []
    cancel = threading.Event()
    signalled: int | None = None
    try:
        with cancellable(cancel) as received:
            try:
                execute(inputs, console, clock=RealClock(cancel), runs=runs, tls=tls)
            finally:
                signalled = received()
    except Cancelled:
        pass
    except UnusableEnvironment:
        raise  # a configuration error, reported by drive() before any target
    except Exception as error:  # a bug: say so plainly, keep the key out, report what is known
        import traceback  # only a bug pays for the import

        console.error(f"sieve-action failed unexpectedly: {type(error).__name__}: {error}")
        with console.group("Traceback (please include it in a bug report)"):
            for line in traceback.format_exc().splitlines():
                console.info(line)
        for run in runs:
            if run.outcome == "pending":
                run.outcome, run.error = (
                    "failed",
                    f"unexpected {type(error).__name__} while {run.phase}",
                )
    mark_cancelled(runs)
    return runs, signalled


def announce(console: Console, runs: Sequence[TargetRun]) -> None:
    """Each target's warnings and its error: annotations under GitHub, lines elsewhere."""
    for run in runs:
        for warning in run.warnings:
            console.warning(warning)
        if run.error:
            console.error(run.error, title=f"sieve-action: {run.target.label}")


def mark_cancelled(runs: list[TargetRun]) -> None:
    """Targets not finished when the step was cancelled end as ``cancelled``."""
    for run in runs:
        if run.outcome == "pending":
            run.outcome, run.error = "cancelled", f"cancelled while {run.phase}"
            run.end_wait(time.monotonic())  # RealClock's time


@contextmanager
def cancellable(cancel: threading.Event) -> Iterator[Callable[[], int | None]]:
    """Turn SIGTERM (GitHub's cancel and ``timeout-minutes``) and SIGINT into
    :class:`Cancelled` in the main thread, and wake every sleeping target.

    Yields a function that tells which signal arrived, if any.
    """
    received: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        if not received:
            received.append(signum)
            cancel.set()
            raise Cancelled

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield lambda: received[0] if received else None
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
