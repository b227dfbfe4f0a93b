"""The parts of GitHub's runner a test needs: run the entrypoint as the runner runs a
container action, and read ``GITHUB_OUTPUT`` and workflow commands by the runner's rules
(``docs/github-runner.md``, read from the source of ``actions/runner``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .action_yml import declared_inputs
from .paths import ENTRYPOINT, ROOT


def parse_output_file(text: str) -> dict[str, str]:
    """``NAME=VALUE`` or ``NAME<<DELIMITER`` … ``DELIMITER``; a later record wins.

    Raises on a heredoc without its closing delimiter, as the runner does.
    """
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if eq >= 0 and (heredoc < 0 or eq < heredoc):
            name, value = line.split("=", 1)
            values[name] = value
            continue
        if heredoc < 0:
            raise ValueError(f"invalid output line {line!r}")
        name, delimiter = line.split("<<", 1)
        body: list[str] = []
        while True:
            if i >= len(lines):
                raise ValueError(f"output {name!r}: missing closing delimiter")
            if lines[i] == delimiter:
                i += 1
                break
            body.append(lines[i])
            i += 1
        values[name] = "\n".join(body)
    return values


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    message: str


def _unescape(text: str, prop: bool = False) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def runner_lines(text: str) -> list[str]:
    """Lines as the runner reads a step's output (.NET's ``ReadLine``): split at LF, CR
    and CRLF only, not at the other characters ``str.splitlines`` breaks at (``\x1c``,
    ``\x85``, U+2028, ...), which can reach the log inside a message from Sieve."""
    return re.split(r"\r\n|\r|\n", text.removesuffix("\n"))


def parse_commands(stdout: str) -> list[Command]:
    """Workflow commands: a line that starts with ``::`` after leading spaces."""
    commands = []
    for raw in runner_lines(stdout):
        line = raw.lstrip(" ")
        if not line.startswith("::"):
            continue
        end = line.find("::", 2)
        if end < 0:
            continue
        head, message = line[2:end], line[end + 2 :]
        name, _, props = head.partition(" ")
        if head != name and not props:
            # GitHub's runner reads `::name ::` too, but act, Gitea and Forgejo do not
            # (an add-mask in that form leaves the key in their logs).
            raise ValueError(f"workflow command not in canonical form: {line!r}")
        properties = {}
        for part in filter(None, props.split(",")):
            key, _, value = part.partition("=")
            properties[key] = _unescape(value, prop=True)
        commands.append(Command(name, properties, _unescape(message)))
    return commands


@dataclass
class StepResult:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    commands: list[Command] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [c.message for c in self.commands if c.name == "error"]

    def warnings(self) -> list[str]:
        return [c.message for c in self.commands if c.name == "warning"]

    def everything(self) -> str:
        """All a user could ever see: log, stderr, outputs and summary. The ``add-mask``
        command is the one line allowed to hold the key: the runner never shows it."""
        log = [
            line for line in runner_lines(self.stdout) if not line.lstrip().startswith("::add-mask")
        ]
        return "\n".join([*log, self.stderr, *self.outputs.values(), self.summary])


@dataclass
class StartedStep:
    """A step started as the runner starts it, not yet ended: a test can signal it."""

    process: subprocess.Popen[str]
    output: Path
    summary: Path

    def finish(self, timeout: float = 60) -> StepResult:
        stdout, stderr = self.process.communicate(timeout=timeout)
        return StepResult(
            self.process.returncode,
            stdout,
            stderr,
            # Bytes decoded as they are: read_text() would turn a CR inside a value into LF.
            parse_output_file(self.output.read_bytes().decode()),
            self.summary.read_bytes().decode(),
            parse_commands(stdout),
        )


@dataclass(frozen=True)
class StepFiles:
    """A step's environment as the runner lays it out, and its file-command files."""

    environ: dict[str, str]
    output: Path
    summary: Path
    workspace: Path


def step_environment(
    inputs: Mapping[str, str],
    folder: Path,
    *,
    env: Mapping[str, str] | None = None,
    action_defaults: bool = True,
    base: Mapping[str, str] | None = None,
) -> StepFiles:
    """The environment the runner gives a container action: every declared input as
    ``INPUT_<NAME>`` (hyphens kept, defaults from action.yml applied unless
    ``action_defaults`` is false, as for ``uses: docker://``), fresh file-command files
    under ``folder``, ``GITHUB_ACTIONS=true``; then ``env`` on top. ``base`` is the rest
    of the environment (default: ``PATH`` and the repository on ``PYTHONPATH``)."""
    files = folder / "file_commands"
    files.mkdir(parents=True, exist_ok=True)
    output = files / f"set_output_{os.getpid()}"
    summary = files / f"step_summary_{os.getpid()}"
    output.write_text("")
    summary.write_text("")
    workspace = folder / "workspace"
    workspace.mkdir(exist_ok=True)
    environ = dict(
        base if base is not None else {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    )
    environ.update(
        {
            "HOME": str(folder),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(workspace),
        }
    )
    if action_defaults:
        for name, default in declared_inputs().items():
            environ[f"INPUT_{name.upper()}"] = default
    for name, value in inputs.items():
        environ[f"INPUT_{name.upper()}"] = value
    environ.update(env or {})
    return StepFiles(environ, output, summary, workspace)


def start_step(
    inputs: Mapping[str, str],
    tmp_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    action_defaults: bool = True,
    wrapper: Sequence[str] = (),
) -> StartedStep:
    """Start ``entrypoint.py`` as the runner starts the container (see
    :func:`step_environment`), in the workspace as working directory; ``wrapper`` is a
    command it runs under (``faketime 2026-12-24 19:59:00``)."""
    files = step_environment(inputs, tmp_path, env=env, action_defaults=action_defaults)
    process = subprocess.Popen(
        [*wrapper, sys.executable, str(ENTRYPOINT)],
        cwd=files.workspace,
        env=files.environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return StartedStep(process, files.output, files.summary)


def run_step(
    inputs: Mapping[str, str],
    tmp_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    action_defaults: bool = True,
    timeout: float = 60,
    wrapper: Sequence[str] = (),
) -> StepResult:
    """Run a step to its end: :func:`start_step`, then :meth:`StartedStep.finish`."""
    step = start_step(inputs, tmp_path, env=env, action_defaults=action_defaults, wrapper=wrapper)
    try:
        return step.finish(timeout)
    except subprocess.TimeoutExpired:
        step.process.kill()
        step.process.communicate()
        raise


def faked_clock(at: str) -> dict[str, Any]:
    """The ``wrapper`` and ``env`` that run a step with its system clock starting at
    ``at`` (``2026-12-24 19:59:00``, UTC) and ticking on: Debian's ``faketime``
    (libfaketime; scripts/install-faketime.sh). The monotonic clock is left real, so
    the step's waits (``Event.wait``) and timeouts behave; libfaketime 0.9.10 then
    fails ``time.sleep`` with EINVAL, which the step never calls (its sleeps are
    ``Event.wait``)."""
    if shutil.which("faketime") is None:
        raise RuntimeError("faketime is not installed: run scripts/install-faketime.sh")
    return {
        "wrapper": ("faketime", at),
        "env": {"TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1"},
    }
