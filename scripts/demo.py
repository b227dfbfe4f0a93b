"""The after-deploy scenario against the local simulator, run the way GitHub's runner
runs the action (testkit.runner): inputs as INPUT_* variables, fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files; then the log, the outputs and the summary printed."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as scripts/demo.py

from testkit.runner import run_step
from testkit.simulator import JobScript, Simulator

KEY = "sk-demo-0a1b2c3d4e5f60718293"


def main() -> int:
    with Simulator(KEY, worker_seconds=2) as sim, tempfile.TemporaryDirectory() as tmp:
        # Yesterday's version keeps a warm worker; `sieve deploy` has just made a new
        # one, which builds for 4 seconds. Its jobs take a second.
        sim.state.deploy("acme", "whisper", minimum_replicas=1, maximum_replicas=3)
        new = sim.state.deploy(
            "acme", "whisper", build_seconds=4, minimum_replicas=0, maximum_replicas=1
        )
        # The new version transcribes: each job answers one string output.
        new.jobs = JobScript(
            "finished", seconds=1, outputs=[{"type": "str", "name": "text", "data": "Hello world"}]
        )
        inputs = {
            "api-key": KEY,
            "owner": "acme",
            "function": "whisper",
            "min-replicas": "1",
            "max-replicas": "3",
            "wait": "true",
            "wait-for": "replicas",
            "poll-interval": "1",
            "smoke-test": json.dumps(
                [
                    {
                        "name": "hello",
                        "inputs": {"audio": "hello.wav"},
                        "expect": [{"data": "Hello world"}],
                        "max-seconds": 30,
                    },
                    {
                        "name": "answers a string",
                        "inputs": {"audio": "long.wav"},
                        "expect": [{"type": "str"}],
                    },
                ]
            ),
            "retire-previous": "true",
            "api-url": sim.url,
        }
        # Every input the step gets, the key as the runner would show it.
        shown = {**inputs, "api-key": "***"}
        given = " \\\n    ".join(f"INPUT_{name.upper()}='{value}'" for name, value in shown.items())
        print(f"$ {given} \\\n    python entrypoint.py\n")
        result = run_step(inputs, Path(tmp))
        print(result.stdout + result.stderr, end="")
        print(f"\nexit code {result.returncode}\n")
        print("--- outputs ($GITHUB_OUTPUT, read with the runner's rules) ---")
        for name, value in result.outputs.items():
            print(f"{name}={value}")
        print("\n--- job summary ($GITHUB_STEP_SUMMARY) ---")
        print(result.summary)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
