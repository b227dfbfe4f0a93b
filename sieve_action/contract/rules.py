"""Each input value's rule: a raw string in, a typed value out, or a failure that says
the rule. Values are quoted in failures through a key-aware quote (never the key).

Kept apart from the declarations (:mod:`.inputs`) so that the ``targets``
line format (:mod:`.targets`) and the declarations share them.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

DEFAULT_API_URL = "https://mango.sievedata.com"
MAX_REPLICAS_VALUE = 2**31 - 1
MAX_CONCURRENCY = 64
#: Longest owner or function name accepted (Sieve's own are far shorter).
MAX_NAME = 128
#: Upper bounds for seconds: a day of waiting, an hour between reads.
MAX_WAIT_SECONDS = 86_400.0
MAX_POLL_SECONDS = 3_600.0
#: The largest smoke test value accepted: a job's inputs, not its data.
MAX_JOB_INPUTS = 64 * 1024
#: Sieve is read at most once a second per target, except on a loopback api-url
#: (a local simulator or a test), where polls may be as close as this.
MIN_POLL_SECONDS = 1.0
MIN_LOOPBACK_POLL_SECONDS = 0.05
#: The shortest API key accepted. Sieve's document does not say how long its keys are;
#: every key it issues is longer (docs/assumptions.md). A shorter value is a placeholder
#: or a paste cut short, and scrubbing it from every text would mangle ordinary words
#: (a one-character "key" masked everywhere). The same length makes a key found in
#: another input a key, not a coincidence.
MIN_KEY = 16
#: The kind of failure for a key that was not given at all.
MISSING_KEY = "missing_key"
#: Quotes a user's value in an error message (never one that holds the key).
Quote = Callable[[str], str]
#: A rule: the raw value (stripped) and the quote, to the typed value.
Rule = Callable[[str, Quote], Any]

# Names Sieve puts in a URL path. Kept to what Sieve's own names use so that a value
# can never change which endpoint is called (no "/", "..", "?", "%", spaces).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_VERSION = re.compile(r"[A-Za-z0-9-]{1,128}")
_WHOLE = re.compile(r"[0-9]+")
BOOLEANS = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}


class BrokenRule(ValueError):
    """A value that breaks its rule: the rule, worded to follow the input's name, and its
    kind. Never leaves the package: :mod:`.checks` makes it a
    :class:`~sieve_action.errors.BadInput`, a capacity file an error on its line."""

    def __init__(self, rule: str, kind: str = "input") -> None:
        super().__init__(rule)
        self.rule = rule
        self.kind = kind


def fail(rule: str, kind: str = "input") -> BrokenRule:
    """The failure of a rule; its message is the rule, worded after the input's name."""
    return BrokenRule(rule, kind)


def parse_name(value: str, quote: Quote) -> str:
    if not value:
        return value
    if len(value) > MAX_NAME:
        raise fail(f"must be at most {MAX_NAME} characters long, got {len(value)}")
    if not _NAME.fullmatch(value) or value in {".", ".."}:
        raise fail(f"must be one name of letters, digits, '.', '_' or '-', got {quote(value)}")
    return value


def parse_version(value: str, quote: Quote) -> str:
    if value == "latest" or _VERSION.fullmatch(value):
        return value
    raise fail(
        "must be `latest` or a version ID (or prefix) of at most 128 letters, digits and '-', "
        f"got {quote(value)}"
    )


def parse_replicas(value: str, quote: Quote) -> int | None:
    if value == "":
        return None
    if not _WHOLE.fullmatch(value):
        raise fail(f"must be a whole number of 0 or more, got {quote(value)}")
    # The length check first: int() refuses more than 4300 digits with its own words.
    if len(value.lstrip("0")) > len(str(MAX_REPLICAS_VALUE)) or int(value) > MAX_REPLICAS_VALUE:
        raise fail(f"must be at most {MAX_REPLICAS_VALUE}, got {quote(value)}")
    return int(value)


def parse_boolean(value: str, quote: Quote) -> bool:
    try:
        return BOOLEANS[value]
    except KeyError:
        raise fail(
            f"must be a YAML boolean (true, True, TRUE, false, False or FALSE), got {quote(value)}"
        ) from None


def seconds(most: float) -> Rule:
    def rule(value: str, quote: Quote) -> float:
        words = f"must be a number of seconds greater than 0 and at most {most:g}"
        try:
            number = float(value)
        except ValueError:
            raise fail(f"{words}, got {quote(value)}") from None
        if not math.isfinite(number) or not 0 < number <= most:
            raise fail(f"{words}, got {quote(value)}")
        return number

    return rule


def parse_concurrency(value: str, quote: Quote) -> int:
    if not _WHOLE.fullmatch(value) or len(value) > 3 or not 1 <= int(value) <= MAX_CONCURRENCY:
        raise fail(f"must be a whole number from 1 to {MAX_CONCURRENCY}, got {quote(value)}")
    return int(value)


@dataclass(frozen=True)
class OneOf:
    """The rule of an input with a few choices (the GitLab component offers them)."""

    choices: tuple[str, ...]

    def __call__(self, value: str, quote: Quote) -> str:
        if value not in self.choices:
            raise fail(f"must be one of {', '.join(self.choices)}, got {quote(value)}")
        return value


def one_of(*choices: str) -> OneOf:
    return OneOf(choices)


def parse_api_url(value: str, quote: Quote) -> str:
    rule = f"must be an http:// or https:// URL with a host and no query, got {quote(value)}"
    # ASCII only, and no "?" or "#" at all: even an empty query would move the API path
    # into it. Then the URL must be one httpx accepts, as the client will use it.
    if not (value.isascii() and value.isprintable()) or any(c in value for c in " ?#"):
        raise fail(rule)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a bad port raises here
        httpx.URL(value).host  # noqa: B018 - idna checks the host only when it is read
    except (ValueError, httpx.InvalidURL):
        raise fail(rule) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username is not None:
        raise fail(rule)
    return value.rstrip("/")


def parse_json(value: str, what: str) -> Any:
    """JSON as RFC 8259 has it, or a failure that starts with ``what``: no ``NaN`` or
    ``Infinity`` (Python's parser takes them; no JSON encoder sends them), no lone
    surrogate (it cannot be sent as UTF-8), no name twice in one object, and no nesting
    deeper than Python's recursion allows."""
    if len(value) > MAX_JOB_INPUTS:
        raise fail(f"{what} of at most {MAX_JOB_INPUTS // 1024} KiB, got {len(value)} bytes")

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _ in pairs]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"the name {twice[0]!r} appears twice in one object")
        return dict(pairs)

    try:
        data = json.loads(value, parse_constant=constant, object_pairs_hook=unique)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise fail(f"{what}; it is nested too deeply") from None
    except UnicodeEncodeError:
        raise fail(f"{what}; it holds a lone surrogate escape (\\ud800-\\udfff)") from None
    except ValueError as error:
        raise fail(f"{what}; it is not JSON ({error})") from None
    return data


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (a local simulator, a test, a local proxy)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: Why a step needs a key it was not given (a review of a capacity file needs none).
NO_KEY = (
    "is empty and SIEVE_API_KEY is not set. Pass `api-key: ${{ secrets.SIEVE_API_KEY }}`; "
    "note that workflows triggered by a pull request from a fork get no secrets"
)


def parse_api_key(value: str) -> str:
    """The key, or "" when none was given (the checks across inputs say whether the step
    needs one)."""
    if not value:
        return value
    if not (value.isascii() and value.isprintable()) or value != value.strip():
        # The value itself is never quoted: it is a secret. Only printable ASCII can go
        # into an HTTP header (a pasted zero-width space, or a byte that is not UTF-8,
        # would otherwise crash the run).
        raise fail("must be one line of printable ASCII characters with no surrounding spaces")
    if len(value) < MIN_KEY:
        raise fail(
            f"must be at least {MIN_KEY} characters long, got {len(value)} (value not shown): "
            "a Sieve API key is longer; check that the secret holds the whole key"
        )
    return value


@dataclass(frozen=True)
class Threshold:
    """The most a review lets a week's warm minimum grow: replica-hours, or dollars."""

    amount: float
    unit: Literal["replica-hours", "dollars"]

    def __str__(self) -> str:
        if self.unit == "dollars":
            return f"${self.amount:,.2f}"
        return f"{self.amount:g} replica-hours"


_DOLLARS = re.compile(r"\$\s*([0-9]+(?:\.[0-9]+)?)")
_HOURS = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(?:replica-hours?|rh)", re.IGNORECASE)


def parse_threshold(value: str, quote: Quote) -> Threshold | None:
    """``40 replica-hours`` or ``$25``: a week's increase at most; "" for none."""
    if value == "":
        return None
    units: tuple[tuple[re.Pattern[str], Literal["dollars", "replica-hours"]], ...] = (
        (_DOLLARS, "dollars"),
        (_HOURS, "replica-hours"),
    )
    for pattern, unit in units:
        match = pattern.fullmatch(value)
        if match is not None and len(match[1]) <= 12:
            return Threshold(float(match[1]), unit)
    raise fail(
        "must be a week's increase in replica-hours (`40 replica-hours`) or in dollars "
        f"(`$25`), got {quote(value)}"
    )


_SHA = re.compile(r"[0-9a-f]{40}")


def parse_sha(value: str, quote: Quote) -> str:
    """A full commit SHA (40 hexadecimal digits), or "" for none."""
    if value and not _SHA.fullmatch(value):
        raise fail(f"must be a full commit SHA, 40 hexadecimal digits, got {quote(value)}")
    return value


def parse_number(value: str, quote: Quote) -> int | None:
    """A pull request's number (1 or more), or None for none."""
    if value == "":
        return None
    if not _WHOLE.fullmatch(value) or len(value) > 10 or int(value) < 1:
        raise fail(f"must be a pull request's number, 1 or more, got {quote(value)}")
    return int(value)
