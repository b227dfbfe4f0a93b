"""The step driver: one step from raw input strings to an exit code, the same for the
action and the CLI, which only say how to word things and where results go (:class:`Edge`).

The order is the contract of both: mask the key before printing anything; check every
input and the runner's environment (proxy variables, ``SSL_CERT_FILE``) before any
request; scale every target with SIGTERM/SIGINT handled; then publish what is known,
on every ending, input errors included. Exit codes: :class:`~.errors.ExitCode`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import httpx
from stamina.instrumentation import set_on_retry_hooks

from .api.client import SieveClient
from .api.network import check_environment, proxy_passwords
from .api.policy import RetryPolicy
from .api.request import log_retry
from .api.tls import PendingContext
from .console import Console, utf8_streams
from .contract.checks import parse_inputs
from .contract.declare import unexpanded
from .contract.inputs import KEY_VARIABLE, TOKEN_VARIABLE, Inputs
from .contract.rules import MIN_KEY
from .contract.targets import Target
from .errors import (
    SIGNAL_BASE,
    BadInput,
    Cancelled,
    ExitCode,
    InputErrors,
    UnusableEnvironment,
)
from .report.results import output_warnings, outputs
from .scaling.context import Context
from .scaling.fleet import scale_fleet, settle_all
from .scaling.record import TargetRun, exit_code
from .scaling.undo import undo_fleet, undo_runs
from .scaling.waiting import Clock, RealClock
from .secrets import Secrets

if TYPE_CHECKING:  # a capacity step's modules (YAML, zones) load only for one
    from .capacity.model import Schedule
    from .capacity.step import CapacityReport, Intent
    from .review.step import Review


@dataclass(frozen=True)
class StepResult:
    """What a step did, for an edge to publish: every target's record, whether it was a
    dry run, the exit code, and the problems found before any target (input errors,
    the environment), worded for the edge."""

    runs: Sequence[TargetRun]
    dry_run: bool
    code: int
    problems: Sequence[str] = ()
    #: A capacity step's schedule and what each function's live bounds said.
    capacity: CapacityReport | None = None
    #: Whether the step was given a capacity file or text (refused or not): its ``drift``
    #: output is then ``[]`` when nothing was observed.
    capacity_step: bool = False
    #: A review of a capacity file's change (``review-base``), or the posting of one.
    review: Review | None = None


@dataclass(frozen=True)
class Edge:
    """How one edge (the action, the CLI) words things and where its results go."""

    #: An input error in the edge's terms (``Input `targets` …`` or ``--targets-file …``).
    describe: Callable[[BadInput], str]
    #: Writes the result where the edge puts it; False when it could not.
    publish: Callable[[StepResult], bool]
    #: What holds the results once a step is cancelled, for the closing message.
    results_place: str


def run_step(
    raw: Mapping[str, str | None],
    console: Console,
    edge: Edge,
    *,
    environ: Mapping[str, str],
    tls: PendingContext | None = None,
    clock: Clock | None = None,
    policy: RetryPolicy | None = None,
    now: datetime | None = None,
) -> int:
    """Run one step; the exit code. ``raw`` maps input names to strings (None: not
    given); ``tls`` is the TLS context, when the edge started making it early; ``now``
    the instant a capacity schedule is evaluated at (default: the system clock, UTC)."""
    utf8_streams()
    raw = {
        **raw,
        "api-key": (raw.get("api-key") or "").strip() or environ.get(KEY_VARIABLE, "").strip(),
        # The CLI takes GitHub's token from the environment only, as it does the key.
        "github-token": raw.get("github-token") or environ.get(TOKEN_VARIABLE, ""),
    }
    key = raw["api-key"] or ""
    if len(key) >= MIN_KEY:
        console.mask(key)  # the first line this process prints
    token = raw["github-token"] or ""
    if token and not unexpanded(token):
        console.mask(token)
    # A shorter "key" is refused unsent and never quoted; masked, it would blank out
    # every letter it holds in every line.
    for password in proxy_passwords(environ):
        console.mask(password)
    capacity_step = any((raw.get(name) or "").strip() for name in ("capacity-file", "capacity"))
    at = now or datetime.now(UTC)
    try:
        inputs = parse_inputs(raw, console.secrets)
        if inputs.review_comment:  # posting a review computed in another job
            return _post_review(inputs, console, edge, environ)
        if inputs.review_base:  # a review sends no edit: the plan of the change
            inputs = replace(inputs, dry_run=True)
        base: Schedule | None = None
        schedule: Schedule | None
        if inputs.review_base:
            base, schedule = _files(inputs, environ, console)
        else:
            schedule = _schedule(inputs, environ, console)
        check_environment(environ)
        client = (
            client_for(inputs, console, environ=environ, tls=tls, policy=policy)
            # A review without a key, or of a file deleted, reads nothing from Sieve.
            if inputs.api_key and (schedule is None or schedule.functions)
            else None
        )
        intent = None if schedule is None else _intent(schedule, at, console)
    except InputErrors as refused:
        problems = [edge.describe(bad) for bad in refused.bad]
        for error, text in zip(refused.bad, problems, strict=True):
            where = {"file": error.file} if error.file else {}
            where |= {"line": str(error.line)} if error.file and error.line else {}
            console.error(text, title=f"sieve-action: input {error.name}", **where)
        return _refused(edge, problems, capacity_step)
    except UnusableEnvironment as problem:
        console.error(str(problem), title="sieve-action: environment")
        return _refused(edge, [str(problem)], capacity_step)
    except Exception as error:  # a bug before any target: said plainly, never a success
        title = console.bug(error)
        edge.publish(StepResult([], False, ExitCode.FAILED, [title], capacity_step=capacity_step))
        return ExitCode.FAILED
    targets = None if intent is None else intent.targets
    runs: list[TargetRun] = []
    signalled: int | None = None
    capacity = review = None
    # The client stays open for the review, which reads Sieve's usage for its prices.
    with client or nullcontext():
        if client is not None:
            runs, signalled = scale_targets(inputs, client, console, clock, targets)
        code = (
            (ExitCode.OK if client is None else exit_code(runs))
            if signalled is None
            else SIGNAL_BASE + signalled
        )
        try:
            if intent is not None and runs:
                capacity = _observe(intent, runs)
            if schedule is not None and inputs.review_base and signalled is None:
                review = _review(inputs, base, schedule, at, console, environ, capacity, client)
                code = ExitCode.FAILED if review.failed and not code else code
        except Exception as error:  # a bug in the capacity glue: the fleet's report stands
            console.bug(error)
            capacity, code = None, code or ExitCode.FAILED
    result = StepResult(
        runs, inputs.dry_run, code, capacity=capacity, capacity_step=capacity_step, review=review
    )
    if not _publish(edge, result, console) and code == ExitCode.OK:
        code = ExitCode.FAILED
    announce(console, runs)
    if capacity is not None:
        try:
            announce_capacity(console, capacity, inputs.dry_run)
        except Exception as error:  # a bug in its words: shown, never a success
            console.bug(error)
            code = code or ExitCode.FAILED
    for warning in output_warnings(runs, console.secrets):
        console.warning(warning)
    if signalled is not None:
        console.error(f"The step was cancelled; {edge.results_place} hold what was known then.")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # targets still running on other threads must not delay it
    return int(code)


def _publish(edge: Edge, result: StepResult, console: Console) -> bool:
    """Publish the result; a bug while writing the capacity part (its outputs or
    summary) is shown, and the fleet's own report is published instead, as a failure."""
    try:
        return edge.publish(result)
    except Exception as error:
        if result.capacity is None:
            raise
        console.bug(error)
        edge.publish(replace(result, capacity=None, code=result.code or ExitCode.FAILED))
        return False


def output_values(result: StepResult, secrets: Secrets) -> dict[str, str]:
    """The step's outputs by name (a null is the empty string), a capacity step's too."""
    values = outputs(result.runs, result.dry_run, secrets)
    if result.capacity is not None:
        from .capacity.summary import capacity_outputs

        values.update(capacity_outputs(result.capacity, result.dry_run, secrets))
    elif result.capacity_step:
        values["drift"] = "[]"  # refused, or failed before it saw any bounds
    if result.review is not None:
        values["review"] = secrets.scrub(result.review.comment)
    return values


def client_for(
    inputs: Inputs,
    console: Console,
    *,
    environ: Mapping[str, str],
    tls: PendingContext | None = None,
    policy: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SieveClient:
    """The step's one client: its log, secrets and environment those of the step.
    Raises UnusableEnvironment for an ``SSL_CERT_FILE`` it cannot load."""
    return SieveClient(
        inputs.api_url,
        inputs.api_key,
        policy=policy,
        secrets=console.secrets,
        log=console.info,
        transport=transport,
        tls=tls,
        environ=environ,
    )


def _schedule(inputs: Inputs, environ: Mapping[str, str], console: Console) -> Schedule | None:
    """The capacity schedule, read and checked before any request (InputErrors); every
    value it quotes goes through the step's scrubber."""
    if not (inputs.capacity_file or inputs.capacity):
        return None
    from .capacity.step import load_schedule

    return load_schedule(inputs, environ, Path.cwd(), console.secrets)


def _intent(schedule: Schedule, now: datetime, console: Console) -> Intent:
    """What the schedule says at ``now``, logged: each function's bounds now, why, next."""
    from .capacity.step import intent
    from .capacity.summary import log_lines

    found = intent(schedule, now)
    for line in log_lines(found):
        console.info(line)
    for warning in found.warnings:
        console.warning(warning)
    return found


def _observe(intent: Intent, runs: list[TargetRun]) -> CapacityReport:
    from .capacity.step import observe

    return observe(intent, runs)


def _files(
    inputs: Inputs, environ: Mapping[str, str], console: Console
) -> tuple[Schedule | None, Schedule]:
    """A review's two capacity files: the base's (None: the pull request adds it) and the
    pull request's (with no function: it deletes the file)."""
    from .review.step import load_files

    return load_files(inputs, environ, Path.cwd(), console.secrets)


def _review(
    inputs: Inputs,
    base: Schedule | None,
    head: Schedule,
    now: datetime,
    console: Console,
    environ: Mapping[str, str],
    capacity: CapacityReport | None,
    client: SieveClient | None,
) -> Review:
    """The change reviewed and posted; what happened to the comment said in the log."""
    from .review.step import review

    found = review(
        inputs, base, head, now, environ=environ, secrets=console.secrets, log=console.info,
        capacity=capacity, client=client,
    )  # fmt: skip
    _said(console, found)
    return found


def _post_review(inputs: Inputs, console: Console, edge: Edge, environ: Mapping[str, str]) -> int:
    """Post a review computed in another job; its outcome published like a review's."""
    from .review.step import post_prepared

    found = post_prepared(inputs, environ, Path.cwd(), console.secrets, console.info)
    _said(console, found)
    code = ExitCode.FAILED if found.posted.failed else ExitCode.OK
    edge.publish(StepResult([], True, code, review=found))
    return code


def _said(console: Console, review: Review) -> None:
    posted = review.posted
    (console.warning if posted.failed else console.notice)(posted.message)
    if review.judged is not None and not review.judged.passed:
        console.error(review.judged.why, title="sieve-action: review")


def _refused(edge: Edge, problems: list[str], capacity_step: bool) -> int:
    """A step refused before any request still publishes: nothing changed, and why."""
    edge.publish(StepResult([], False, ExitCode.INPUT, problems, capacity_step=capacity_step))
    return ExitCode.INPUT


def scale_targets(
    inputs: Inputs,
    client: SieveClient,
    console: Console,
    clock: Clock | None,
    targets: tuple[Target, ...] | None = None,
) -> tuple[list[TargetRun], int | None]:
    """Scale every target (``targets``, or the inputs' own) with SIGTERM/SIGINT handled:
    the runs (each ended, failed or cancelled) and the signal that cancelled the step,
    if any."""
    # Retries are logged through stamina's instrumentation, one line each, to the log of
    # the client that made the request.
    set_on_retry_hooks([log_retry])
    undo = inputs.undo is not None  # an undo of a promotion (sieve_action.scaling.undo)
    if undo:
        runs = undo_runs(inputs)
    else:
        runs = [TargetRun(target) for target in targets or inputs.resolved_targets]
    cancel = threading.Event()
    ctx = Context(client, inputs, clock or RealClock(cancel), console.info, console.bug)
    signalled: int | None = None
    for warning in inputs.warnings():
        console.warning(warning)
    title = runs[0].target.label if len(runs) == 1 else f"{len(runs)} targets"
    with console.group(f"Scaling {title}{' (dry run)' if inputs.dry_run else ''}"):
        try:
            with cancellable(cancel) as received:
                try:
                    (undo_fleet if undo else scale_fleet)(ctx, runs)
                finally:
                    signalled = received()
        except Cancelled:
            # Every target's thread stops at its next sleep or request; what it left
            # running on Sieve is stopped, and what it raised set back, from here,
            # within the runner's grace period.
            now = time.monotonic()
            for run in runs:
                run.cancel(now)  # only those not finished
            settle_all(ctx, runs)
        except Exception as error:  # a bug outside any target's phases
            console.bug(error)
    now = time.monotonic()
    for run in runs:
        if signalled is not None:
            run.cancel(now)  # only those not finished
        elif run.outcome == "pending":
            run.fail(f"`{run.target.label}`: stopped unexpectedly while {run.phase}")
    return runs, signalled


def announce(console: Console, runs: list[TargetRun]) -> None:
    """Each target's warnings and its error: annotations under GitHub, lines elsewhere."""
    for run in runs:
        for warning in run.warnings:
            console.warning(warning)
        if run.error:
            console.error(run.error, title=f"sieve-action: {run.target.label}")


def announce_capacity(console: Console, report: CapacityReport, dry_run: bool) -> None:
    """A late change as a line, drift as a warning: bounds someone changed by hand."""
    from .capacity.summary import schedule_note

    for function in report.functions:
        status = function.status
        if status is not None and status.kind != "as-intended":
            text = f"{function.run.target.label}: {schedule_note(report.intent, function, dry_run)}"
            (console.warning if status.kind == "drift" else console.info)(text)


@contextmanager
def cancellable(cancel: threading.Event) -> Iterator[Callable[[], int | None]]:
    """Turn SIGTERM (GitHub's cancel and ``timeout-minutes``) and SIGINT into
    :class:`Cancelled` in the main thread, and wake every sleeping target.

    Yields a function that tells which signal arrived, if any.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        # Only the main thread can take signals (a test running a step on a thread).
        yield lambda: None
        return

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
