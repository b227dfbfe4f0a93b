"""Benchmark 2: wait detection. How soon after the version turns ready does the action
exit, and how many status reads did it make while waiting?

Each run deploys a new version that is still building, then runs the action as the
runner does (``wait: true``, ``poll-interval: 1``, ``min-replicas: 1``). The moment the
simulator receives the edit, the version's build time is set so that it turns ready
exactly ``--ready-after`` (3) seconds after that edit. The driver holds the simulator in
this process, so the edit's arrival, each status read and the action's exit are read on
one clock (``time.monotonic``).

Goals, for every run: the action exits within 1.25 s of the ready moment, and makes no
more status reads (GETs of the resolved version ID after the edit) than
``ceil(waited / poll-interval) + 2``, where ``waited`` is the time from the edit to the
action's last read. Medians are reported.

    python bench/wait.py [--runs 5] [--ready-after 3] [--poll-interval 1]
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import _bench as b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ready-after", type=float, default=3.0, help="seconds after the edit")
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--max-late", type=float, default=1.25, help="exit - ready, at most")
    parser.add_argument("--slack-reads", type=int, default=2)
    args = parser.parse_args()

    py = b.python()
    sim = b.start_simulator()
    rows: list[dict[str, Any]] = []
    try:
        for run in range(1, args.runs + 1):
            rows.append(one_run(sim, py, args, run))
    finally:
        sim.stop()

    print("\n| run | exit code | edit → ready | ready → exit | reads | waited | read limit |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['run']} | {row['code']} | {row['ready_after']:.2f} s | {b.ms(row['late'])} "
            f"| {row['reads']} | {row['waited']:.2f} s | {row['limit']} |"
        )
    late = statistics.median(r["late"] for r in rows)
    reads = statistics.median(r["reads"] for r in rows)
    worst = max(r["late"] for r in rows)
    ok_late = all(r["late"] <= args.max_late for r in rows)
    ok_reads = all(r["reads"] <= r["limit"] for r in rows)
    ok_runs = all(r["code"] == 0 and r["status"] == "ready" for r in rows)
    ok = ok_late and ok_reads and ok_runs
    print(
        f"\nwait: exit {b.ms(late)} after ready (median of {len(rows)}; worst {b.ms(worst)}; "
        f"goal <= {args.max_late:g} s): {b.verdict(ok_late)}"
    )
    print(
        f"wait: {reads:g} status reads (median; each run's limit ceil(waited / "
        f"{args.poll_interval:g} s) + {args.slack_reads}): {b.verdict(ok_reads)}"
    )
    if not ok_runs:
        print("wait: a run did not end ready with exit code 0: FAIL")
    b.save(
        "wait",
        {
            "machine": b.machine(),
            "args": vars(args),
            "runs": rows,
            "median_late": late,
            "median_reads": reads,
            "pass": ok,
        },
    )
    return 0 if ok else 1


def one_run(sim: Any, py: str, args: argparse.Namespace, run: int) -> dict[str, Any]:
    state = sim.state
    # Still building when read and edited: it turns ready only once the edit is seen.
    version = state.deploy("acme", "whisper", build_seconds=3600.0, maximum_replicas=4)
    first = len(state.requests)
    edit_path = f"/v2/functions/acme/whisper/versions/{version.id}/edit"
    edited = threading.Event()
    marks: dict[str, float] = {}

    def watch() -> None:
        """Set the build to end ``ready_after`` seconds after the edit arrives; the next
        status read comes a poll interval later, long after this runs."""
        while not edited.is_set():
            with state.lock:
                for request in state.requests[first:]:
                    if request["method"] == "POST" and request["path"] == edit_path:
                        marks["edit"] = request["at"]
                        marks["ready"] = request["at"] + args.ready_after
                        version.build_seconds = marks["ready"] - version.created
                        edited.set()
                        break
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    tmp = b.workdir()
    env = b.runner_env(
        {
            "api-key": b.KEY,
            "owner": "acme",
            "function": "whisper",
            "min-replicas": "1",
            "wait": "true",
            "poll-interval": f"{args.poll_interval:g}",
            "wait-timeout": "60",
            "api-url": sim.url,
        },
        tmp,
    )
    started = time.monotonic()
    proc = subprocess.run(
        [py, str(b.ENTRYPOINT)], env=env, cwd=tmp, capture_output=True, text=True, timeout=90
    )
    exited = time.monotonic()
    edited.set()
    watcher.join()
    if "ready" not in marks:
        raise SystemExit(f"wait: run {run}: the action sent no edit\n{proc.stdout}{proc.stderr}")
    status = b.read_outputs(env).get("build-status")
    reads = [
        r
        for r in state.requests[first:]
        if r["method"] == "GET" and r["path"].endswith(f"/versions/{version.id}")
    ]
    waited = (reads[-1]["at"] - marks["edit"]) if reads else 0.0
    row = {
        "run": run,
        "code": proc.returncode,
        "status": status,
        "start_to_edit": marks["edit"] - started,
        "ready_after": marks["ready"] - marks["edit"],
        "late": exited - marks["ready"],
        "reads": len(reads),
        "read_times_after_edit": [round(r["at"] - marks["edit"], 4) for r in reads],
        "waited": waited,
        "limit": math.ceil(waited / args.poll_interval) + args.slack_reads,
    }
    print(
        f"wait: run {run}: exit {proc.returncode}, build-status {status}, reads at "
        f"{', '.join(f'+{t:.3f}' for t in row['read_times_after_edit'])} s after the edit, "
        f"exit {b.ms(row['late'])} after ready",
        flush=True,
    )
    return row


if __name__ == "__main__":
    sys.exit(main())
