"""Import-time profile of the action's path against the floor's (``python -X importtime``).

Runs the action (``entrypoint.py``, no wait) and the floor (``bench/floor.py``) against
the simulator, each ``--runs`` times under ``-X importtime``, including every import
made while running (not only at start), and prints medians: each program's total import
time, the action's top imports by cumulative time, and what the action imports that the
floor does not, by top-level package. Informative: it has no goal and exits 0 unless a
run fails. ``-X importtime`` itself slows imports, so read these as shares, and the
hyperfine figures of ``bench/overhead.py`` as the times.

    python bench/imports.py [--runs 7] [--top 25]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable

import _bench as b

LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


Profile = dict[str, tuple[float, float, int]]


def profile(argv: list[str], env: dict[str, str], runs: int, reset: Callable[[], None]) -> Profile:
    """Module -> (median self µs, median cumulative µs, depth), over ``runs`` runs."""
    selfs: dict[str, list[int]] = defaultdict(list)
    cumuls: dict[str, list[int]] = defaultdict(list)
    depth: dict[str, int] = {}
    for _ in range(runs):
        reset()
        proc = subprocess.run(
            [argv[0], "-X", "importtime", *argv[1:]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"imports: {argv} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        for line in proc.stderr.splitlines():
            if match := LINE.match(line):
                name = match[4]
                selfs[name].append(int(match[1]))
                cumuls[name].append(int(match[2]))
                depth.setdefault(name, len(match[3]) // 2)
    return {
        name: (statistics.median(selfs[name]), statistics.median(cumuls[name]), depth[name])
        for name in selfs
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    py = b.python()
    sim = b.start_simulator()
    try:
        version = sim.state.deploy("acme", "whisper", minimum_replicas=0, maximum_replicas=4)
        env = b.runner_env(
            {
                "api-key": b.KEY,
                "owner": "acme",
                "function": "whisper",
                "min-replicas": "1",
                "api-url": sim.url,
            },
            b.workdir(),
        )

        def reset() -> None:
            with sim.state.lock:
                version.minimum_replicas = 0

        action = profile([py, str(b.ENTRYPOINT)], env, args.runs, reset)
        floor = profile([py, str(b.FLOOR)], env, args.runs, reset)
        posts = sum(1 for r in sim.state.requests if r["method"] == "POST")
    finally:
        sim.stop()
    if posts != 2 * args.runs:
        print(f"imports: {posts} edits in the simulator's log, expected {2 * args.runs}")
        return 1

    def total(found: Profile) -> float:
        return sum(s for s, _, _ in found.values()) / 1000

    print(f"median of {args.runs} runs each, under -X importtime (ms)")
    print(f"total import time: action {total(action):.1f} ms, floor {total(floor):.1f} ms")
    print(f"\ntop {args.top} imports of the action's run, by cumulative time:\n")
    print("| module | cumulative | self | depth | also in floor |")
    print("| --- | ---: | ---: | ---: | --- |")
    ranked = sorted(action.items(), key=lambda item: -item[1][1])[: args.top]
    for name, (own, cumulative, depth) in ranked:
        also = "yes" if name in floor else "no"
        print(f"| `{name}` | {cumulative / 1000:.1f} | {own / 1000:.1f} | {depth} | {also} |")

    extra: dict[str, list[float]] = defaultdict(list)
    for name, (own, _, _) in action.items():
        if name not in floor:
            extra[name.split(".")[0]].append(own)
    print("\nimported by the action and not by the floor, by top-level package (self time):\n")
    print("| package | modules | self time |")
    print("| --- | ---: | ---: |")
    rows = sorted(extra.items(), key=lambda item: -sum(item[1]))
    small = [(package, owns) for package, owns in rows if sum(owns) < 500]
    for package, owns in rows:
        if sum(owns) >= 500:
            print(f"| `{package}` | {len(owns)} | {sum(owns) / 1000:.1f} ms |")
    if small:
        rest = sum(sum(owns) for _, owns in small) / 1000
        print(
            f"| {len(small)} others, under 0.5 ms each | "
            f"{sum(len(o) for _, o in small)} | {rest:.1f} ms |"
        )
    count, own = sum(len(o) for o in extra.values()), sum(map(sum, extra.values())) / 1000
    print(f"| all | {count} | {own:.1f} ms |")
    print(
        "\n(self time of the action's own modules includes making its dataclasses,"
        " which runs in their class bodies.)"
    )
    b.save(
        "imports",
        {
            "machine": b.machine(),
            "runs": args.runs,
            "action_total_ms": total(action),
            "floor_total_ms": total(floor),
            "top": [[n, c / 1000, s / 1000] for n, (s, c, _) in ranked],
            "extra": {p: sum(o) / 1000 for p, o in rows},
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
