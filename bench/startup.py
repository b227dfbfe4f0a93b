"""What each of the action's imports adds to a whole process, with hyperfine.

One hyperfine run of ``python -c`` processes that import the floor's one dependency
(httpx) plus one more piece of the action's path, and the action's whole import, each
also with garbage collection paused during the imports (``gc.disable()`` first, then
``gc.freeze()``, as ``bench/variants/gc_freeze.py`` does). Each median is reported with
what it adds to ``import httpx`` in the same run. Informative: no goal, exit 0.

    python bench/startup.py [--runs 30] [--warmup 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys

import _bench as b

PIECES = [
    ("httpx", "import httpx"),
    ("httpx + httpx.Client()", "import httpx; httpx.Client()"),
    ("httpx + sieve_action.api.models", "import httpx, sieve_action.api.models"),
    ("httpx + sieve_action.contract.inputs", "import httpx, sieve_action.contract.inputs"),
    ("httpx + stamina", "import httpx, stamina"),
    ("httpx + github_action_utils", "import httpx, github_action_utils"),
    ("sieve_action.action", "import sieve_action.action"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="hyperfine runs, orders rotated")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command and round")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    py = b.python()
    commands = [("python -c pass", [py, "-c", "pass"])]
    for name, code in PIECES:
        commands.append((name, [py, "-c", code]))
        commands.append(
            (f"{name}, gc paused", [py, "-c", f"import gc; gc.disable(); {code}; gc.freeze()"])
        )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(b.ROOT), "LANG": "C.UTF-8"}
    rounds, lines = b.hyperfine_rounds(
        commands,
        rounds=args.rounds,
        label="startup",
        env=env,
        runs=args.runs,
        warmup=args.warmup,
        prepare=None,
        cwd=b.workdir(),
    )

    # Each figure: the median of the rounds' medians; each difference: the median of the
    # rounds' differences, both terms from the same hyperfine run.
    def med(name: str) -> float:
        return statistics.median(rnd[name].median for rnd in rounds)

    def over(name: str, base: str) -> float:
        return statistics.median(rnd[name].median - rnd[base].median for rnd in rounds)

    print("\n| imports | median | + over `import httpx` | gc paused | + over httpx (gc paused) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| nothing (`python -c pass`) | {b.ms(med('python -c pass'))} | | | |")
    for name, _ in PIECES:
        paused = f"{name}, gc paused"
        print(
            f"| `{name}` | {b.ms(med(name))} | {over(name, 'httpx') * 1000:+.1f} ms "
            f"| {b.ms(med(paused))} | {over(paused, 'httpx, gc paused') * 1000:+.1f} ms |"
        )
    print(f"\n(medians of {args.rounds} hyperfine runs x {args.runs} runs)")
    b.save(
        "startup",
        {
            "machine": b.machine(),
            "commands": lines,
            "rounds": [{n: m.__dict__ for n, m in rnd.items()} for rnd in rounds],
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
