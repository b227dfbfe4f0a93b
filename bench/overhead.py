"""Benchmark 1: the action's whole run (no wait) against the floor, with hyperfine.

The floor (``bench/floor.py``) is the least a Python program must do for the same job:
start, import httpx, GET the version, POST the edit. Every timed process does exactly
that GET and that POST: hyperfine's ``--prepare`` sets the minimum back to 0 before each
run (warm-ups included), and each run sets it to 1. The simulator's log is then cut at
those resets and every run is checked to have made exactly its two requests.

Goal: the action's median at most 1.5 x the floor's median. The ratio is taken inside
each hyperfine run (every command measured in the same run); there are ``--rounds``
such runs, each with the commands in another order, so that a load change on the
machine during one command's runs shows up as a spread between rounds instead of
moving the result; the goal is checked on the median of the rounds' ratios. curl making
the same two requests, and ``python -c pass``, are reported for scale.

``--also NAME=SCRIPT`` adds a variant of the entrypoint to the same runs (to measure a
suggested change before making it). The same comparison inside the built image is
``bench/inimage.sh``.

    python bench/overhead.py [--rounds 3] [--runs 20] [--warmup 3] [--goal 1.5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import _bench as b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="hyperfine runs, orders rotated")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command and round")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--goal", type=float, default=1.5, help="action / floor, at most")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=SCRIPT")
    parser.add_argument("--label", default=None, help="results file name (build/bench/)")
    args = parser.parse_args()
    label = args.label or "overhead"

    py = b.python()
    tmp = b.workdir()
    entrypoint, floor = b.ENTRYPOINT, b.FLOOR

    sim = b.start_simulator()
    try:
        version = sim.state.deploy("acme", "whisper", minimum_replicas=0, maximum_replicas=4)
        base = f"{sim.url}/v2/functions/acme/whisper/versions"
        inputs = {
            "api-key": b.KEY,
            "owner": "acme",
            "function": "whisper",
            "min-replicas": "1",
            "api-url": sim.url,
        }
        env = b.runner_env(inputs, tmp)
        key = ["-H", f"X-API-Key: {b.KEY}"]
        curl = ["curl", "-sS", "--fail", "-o", "/dev/null", *key, f"{base}/latest", "--next"]
        curl += ["-sS", "--fail", "-o", "/dev/null", *key]
        curl += ["-H", "Content-Type: application/json", "-d", '{"minimum_replicas": 1}']
        curl += [f"{base}/{version.id}/edit"]
        commands = [
            ("floor", [py, str(floor)]),
            ("action", [py, str(entrypoint)]),
            *(
                (name, [py, str(Path(script).resolve())])
                for name, _, script in (a.partition("=") for a in args.also)
            ),
            ("curl", curl),
            ("python -c pass", [py, "-c", "pass"]),
        ]
        idle = {"python -c pass"}
        prepare = b.curl_reset([f"{base}/{version.id}/edit"], '{"minimum_replicas": 0}')
        problems: list[str] = []
        first = [0]

        def check(order: list[tuple[str, list[str]]]) -> None:
            made = sim.state.requests[first[0] :]
            first[0] = len(sim.state.requests)
            problems.extend(check_requests(made, order, idle, args.runs + args.warmup, version.id))

        rounds, lines = b.hyperfine_rounds(
            commands,
            rounds=args.rounds,
            label=label,
            after=check,
            env=env,
            runs=args.runs,
            warmup=args.warmup,
            prepare=prepare,
            cwd=tmp,
        )
    finally:
        sim.stop()

    ratios = [rnd["action"].median / rnd["floor"].median for rnd in rounds]
    ratio = statistics.median(ratios)
    names = [name for name, _ in commands]
    print(f"\noverhead: {args.rounds} hyperfine runs x {args.runs} runs per command\n")
    print("| command | median of all runs | round medians | / floor (median of rounds) |")
    print("| --- | ---: | --- | ---: |")
    table = []
    for name in names:
        pooled = statistics.median(t for rnd in rounds for t in rnd[name].times)
        per_round = [rnd[name].median for rnd in rounds]
        to_floor = statistics.median(rnd[name].median / rnd["floor"].median for rnd in rounds)
        table.append({"name": name, "median": pooled, "rounds": per_round, "ratio": to_floor})
        print(
            f"| {name} | {b.ms(pooled)} | {', '.join(f'{t * 1000:.1f}' for t in per_round)} ms "
            f"| {to_floor:.2f}x |"
        )
    ok = ratio <= args.goal and not problems
    for problem in problems[:10]:
        print(f"overhead: request check failed: {problem}")
    print(
        f"\noverhead: action / floor = {ratio:.2f}x (rounds: "
        f"{', '.join(f'{x:.2f}' for x in ratios)}; goal <= {args.goal}x): {b.verdict(ok)}"
    )
    b.save(
        label,
        {
            "machine": b.machine(),
            "commands": lines,
            "table": table,
            "ratios": ratios,
            "ratio": ratio,
            "goal": args.goal,
            "problems": problems,
            "pass": ok,
        },
    )
    return 0 if ok else 1


def check_requests(
    requests: list[dict[str, Any]],
    commands: list[tuple[str, list[str]]],
    idle: set[str],
    per_command: int,
    version_id: str,
) -> list[str]:
    """Every timed process made exactly GET latest then POST <id>/edit, both answered
    200 (``idle`` commands: none)."""
    runs = b.segments(requests, per_reset=1)
    expected = len(commands) * per_command
    if len(runs) != expected:
        return [f"{len(runs)} runs in the simulator's log, expected {expected}"]
    problems = []
    for i, run in enumerate(runs):
        name = commands[i // per_command][0]
        made = [(r["method"], r["path"].rsplit("/versions/", 1)[-1], status(r)) for r in run]
        want = [] if name in idle else [("GET", "latest", 200), ("POST", f"{version_id}/edit", 200)]
        if made != want:
            problems.append(f"{name}, run {i % per_command + 1}: {made}")
    return problems


def status(request: dict[str, Any]) -> int | None:
    answer: dict[str, Any] = request.get("response", {})
    return answer.get("status")


if __name__ == "__main__":
    sys.exit(main())
