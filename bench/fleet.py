"""Benchmark 3: a fleet of 48 targets, every request answered 200 ms late (the
simulator's ``latency``), with ``concurrency: 16`` against ``concurrency: 1``.

Both run as the runner runs the action (``targets`` and ``concurrency`` inputs), in one
hyperfine run. Every timed process does all 96 requests (a GET and an edit per target):
hyperfine's ``--prepare`` sets every target's minimum back to 0 before each run
(warm-ups included), in parallel, and each run sets it to 1. The simulator's log is cut
at those resets and every run is checked: 48 GETs and 48 edits, one of each per target,
all answered 200; the peak number of requests open at once is read from it too.

Goal: with concurrency 16, the median wall time under 2.5 s. The issue expects about
19 s one at a time (96 requests x 0.2 s = 19.2 s); that figure and the ratio are
reported beside it.

    python bench/fleet.py [--runs 3] [--warmup 1] [--targets 48] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import _bench as b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--targets", type=int, default=48)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--goal", type=float, default=2.5, help="seconds, concurrent, below")
    args = parser.parse_args()

    py = b.python()
    tmp = b.workdir()
    names = [f"fn{i:02d}" for i in range(1, args.targets + 1)]
    sim = b.start_simulator(latency=args.latency)
    try:
        for name in names:
            sim.state.deploy("acme", name, minimum_replicas=0, maximum_replicas=4)
        env = b.runner_env(
            {
                "api-key": b.KEY,
                "targets": "".join(f"acme/{name} min=1\n" for name in names),
                "api-url": sim.url,
            },
            tmp,
        )
        commands = [
            (f"concurrency {c}", ["env", f"INPUT_CONCURRENCY={c}", py, str(b.ENTRYPOINT)])
            for c in (args.concurrency, 1)
        ]
        prepare = b.curl_reset(
            [f"{sim.url}/v2/functions/acme/{name}/versions/latest/edit" for name in names],
            '{"minimum_replicas": 0}',
        )
        measured, command_line = b.hyperfine(
            commands,
            env=env,
            runs=args.runs,
            warmup=args.warmup,
            prepare=prepare,
            cwd=tmp,
            label="fleet",
        )
        problems, peaks = check_requests(sim.state.requests, commands, args, set(names))
    finally:
        sim.stop()

    fast, slow = measured
    ideal_sequential = 2 * args.targets * args.latency
    waves = -(-args.targets // args.concurrency)
    ideal_concurrent = 2 * waves * args.latency
    print("\n| concurrency | median | min | max | runs | peak requests in flight | ideal |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m, ideal in ((fast, ideal_concurrent), (slow, ideal_sequential)):
        print(
            f"| {m.name.split()[-1]} | {m.median:.2f} s | {m.low:.2f} s | {m.high:.2f} s "
            f"| {m.runs} | {peaks[m.name]} | {ideal:.1f} s |"
        )
    speedup = slow.median / fast.median
    ok = fast.median < args.goal and not problems
    for problem in problems[:10]:
        print(f"fleet: request check failed: {problem}")
    print(
        f"\nfleet: {args.targets} targets at {args.latency * 1000:.0f} ms a request: "
        f"concurrency {args.concurrency} {fast.median:.2f} s (goal < {args.goal:g} s), "
        f"concurrency 1 {slow.median:.2f} s (issue: about 19 s), "
        f"{speedup:.1f}x faster: {b.verdict(ok)}"
    )
    b.save(
        "fleet",
        {
            "machine": b.machine(),
            "args": vars(args),
            "command": command_line,
            "results": [m.__dict__ for m in measured],
            "peak_in_flight": peaks,
            "speedup": speedup,
            "problems": problems,
            "pass": ok,
        },
    )
    return 0 if ok else 1


def check_requests(
    requests: list[dict[str, Any]],
    commands: list[tuple[str, list[str]]],
    args: argparse.Namespace,
    names: set[str],
) -> tuple[list[str], dict[str, int]]:
    per_command = args.runs + args.warmup
    runs = b.segments(requests, per_reset=len(names))
    peaks = {name: 0 for name, _ in commands}
    if len(runs) != len(commands) * per_command:
        return [f"{len(runs)} runs in the log, expected {len(commands) * per_command}"], peaks
    problems = []
    for i, run in enumerate(runs):
        command = commands[i // per_command][0]
        gets = sorted(r["path"].split("/")[4] for r in run if r["method"] == "GET")
        edits = sorted(r["path"].split("/")[4] for r in run if r["method"] == "POST")
        statuses = {r.get("response", {}).get("status") for r in run}
        if gets != sorted(names) or edits != sorted(names) or statuses != {200}:
            problems.append(
                f"{command}, run {i % per_command + 1}: {len(gets)} GETs, {len(edits)} edits, "
                f"statuses {sorted(map(str, statuses))}"
            )
        peaks[command] = max(peaks[command], b.peak_in_flight(run, args.latency))
    return problems, peaks


if __name__ == "__main__":
    sys.exit(main())
