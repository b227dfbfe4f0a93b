"""A local Sieve to try sieve-action's command line on (docs/try-locally.md): the test
kit's simulator with one function, ``acme/whisper``, in two versions, the older one
warm, so that promoting the newer (scale, smoke test, retire) and then undoing it can be
tried; its jobs answer as the README's examples expect. Prints the commands to paste in
another terminal, then serves until Ctrl-C.

    scripts/simulate.sh              # this, in .venv with sieve-action installed
    python scripts/simulate.py --port 8000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import signal
import sys
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as scripts/simulate.py

from testkit.simulator import JobScript, Simulator  # noqa: E402

#: The simulator's key: not a secret, it opens nothing but this simulator.
KEY = "sk-simulator-try-it-locally"
OWNER, FUNCTION = "acme", "whisper"
#: What the versions' jobs answer: one string, as a transcription function would.
OUTPUTS = [{"type": "str", "name": "text", "data": "Hello world"}]
#: Where the commands save the promotion's --json output, for the undo.
SAVED = "promotion.json"
#: The line before the commands, and after them a blank line (tests read between).
PASTE = "Paste these in another terminal:"


def smoke_test() -> str:
    """The smoke cases of the README's after-deploy example, as JSON on one line."""
    workflow = yaml.safe_load((ROOT / "examples" / "after-deploy.yml").read_text())
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            cases = step.get("with", {}).get("smoke-test")
            if cases:
                return json.dumps(json.loads(cases))
    raise SystemExit("examples/after-deploy.yml has no smoke-test")


def commands(url: str, bin_dir: Path) -> list[str]:
    """What a user pastes: the key and the URL, a promotion saved as JSON, its undo."""
    return [
        f'export PATH={shlex.quote(str(bin_dir))}:"$PATH"',
        f"export SIEVE_API_KEY={KEY}",
        f"export API_URL={url}",
        f'sieve-action --api-url "$API_URL" --owner {OWNER} --function {FUNCTION} '
        "--min-replicas 1 --max-replicas 4 --wait --wait-for replicas --poll-interval 1 "
        f"--smoke-test {shlex.quote(smoke_test())} --retire-previous --json > {SAVED}",
        # The saved results name the function and each version: no --owner, --function.
        f'sieve-action --api-url "$API_URL" --undo-file {SAVED} --min-replicas 0',
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--build-seconds", type=float, default=3.0,
                        help="how long the new version builds")  # fmt: skip
    parser.add_argument("--job-seconds", type=float, default=1.0, help="how long a job runs")
    args = parser.parse_args(argv)
    with Simulator(KEY, port=args.port, worker_seconds=1.0) as sim:
        old = sim.state.deploy(OWNER, FUNCTION, minimum_replicas=1, maximum_replicas=3)
        new = sim.state.deploy(OWNER, FUNCTION, build_seconds=args.build_seconds)
        sim.state.functions[(OWNER, FUNCTION)].jobs = JobScript(
            "finished", seconds=args.job_seconds, outputs=OUTPUTS
        )
        print(f"A local Sieve at {sim.url} (key {KEY}), with {OWNER}/{FUNCTION}:")
        print(f"  version {old.id}: yesterday's, 1 warm replica (1..3)")
        print(f"  version {new.id}: just deployed, building for {args.build_seconds:g} s (0..1)")
        print(f"Its jobs answer {json.dumps(OUTPUTS)}.\n")
        print(PASTE)
        print("\n".join(commands(sim.url, Path(sys.executable).parent)) + "\n")
        print(
            f"The first promotes the new version: a warm replica, the README's smoke cases, "
            f"the old version retired; {SAVED} keeps its --json output. The second undoes it "
            "from that file. Ctrl-C stops the simulator.",
            flush=True,
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
