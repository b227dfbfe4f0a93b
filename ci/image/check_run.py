"""Check what one run of the action's container left behind, as GitHub's runner reads it.

    PYTHONPATH=. .venv/bin/python ci/image/check_run.py RUN_DIR

RUN_DIR holds file_commands/ (set_output_*, step_summary_*, set_env_*, add_path_*,
save_state_*), stdout, stderr, rc, key (the API key given), function, and
image.json (what the smoke test read from inside the image). Run with the project's
venv from the repository root (it reuses the test suite's reading of the outputs).
Prints one line per failed check and exits 1 if any failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sieve_action.report import OUTPUT_NAMES
from tests.runner import parse_output_file

# The runner's reading of GITHUB_OUTPUT, and the outputs action.yml declares, as the
# test suite has them (run from the repository root, PYTHONPATH=.).
EXPECTED_OUTPUTS = OUTPUT_NAMES


def is_add_mask(line: str) -> bool:
    """A workflow command line ``::add-mask::VALUE``, the canonical form every runner reads."""
    line = line.lstrip()
    return line.startswith("::add-mask::")


def one(folder: Path, prefix: str) -> Path:
    found = sorted(folder.glob(prefix + "*"))
    if len(found) != 1:
        raise SystemExit(f"expected one {prefix}* file in {folder}, found {len(found)}")
    return found[0]


def main(run_dir: Path) -> int:
    failures: list[str] = []

    def check(ok: bool, reason: str) -> None:
        if not ok:
            failures.append(reason)

    key = (run_dir / "key").read_text().strip()
    function = (run_dir / "function").read_text().strip()
    rc = int((run_dir / "rc").read_text().strip())
    stdout = (run_dir / "stdout").read_text(errors="replace")
    stderr = (run_dir / "stderr").read_text(errors="replace")
    commands = run_dir / "file_commands"
    output_text = one(commands, "set_output_").read_text()
    summary = one(commands, "step_summary_").read_text()

    check(rc == 0, f"the action exited {rc}, not 0")
    try:
        outputs = parse_output_file(output_text)
    except ValueError as exc:
        outputs = {}
        check(False, f"GITHUB_OUTPUT is not readable by the runner: {exc}")
    missing = [name for name in EXPECTED_OUTPUTS if name not in outputs]
    check(not missing, f"outputs missing: {', '.join(missing)}")
    expected = {
        "changed": "true",
        "min-replicas": "1",
        "max-replicas": "3",
        "build-status": "ready",
    }
    for name, want in expected.items():
        if name in outputs:
            check(outputs[name] == want, f"output {name}={outputs[name]!r}, expected {want!r}")
    version_id = outputs.get("version-id", "")
    check(
        version_id.strip() not in {"", "latest"},
        f"output version-id={version_id!r}: expected a real version id",
    )
    check(summary.strip() != "", "the step summary is empty")
    check(function in summary, f"the step summary does not name the function {function!r}")
    check(len(summary.encode()) <= 1024 * 1024, "the step summary is over 1 MiB")

    # The key must reach no log, output, summary or other file command; the one line
    # that may hold it is the ::add-mask:: command that hides it from the log.
    check(
        any(
            is_add_mask(line) and line.rstrip().endswith("::" + key) for line in stdout.splitlines()
        ),
        "the action does not mask the API key (no ::add-mask:: line for it on stdout)",
    )
    stdout = "\n".join(line for line in stdout.splitlines() if not is_add_mask(line))
    places = {"stdout": stdout, "stderr": stderr}
    places.update({p.name: p.read_text(errors="replace") for p in commands.iterdir()})
    for where, text in places.items():
        check(key not in text, f"the API key appears in {where}")

    # The image holds only what runs.
    image = json.loads((run_dir / "image.json").read_text())
    lock = set(image["lock"])
    installed = set(image["installed"])
    check(
        installed == lock,
        "installed distributions differ from requirements/runtime.txt: "
        f"extra {sorted(installed - lock)}, missing {sorted(lock - installed)}",
    )
    check(not image["pyc"], f"bytecode files in the image: {image['pyc'][:5]}")
    check(not image["user"], f"the image sets USER {image['user']!r}")
    check(
        isinstance(image["entrypoint"], list) and len(image["entrypoint"]) > 0,
        f"ENTRYPOINT is not in exec form: {image['entrypoint']!r}",
    )

    for reason in failures:
        print(f"[image] FAIL: {reason}", file=sys.stderr)
    if failures:
        return 1
    shown = {
        k: outputs[k]
        for k in ("version-id", "build-status", "min-replicas", "max-replicas", "changed")
    }
    print(f"[image] outputs ok: {shown}; summary {len(summary)} chars", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
