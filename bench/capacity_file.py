"""Benchmark: checking a capacity file. How long does reading and checking a realistic
large file take (100 functions, 20 windows each, holidays of one country), and the
largest file the caps admit, built to make the pair check work hardest?

Both are read in this process, by the code the step runs (``parse_schedule``), best of
``--runs``; then the step's first look at the schedule (``evaluate``: every function's
week). The goal: the realistic file checked in well under a second.

    python bench/capacity_file.py [--runs 5] [--goal 0.5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sieve_action.capacity.file import parse_schedule
from sieve_action.capacity.reader import MAX_WINDOWS, MAX_WINDOWS_PER_FUNCTION
from sieve_action.capacity.schedule import evaluate

DAYS = ("mon-fri", "sat,sun", "daily", "mon", "fri-mon")


def realistic(functions: int = 100, windows: int = 20) -> str:
    """A team's file: every function a baseline and windows over the week."""
    lines = ["timezone: Europe/Berlin", "holidays: {country: DE, subdivision: BY}", "functions:"]
    for n in range(functions):
        lines += [f"  acme/model-{n:03}:", "    min: 0", "    max: 8", "    windows:"]
        for w in range(windows):
            start = (w * 67) % 1380
            begin, end = (
                f"{start // 60:02}:{start % 60:02}",
                f"{start // 60 + 1:02}:{start % 60:02}",
            )
            lines.append(
                f"      - {{days: '{DAYS[w % len(DAYS)]}', from: '{begin}', to: '{end}', "
                f"min: {1 + w % 3}, max: {4 + w % 4}}}"
            )
    return "\n".join(lines) + "\n"


def hardest() -> str:
    """The most windows the caps admit, each function's halves all meeting and none
    breaking min <= max with the other (so every candidate pair is looked at)."""
    lines = ["functions:"]
    per = MAX_WINDOWS_PER_FUNCTION
    for n in range(MAX_WINDOWS // per):
        lines += [f"  acme/f{n:03}:", "    min: 0", "    windows:"]
        lines += ["      - {days: daily, from: '08:00', to: '20:00', min: 2}"] * (per // 2)
        lines += ["      - {days: mon, from: '21:00', to: '22:00', max: 1}"] * (per // 2)
    return "\n".join(lines) + "\n"


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--goal", type=float, default=0.5, help="seconds for the realistic file")
    args = parser.parse_args()
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    print("| file | windows | check | first look (evaluate) |")
    print("| --- | ---: | ---: | ---: |")
    seconds = {}
    for name, text in (("realistic, 100 x 20", realistic()), ("hardest the caps admit", hardest())):
        schedule = parse_schedule(text, name)
        windows = sum(len(f.windows) for f in schedule.functions)
        seconds[name] = best(args.runs, partial(parse_schedule, text, name))
        look = best(args.runs, partial(evaluate, schedule, now))
        print(f"| {name} | {windows} | {seconds[name]:.3f} s | {look:.3f} s |")
    ok = seconds["realistic, 100 x 20"] <= args.goal
    print(f"\ncapacity file: realistic checked in {seconds['realistic, 100 x 20']:.3f} s "
          f"(goal <= {args.goal} s): {'PASS' if ok else 'FAIL'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
