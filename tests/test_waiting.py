"""Waiting for a build or warm replicas, on a fake clock: no real time passes except in the
one test of the real clock's cancel."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sieve_action.api.models import Version
from sieve_action.api.shape import load
from sieve_action.errors import Cancelled
from sieve_action.scaling.waiting import RealClock, goal_met, wait_for


class FakeClock:
    """Time that passes only when slept."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def version(status: str = "ready", workers: dict[str, Any] | None = None, **extra: Any) -> Version:
    return load(Version, {"id": "v1", "build_status": status, "current_workers": workers, **extra})


def warm(idle: int | None = 0, active: int | None = 0, starting: int = 0) -> dict[str, Any]:
    return {
        "starting": starting,
        "setup": 0,
        "active": active,
        "idle": idle,
        "awaiting_resources": 0,
    }


class Reader:
    """Answers each read with the next state (the last one repeats), counting reads and
    the fake time at which each happened."""

    def __init__(self, clock: FakeClock, states: Iterable[Version]) -> None:
        self.clock = clock
        self.states = list(states)
        self.times: list[float] = []

    def __call__(self) -> Version:
        self.times.append(self.clock.now)
        index = min(len(self.times) - 1, len(self.states) - 1)
        return self.states[index]

    @property
    def reads(self) -> int:
        return len(self.times)


def never_read() -> Version:
    raise AssertionError("no read expected")


def run(
    read: Callable[[], Version],
    first: Version,
    clock: FakeClock,
    *,
    goal: str = "build",
    min_replicas: int = 0,
    timeout: float = 60.0,
    interval: float = 5.0,
    warnings: list[str] | None = None,
    seen: list[Version] | None = None,
) -> Any:
    return wait_for(
        read,
        first,
        goal=goal,  # type: ignore[arg-type]
        min_replicas=min_replicas,
        timeout=timeout,
        interval=interval,
        clock=clock,
        on_read=(seen if seen is not None else []).append,
        warn=(warnings if warnings is not None else []).append,
    )


def test_a_first_state_that_meets_the_goal_returns_at_once_without_a_read() -> None:
    clock = FakeClock()
    result = run(never_read, version("ready"), clock)
    assert (result.ending, result.reads, result.waited) == ("ready", 0, 0.0)
    assert clock.sleeps == []


def test_a_first_state_in_error_returns_at_once_without_a_read() -> None:
    clock = FakeClock()
    result = run(never_read, version("error"), clock)
    assert (result.ending, result.reads) == ("error", 0)
    assert clock.sleeps == []


def test_polls_every_interval_until_ready() -> None:
    clock = FakeClock(start=50.0)
    states = [version("building"), version("pushing"), version("deploying"), version("ready")]
    read = Reader(clock, states)
    seen: list[Version] = []
    result = run(read, version("queued"), clock, interval=5.0, timeout=100.0, seen=seen)
    assert result.ending == "ready"
    assert read.times == [55.0, 60.0, 65.0, 70.0]
    assert clock.sleeps == [5.0] * 4
    assert result.reads == 4 and result.waited == 20.0
    assert [v.build_status for v in seen] == ["building", "pushing", "deploying", "ready"]
    assert result.version is states[-1]


def test_error_ends_the_wait() -> None:
    clock = FakeClock()
    failed = version("error")
    read = Reader(clock, [version("building"), failed, version("ready")])
    result = run(read, version("queued"), clock, interval=2.0)
    assert result.ending == "error"
    assert result.version is failed
    assert read.reads == 2 and result.waited == 4.0


def test_error_ends_a_wait_for_replicas_too() -> None:
    clock = FakeClock()
    read = Reader(clock, [version("error", warm(idle=5))])
    result = run(read, version("building"), clock, goal="replicas", min_replicas=1)
    assert (result.ending, read.reads) == ("error", 1)


def test_an_unknown_status_warns_once_and_counts_as_in_progress() -> None:
    clock = FakeClock()
    odd = [version("optimizing") for _ in range(20)]
    read = Reader(clock, [*odd, version("ready")])
    warnings: list[str] = []
    result = run(read, version("optimizing"), clock, interval=1.0, timeout=100.0, warnings=warnings)
    assert result.ending == "ready"
    assert read.reads == 21
    assert len(warnings) == 1
    assert "optimizing" in warnings[0]


def test_an_unknown_status_seen_only_later_warns_once() -> None:
    clock = FakeClock()
    read = Reader(clock, [version("building"), version("weird"), version("weirder")])
    warnings: list[str] = []
    result = run(read, version("queued"), clock, interval=1.0, timeout=10.0, warnings=warnings)
    assert result.ending == "timeout"
    assert len(warnings) == 1 and "weird" in warnings[0]


def test_documented_statuses_never_warn() -> None:
    clock = FakeClock()
    states = [version(s) for s in ("queued", "building", "pushing", "deploying", "ready")]
    warnings: list[str] = []
    run(Reader(clock, states), states[0], clock, interval=1.0, warnings=warnings)
    assert warnings == []


def test_timeout_ends_with_the_last_version() -> None:
    clock = FakeClock()
    states = [version("building", built_at=None, n=i) for i in range(1000)]
    read = Reader(clock, states)
    result = run(read, version("queued"), clock, interval=5.0, timeout=12.0)
    assert result.ending == "timeout"
    assert result.waited >= 12.0
    assert result.version is states[read.reads - 1]
    assert clock.sleeps == [5.0, 5.0, 2.0]  # never sleeps past the deadline
    assert read.reads <= math.ceil(12.0 / 5.0) + 1


def test_timeout_shorter_than_the_interval_reads_once() -> None:
    clock = FakeClock()
    read = Reader(clock, [version("building")])
    result = run(read, version("building"), clock, interval=30.0, timeout=1.0)
    assert result.ending == "timeout"
    assert read.reads == 1 and clock.sleeps == [1.0]
    assert result.waited >= 1.0


@settings(max_examples=200, deadline=None)
@given(
    interval=st.floats(min_value=0.01, max_value=1_000),
    ratio=st.floats(min_value=0.001, max_value=200),
    start=st.floats(min_value=0, max_value=1e6),
)
def test_reads_are_bounded_by_timeout_over_interval(
    interval: float, ratio: float, start: float
) -> None:
    timeout = interval * ratio
    clock = FakeClock(start)
    read = Reader(clock, [version("building")])
    result = run(read, version("queued"), clock, interval=interval, timeout=timeout)
    assert result.ending == "timeout"
    assert result.waited >= timeout - 1e-6  # (float rounding of start + timeout)
    assert read.reads <= math.ceil(timeout / interval) + 1
    assert all(s <= interval for s in clock.sleeps)


# --- goal: replicas --------------------------------------------------------------------


def test_replicas_waits_for_ready_and_enough_warm_workers() -> None:
    clock = FakeClock()
    states = [
        version("building", warm(idle=3)),  # warm but not ready: keep waiting
        version("ready", warm(idle=0, active=1, starting=2)),  # starting does not count
        version("ready", warm(idle=1, active=0)),
        version("ready", warm(idle=1, active=1)),
    ]
    read = Reader(clock, states)
    result = run(read, version("queued"), clock, goal="replicas", min_replicas=2, interval=1.0)
    assert result.ending == "ready"
    assert read.reads == 4
    assert result.version is states[-1]


def test_replicas_counts_idle_plus_active() -> None:
    assert goal_met(version("ready", warm(idle=1, active=1)), "replicas", 2)
    assert not goal_met(version("ready", warm(idle=1, active=0)), "replicas", 2)
    assert goal_met(version("ready", warm(idle=None, active=2)), "replicas", 2)
    assert not goal_met(version("ready", warm(idle=None, active=None, starting=9)), "replicas", 1)
    assert not goal_met(version("deploying", warm(idle=5)), "replicas", 1)
    assert goal_met(version("ready", None), "build", 5)  # build goal ignores workers


def test_null_current_workers_is_not_enough_for_one_replica() -> None:
    clock = FakeClock()
    read = Reader(clock, [version("ready", None)])
    result = run(read, version("ready", None), clock, goal="replicas", min_replicas=1, timeout=10.0)
    assert result.ending == "timeout"


def test_null_current_workers_counts_as_zero_warm_so_zero_replicas_is_met() -> None:
    clock = FakeClock()
    result = run(
        never_read, version("ready", None), clock, goal="replicas", min_replicas=0, timeout=10.0
    )
    assert (result.ending, result.reads) == ("ready", 0)


def test_zero_replicas_is_met_by_zero_counts() -> None:
    clock = FakeClock()
    result = run(never_read, version("ready", warm()), clock, goal="replicas", min_replicas=0)
    assert result.ending == "ready"


# --- the real clock -----------------------------------------------------------------------


def test_real_clock_sleep_is_cancelled_promptly_from_another_thread() -> None:
    clock = RealClock()
    timer = threading.Timer(0.05, clock.cancel.set)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(Cancelled):
            clock.sleep(30)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 0.5


def test_real_clock_once_cancelled_sleeps_no_more() -> None:
    cancel = threading.Event()
    cancel.set()
    clock = RealClock(cancel)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        clock.sleep(0)
    with pytest.raises(Cancelled):
        clock.sleep(30)
    assert time.monotonic() - started < 0.5


def test_real_clock_sleeps_when_not_cancelled() -> None:
    clock = RealClock()
    started = time.monotonic()
    clock.sleep(0.02)
    clock.sleep(-1)  # a negative wait is no wait, not an error
    assert 0.015 <= time.monotonic() - started < 0.5
    assert clock.monotonic() >= started


def test_a_cancel_during_the_wait_stops_it() -> None:
    cancel = threading.Event()
    clock = RealClock(cancel)
    reads: list[float] = []

    def read() -> Version:
        reads.append(time.monotonic())
        return version("building")

    timer = threading.Timer(0.1, cancel.set)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(Cancelled):
            wait_for(
                read,
                version("queued"),
                goal="build",
                min_replicas=0,
                timeout=600,
                interval=0.03,
                clock=clock,
            )
    finally:
        timer.cancel()
    assert time.monotonic() - started < 0.5
    assert 1 <= len(reads) <= 5


# --- progress (issue 14, point 3) ----------------------------------------------------------


def test_a_wait_says_how_it_is_going_when_counts_change_and_every_30_s() -> None:
    clock = FakeClock(0.0)
    states = [
        version("ready", warm(idle=0, starting=4)),
        version("ready", warm(idle=0, starting=4)),
        version("ready", warm(idle=1, active=1, starting=2)),
        *[version("ready", warm(idle=1, active=1, starting=2))] * 20,
        version("ready", warm(idle=4)),
    ]
    said: list[tuple[float, str]] = []
    read = Reader(clock, states)
    result = wait_for(
        read,
        version("deploying"),
        goal="replicas",
        min_replicas=4,
        timeout=1200,
        interval=5.0,
        clock=clock,
        say=lambda line: said.append((clock.now, line)),
    )
    assert result.ending == "ready"
    lines = [line for _, line in said]
    assert lines[0] == "0 of 4 warm: 4 starting; 5 s of 1200"
    assert "2 of 4 warm: 1 idle, 1 active, 2 starting; 15 s of 1200" in lines
    times = [0.0] + [at for at, _ in said] + [clock.now]
    assert max(b - a for a, b in pairwise(times)) <= 30.0


def test_a_long_interval_still_says_something_every_30_s() -> None:
    clock = FakeClock(0.0)
    said: list[float] = []
    result = wait_for(
        Reader(clock, [version("building")]),
        version("building"),
        goal="build",
        min_replicas=0,
        timeout=400.0,
        interval=300.0,
        clock=clock,
        say=lambda _line: said.append(clock.now),
    )
    assert result.ending == "timeout"
    assert all(s <= 30.0 for s in clock.sleeps)
    times = [0.0, *said, clock.now]
    assert max(b - a for a, b in pairwise(times)) <= 30.0
