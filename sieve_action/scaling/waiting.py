"""Waiting for a version to reach its goal: a finished build, or warm replicas.

Time comes from a :class:`Clock` so tests can wait an hour in a millisecond, and so a
cancelled step (SIGTERM) wakes up at once instead of finishing its sleep. A wait says
how it is going whenever what it waits for changes, and at least every
:data:`PROGRESS_SECONDS`, however long the interval between reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from ..api.models import BUILD_STATUSES, Version, WorkerCounts
from ..errors import Cancelled

Goal = Literal["build", "replicas"]
Ending = Literal["ready", "error", "timeout"]
#: The longest a wait stays silent.
PROGRESS_SECONDS = 30.0
#: Less than this before a progress line is due, it is said now: sleeping a sliver of
#: time would not move a clock at a large reading.
_TICK = 0.01


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None:
        """Sleep, or raise :class:`Cancelled` as soon as the step is cancelled."""


class RealClock:
    """Wall-clock time; ``cancel`` wakes every sleeper at once."""

    def __init__(self, cancel: threading.Event | None = None) -> None:
        self.cancel = cancel or threading.Event()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if self.cancel.wait(max(0.0, seconds)):
            raise Cancelled


@dataclass(frozen=True)
class WaitResult:
    ending: Ending
    version: Version
    waited: float
    reads: int


def warm_replicas(count: int) -> str:
    return f"{count} warm replica{'' if count == 1 else 's'}"


def goal_met(version: Version, goal: Goal, min_replicas: int) -> bool:
    """Whether waiting can stop with success (``error`` is handled by the caller)."""
    if version.build_status != "ready":
        return False
    if goal == "build":
        return True
    workers = version.current_workers
    return (workers.warm if workers else 0) >= min_replicas  # null counts as none warm


def reached(goal: Goal, min_replicas: int) -> str:
    """What a wait that ended well reached, in words."""
    return "build ready" if goal == "build" else warm_replicas(min_replicas)


#: Worker counts as a wait shows them: the warm ones first.
_SHOWN = ("idle", "active", "starting", "setup", "awaiting_resources")


def worker_counts(workers: WorkerCounts | None) -> str:
    """``1 idle, 1 active, 2 starting``: the counts that are not zero, or ``none``."""
    if workers is None:
        return "unknown"
    counts = [(name, getattr(workers, name)) for name in _SHOWN]
    return (
        ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts if count) or "none"
    )


def progress(version: Version, goal: Goal, min_replicas: int) -> str:
    """Where a wait stands: ``build building`` or ``2 of 4 warm: 1 idle, 1 active, 2
    starting`` (the caller adds the time)."""
    if goal == "build" or version.build_status != "ready":
        return f"build {version.build_status}"
    workers = version.current_workers
    warm = workers.warm if workers else 0
    return f"{warm} of {min_replicas} warm: {worker_counts(workers)}"


def wait_for(
    read: Callable[[], Version],
    first: Version,
    *,
    goal: Goal,
    min_replicas: int,
    timeout: float,
    interval: float,
    clock: Clock,
    on_read: Callable[[Version], None] = lambda _: None,
    say: Callable[[str], None] = lambda _: None,
    warn: Callable[[str], None] = lambda _: None,
) -> WaitResult:
    """Read the version every ``interval`` seconds until its goal, ``error``, or ``timeout``.

    ``first`` is the state already known (the edit's answer), so an already-ready
    version costs no read at all. ``on_read`` sees every state, so a cancelled step can
    still report the last one; ``say`` gets a progress line whenever the state changes
    and at least every :data:`PROGRESS_SECONDS`.
    """
    started = clock.monotonic()
    deadline = started + timeout
    version, reads, warned = first, 0, False
    shown, said_at = progress(first, goal, min_replicas), started

    def tell(now: float) -> None:
        nonlocal shown, said_at
        shown, said_at = progress(version, goal, min_replicas), now
        say(f"{shown}; {now - started:.0f} s of {timeout:g}")

    while True:
        status = version.build_status
        if status not in BUILD_STATUSES and not warned:
            warned = True
            warn(f"Sieve reported an unknown build status {status!r}; still waiting")
        if status == "error":
            return WaitResult("error", version, clock.monotonic() - started, reads)
        if goal_met(version, goal, min_replicas):
            return WaitResult("ready", version, clock.monotonic() - started, reads)
        now = clock.monotonic()
        if progress(version, goal, min_replicas) != shown or now - said_at >= PROGRESS_SECONDS:
            tell(now)
        if now >= deadline:
            return WaitResult("timeout", version, now - started, reads)
        # Sleep until the next read in pieces, so that a long interval still says how it
        # is going at least every PROGRESS_SECONDS.
        pause = min(interval, deadline - now)
        while pause > 0:
            now = clock.monotonic()
            if said_at + PROGRESS_SECONDS - now < _TICK:  # due (or too close to sleep for)
                tell(now)
            piece = min(pause, said_at + PROGRESS_SECONDS - now)
            clock.sleep(piece)
            pause -= piece
        version = read()
        reads += 1
        on_read(version)
