"""The after-deploy scenario against the local simulator, run the way GitHub's runner
runs the action: inputs as INPUT_* variables, fresh GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files, then the outputs and the summary printed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sieve_action.simulator import Simulator  # noqa: E402

KEY = "sk-demo-0a1b2c3d4e5f60718293"


def read_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: NAME=VALUE or NAME<<DELIMITER ... DELIMITER."""
    values, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line, i = lines[i], i + 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i)
            values[name], i = "\n".join(lines[i:end]), end + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def main() -> int:
    with Simulator(KEY, worker_seconds=2) as sim, tempfile.TemporaryDirectory() as tmp:
        # `sieve deploy` has just made a new version: it builds for 4 seconds.
        sim.state.deploy("acme", "whisper", minimum_replicas=0, maximum_replicas=1)
        sim.state.deploy("acme", "whisper", build_seconds=4, minimum_replicas=0, maximum_replicas=1)
        files = Path(tmp)
        output, summary = files / "set_output", files / "step_summary"
        output.write_text("")
        summary.write_text("")
        inputs = {
            "api-key": KEY,
            "owner": "acme",
            "function": "whisper",
            "version": "latest",
            "min-replicas": "1",
            "max-replicas": "3",
            "wait": "true",
            "wait-for": "build",
            "wait-timeout": "60",
            "poll-interval": "1",
            "fail-on-error": "true",
            "api-url": sim.url,
        }
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
        }
        print(
            "$ INPUT_OWNER=acme INPUT_FUNCTION=whisper INPUT_MIN-REPLICAS=1 INPUT_MAX-REPLICAS=3 "
            "INPUT_WAIT=true INPUT_POLL-INTERVAL=1 ... python entrypoint.py\n"
        )
        code = subprocess.run(
            [sys.executable, str(ROOT / "entrypoint.py")], env=env, check=False
        ).returncode
        print(
            f"\nexit code {code}\n\n--- outputs ($GITHUB_OUTPUT, read with the runner's rules) ---"
        )
        for name, value in read_outputs(output.read_text()).items():
            print(f"{name}={value}")
        print("\n--- job summary ($GITHUB_STEP_SUMMARY) ---")
        print(summary.read_text())
        return code


if __name__ == "__main__":
    sys.exit(main())
