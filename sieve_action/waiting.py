"""Waiting for a version to reach its goal: a finished build, or warm replicas.

Time comes from a :class:`Clock` so tests can wait an hour in a millisecond, and so a
cancelled step (SIGTERM) wakes up at once instead of finishing its sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from .models import BUILD_STATUSES, Version

Goal = Literal["build", "replicas"]
Ending = Literal["ready", "error", "timeout"]


class Cancelled(Exception):
    """The step is being cancelled; stop waiting and report what is known."""


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


def goal_met(version: Version, goal: Goal, min_replicas: int) -> bool:
    """Whether waiting can stop with success (``error`` is handled by the caller)."""
    if version.build_status != "ready":
        return False
    if goal == "build":
        return True
    workers = version.current_workers
    return (workers.warm if workers else 0) >= min_replicas  # null counts as none warm


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
    warn: Callable[[str], None] = lambda _: None,
) -> WaitResult:
    """Read the version every ``interval`` seconds until its goal, ``error``, or ``timeout``.

    ``first`` is the state already known (the edit's answer), so an already-ready
    version costs no read at all. ``on_read`` sees every state, so a cancelled step can
    still report the last one.
    """
    started = clock.monotonic()
    deadline = started + timeout
    version, reads, warned = first, 0, False
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
        if now >= deadline:
            return WaitResult("timeout", version, now - started, reads)
        clock.sleep(min(interval, deadline - now))
        version = read()
        reads += 1
        on_read(version)
