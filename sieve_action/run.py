"""One step's work from checked inputs to finished target records, at the edge of
signals: both the action and the CLI call :func:`execute`."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from stamina.instrumentation import set_on_retry_hooks

from .client import (
    RetryPolicy,
    SieveClient,
    UnusableEnvironment,
    check_environment,
    log_retry,
)
from .console import Console
from .inputs import Inputs
from .scaling import Options, TargetRun, scale_all
from .waiting import Cancelled, Clock, RealClock


def execute(
    inputs: Inputs,
    console: Console,
    *,
    clock: Clock | None = None,
    policy: RetryPolicy | None = None,
    runs: list[TargetRun] | None = None,
) -> list[TargetRun]:
    """Scale every target; failures at Sieve are recorded in the runs, not raised.

    ``runs`` is filled in place, so that if :class:`Cancelled` escapes, the caller
    still holds everything known so far.
    """
    targets = inputs.resolve_targets()
    options = Options.from_inputs(inputs)
    runs = runs if runs is not None else []
    title = targets[0].label if len(targets) == 1 else f"{len(targets)} targets"
    # Both raise UnusableEnvironment, before any request and any target record.
    check_environment(os.environ)
    client = SieveClient(
        inputs.api_url, inputs.api_key, policy=policy, secrets=console.secrets, log=console.info
    )
    for warning in inputs.warnings():
        console.warning(warning)
    with console.group(f"Scaling {title}{' (dry run)' if options.dry_run else ''}"), client:
        scale_all(client, targets, options, clock or RealClock(), console.info, runs)
    return runs


def run_to_end(inputs: Inputs, console: Console) -> tuple[list[TargetRun], int | None]:
    """:func:`execute` with SIGTERM/SIGINT handled: the runs (each ended, failed or
    cancelled) and the signal that cancelled the step, if any. An unexpected error is
    reported as one annotation plus a folded traceback, never as a bare crash."""
    # Retries are logged through stamina's instrumentation, as one line each; its
    # default hook would instead write a bare "stamina.retry_scheduled" on stderr.
    set_on_retry_hooks([log_retry])
    runs: list[TargetRun] = []
    cancel = threading.Event()
    signalled: int | None = None
    try:
        with cancellable(cancel) as received:
            try:
                execute(inputs, console, clock=RealClock(cancel), runs=runs)
            finally:
                signalled = received()
    except Cancelled:
        pass
    except UnusableEnvironment:
        raise  # the edge reports it as a configuration error, before any target
    except Exception as error:  # a bug: say so plainly, keep the key out, report what is known
        import traceback

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


def announce(console: Console, runs: list[TargetRun]) -> None:
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
