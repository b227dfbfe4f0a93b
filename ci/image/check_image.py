"""Check what the built image holds, how it starts, and that every run works in it.

    python3 ci/image/check_image.py IMAGE --reference BUILD_STAGE --lock requirements/runtime.txt

Run on the host with our daemon's DOCKER_HOST; SIEVE_DOCKER_CLI names the docker client
and SIEVE_CHECK_KEY holds the simulator's API key (never on a command line). BUILD_STAGE
is the Dockerfile's first stage (`docker build --target build`): the same interpreter,
venv and code, on the whole base. Checks:

- the image's config: no ``USER``, an exec-form ``ENTRYPOINT``;
- inside it (this same file, run with ``--probe`` by the image's Python): the installed
  distributions are exactly the lock's; every ``.py`` file of the code, of the
  dependencies and of the standard library kept has an unchecked-hash ``.pyc`` beside it;
- every scenario of ``SCENARIOS`` (edits, waits, smoke test, cool-down, fleet, dry run,
  bad input, unreachable API, dead SOCKS proxy, wrong key, a wait that runs out, SIGTERM)
  and the capacity schedule's libraries (``--probe-schedule``: yaml, every country of
  ``holidays``, zoneinfo from ``tzdata``), each run in the image and in BUILD_STAGE against
  a simulator on the host's loopback, as the runner starts the action, under
  ``python -v`` and ``LD_DEBUG=files``: each exits as expected in both; the image imports
  exactly the modules and loads exactly the shared libraries BUILD_STAGE does (a module or
  library the image lacks shows up as a difference, or as a failed run), and compiles no
  source file (each module comes from a ``.pyc``).

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
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
    paths = sysconfig.get_paths()
    missing, checked = [], 0
    for top in (CODE, paths["purelib"], paths["stdlib"]):
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
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    cli = os.environ.get("SIEVE_DOCKER_CLI", "docker")
    return subprocess.run(
        [cli, *args], capture_output=True, text=True, check=False, env=env, timeout=timeout
    )


@dataclass(frozen=True)
class Scenario:
    """One run of the action: its inputs, its environment, how it must end."""

    name: str
    inputs: dict[str, str]
    exit: int
    env: dict[str, str] = field(default_factory=dict)
    build_seconds: float = 1.0
    versions: int = 1  # earlier versions, for a cool-down
    key: str | None = None  # another key than the simulator's
    terminate: bool = False  # SIGTERM once its edit reached the simulator
    also: tuple[str, ...] = ()  # more functions, named by suffix
    changed: str | None = None  # the `changed` output it must report


WAIT = {"INPUT_WAIT": "true", "INPUT_POLL-INTERVAL": "0.2", "INPUT_WAIT-TIMEOUT": "60"}


def scenarios(closed_port: int) -> list[Scenario]:
    dead = f"http://127.0.0.1:{closed_port}"
    socks = {name: f"socks5://127.0.0.1:{closed_port}" for name in ("HTTP_PROXY", "ALL_PROXY")}
    return [
        Scenario("edit", {"INPUT_MIN-REPLICAS": "1"}, 0, changed="true"),
        Scenario("wait", {"INPUT_MIN-REPLICAS": "1", "INPUT_MAX-REPLICAS": "3", **WAIT}, 0),
        Scenario(
            "smoke-test",
            {"INPUT_MIN-REPLICAS": "1", "INPUT_SMOKE-TEST": '{"text": "hi"}', **WAIT},
            0,
        ),
        Scenario(
            "cool-down",
            {"INPUT_MIN-REPLICAS": "1", "INPUT_RETIRE-PREVIOUS": "true", **WAIT},
            0,
            versions=2,
        ),
        Scenario(
            "fleet",
            {
                "INPUT_OWNER": "",
                "INPUT_FUNCTION": "",
                "INPUT_TARGETS": "{owner}/{function} min=1 max=2\n"
                "{owner}/{function}-b@latest max=3",
                "INPUT_CONCURRENCY": "2",
            },
            0,
            also=("-b",),
        ),
        Scenario("dry-run", {"INPUT_MIN-REPLICAS": "1", "INPUT_DRY-RUN": "true"}, 0),
        Scenario("bad-input", {"INPUT_MIN-REPLICAS": "two"}, 2),
        Scenario("unreachable", {"INPUT_MIN-REPLICAS": "1", "INPUT_API-URL": dead}, 1),
        Scenario("dead-socks-proxy", {"INPUT_MIN-REPLICAS": "1"}, 1, env=socks),
        Scenario("wrong-key", {"INPUT_MIN-REPLICAS": "1"}, 1, key="sk-wrong-key-0000000000"),
        Scenario(
            "wait-timeout",
            {"INPUT_MIN-REPLICAS": "1", **WAIT, "INPUT_WAIT-TIMEOUT": "1"},
            3,
            build_seconds=3600,
        ),
        Scenario(
            "sigterm",
            {"INPUT_MIN-REPLICAS": "1", **WAIT, "INPUT_WAIT-TIMEOUT": "600"},
            143,
            build_seconds=3600,
            terminate=True,
        ),
    ]


@dataclass
class Run:
    """What one run did: its exit, its `python -v` and `LD_DEBUG=files` findings."""

    exit: int
    stderr: str
    outputs: str
    modules: set[str]
    libraries: set[str]
    compiled: list[str]


# Not anchored: two threads' messages may share a line (print writes the end of line
# apart).
IMPORTED = re.compile(r"import '([\w.]+)' # ")
# LD_DEBUG=files: "  123:\tcalling init: /lib/x86_64-linux-gnu/libssl.so.3"
INITIALISED = re.compile(r"calling init: (\S+)")


def run_in(
    image: str,
    entrypoint: list[str],
    command: list[str],
    env: dict[str, str],
    terminate_when: Callable[[], bool] | None = None,
    mounts: tuple[str, ...] = (),
) -> Run:
    """Run COMMAND in IMAGE (with the entrypoint's interpreter, under -v and LD_DEBUG) as
    the runner starts a container action: ENV's names passed by name (values from this
    process's environment), fresh file command files, host network."""
    cli = os.environ.get("SIEVE_DOCKER_CLI", "docker")
    name = f"sieve-check-{os.getpid()}-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory() as tmp:
        commands = Path(tmp)
        for file in ("set_output", "step_summary"):
            (commands / file).write_text("")
        # The loader's report to files of its own (LD_DEBUG_OUTPUT.PID), apart from
        # stderr, where it would break `python -v`'s lines.
        (commands / "ld").mkdir()
        environ = {**os.environ, **env, "LD_DEBUG": "files", "LD_DEBUG_OUTPUT": "/ld/debug"}
        argv = [
            cli, "run", "--rm", "--name", name, "--network", "host",
            "-v", f"{commands}:/github/file_commands", "-v", f"{commands / 'ld'}:/ld", *mounts,
            "-e", "GITHUB_ACTIONS=true", "-e", "CI=true", "-e", "LD_DEBUG", "-e", "LD_DEBUG_OUTPUT",
            "-e", "GITHUB_OUTPUT=/github/file_commands/set_output",
            "-e", "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary",
            *(arg for key in env for arg in ("-e", key)),
            "--entrypoint", entrypoint[0], image, "-v", *command,
        ]  # fmt: skip
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ
        )
        if terminate_when is not None:
            # As the runner cancels a step: SIGTERM to the container's process, once the
            # run is under way (before its handler is set, PID 1 would ignore it).
            deadline = time.monotonic() + 60
            while not terminate_when() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            time.sleep(0.5)
            subprocess.run([cli, "kill", "-s", "TERM", name], capture_output=True, check=False)
        try:
            _, stderr = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            subprocess.run([cli, "rm", "-f", name], capture_output=True, check=False)
            _, stderr = proc.communicate()
        outputs = (commands / "set_output").read_text()
        loader = "".join(file.read_text() for file in (commands / "ld").iterdir())
    libraries = {os.path.basename(p) for p in INITIALISED.findall(loader)}
    return Run(
        proc.returncode,
        stderr,
        outputs,
        set(IMPORTED.findall(stderr)),
        libraries,
        COMPILED.findall(stderr),
    )


def compare(name: str, image: Run, reference: Run, expected: int) -> list[str]:
    failures = []
    for which, run in (("the image", image), ("the build stage", reference)):
        if run.exit != expected:
            tail = "\n".join(line for line in run.stderr.splitlines() if "::" in line)
            failures.append(f"{name}: {which} exited {run.exit}, not {expected}: {tail[-400:]}")
    for kind, mine, theirs in (
        ("modules", image.modules, reference.modules),
        ("shared libraries", image.libraries, reference.libraries),
    ):
        if mine != theirs:
            failures.append(
                f"{name}: the image's run differs from the build stage's in {kind}: "
                f"only in the build stage {sorted(theirs - mine)}, "
                f"only in the image {sorted(mine - theirs)}"
            )
    if image.compiled:
        failures.append(
            f"{name}: the run compiled {len(image.compiled)} source files: {image.compiled[:5]}"
        )
    return failures


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_runs(image: str, reference: str, entrypoint: list[str]) -> list[str]:
    """Every scenario in the image and in the build stage, compared."""
    sys.path.insert(0, str(HERE.parent.parent))
    from testkit.runner import parse_output_file
    from testkit.simulator import Simulator

    key = os.environ["SIEVE_CHECK_KEY"]
    failures: list[str] = []
    modules: set[str] = set()
    libraries: set[str] = set()
    with Simulator(key) as sim:
        port = closed_port()  # bound, then closed: nothing listens there

        def edited(function: str) -> bool:
            return any(f"/{function}/" in str(r.get("path")) for r in sim.state.edits())

        def one(scenario: Scenario, which: str, target: str) -> Run:
            function = f"{scenario.name}-{which}"
            for suffix in scenario.also:
                sim.state.deploy("acme", function + suffix, build_seconds=scenario.build_seconds)
            for i in range(scenario.versions):
                sim.state.deploy(
                    "acme",
                    function,
                    build_seconds=scenario.build_seconds,
                    minimum_replicas=1 if i < scenario.versions - 1 else 0,
                )
            inputs = {
                "INPUT_API-URL": sim.url,
                "INPUT_OWNER": "acme",
                "INPUT_FUNCTION": function,
                "INPUT_VERSION": "latest",
                "INPUT_FAIL-ON-ERROR": "true",
                "INPUT_API-KEY": scenario.key or key,
            }
            for name, value in scenario.inputs.items():
                inputs[name] = value.replace("{owner}", "acme").replace("{function}", function)
            return run_in(
                target,
                entrypoint,
                entrypoint[1:],
                {**inputs, **scenario.env},
                terminate_when=(lambda: edited(function)) if scenario.terminate else None,
            )

        jobs = [
            (s, w, t) for s in scenarios(port) for w, t in (("image", image), ("ref", reference))
        ]
        with ThreadPoolExecutor(max_workers=4) as pool:
            runs = list(pool.map(lambda job: one(*job), jobs))
        results = dict(zip([(s.name, w) for s, w, _ in jobs], runs, strict=True))
        for scenario in scenarios(port):
            mine, theirs = results[scenario.name, "image"], results[scenario.name, "ref"]
            failures += compare(scenario.name, mine, theirs, scenario.exit)
            if scenario.changed is not None:
                changed = parse_output_file(mine.outputs).get("changed")
                if changed != scenario.changed:
                    failures.append(f"{scenario.name}: the run reported changed={changed!r}")
            modules |= mine.modules
            libraries |= mine.libraries

    # The capacity schedule's libraries (not yet called by the code).
    mount = ("-v", f"{HERE}:/check:ro")
    probe = ["/check/check_image.py", "--probe-schedule"]
    mine = run_in(image, entrypoint, probe, {}, mounts=mount)
    theirs = run_in(reference, entrypoint, probe, {}, mounts=mount)
    failures += compare("schedule", mine, theirs, 0)
    if not failures:
        last = next((x for x in mine.stderr.splitlines() if "from tzdata" in x), "")
        print(
            f"[image] {len(scenarios(port))} scenarios and the schedule probe ({last}): the "
            f"image imported the same modules ({len(modules | mine.modules)} in all) and "
            f"loaded the same shared libraries ({len(libraries | mine.libraries)}) as the "
            "build stage, compiled nothing, and exited as expected",
            file=sys.stderr,
        )
    return failures


def probe_schedule() -> int:
    """Runs inside the image: what the capacity schedule will use, used."""
    import datetime
    import importlib.resources
    import zoneinfo

    import holidays
    import yaml

    node = yaml.compose("timezone: Europe/Berlin\nholidays: DE-BY\n", Loader=yaml.SafeLoader)
    assert isinstance(node, yaml.MappingNode), node
    days = holidays.country_holidays("DE", subdiv="BY", years=2026)
    assert datetime.date(2026, 1, 6) in days, days  # Epiphany, in Bavaria only
    # Every country, in its default language (each loads its module and its .mo file).
    countries = holidays.list_supported_countries()
    total = sum(len(holidays.country_holidays(code, years=2026)) for code in countries)
    # The zone data of the tzdata package, whatever the system holds.
    zoneinfo.reset_tzpath(to=[])
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    summer = datetime.datetime(2026, 7, 1, 12, tzinfo=berlin)
    assert summer.utcoffset() == datetime.timedelta(hours=2), summer
    data = importlib.resources.files("tzdata.zoneinfo").joinpath("America/New_York").read_bytes()
    assert data.startswith(b"TZif"), data[:4]
    zones = len(zoneinfo.available_timezones())
    print(
        f"{len(countries)} countries, {total} holidays in 2026, {zones} zones from tzdata",
        file=sys.stderr,
    )
    return 0


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
    if inside["checked"] < 500:
        failures.append(f"only {inside['checked']} source files found in the image")
    if inside["without_pyc"]:
        failures.append(
            f"{len(inside['without_pyc'])} source files without unchecked-hash bytecode, "
            f"e.g. {inside['without_pyc'][:3]}"
        )
    if not failures:
        print(
            f"[image] {inside['checked']} source files (code, venv, standard library), "
            "all with unchecked-hash bytecode",
            file=sys.stderr,
        )
    return failures + check_runs(args.image, args.reference, entrypoint)


def main() -> int:
    if sys.argv[1:] == ["--probe"]:
        print(json.dumps(probe()))
        return 0
    if sys.argv[1:] == ["--probe-schedule"]:
        return probe_schedule()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image")
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("--reference", required=True, help="the build stage's image")
    failures = check(parser.parse_args())
    for reason in failures:
        print(f"[image] FAIL: {reason}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
