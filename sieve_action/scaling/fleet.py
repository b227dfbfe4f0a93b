"""A fleet: many targets on a pool of ``concurrency`` threads, one target's failure not
stopping the others, and on a cancel everything this step left running stopped at once.

The lines naming one function are read together first, so that two of them resolving
to one version are refused before either is edited; every other target goes on at its
own pace. :class:`Work` is the pool; an undo (:mod:`.undo`) runs on it too.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from functools import partial

from ..errors import Cancelled
from .context import Context
from .grace import RESTORE_SECONDS
from .phases import read, run_phases
from .record import TargetRun
from .restore import restore_bounds
from .smoke import settle


def same_version(runs: Sequence[TargetRun]) -> list[tuple[TargetRun, TargetRun]]:
    """Targets that Sieve resolved to one version (a prefix and ``latest``, or names in
    another case): each later one with the first that named the version. Two edits of
    one version would race."""
    first: dict[str, TargetRun] = {}
    pairs = []
    for run in runs:
        if run.before is None:
            continue
        other = first.setdefault(run.before.id, run)
        if other is not run:
            pairs.append((other, run))
    return pairs


def refuse_duplicates(runs: Sequence[TargetRun]) -> None:
    """Two lines that Sieve resolved to one version both fail, naming both lines, before
    any edit."""
    for other, run in same_version(runs):
        for one in (other, run):
            one.fail(
                f"`targets` lines {other.target.line} ({other.target.label}) and "
                f"{run.target.line} ({run.target.label}) both name version "
                f"{run.version_id}: give each function version once (two edits of one "
                "version would race); nothing was changed for either"
            )


def scale_fleet(ctx: Context, runs: Sequence[TargetRun]) -> None:
    """Scale every target on ``concurrency`` threads; one target's failure does not stop
    the others. The lines naming one function are read together first (see the module's
    words). A cancel (:class:`~sieve_action.errors.Cancelled`, raised in this thread by
    the signal handler) reaches the caller at once; the targets' threads stop at their
    next sleep or request."""
    groups: dict[tuple[str, ...], list[TargetRun]] = {}
    for run in runs:
        groups.setdefault(run.target.function_key, []).append(run)
    work = Work(ctx.inputs.concurrency)

    def read_group(group: list[TargetRun]) -> None:
        for run in group:
            read(ctx, run)
        refuse_duplicates(group)
        for run in group:
            work.add(partial(run_phases, ctx, run))

    for group in groups.values():
        work.add(partial(read_group, group))
    work.run()


class Work:
    """Tasks (which may add tasks) run on at most ``threads`` threads; :meth:`run`
    returns when none is left, and stays interruptible by signals meanwhile."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.outstanding = 0
        self.lock = threading.Lock()
        #: A bug in a task (an exception no phase recorded), raised again by :meth:`run`.
        self.bugs: list[Exception] = []

    def add(self, task: Callable[[], None]) -> None:
        with self.lock:
            self.outstanding += 1
        self.tasks.put(task)

    def _done(self, count: int) -> None:
        with self.lock:
            self.outstanding -= 1
            last = self.outstanding == 0
        if last:  # wake every worker to leave
            for _ in range(count):
                self.tasks.put(None)

    def _worker(self, count: int) -> None:
        while (task := self.tasks.get()) is not None:
            try:
                task()
            except Cancelled:
                pass  # recorded; the main thread is reporting
            except Exception as error:
                self.bugs.append(error)
            finally:
                self._done(count)

    def run(self) -> None:
        with self.lock:
            count = min(self.threads, self.outstanding)
        threads = [
            threading.Thread(target=self._worker, args=(count,), name="target", daemon=True)
            for _ in range(count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.25)  # a signal reaches this thread between joins
        if self.bugs:
            raise self.bugs[0]


def settle_all(ctx: Context, runs: Sequence[TargetRun]) -> None:
    """The step is being cancelled: at once and side by side, stop every smoke test job
    (a push still in flight included: its answer is awaited briefly) and set back every
    version this step raised, each attempted once within its share of the grace (:mod:`.grace`)."""
    work: list[threading.Thread] = []
    for run in runs:
        if run.smoke is not None:
            args = (ctx.client, run.target, run.smoke, ctx.log)
            work.append(threading.Thread(target=settle, args=args, daemon=True))
        if run.outcome == "cancelled" and run.restore and run.raised() is not None:
            restore = partial(restore_bounds, ctx, run, once_within=RESTORE_SECONDS)
            work.append(threading.Thread(target=restore, daemon=True))
    for thread in work:
        thread.start()
    for thread in work:
        thread.join()
