"""What the benchmarks share: the interpreter under test, the runner's environment for
``entrypoint.py``, an in-process simulator, hyperfine, and reading the simulator's log.

Standard library only (plus the repo's own ``testkit``, itself standard library only),
so a driver runs on the interpreter it measures without adding imports to the measured
processes.
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The repository, importable when a driver runs as `python bench/NAME.py`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testkit import paths
from testkit.runner import parse_output_file, step_environment
from testkit.simulator import Simulator

ROOT, ENTRYPOINT = paths.ROOT, paths.ENTRYPOINT
BENCH = ROOT / "bench"
FLOOR = BENCH / "floor.py"
#: JSON results of the last run of each benchmark, for docs/performance.md.
RESULTS = ROOT / "build" / "bench"
KEY = "bench-key-5f0c2a9d"
#: The User-Agent of the requests a benchmark makes to reset the simulator between runs;
#: the log is cut into one segment per timed run at these requests.
PREPARE_AGENT = "bench-prepare"


def python() -> str:
    """The interpreter under test: ``$PYTHON``, else the one running the driver; an
    absolute path (not resolved: a venv's ``python`` is a link that must stay one)."""
    chosen = os.environ.get("PYTHON") or sys.executable
    if os.sep not in chosen:
        chosen = shutil.which(chosen) or chosen
    return os.path.abspath(chosen)


def runner_env(inputs: dict[str, str], workdir: Path) -> dict[str, str]:
    """The environment GitHub's runner gives the container (testkit.runner), with the
    bare PATH and locale of a container instead of this process's environment."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    return step_environment(inputs, workdir, base=base).environ


def read_outputs(env: dict[str, str]) -> dict[str, str]:
    """The outputs a run wrote, read by the runner's rules."""
    return parse_output_file(Path(env["GITHUB_OUTPUT"]).read_text())


def workdir() -> Path:
    """A fresh folder, removed when the driver exits."""
    path = Path(tempfile.mkdtemp(prefix="sieve-bench-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def start_simulator(latency: float = 0.0) -> Simulator:
    """The simulator on a thread of this process, answering without Nagle's delay.

    Its handler writes the headers and the body of an answer in two sends; with Nagle's
    algorithm on, the body then waits for the client's delayed ACK (about 40 ms on
    Linux), which would add a server artefact to every figure, the floor's included.
    """
    return Simulator(KEY, latency=latency).start()  # its handler sets TCP_NODELAY


def curl_reset(urls: Sequence[str], body: str) -> list[str]:
    """A curl command that POSTs ``body`` to every URL at once, tagged as a reset (the
    benchmarks' ``--prepare``: not timed, and where the log is cut into runs)."""
    command = ["curl", "-sS", "--fail", "-g", "-Z", "--parallel-max", "64"]
    command += ["-H", f"X-API-Key: {KEY}", "-H", f"User-Agent: {PREPARE_AGENT}"]
    command += ["-H", "Content-Type: application/json", "-d", body]
    for url in urls:
        command += ["-o", "/dev/null", url]
    return command


@dataclass
class Measured:
    name: str
    command: str
    median: float
    mean: float
    stddev: float
    low: float
    high: float
    runs: int
    times: list[float]


def hyperfine(
    commands: Sequence[tuple[str, list[str]]],
    *,
    env: dict[str, str],
    runs: int,
    warmup: int,
    prepare: list[str] | None,
    cwd: Path,
    label: str,
) -> tuple[list[Measured], str]:
    """Run one hyperfine over every command (so their figures come from the same run),
    without a shell (``-N``); return each command's figures and the exact command line."""
    exe = shutil.which("hyperfine")
    if exe is None:
        raise SystemExit("bench: hyperfine not found (Debian: apt-get install hyperfine)")
    export = RESULTS / f"{label}.hyperfine.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    argv = [exe, "-N", "--style", "basic", "--runs", str(runs), "--warmup", str(warmup)]
    argv += ["--export-json", str(export)]
    if prepare:
        argv += ["--prepare", shlex.join(prepare)]
    for name, command in commands:
        argv += ["--command-name", name, shlex.join(command)]
    printable = shlex.join(argv)
    print(f"$ {printable}", flush=True)
    subprocess.run(argv, env=env, cwd=cwd, check=True)
    data = json.loads(export.read_text())
    measured = []
    for (name, command), result in zip(commands, data["results"], strict=True):
        times = result["times"]
        measured.append(
            Measured(
                name,
                shlex.join(command),
                statistics.median(times),
                statistics.fmean(times),
                statistics.stdev(times) if len(times) > 1 else 0.0,
                min(times),
                max(times),
                len(times),
                times,
            )
        )
    return measured, printable


def hyperfine_rounds(
    commands: Sequence[tuple[str, list[str]]],
    *,
    rounds: int,
    label: str,
    after: Callable[[list[tuple[str, list[str]]]], None] = lambda _: None,
    **options: Any,
) -> tuple[list[dict[str, Measured]], list[str]]:
    """:func:`hyperfine` ``rounds`` times, the commands in another order each time (a
    rotation), so that a change of load on the machine during one command's runs shows
    as a spread between rounds instead of moving one command's figure. ``after`` sees
    each round's order once it has run. Returns each round's figures by name, and the
    command lines."""
    results, lines = [], []
    for r in range(rounds):
        shift = r % len(commands)
        order = list(commands[shift:]) + list(commands[:shift])
        measured, line = hyperfine(order, label=f"{label}-round{r + 1}", **options)
        after(order)
        results.append({m.name: m for m in measured})
        lines.append(line)
    return results, lines


def segments(requests: list[dict[str, Any]], per_reset: int) -> list[list[dict[str, Any]]]:
    """The requests made after each reset, one list per timed process (hyperfine runs
    ``--prepare`` before every run, warm-ups included); a reset is ``per_reset``
    requests tagged with :data:`PREPARE_AGENT`, all answered before the run starts."""
    out: list[list[dict[str, Any]]] = []
    seen = 0
    for request in requests:
        if request["headers"].get("user-agent") == PREPARE_AGENT:
            if seen % per_reset == 0:
                out.append([])
            seen += 1
            continue
        if not out:
            out.append([])
        out[-1].append(request)
    return out


def peak_in_flight(requests: list[dict[str, Any]], duration: float) -> int:
    """Most requests open at once, each taken as open from its arrival for ``duration``
    (the simulator's added latency): a lower bound of the client's concurrency."""
    events = sorted(
        [(r["at"], 1) for r in requests] + [(r["at"] + duration, -1) for r in requests],
        key=lambda e: (e[0], e[1]),
    )
    peak = now = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    fields = dict(
        (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lscpu.splitlines())
    )
    version = subprocess.run(
        [python(), "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    hyperfine = shutil.which("hyperfine")  # bench/imports.py and inimage.py run without it
    hf = (
        subprocess.run([hyperfine, "--version"], capture_output=True, text=True, check=False)
        if hyperfine
        else None
    )
    return {
        "nproc": str(os.cpu_count()),
        "cpu": fields.get("Model name", "?"),
        "hypervisor": fields.get("Hypervisor vendor", "none"),
        "kernel": platform.release(),
        "python": version,
        "python_path": python(),
        "hyperfine": hf.stdout.strip() if hf else "not installed",
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def save(label: str, data: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{label}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
