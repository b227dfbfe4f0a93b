"""Property tests over everything a step takes from outside: inputs of any text, and
answers of any shape Sieve's OpenAPI document allows. None may crash the step (a traceback),
send a request for a bad input, forge an output, break the summary's table, or leak the key.

Most examples run in process (``parse_inputs``, the report layer); a few run the real
entrypoint against a simulator of their own, whose every exchange is checked against the
document.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime
from functools import partial
from io import StringIO
from pathlib import Path
from typing import Any, get_args
from unittest import mock

import github_action_utils as gha
import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI

from sieve_action.api.models import BUILD_STATUSES, MAX_VERSION_ID, Version
from sieve_action.api.shape import load
from sieve_action.api.wire import api_path as _path
from sieve_action.console import Console
from sieve_action.contract.checks import parse_inputs
from sieve_action.contract.inputs import INPUT_NAMES, Inputs, spec
from sieve_action.contract.outputs import OUTPUT_NAMES
from sieve_action.contract.targets import Target
from sieve_action.errors import InputErrors
from sieve_action.report import results as report_results
from sieve_action.report import summary as report_summary
from sieve_action.scaling.record import Outcome, TargetRun
from testkit.runner import StepResult, parse_output_file, run_step
from testkit.simulator import Simulator

from .conftest import KEY, VERSION_ID, Step, check_exchanges
from .records import ended

# -- strategies ------------------------------------------------------------------------
#: Pieces that mean something to the runner (file commands, workflow commands), to
#: Markdown or HTML, or to a line splitter; mixed into arbitrary text.
TRICKY = (
    "ghadelimiter_",
    "ghadelimiter_0123456789abcdef0123456789abcdef",
    "\n",
    "\r\n",
    "\r",
    "|",
    "\\",
    "\\|",
    "`",
    "::error::forged",
    "::add-mask::x",
    "%0A",
    "%25",
    "<br>",
    "&amp;",
    "*",
    "_",
    "[a](b)",
    "\u2028",
    "\x85",
    "\x00",
    "\t",
    "🛑",
    "\ufeff",
    "changed=true",
    "version-id<<EOF",
    "EOF",
    " ",
    KEY,
)
TEXT = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(TRICKY)), max_size=6).map("".join)
#: Text an environment variable can hold (no NUL).
ENV_TEXT = TEXT.map(lambda s: s.replace("\x00", ""))
BIG = st.one_of(
    st.integers(-3, 3),
    st.integers(),
    st.sampled_from([2**31 - 1, 2**31, 2**63, 2**64 + 1, -(2**63), 10**30]),
)
STAMP = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda moment: moment.isoformat() + "Z"
)
IO = st.fixed_dictionaries(
    {},
    optional={
        "type": st.none() | TEXT,
        "name": st.none() | TEXT,
        "data": st.none() | TEXT | BIG,
        "description": st.none() | TEXT,
        "schema": st.none() | st.dictionaries(TEXT, TEXT, max_size=2),
        "run_id": st.none() | TEXT,
        "is_optional": st.none() | st.booleans(),
    },
)
ENV_VAR = st.fixed_dictionaries(
    {"name": TEXT, "description": st.none() | TEXT, "default": st.none() | TEXT}
)
WORKERS = st.fixed_dictionaries(
    {
        name: st.none() | BIG
        for name in ("starting", "setup", "active", "idle", "awaiting_resources")
    }
)


#: What Sieve's IDs may be (models.Version.id: not empty, at most MAX_VERSION_ID).
ID = TEXT.filter(lambda text: 0 < len(text) <= MAX_VERSION_ID)


def versions(ids: st.SearchStrategy[str] = ID) -> st.SearchStrategy[dict[str, Any]]:
    """``components.schemas.Version`` bodies: valid, unusual."""
    return st.fixed_dictionaries(
        {
            "id": ids,
            "build_status": st.one_of(st.sampled_from(sorted(BUILD_STATUSES)), TEXT),
            "queued_at": st.none() | STAMP,
            "built_at": st.none() | STAMP,
            "ready_at": st.none() | STAMP,
            "compute_type": TEXT,
            "python_packages": st.lists(TEXT, max_size=3),
            "system_packages": st.lists(TEXT, max_size=2),
            "cuda_version": st.none() | TEXT,
            "gpu": st.booleans(),
            "split": BIG,
            "minimum_replicas": BIG,
            "maximum_replicas": st.none() | BIG,
            "inputs": st.lists(IO, max_size=2),
            "outputs": st.lists(IO, max_size=2),
            "current_workers": st.none() | WORKERS,
            "environment_variables": st.lists(ENV_VAR, max_size=2),
            "stream_output": st.none() | st.booleans(),
            "function_dependencies": st.lists(TEXT, max_size=2),
        }
    )


#: Values a user could mean, so that valid runs are drawn as well as broken ones.
PLAUSIBLE: dict[str, list[str]] = {
    item.name: [*item.examples, *item.near_misses] or [KEY] for item in spec()
}


#: Values that are valid together (``None``: not given), for the inputs not being broken:
#: each input's examples (valid beside every other input's default), from its declaration.
REQUIRED = {"api-key": [KEY], "owner": ["acme"], "function": ["whisper"]}
VALID: dict[str, list[str | None]] = {
    item.name: list(REQUIRED.get(item.name, [None, *item.examples])) for item in spec()
}


def _input(name: str, text: st.SearchStrategy[str] = TEXT) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(PLAUSIBLE[name]), text)


@st.composite
def raw_inputs(
    draw: st.DrawFn, names: tuple[str, ...] = INPUT_NAMES, text: st.SearchStrategy[str] = TEXT
) -> dict[str, str | None]:
    """A few inputs (sometimes none, sometimes all) of any text; the rest valid."""
    broken = draw(st.one_of(st.sets(st.sampled_from(names), max_size=3), st.just(set(names))))
    return {
        name: draw(_input(name, text) if name in broken else st.sampled_from(VALID[name]))
        for name in names
    }


WRONG_KEY = "sk-wrong-key-00000000000"


def scrub(text: str) -> str:
    return text.replace(KEY, "***")


def written(tmp: Path) -> tuple[dict[str, str], str]:
    """The outputs and summary that ``run_step`` left in ``tmp``, read as the runner reads
    them: split on LF only. (``run_step`` reads them with universal newlines, which turns
    a carriage return inside a value into a line feed.)"""
    files = tmp / "file_commands"
    output = (files / f"set_output_{os.getpid()}").read_bytes().decode()
    summary = (files / f"step_summary_{os.getpid()}").read_bytes().decode()
    return parse_output_file(output), summary


def attempt(raw: dict[str, str | None]) -> Inputs | InputErrors:
    try:
        return parse_inputs(raw)
    except InputErrors as errors:
        return errors


# -- checks ----------------------------------------------------------------------------
def unescaped_pipes(line: str) -> int:
    """``|`` that split a Markdown table row (a backslash escapes the next character)."""
    count, i = 0, 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        count += line[i] == "|"
        i += 1
    return count


def check_summary(text: str, rows: int) -> None:
    """One table, its rows as wide as its header, and nothing else but the known lines."""
    assert "\r" not in text
    lines = text.split("\n")
    table = [line for line in lines if line.startswith("|")]
    header, separator, *body = table
    assert separator.startswith("| ---")
    width = unescaped_pipes(header)
    for line in table:
        assert unescaped_pipes(line) == width, line
    assert len(body) == rows
    start = lines.index(header)
    assert lines[start : start + len(table)] == table  # one block: no row was split
    for line in lines:
        if not line.startswith("|"):
            assert (
                line == ""
                or line.startswith("### ")
                or line.startswith("**Failed:** ")
                or line == "**Why each failed:**"
                or line.startswith("- <code>")  # a failed target's reason, whole
                or re.fullmatch(r"\d+ targets: \d+ (would change|changed), .*", line)
            ), line


def check_input_errors(result: StepResult, capacity: bool = False) -> None:
    """Exit 2: one error per bad input, each titled with and naming a real input;
    ``capacity``: the step was given a capacity file or text."""
    errors = [c for c in result.commands if c.name == "error"]
    assert errors
    for error in errors:
        title = error.properties.get("title", "")
        assert title.startswith("sieve-action: input "), title
        name = title.removeprefix("sieve-action: input ")
        assert name in INPUT_NAMES
        assert error.message.startswith(f"Input `{name}` ")
    # Written on this ending too (issue 14, point 6): nothing changed, and why.
    refused = {"changed": "false", "results": "[]"}
    assert result.outputs == (refused | {"drift": "[]"} if capacity else refused)
    assert result.summary.startswith("### ❌ Sieve scaling: nothing was sent")
    assert result.summary.count("\n- ") == len(errors)


#: Examples that run a process each are not shrunk: shrinking would run hundreds more.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


# -- (1) inputs ------------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_inputs())
def test_any_input_text_is_accepted_or_each_bad_input_is_named(raw: dict[str, str | None]) -> None:
    inputs = attempt(raw)
    event("rejected" if isinstance(inputs, InputErrors) else "accepted")
    if isinstance(inputs, InputErrors):
        given_names = {name for name, value in raw.items() if value is not None and value.strip()}
        names = [error.name for error in inputs.bad]
        assert names
        for error in inputs.bad:
            assert error.name in INPUT_NAMES
            assert str(error).startswith(f"Input `{error.name}` ")
            # A given input that breaks a rule, or a required one that is missing
            # (`head-sha` is required by `review-comment`).
            assert error.name in given_names | {"api-key", "owner", "function", "head-sha"}
        # One error per input; only `targets` can break several rules (one per line,
        # or both `owner` and `function` given with it).
        assert {name for name in names if names.count(name) > 1} <= {"targets"}
        key = (raw["api-key"] or "").strip()
        if len(key) >= 8:
            assert all(key not in str(e) for e in inputs.bad if e.name == "api-key")
        return
    # Accepted: every request the client will build addresses the version's endpoint.
    with httpx.Client(base_url=inputs.api_url) as client:
        for target in inputs.resolved_targets:
            path = _path(
                "/v2/functions/{}/{}/versions/{}", target.owner, target.function, target.version
            )
            url = client.build_request("GET", path).url
            segments = url.path.split("/")[-6:]
            assert segments == [
                "v2",
                "functions",
                target.owner,
                target.function,
                "versions",
                target.version,
            ]
            assert url.query == b""


@settings(
    max_examples=15,
    deadline=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    raw=raw_inputs(tuple(n for n in INPUT_NAMES if n not in {"api-key", "api-url"}), ENV_TEXT),
    # ASCII only: a key with any other character is a known crash (see
    # test_a_key_with_a_non_ascii_character_is_an_input_error below).
    key=st.one_of(st.sampled_from([KEY, KEY, "", WRONG_KEY]), ENV_TEXT.filter(str.isascii)),
    # Never a valid URL other than the simulator's: a run must not reach the network.
    url=st.one_of(st.none(), ENV_TEXT.filter(lambda s: bool(s.strip()) and "://" not in s)),
    docker=st.booleans(),
)
def test_the_entrypoint_with_any_inputs_never_crashes_nor_sends_for_bad_inputs(
    raw: dict[str, str | None],
    key: str,
    url: str | None,
    docker: bool,
    openapi: OpenAPI,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper", version_id=VERSION_ID)
        given_inputs = {name: value for name, value in raw.items() if value is not None}
        given_inputs.update({"api-key": key, "api-url": url or sim.url})
        result = run_step(
            given_inputs, tmp_path_factory.mktemp("inputs"), action_defaults=not docker, timeout=30
        )
    assert "Traceback" not in result.stdout + result.stderr
    event(f"exit {result.returncode}")
    if key in {KEY, WRONG_KEY}:  # a key of any text may well be in other inputs' text
        assert key not in result.everything(), "the API key leaked"
    assert result.returncode in {0, 1, 2, 3}, result.stdout
    if result.returncode == 2:
        assert sim.state.requests == []
        capacity = any(given_inputs.get(n, "").strip() for n in ("capacity-file", "capacity"))
        check_input_errors(result, capacity)
    else:
        assert not any(
            c.properties.get("title", "").startswith("sieve-action: input ")
            for c in result.commands
        )
        assert "results" in result.outputs
    check_exchanges(openapi, sim)


# -- (2) answers -----------------------------------------------------------------------
@settings(
    max_examples=25,
    deadline=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    body=versions(),
    bounds=st.sampled_from([("1", ""), ("", "5"), ("2", "3"), ("0", "0")]),
    dry_run=st.booleans(),
)
def test_any_answer_sieve_may_give_keeps_outputs_summary_and_key_intact(
    body: dict[str, Any],
    bounds: tuple[str, str],
    dry_run: bool,
    openapi: OpenAPI,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tmp = tmp_path_factory.mktemp("answer")
    with Simulator(KEY) as sim:
        served = sim.state.deploy(
            "acme",
            "whisper",
            version_id=body["id"],
            minimum_replicas=body["minimum_replicas"],
            maximum_replicas=body["maximum_replicas"],
        )
        served.forced_status = body["build_status"]
        served.extra = {
            name: value
            for name, value in body.items()
            if name not in {"id", "build_status", "minimum_replicas", "maximum_replicas"}
        }
        result = run_step(
            {
                "api-key": KEY,
                "api-url": sim.url,
                "owner": "acme",
                "function": "whisper",
                "min-replicas": bounds[0],
                "max-replicas": bounds[1],
                "dry-run": "true" if dry_run else "false",
            },
            tmp,
        )
    check_exchanges(openapi, sim)  # the answers were valid: this is what Sieve may send
    assert "Traceback" not in result.stdout + result.stderr
    event(f"exit {result.returncode}")
    assert result.returncode in {0, 1}, result.stdout
    assert KEY not in result.everything(), "the API key leaked"
    out, summary = written(tmp)
    assert set(out) == set(OUTPUT_NAMES)
    assert out["changed"] in {"true", "false"}
    assert out["version-id"] == scrub(body["id"])
    assert out["build-status"] == scrub(body["build_status"])
    version = json.loads(out["version"])
    assert (version["id"], version["build_status"]) == (
        scrub(body["id"]),
        scrub(body["build_status"]),
    )
    [entry] = json.loads(out["results"])
    assert entry["target"] == "acme/whisper@latest" and entry["changed"] is (
        out["changed"] == "true"
    )
    # The target in the header, eight rows, and a row more when a raise was set back (or
    # left, someone else's value standing).
    check_summary(summary, rows=8 + ("| Restored |" in summary))
    # Workflow commands are only the action's own; the first one masks the key.
    names = [c.name for c in result.commands]
    assert names[0] == "add-mask" and names.count("add-mask") == 1
    assert set(names) <= {"add-mask", "group", "endgroup", "error", "warning"}
    assert (result.returncode == 0) == (result.errors() == [])


@st.composite
def target_runs(draw: st.DrawFn) -> TargetRun:
    name = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True)
    run = TargetRun(
        Target(draw(name), draw(name), draw(st.sampled_from(["latest", VERSION_ID[:8]]))),
        before=draw(st.none() | versions().map(partial(load, Version))),
        current=draw(st.none() | versions().map(partial(load, Version))),
        changed=draw(st.booleans()),
        min_after=draw(st.none() | BIG),
        max_after=draw(st.none() | BIG),
        waited=draw(st.none() | st.floats(0, 1e6)),
        warnings=draw(st.lists(TEXT, max_size=2)),
    )
    outcome: Outcome = draw(st.sampled_from(get_args(Outcome)))
    return ended(run, outcome, draw(st.none() | TEXT))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=st.lists(target_runs(), min_size=1, max_size=3), dry_run=st.booleans())
def test_the_report_of_any_answers_round_trips_outputs_and_keeps_the_table(
    runs: list[TargetRun], dry_run: bool
) -> None:
    console = Console(github=False, stream=StringIO())
    console.mask(KEY)
    values = {
        name: console.scrub(value)
        for name, value in report_results.outputs(runs, dry_run, console.secrets).items()
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "output"
        path.write_text("")
        with mock.patch.dict(os.environ, {"GITHUB_OUTPUT": str(path)}):
            for name, value in values.items():
                gha.set_output(name, value)
        written = parse_output_file(path.read_bytes().decode())
    assert written == values  # every value comes back whole: nothing forged, nothing cut
    assert set(written) == (set(OUTPUT_NAMES) if len(runs) == 1 else {"results", "restored"})
    results = json.loads(written["results"])
    assert [r["changed"] for r in results] == [run.changed for run in runs]
    if len(runs) == 1:
        assert written["changed"] == ("true" if runs[0].changed else "false")
        assert written["version-id"] == scrub(runs[0].version_id or "")
    summary = console.scrub(report_summary.summary(runs, dry_run, console.secrets))
    # One target: the target in the header, eight rows, and one on restoring when it failed.
    one = 8 + (report_summary.restore_words(runs[0]) is not None)
    check_summary(summary, rows=one if len(runs) == 1 else len(runs))
    assert KEY not in summary and all(KEY not in value for value in written.values())


# -- weak spots ------------------------------------------------------------------------
def test_a_key_with_markdown_characters_echoed_by_sieve_stays_out_of_the_summary(
    tmp_path: Path,
) -> None:
    key = "sk_live_4f9a2c7e1b3d5a60"
    with Simulator(key) as sim:
        sim.state.deploy("acme", "whisper").forced_status = f"error {key}"
        result = run_step(
            {
                "api-key": key,
                "api-url": sim.url,
                "owner": "acme",
                "function": "whisper",
                "min-replicas": "1",
            },
            tmp_path,
        )
    assert result.returncode == 0
    assert key not in result.everything()  # the text holds no key: it is escaped
    shown = re.sub(r"\\(.)", r"\1", result.summary)  # what GitHub renders
    assert key not in shown


def test_a_long_answer_holding_the_key_leaves_no_part_of_it_in_the_summary(
    sim: Simulator, step: Step
) -> None:
    sim.state.functions[("acme", "whisper")].versions[0].forced_status = "x" * 100 + KEY
    result = step(min_replicas="1")  # the fixture checks that the whole key is absent
    assert result.returncode == 0
    assert KEY[:12] not in result.summary


def test_an_empty_version_id_is_never_put_in_a_path(tmp_path: Path) -> None:
    with Simulator(KEY) as sim:
        sim.state.deploy("acme", "whisper").extra = {"id": ""}
        run_step(
            {
                "api-key": KEY,
                "api-url": sim.url,
                "owner": "acme",
                "function": "whisper",
                "min-replicas": "1",
            },
            tmp_path,
        )
    paths = [r["path"] for r in sim.state.requests]
    assert not any("//" in path for path in paths), paths


@pytest.mark.parametrize("key", ["sk-test-7f3a9c2e5b1d\u200b", "sk-tést-7f3a9c2e5b1d"])
def test_a_key_with_a_non_ascii_character_is_an_input_error(
    key: str, sim: Simulator, tmp_path: Path
) -> None:
    result = run_step(
        {"api-key": key, "api-url": sim.url, "owner": "acme", "function": "whisper"}, tmp_path
    )
    assert "Traceback" not in result.stdout
    assert result.returncode == 2
    assert sim.state.requests == []
    check_input_errors(result)
    assert key not in result.everything()
