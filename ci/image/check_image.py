"""Check what the built image holds and how it starts.

    python3 ci/image/check_image.py IMAGE --lock requirements/runtime.txt --api-url URL \
        --owner acme --function probe

Run on the host with our daemon's DOCKER_HOST; SIEVE_DOCKER_CLI names the docker client
and SIEVE_CHECK_KEY holds the simulator's API key (never on a command line). Checks:

- the image's config: no ``USER``, an exec-form ``ENTRYPOINT``;
- inside it (this same file, run with ``--probe`` by the image's Python): the installed
  distributions are exactly the lock's; every ``.py`` file of the code and of the
  dependencies has an unchecked-hash ``.pyc`` beside it;
- one real run of the ENTRYPOINT, as the runner starts it, against the simulator, under
  ``python -v``: it succeeds, and Python compiled no source file (each module came
  from a ``.pyc``: the code's, the dependencies' and the standard library's).

Prints one line per failed check and exits 1 if any failed. Standard library only (and,
on the host, the repository's testkit).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODE = "/app/sieve_action"
# `python -v` prints "# code object from /path/x.py" when it compiles a source file,
# and "# code object from '/path/__pycache__/x.pyc'" when it loads bytecode.
COMPILED = re.compile(r"^# code object from (/\S+\.py)$", re.MULTILINE)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def probe() -> dict[str, object]:
    """Runs inside the image: what is installed, and which sources lack bytecode."""
    site = sysconfig.get_paths()["purelib"]
    missing, checked = [], 0
    for top in (CODE, site):
        for folder, _, files in os.walk(top):
            for name in files:
                if not name.endswith(".py"):
                    continue
                source = os.path.join(folder, name)
                cached = importlib.util.cache_from_source(source)
                checked += 1
                try:
                    with open(cached, "rb") as handle:
                        header = handle.read(8)
                except OSError:
                    missing.append(source)
                    continue
                # PEP 552: flags 0b01 = hash-based, source not checked.
                if int.from_bytes(header[4:8], "little") != 0b01:
                    missing.append(source + " (not unchecked-hash)")
    installed = sorted(_norm(d.metadata["Name"]) for d in importlib.metadata.distributions())
    return {"installed": installed, "without_pyc": missing, "checked": checked}


def docker(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    cli = os.environ.get("SIEVE_DOCKER_CLI", "docker")
    return subprocess.run(
        [cli, *args], capture_output=True, text=True, check=False, env=env, timeout=timeout
    )


def check(args: argparse.Namespace) -> list[str]:
    failures: list[str] = []
    inspected = docker("image", "inspect", args.image)
    if inspected.returncode != 0:
        return [f"cannot inspect {args.image}: {inspected.stderr.strip()}"]
    config = json.loads(inspected.stdout)[0]["Config"]
    if config.get("User"):
        failures.append(f"the image sets USER {config['User']!r}")
    entrypoint = config.get("Entrypoint")
    if not isinstance(entrypoint, list) or not entrypoint or entrypoint[:2] == ["/bin/sh", "-c"]:
        failures.append(f"ENTRYPOINT is not in exec form: {entrypoint!r}")
        return failures

    probed = docker(
        "run", "--rm", "--network", "none", "-v", f"{HERE}:/check:ro",
        "--entrypoint", entrypoint[0], args.image, "/check/check_image.py", "--probe",
    )  # fmt: skip
    if probed.returncode != 0:
        return [*failures, f"the probe failed in the image: {probed.stderr.strip()[-500:]}"]
    inside = json.loads(probed.stdout)
    lock = {
        _norm(m.group(1))
        for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", args.lock.read_text(), re.M)
    }
    installed = set(inside["installed"])
    if installed != lock:
        failures.append(
            "installed distributions differ from the lock: "
            f"extra {sorted(installed - lock)}, missing {sorted(lock - installed)}"
        )
    if inside["checked"] < 50:
        failures.append(f"only {inside['checked']} source files found in the image")
    if inside["without_pyc"]:
        failures.append(
            f"{len(inside['without_pyc'])} source files without unchecked-hash bytecode, "
            f"e.g. {inside['without_pyc'][:3]}"
        )

    # One run as the runner starts it (file command files made empty beforehand, the
    # inputs as INPUT_<NAME>, hyphens kept), under `python -v`.
    with tempfile.TemporaryDirectory() as tmp:
        commands = Path(tmp)
        for name in ("set_output", "step_summary"):
            (commands / name).write_text("")
        inputs = {
            "INPUT_API-URL": args.api_url,
            "INPUT_OWNER": args.owner,
            "INPUT_FUNCTION": args.function,
            "INPUT_VERSION": "latest",
            "INPUT_MIN-REPLICAS": "1",
            "INPUT_WAIT": "false",
            "INPUT_FAIL-ON-ERROR": "true",
        }
        env = {**os.environ, **inputs, "INPUT_API-KEY": os.environ["SIEVE_CHECK_KEY"]}
        run = docker(
            "run", "--rm", "--network", "host", "-v", f"{commands}:/github/file_commands",
            "-e", "GITHUB_ACTIONS=true", "-e", "CI=true",
            "-e", "GITHUB_OUTPUT=/github/file_commands/set_output",
            "-e", "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary",
            # Values from this process's environment: the key stays off the command line.
            *(arg for name in [*inputs, "INPUT_API-KEY"] for arg in ("-e", name)),
            "--entrypoint", entrypoint[0], args.image, "-v", *entrypoint[1:],
            env=env, timeout=120,
        )  # fmt: skip
        outputs = (commands / "set_output").read_text()
    if run.returncode != 0:
        failures.append(f"the run exited {run.returncode}: {run.stderr.strip()[-300:]}")
    # The runner's reading of GITHUB_OUTPUT (testkit, on the host: the probe part of this
    # file runs in the image, which holds no testkit).
    sys.path.insert(0, str(HERE.parent.parent))
    from testkit.runner import parse_output_file

    changed = parse_output_file(outputs).get("changed")
    if changed != "true":
        failures.append(f"the run reported changed={changed!r}, not 'true'")
    compiled = COMPILED.findall(run.stderr)
    if compiled:
        failures.append(f"a run compiled {len(compiled)} source files: {compiled[:5]}")
    loaded = run.stderr.count("# code object from '")
    if loaded < 100:
        failures.append(f"`python -v` shows only {loaded} modules loaded from bytecode")
    if not failures:
        print(
            f"[image] {inside['checked']} source files, all with unchecked-hash bytecode; "
            f"a run loaded {loaded} modules from bytecode and compiled none",
            file=sys.stderr,
        )
    return failures


def main() -> int:
    if sys.argv[1:] == ["--probe"]:
        print(json.dumps(probe()))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image")
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--function", required=True)
    failures = check(parser.parse_args())
    for reason in failures:
        print(f"[image] FAIL: {reason}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
