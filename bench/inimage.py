"""The action's overhead against the floor, inside the image (run by bench/inimage.sh).

    python inimage.py --api-url URL --action-yml FILE --runs N -- ENTRYPOINT...

Runs in the image's own Python (standard library only), in one container. Alternates N
runs of the image's ENTRYPOINT with N runs of the floor (bench/floor.py: start, import
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


def action_defaults(path: Path) -> dict[str, str]:
    """The `inputs:` of action.yml and their defaults, read line by line (no YAML
    parser in the image): `  name:` opens an input, `    default: value` gives it."""
    defaults: dict[str, str] = {}
    section, name = "", ""
    for line in path.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            section = line.split(":", 1)[0]
        elif section == "inputs" and line.startswith("  ") and not line.startswith("   "):
            name = line.strip().rstrip(":")
            defaults[name] = ""
        elif section == "inputs" and line.strip().startswith("default:"):
            value = line.split(":", 1)[1].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            defaults[name] = value
    if len(defaults) < 10 or "api-url" not in defaults:
        raise SystemExit(f"could not read the inputs of {path}: {defaults}")
    return defaults


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


def changed(output: Path) -> str:
    """The `changed` output, from NAME=VALUE or NAME<<DELIMITER records."""
    lines = output.read_text().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("changed="):
            return line.partition("=")[2]
        if line.startswith("changed<<") and i + 1 < len(lines):
            return lines[i + 1]
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--owner", default="acme")
    parser.add_argument("--function", default="whisper")
    parser.add_argument("--action-yml", type=Path, required=True)
    parser.add_argument("--floor", default="/bench/floor.py")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("entrypoint", nargs="+", help="the image's ENTRYPOINT")
    args = parser.parse_args()

    key = os.environ["BENCH_KEY"]
    sim = Sim(args.api_url, key, args.owner, args.function)
    version = sim.call("GET", sim.base + "latest")
    edit = sim.base + version["id"] + "/edit"
    inputs = {f"INPUT_{k.upper()}": v for k, v in action_defaults(args.action_yml).items()}
    inputs |= {
        "INPUT_API-KEY": key,
        "INPUT_OWNER": args.owner,
        "INPUT_FUNCTION": args.function,
        "INPUT_MIN-REPLICAS": "1",
        "INPUT_API-URL": args.api_url,
    }
    commands = {
        "action": list(args.entrypoint),
        "floor": [args.entrypoint[0], args.floor],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    tmp = Path(tempfile.mkdtemp())
    workspace = tmp / "workspace"
    workspace.mkdir()
    for i in range(args.warmup + args.runs):
        order = list(commands) if i % 2 == 0 else list(commands)[::-1]
        for name in order:
            sim.call("POST", edit, {"minimum_replicas": 0})
            seen = len(sim.requests())
            files = tmp / f"{name}-{i}"
            files.mkdir()
            for file in ("output", "summary"):
                (files / file).write_text("")
            env = {
                # The image's own environment (PATH, LANG, PYTHON* variables)...
                **{k: v for k, v in os.environ.items() if k != "BENCH_KEY"},
                # ...and what the runner adds.
                "HOME": str(tmp),
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_OUTPUT": str(files / "output"),
                "GITHUB_STEP_SUMMARY": str(files / "summary"),
                **inputs,
            }
            start = time.perf_counter()
            run = subprocess.run(commands[name], env=env, cwd=workspace, capture_output=True)
            elapsed = time.perf_counter() - start
            if run.returncode != 0:
                raise SystemExit(f"{name} exited {run.returncode}: {run.stderr.decode()[-500:]}")
            made = [
                (r["method"], r["path"].rsplit("/", 1)[-1], (r.get("response") or {}).get("status"))
                for r in sim.requests()[seen:]
            ]
            if made != [("GET", "latest", 200), ("POST", "edit", 200)]:
                raise SystemExit(f"{name} run {i} did not make exactly GET + edit: {made}")
            if name == "action" and changed(files / "output") != "true":
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
