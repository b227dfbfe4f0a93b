"""The smoke test as the ``smoke-test`` input declares it: one object (today's form, one
job's inputs) or an array of cases, each ``{"name", "inputs", "expect", "max-seconds"}``
(all but ``inputs`` optional). Read here, before any request; run by
:mod:`sieve_action.scaling.smoke`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .rules import MAX_WAIT_SECONDS, Quote, fail, parse_json

#: ``expect`` left out (``null`` is a value to expect).
NO_EXPECT: Any = object()


@dataclass(frozen=True)
class SmokeCase:
    """One job of the smoke test, as the input declares it."""

    inputs: dict[str, Any] | list[Any]
    name: str
    expect: Any = NO_EXPECT
    max_seconds: float | None = None


@dataclass(frozen=True)
class SmokeCases:
    """The smoke test asked for: its cases, and whether they were given as an array
    (else one object, today's form: one job, judged on its ending)."""

    cases: tuple[SmokeCase, ...]
    listed: bool


#: The keys a case may have.
CASE_KEYS = ("name", "inputs", "expect", "max-seconds")
#: The longest case name shown.
MAX_CASE_NAME = 100


def parse_smoke_test(value: str, quote: Quote) -> SmokeCases | None:
    """The ``smoke-test`` input: empty (none), one object, or an array of cases."""
    if value == "":
        return None
    rule = (
        "must be the JSON `inputs` of one job (an object), or an array of cases "
        '`{"name", "inputs", "expect", "max-seconds"}`'
    )
    data = parse_json(value, rule)
    if isinstance(data, dict):
        return SmokeCases((SmokeCase(data, "the smoke test"),), listed=False)
    if not isinstance(data, list):
        raise fail(f"{rule}, got {quote(value)}")
    if not data:
        raise fail("is an empty array: give at least one case, or leave `smoke-test` empty")
    return SmokeCases(tuple(_case(index, item) for index, item in enumerate(data)), listed=True)


def _case(index: int, item: Any) -> SmokeCase:
    where = f"case {index + 1}"
    if not isinstance(item, dict):
        raise fail(
            f"{where} must be an object with `inputs` (a job whose inputs are a list is "
            'written [{"inputs": [...]}])'
        )
    unknown = sorted(set(item) - set(CASE_KEYS))
    if unknown:
        raise fail(f"{where} has the unknown key {unknown[0]!r}; a case has {', '.join(CASE_KEYS)}")
    if "inputs" not in item:
        raise fail(f"{where} has no `inputs`: the JSON inputs of its job")
    inputs = item["inputs"]
    if not isinstance(inputs, dict | list):
        raise fail(f"{where}: `inputs` must be an object (or a list)")
    name = item.get("name", where)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_CASE_NAME:
        raise fail(f"{where}: `name` must be text of 1 to {MAX_CASE_NAME} characters")
    limit = item.get("max-seconds")
    if limit is not None and (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or not 0 < limit <= MAX_WAIT_SECONDS
    ):
        raise fail(
            f"{where}: `max-seconds` must be a number of seconds greater than 0 and at most "
            f"{MAX_WAIT_SECONDS:g}"
        )
    expect = item.get("expect", NO_EXPECT)
    return SmokeCase(
        inputs, " ".join(name.split()), expect, None if limit is None else float(limit)
    )
