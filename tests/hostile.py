"""What the hostile-world tests share: running a case, what it saw, the words the
document shows, and the parts of ``docs/reliability.md`` they generate (each module one
part, from its marker to the next; ``UPDATE_RELIABILITY=1`` rewrites them)."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import stamina

from sieve_action.api.policy import RetryPolicy
from sieve_action.api.request import log_retry
from sieve_action.console import Console
from sieve_action.contract.checks import parse_inputs
from sieve_action.report import results as report_results
from sieve_action.report import summary as report_summary
from sieve_action.scaling.record import exit_code
from testkit.inprocess import scale_in_process
from testkit.paths import ROOT
from testkit.runner import StepResult, run_step

from .conftest import KEY, VERSION_ID

STEP = {"api-key": KEY, "owner": "acme", "function": "whisper", "min-replicas": "1"}


# -- what a case saw -------------------------------------------------------------------
@dataclass
class Seen:
    code: int
    errors: list[str]
    warnings: list[str]
    outputs: dict[str, str]
    summary: str
    #: Everything a user could see: log (without the add-mask line), outputs, summary.
    visible: str
    seconds: float
    #: Requests that reached the server (None: not counted).
    requests: int | None = None

    @classmethod
    def of(cls, result: StepResult, seconds: float, requests: int | None = None) -> Seen:
        return cls(
            result.returncode,
            result.errors(),
            result.warnings(),
            result.outputs,
            result.summary,
            result.everything(),
            seconds,
            requests,
        )


def step(
    tmp: Path, inputs: Mapping[str, str], env: Mapping[str, str] | None = None
) -> tuple[StepResult, float]:
    started = time.monotonic()
    result = run_step(inputs, tmp, env=env, timeout=90)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result, time.monotonic() - started


def in_process(inputs: Mapping[str, str], policy: RetryPolicy) -> Seen:
    """The step in this process, for deadlines shorter than the action's 60 s."""
    stream = StringIO()
    console = Console(github=False, stream=stream)
    console.mask(inputs["api-key"])
    stamina.instrumentation.set_on_retry_hooks([log_retry])
    started = time.monotonic()
    runs = scale_in_process(parse_inputs(inputs), console, policy=policy)
    seconds = time.monotonic() - started
    outputs = report_results.outputs(runs, False, console.secrets)
    summary = report_summary.summary(runs, False, console.secrets)
    errors = [run.error for run in runs if run.error]
    return Seen(
        exit_code(runs),
        errors,
        [w for run in runs for w in run.warnings],
        outputs,
        summary,
        "\n".join([stream.getvalue(), *outputs.values(), summary]),
        seconds,
    )


def no_part_of(key: str, text: str) -> None:
    """Not the key, whole or in part (any 8 characters of it), nor an escaped form."""
    forms = {key, json.dumps(key)[1:-1], key.replace("/", "\\/"), ascii(key)[1:-1]}
    forms.add(re.sub(r"([\\`*_{}\[\]|~])", r"\\\1", key))  # as Markdown escapes it
    for form in forms:
        assert form not in text, f"the key leaked as {form!r}"
    for i in range(len(key) - 7):
        assert key[i : i + 8] not in text, f"part of the key leaked: {key[i : i + 8]!r}"


def said(texts: list[str], *fragments: str) -> str:
    """The one message holding every fragment, normalised for the document."""
    matching = [t for t in texts if all(f in t for f in fragments)]
    assert matching, f"no message holds {fragments}: {texts}"
    return _normal(matching[0])


def _normal(text: str) -> str:
    text = text.replace(VERSION_ID, "<id>")
    text = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "<uuid>", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"(over|after) \d+\.\d s", r"\1 N s", text)  # however busy the machine
    return re.sub(r"line \d+ column \d+", "line L column C", text)


# -- the cases -------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    key: str
    klass: str
    how: str
    #: Runs the case in a fresh folder, asserts its outcome, returns it in words.
    run: Callable[[Path], str]


def registry() -> tuple[list[Case], Callable[[str, str, str], Callable[[Runner], Runner]]]:
    """A module's list of cases, and the decorator that adds one: ``@case(key, class, how)``."""
    cases: list[Case] = []

    def case(key: str, klass: str, how: str) -> Callable[[Runner], Runner]:
        def register(run: Runner) -> Runner:
            cases.append(Case(key, klass, how, run))
            return run

        return register

    return cases, case


#: A case's body: runs in a fresh folder, asserts, returns what it observed in words.
Runner = Callable[[Path], str]


# -- the document --------------------------------------------------------------------------
def render(header: str, cases: list[Case], observed: Mapping[str, str]) -> str:
    """A part of docs/reliability.md: its header, then one row per case."""
    lines = [header, "| Class | Case | Observed |", "| --- | --- | --- |"]
    for c in cases:
        lines.append(f"| {c.klass} | {c.how} | {observed[c.key].replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"


def check_part(marker: str, text: str, module: str) -> None:
    """The part of docs/reliability.md from ``marker`` to the next part's marker is
    ``text`` (which starts with ``marker``); with ``UPDATE_RELIABILITY=1``, write it."""
    document = DOC.read_text()
    head, found, rest = document.partition(marker)
    assert found, f"docs/reliability.md has no {marker!r}"
    following = [m for m in PARTS if m != marker and m in rest]
    tail = rest[rest.index(following[0]) :] if following else ""
    if os.environ.get("UPDATE_RELIABILITY") == "1":
        DOC.write_text(head + text + ("\n" + tail if tail else ""))
        return
    assert head + text + ("\n" + tail if tail else "") == document, (
        "docs/reliability.md differs from what the cases observed; if the change is intended, "
        f"run: UPDATE_RELIABILITY=1 python -m pytest {module}"
    )


DOC = ROOT / "docs" / "reliability.md"
#: The generated parts after test_faults.py's, in order: each module owns one.
PARTS = (
    "<!-- The hostile world: generated by tests/test_hostile.py -->",
    "<!-- The hostile world, declared intent: generated by tests/test_hostile_intent.py -->",
)
