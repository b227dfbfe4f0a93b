"""The key never shows, whatever form Sieve echoes it in: a key of any printable ASCII
characters, placed in every field of a version and in every kind of error body, at every
offset around the places text is cut (200 characters of an error body, 120 of a summary
cell), through the client, the report and the console (plain and workflow commands).

What a user could see is everything the console printed, the outputs and the summary. A
"leak" is the key or any 8 characters of it, or an escaped form of it, found there but
not in the same run with the key left out of the answer (so that text the step writes
anyway, such as "acme/whisper", never counts when a generated key happens to hold it).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from io import StringIO
from typing import Any

import httpx
import pytest
import stamina
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sieve_action.api.policy import RetryPolicy
from sieve_action.api.request import log_retry
from sieve_action.console import Console
from sieve_action.contract.checks import parse_inputs
from sieve_action.driver import announce
from sieve_action.report import lines as report_lines
from sieve_action.report import results as report_results
from sieve_action.report import summary as report_summary
from sieve_action.secrets import Secrets
from testkit.inprocess import scale_in_process

from .test_client import VERSION
from .test_waiting import FakeClock

FAST = RetryPolicy(attempts=2, wait_initial=0, wait_max=0, wait_jitter=0, timeout=5)
#: Keys with the characters that cutting, escaping and reformatting change.
KEYS = [
    "sk/live/4f9a_2c7e+1b3d=5a60",  # JSON may write / as \/
    "sk-T0ken-8e2f4a6c1d3b5e7f9aZ",  # the summary reformats timestamps: T and Z
    "sk_live_*[x]|`~{4f9a2c7e}",  # Markdown escapes these
    'sk"quote\\back%25,colon:9f',  # JSON, workflow-command escaping (% , :)
    "12345678901234567890123",  # echoed as a JSON number
    "sk test with inner spaces 42",
]
STRING_FIELDS = ["id", "build_status", "queued_at", "built_at", "ready_at", "compute_type"]
#: Where the key goes in a version: a field, a list item, a key of an unknown object.
PLACES = [*STRING_FIELDS, "python_packages[]", "extra{key}", "extra{value}"]
ERROR_FORMS = ["plain", "detail", "detail-list", "no-detail"]
PRINTABLE = st.characters(min_codepoint=33, max_codepoint=126)


def version_with(key: str, place: str, prefix: int) -> dict[str, Any]:
    value = "p" * prefix + key
    body = dict(VERSION)
    if place == "python_packages[]":
        body["python_packages"] = ["torch", value]
    elif place == "extra{key}":
        body["added_later"] = {value: 1}
    elif place == "extra{value}":
        body["added_later"] = {"note": value}
    else:
        body[place] = value[:256] if place == "id" else value
    return body


def error_with(key: str, form: str, prefix: int) -> httpx.Response:
    value = "x" * prefix + key
    if form == "plain":
        return httpx.Response(403, text=value + " is not allowed")
    if form == "detail":
        return httpx.Response(403, json={"detail": value})
    if form == "detail-list":
        problem = {"loc": ["body", value], "msg": value, "type": "x"}
        return httpx.Response(422, json={"detail": [problem]})
    # No `detail`, and `/` written `\/` as some JSON encoders do.
    raw = json.dumps({"error": value}).replace("/", "\\/")
    return httpx.Response(403, content=raw.encode(), headers={"Content-Type": "application/json"})


def visible(key: str, answer: Callable[[httpx.Request], httpx.Response], github: bool) -> str:
    """Everything a user could see of one in-process step whose Sieve answers ``answer``."""
    stream, out = StringIO(), StringIO()
    console = Console(github=github, stream=stream)
    stamina.instrumentation.set_on_retry_hooks([log_retry])
    with contextlib.redirect_stdout(out):
        console.mask(key)
        inputs = parse_inputs(
            {"api-key": key, "owner": "acme", "function": "whisper", "min-replicas": "1"}
        )
        runs = scale_in_process(
            inputs, console, policy=FAST, clock=FakeClock(), transport=httpx.MockTransport(answer)
        )
        for run in runs:
            console.info(report_lines.closing_line(run, dry_run=False))
        announce(console, runs)
        outputs = report_results.outputs(runs, False, console.secrets)
        summary = report_summary.summary(runs, False, console.secrets)
    log = [line for line in out.getvalue().splitlines() if not line.startswith("::add-mask::")]
    return "\n".join([*log, stream.getvalue(), *outputs.values(), summary])


def forms_of(key: str) -> set[str]:
    """The key and the escaped forms a later step could print instead of it."""
    return {
        key,
        json.dumps(key)[1:-1],
        key.replace("/", "\\/"),
        ascii(key)[1:-1],
        re.sub(r"([\\`*_{}\[\]|~])", r"\\\1", key),
        key.replace("%", "%25").replace(":", "%3A").replace(",", "%2C"),
        key.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
    }


def leaks(key: str, seen: str, baseline: str) -> list[str]:
    """Forms of the key, and 8-character parts of it, in ``seen`` but not in ``baseline``."""
    parts = {key[i : i + 8] for i in range(len(key) - 7)}
    return sorted(p for p in forms_of(key) | parts if p in seen and p not in baseline)


Answer = Callable[[httpx.Request], httpx.Response]


def replying(response: httpx.Response) -> Answer:
    return lambda _request: response


def check(key: str, answer: Answer, base: Answer) -> None:
    for github in (False, True):
        found = leaks(key, visible(key, answer, github), visible(key, base, github))
        assert not found, f"leaked {found}"


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=VERSION)


def answering(body: dict[str, Any]) -> Answer:
    return lambda _request: httpx.Response(200, json=body)


# -- every field, every offset around every cut, for keys chosen to break escaping --------
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("place", PLACES)
def test_a_key_in_any_field_of_a_version_never_shows(key: str, place: str) -> None:
    for prefix in (0, 1, 100, 110, 115, 119, 120, 200):
        check(key, answering(version_with(key, place, prefix)), ok)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("form", ERROR_FORMS)
def test_a_key_in_any_error_body_at_any_offset_around_the_cuts_never_shows(
    key: str, form: str
) -> None:
    baseline = error_with("-" * len(key), form, 0)
    for prefix in [*range(0, 12), *range(60, 125, 3), *range(170, 206)]:
        check(key, replying(error_with(key, form, prefix)), replying(baseline))


# -- any printable key, anywhere -----------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.text(PRINTABLE, min_size=16, max_size=40),
    where=st.one_of(
        st.tuples(st.just("version"), st.sampled_from(PLACES)),
        st.tuples(st.just("error"), st.sampled_from(ERROR_FORMS)),
    ),
    prefix=st.integers(0, 210),
)
def test_any_printable_key_anywhere_never_shows(
    key: str, where: tuple[str, str], prefix: int
) -> None:
    kind, place = where
    if kind == "version":
        check(key, answering(version_with(key, place, prefix)), ok)
    else:
        baseline = error_with("-" * len(key), place, 0)
        check(key, replying(error_with(key, place, prefix)), replying(baseline))


def test_the_check_finds_a_leak_when_there_is_one() -> None:
    """The detector itself: a report that bypassed the scrub would be caught."""
    key = KEYS[0]
    assert leaks(key, f"cut: {key[:9]}", "") == sorted([key[:8], key[1:9]])
    assert leaks(key, key.replace("/", "\\/"), "") != []
    assert leaks(key, "acme", "acme") == []
    assert Secrets(values=[key]).scrub(f"a {key} b") == "a *** b"
