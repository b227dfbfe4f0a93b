"""The action's overhead against the floor, inside the image (run by bench/inimage.sh).

    python inimage.py --api-url URL --runs N -- ENTRYPOINT...

Runs in the image's own Python (standard library and testkit only), in one container.
Alternates N runs of the image's ENTRYPOINT with N runs of the floor (bench/floor.py: start, import
httpx, GET, POST), each started the way the runner starts the action: every input of
action.yml as INPUT_<NAME> (defaults applied, hyphens kept), fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files, GITHUB_ACTIONS=true, `min-replicas: 1`, no wait. Before each
run the minimum is set back to 0 (untimed), and after it the simulator's request log
must show exactly the run's GET of the version and its POST of the edit, both 200.
The key comes from BENCH_KEY. Prints one JSON object: every time, in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

# testkit beside bench/ (in the image: /testkit, mounted with /bench and /action.yml).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testkit.runner import parse_output_file, step_environment


class Sim:
    def __init__(self, url: str, key: str, owner: str, function: str) -> None:
        self.url, self.key = url, key
        self.base = f"/v2/functions/{owner}/{function}/versions/"

    def call(self, method: str, path: str, body: object = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("X-API-Key", self.key)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)

    def requests(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/_sim/requests")["requests"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--owner", default="acme")
    parser.add_argument("--function", default="whisper")
    parser.add_argument("--floor", default="/bench/floor.py")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("entrypoint", nargs="+", help="the image's ENTRYPOINT")
    args = parser.parse_args()

    key = os.environ["BENCH_KEY"]
    sim = Sim(args.api_url, key, args.owner, args.function)
    version = sim.call("GET", sim.base + "latest")
    edit = sim.base + version["id"] + "/edit"
    inputs = {
        "api-key": key,
        "owner": args.owner,
        "function": args.function,
        "min-replicas": "1",
        "api-url": args.api_url,
    }
    # The image's own environment (PATH, LANG, PYTHON* variables), not this driver's.
    image_env = {k: v for k, v in os.environ.items() if k not in {"BENCH_KEY", "PYTHONPATH"}}
    commands = {
        "action": list(args.entrypoint),
        "floor": [args.entrypoint[0], args.floor],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    tmp = Path(tempfile.mkdtemp())
    for i in range(args.warmup + args.runs):
        order = list(commands) if i % 2 == 0 else list(commands)[::-1]
        for name in order:
            sim.call("POST", edit, {"minimum_replicas": 0})
            seen = len(sim.requests())
            step = step_environment(
                inputs, tmp / f"{name}-{i}", action_defaults=True, base=image_env
            )
            start = time.perf_counter()
            run = subprocess.run(
                commands[name], env=step.environ, cwd=step.workspace, capture_output=True
            )
            elapsed = time.perf_counter() - start
            if run.returncode != 0:
                raise SystemExit(f"{name} exited {run.returncode}: {run.stderr.decode()[-500:]}")
            made = [
                (r["method"], r["path"].rsplit("/", 1)[-1], (r.get("response") or {}).get("status"))
                for r in sim.requests()[seen:]
            ]
            if made != [("GET", "latest", 200), ("POST", "edit", 200)]:
                raise SystemExit(f"{name} run {i} did not make exactly GET + edit: {made}")
            outputs = parse_output_file(step.output.read_text())
            if name == "action" and outputs.get("changed") != "true":
                raise SystemExit(f"action run {i} did not report changed=true")
            if i >= args.warmup:
                times[name].append(elapsed)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(
        json.dumps(
            {
                "runs": args.runs,
                "warmup": args.warmup,
                "python": sys.version.split()[0],
                "times": times,
                "median": medians,
                "ratio": medians["action"] / medians["floor"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
