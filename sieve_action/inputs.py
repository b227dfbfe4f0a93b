"""The action's inputs: read from strings, checked before any request is made.

Every input arrives as a string (``INPUT_*`` variables, or CLI flags), and may be
absent altogether when the action runs as a prebuilt image (``uses: docker://``),
where the runner applies no defaults. So the defaults live here, an empty string
means "use the default", and every rule names the input it belongs to.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from .secrets import Secrets

DEFAULT_API_URL = "https://mango.sievedata.com"
MAX_REPLICAS_VALUE = 2**31 - 1
MAX_CONCURRENCY = 64
#: Longest owner or function name accepted (Sieve's own are far shorter).
MAX_NAME = 128
#: Upper bounds for seconds: a day of waiting, an hour between reads.
MAX_WAIT_SECONDS = 86_400.0
MAX_POLL_SECONDS = 3_600.0
#: The largest smoke test ``inputs`` accepted: a job's inputs, not its data.
MAX_JOB_INPUTS = 64 * 1024
#: Sieve is read at most once a second per target, except on a loopback api-url
#: (a local simulator or a test), where polls may be as close as this.
MIN_POLL_SECONDS = 1.0
MIN_LOOPBACK_POLL_SECONDS = 0.05

#: A key at least this long found in another input is refused there (a shorter one
#: would match ordinary values such as a replica count).
MIN_KEY = 8
#: The kind of :class:`InputError` for a key that was not given at all.
MISSING_KEY = "missing_key"
#: Quotes a user's value in an error message (never one that holds the key).
Quote = Callable[[str], str]

# Names Sieve puts in a URL path. Kept to what Sieve's own names use so that a value
# can never change which endpoint is called (no "/", "..", "?", "%", spaces).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_VERSION = re.compile(r"[A-Za-z0-9-]{1,128}")
_WHOLE = re.compile(r"[0-9]+")
_BOOLEANS = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}


@dataclass(frozen=True)
class InputError:
    """A bad input: which one, the rule it breaks, and the kind of rule (so an edge can
    word it its own way). Never carries the key."""

    name: str
    rule: str
    kind: str = "input"

    def __str__(self) -> str:
        return f"Input `{self.name}` {self.rule}"


class InputErrors(Exception):
    """Every bad input found in one pass, so a user fixes them all at once."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _fail(rule: str) -> PydanticCustomError:
    return PydanticCustomError("input", rule)


def _name(value: str, quote: Quote) -> str:
    if not value:
        return value
    if len(value) > MAX_NAME:
        raise _fail(f"must be at most {MAX_NAME} characters long, got {len(value)}")
    if not _NAME.fullmatch(value) or value in {".", ".."}:
        raise _fail(f"must be one name of letters, digits, '.', '_' or '-', got {quote(value)}")
    return value


#: One owner or function name (the capacity file checks its names by the same rule).
parse_name = _name


def parse_version(value: str, quote: Quote) -> str:
    if value == "latest" or _VERSION.fullmatch(value):
        return value
    raise _fail(
        "must be `latest` or a version ID (or prefix) of at most 128 letters, digits and '-', "
        f"got {quote(value)}"
    )


def parse_replicas(value: str, quote: Quote) -> int | None:
    if value == "":
        return None
    if not _WHOLE.fullmatch(value):
        raise _fail(f"must be a whole number of 0 or more, got {quote(value)}")
    # The length check first: int() refuses more than 4300 digits with its own words.
    if len(value.lstrip("0")) > len(str(MAX_REPLICAS_VALUE)) or int(value) > MAX_REPLICAS_VALUE:
        raise _fail(f"must be at most {MAX_REPLICAS_VALUE}, got {quote(value)}")
    return int(value)


def _boolean(value: str, quote: Quote) -> bool:
    try:
        return _BOOLEANS[value]
    except KeyError:
        raise _fail(
            f"must be a YAML boolean (true, True, TRUE, false, False or FALSE), got {quote(value)}"
        ) from None


def _seconds(most: float) -> Callable[[str, Quote], float]:
    def rule(value: str, quote: Quote) -> float:
        words = f"must be a number of seconds greater than 0 and at most {most:g}"
        try:
            number = float(value)
        except ValueError:
            raise _fail(f"{words}, got {quote(value)}") from None
        if not math.isfinite(number) or not 0 < number <= most:
            raise _fail(f"{words}, got {quote(value)}")
        return number

    return rule


def _concurrency(value: str, quote: Quote) -> int:
    if not _WHOLE.fullmatch(value) or len(value) > 3 or not 1 <= int(value) <= MAX_CONCURRENCY:
        raise _fail(f"must be a whole number from 1 to {MAX_CONCURRENCY}, got {quote(value)}")
    return int(value)


def _api_url(value: str, quote: Quote) -> str:
    rule = f"must be an http:// or https:// URL with a host and no query, got {quote(value)}"
    # ASCII only, and no "?" or "#" at all: even an empty query would move the API path
    # into it. Then the URL must be one httpx accepts, as the client will use it.
    if not (value.isascii() and value.isprintable()) or any(c in value for c in " ?#"):
        raise _fail(rule)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a bad port raises here
        httpx.URL(value).host  # noqa: B018 - idna checks the host only when it is read
    except (ValueError, httpx.InvalidURL):
        raise _fail(rule) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username is not None:
        raise _fail(rule)
    return value.rstrip("/")


def _job_inputs(value: str, quote: Quote) -> dict[str, Any] | list[Any] | None:
    if value == "":
        return None
    rule = "must be the JSON `inputs` of one job: an object (or a list)"
    if len(value) > MAX_JOB_INPUTS:
        raise _fail(f"{rule} of at most {MAX_JOB_INPUTS // 1024} KiB, got {len(value)} bytes")
    try:
        data = json.loads(value)
    except ValueError as error:
        raise _fail(f"{rule}; it is not JSON ({error})") from None
    if not isinstance(data, dict | list):
        raise _fail(f"{rule}, got {quote(value)}")
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


def _api_key(value: str) -> str:
    if not value:
        raise PydanticCustomError(
            MISSING_KEY,
            "is empty and SIEVE_API_KEY is not set. Pass `api-key: ${{ secrets.SIEVE_API_KEY }}`; "
            "note that workflows triggered by a pull request from a fork get no secrets",
        )
    if not (value.isascii() and value.isprintable()) or value != value.strip():
        # The value itself is never quoted: it is a secret. Only printable ASCII can go
        # into an HTTP header (a pasted zero-width space, or a byte that is not UTF-8,
        # would otherwise crash the run).
        raise _fail("must be one line of printable ASCII characters with no surrounding spaces")
    return value


@dataclass(frozen=True)
class Target:
    """One function version to scale, and the bounds asked for it."""

    owner: str
    function: str
    version: str = "latest"
    min_replicas: int | None = None
    max_replicas: int | None = None

    @property
    def label(self) -> str:
        return f"{self.owner}/{self.function}@{self.version}"


@dataclass(frozen=True)
class TargetLine:
    """One parsed line of the ``targets`` input; unset parts come from other inputs."""

    line: int
    owner: str
    function: str
    version: str | None
    min_replicas: int | None
    max_replicas: int | None


_TARGET_HEAD = re.compile(r"(?P<owner>[^/@\s]+)/(?P<function>[^/@\s]+)(?:@(?P<version>\S+))?")


def parse_target_line(number: int, text: str, quote: Quote) -> TargetLine:
    """Parse ``owner/function[@version] [min=N] [max=N]``; errors name the line."""
    head, *options = text.split()
    where = f"line {number} ({quote(text)})"
    match = _TARGET_HEAD.fullmatch(head)
    if match is None:
        raise _fail(f"{where}: must start with owner/function[@version]")
    owner, function, version = match["owner"], match["function"], match["version"]
    try:
        _name(owner, quote)
        _name(function, quote)
        if version is not None:
            parse_version(version, quote)
    except PydanticCustomError as error:
        raise _fail(f"{where}: {error.message()}") from None
    bounds: dict[str, int | None] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or key not in {"min", "max"}:
            raise _fail(f"{where}: expected min=N or max=N, got {quote(option)}")
        if key in bounds:
            raise _fail(f"{where}: {key}= is given twice")
        if not value:
            raise _fail(f"{where}: needs a number after {key}=")
        try:
            bounds[key] = parse_replicas(value, quote)
        except PydanticCustomError as error:
            raise _fail(f"{where}: {key}= {error.message()}") from None
    return TargetLine(number, owner, function, version, bounds.get("min"), bounds.get("max"))


def _targets(value: str, quote: Quote) -> tuple[TargetLine, ...]:
    lines = []
    for number, raw in enumerate(value.splitlines(), start=1):
        text = raw.strip()
        if text and not text.startswith("#"):
            lines.append(parse_target_line(number, text, quote))
    return tuple(lines)


def _check(rule: Callable[[str, Quote], Any]) -> Any:
    """Run a string rule on a raw input value, which always arrives as a string. Values
    are quoted in errors through the key-aware quote of :func:`parse_inputs`."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        quote: Quote = (info.context or {}).get("quote", Secrets().quote)
        return rule(value.strip() if isinstance(value, str) else value, quote)

    return BeforeValidator(validate)


def _input(name: str, default: str, help: str, metavar: str = "VALUE") -> Any:
    """One input, declared once: its name as workflows write it, its default as the string
    a workflow would write (it goes through the input's own rule, like any value), and
    its help text. ``action.yml``, the CLI's flags and the README's table are made from
    these (``scripts/sync.py``; ``tests/test_docs.py`` checks they are in step)."""
    return Field(
        default,
        alias=name,
        description=help,
        validate_default=True,
        json_schema_extra={"metavar": metavar},
    )


WaitFor = Literal["build", "replicas"]


class Inputs(BaseModel):
    """Every input of the action and the CLI, once every single-input rule holds; see
    :func:`parse_inputs`. The field order is the order users read them in."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, hide_input_in_errors=True)

    api_key: Annotated[str, BeforeValidator(_api_key), Field(repr=False)] = _input(
        "api-key",
        "",
        "Sieve API key, from a secret. When empty, the SIEVE_API_KEY environment variable is "
        "used; when both are empty the step fails (a pull request from a fork gets no secrets).",
    )
    owner: Annotated[str, _check(_name)] = _input(
        "owner",
        "",
        "Owner of the function (user or organisation name). Required unless `targets` is given.",
        "NAME",
    )
    function: Annotated[str, _check(_name)] = _input(
        "function", "", "Function name. Required unless `targets` is given.", "NAME"
    )
    version: Annotated[str, _check(parse_version)] = _input(
        "version", "latest", "Version ID, ID prefix, or `latest`.", "ID"
    )
    min_replicas: Annotated[int | None, _check(parse_replicas)] = _input(
        "min-replicas",
        "",
        "New minimum number of replicas (warm workers); empty leaves it unchanged.",
        "N",
    )
    max_replicas: Annotated[int | None, _check(parse_replicas)] = _input(
        "max-replicas", "", "New maximum number of replicas; empty leaves it unchanged.", "N"
    )
    wait: Annotated[bool, _check(_boolean)] = _input(
        "wait",
        "false",
        "Wait until the version reaches the goal set by `wait-for` (the build is `ready` or "
        "`error` by default).",
    )
    wait_for: Annotated[
        WaitFor, _check(lambda v, quote: _one_of(v, quote, "build", "replicas"))
    ] = _input(
        "wait-for",
        "build",
        "What to wait for when `wait` is true. `build` (the build is `ready` or `error`) or "
        "`replicas` (also at least `min-replicas` workers idle or active).",
        "GOAL",
    )
    wait_timeout: Annotated[float, _check(_seconds(MAX_WAIT_SECONDS))] = _input(
        "wait-timeout", "900", "Seconds to wait at most.", "SECONDS"
    )
    poll_interval: Annotated[float, _check(_seconds(MAX_POLL_SECONDS))] = _input(
        "poll-interval", "5", "Seconds between status reads while waiting.", "SECONDS"
    )
    fail_on_error: Annotated[bool, _check(_boolean)] = _input(
        "fail-on-error", "true", "Fail the step when the version ends in `error`."
    )
    smoke_test: Annotated[dict[str, Any] | list[Any] | None, _check(_job_inputs)] = _input(
        "smoke-test",
        "",
        "The JSON `inputs` of one job to run on the version once it is ready (implies "
        "`wait`); the step fails if the job does not finish. Empty: no smoke test.",
        "JSON",
    )
    smoke_test_timeout: Annotated[float, _check(_seconds(MAX_WAIT_SECONDS))] = _input(
        "smoke-test-timeout",
        "600",
        "Seconds the smoke test job may take, from push to finish; then it is cancelled.",
        "SECONDS",
    )
    retire_previous: Annotated[bool, _check(_boolean)] = _input(
        "retire-previous",
        "false",
        "Once the version is ready (and passed its smoke test), set the minimum replicas of "
        "every earlier version of the function to 0. Their maximum is left as it is.",
    )
    targets: Annotated[tuple[TargetLine, ...], _check(_targets)] = _input(
        "targets",
        "",
        "Many functions in one step, one per line, `owner/function[@version] [min=N] [max=N]`; "
        "blank lines and lines starting with `#` are skipped. Cannot be combined with `owner` "
        "and `function`.",
    )
    concurrency: Annotated[int, _check(_concurrency)] = _input(
        "concurrency",
        "8",
        "With `targets`, how many targets are worked on at once (1 to 64).",
        "N",
    )
    dry_run: Annotated[bool, _check(_boolean)] = _input(
        "dry-run",
        "false",
        "Read each target and report what would change, without sending any edit.",
    )
    api_url: Annotated[str, _check(_api_url)] = _input(
        "api-url", DEFAULT_API_URL, "Base URL of Sieve's API (proxies, tests).", "URL"
    )

    @property
    def waits(self) -> bool:
        """Whether each target is waited for: asked for, or needed by a smoke test."""
        return self.wait or self.smoke_test is not None

    def warnings(self) -> list[str]:
        """What is allowed but worth saying before any request."""
        if self.api_url.startswith("http://") and not is_loopback(self.api_url):
            return [
                f"api-url {self.api_url} is plain http:// to another machine: the API key "
                "travels unencrypted. Use https:// unless this is a trusted local network."
            ]
        return []

    def resolve_targets(self) -> tuple[Target, ...]:
        """The targets to scale: each ``targets`` line, or the single owner/function."""
        if not self.targets:
            return (
                Target(
                    self.owner, self.function, self.version, self.min_replicas, self.max_replicas
                ),
            )
        return tuple(
            Target(
                line.owner,
                line.function,
                line.version or self.version,
                self.min_replicas if line.min_replicas is None else line.min_replicas,
                self.max_replicas if line.max_replicas is None else line.max_replicas,
            )
            for line in self.targets
        )


@dataclass(frozen=True)
class InputSpec:
    """How an input is declared, for the edges and the documents made from it."""

    name: str
    default: str
    help: str
    metavar: str
    boolean: bool


def spec() -> tuple[InputSpec, ...]:
    """Every input, in :class:`Inputs`' order."""
    return tuple(
        InputSpec(
            field.alias or name,
            str(field.default),
            field.description or "",
            str((field.json_schema_extra or {}).get("metavar", "VALUE")),  # type: ignore[union-attr]
            field.annotation is bool,
        )
        for name, field in Inputs.model_fields.items()
    )


INPUT_NAMES = tuple(item.name for item in spec())
_NAMES = {field: item.name for field, item in zip(Inputs.model_fields, spec(), strict=True)}


def _one_of(value: str, quote: Quote, *choices: str) -> str:
    if value not in choices:
        raise _fail(f"must be one of {', '.join(choices)}, got {quote(value)}")
    return value


def parse_inputs(raw: Mapping[str, str | None]) -> Inputs:
    """Check every input and return them typed, or raise :class:`InputErrors`.

    ``raw`` maps input names (``min-replicas``) to their strings; a missing or empty
    value takes the default. Cross-input rules run only once each input is valid.
    """
    values = {
        name: value for name, value in raw.items() if value is not None and value.strip() != ""
    }
    secrets = Secrets()
    secrets.add(raw.get("api-key") or "")
    misplaced = [
        InputError(name, "holds the API key, which belongs in `api-key` only (value not shown)")
        for name, value in values.items()
        if name != "api-key"
        and len(values.get("api-key", "").strip()) >= MIN_KEY
        and secrets.contains(value)
    ]
    if misplaced:
        raise InputErrors(misplaced)
    try:
        inputs = Inputs.model_validate(values, context={"quote": secrets.quote})
    except ValidationError as error:
        raise InputErrors(
            [
                # A default that fails (the key, when absent) is located by field name.
                InputError(
                    _NAMES.get(str(detail["loc"][0]), str(detail["loc"][0])),
                    detail["msg"],
                    detail["type"],
                )
                for detail in error.errors(include_url=False)
            ]
        ) from None
    errors = _cross_checks(inputs)
    if errors:
        raise InputErrors(errors)
    return inputs


def _cross_checks(inputs: Inputs) -> list[InputError]:
    errors = []
    if inputs.targets:
        for name in ("owner", "function"):
            if getattr(inputs, name):
                errors.append(
                    InputError(
                        "targets", f"cannot be combined with `{name}`: give one or the other"
                    )
                )
    else:
        errors.extend(
            InputError(name, "is required (or give `targets`, one owner/function per line)")
            for name in ("owner", "function")
            if not getattr(inputs, name)
        )
    if inputs.wait_for == "replicas" and not inputs.waits:
        errors.append(
            InputError("wait-for", "is `replicas` but `wait` is false: set `wait: true` to wait")
        )
    floor = MIN_LOOPBACK_POLL_SECONDS if is_loopback(inputs.api_url) else MIN_POLL_SECONDS
    if inputs.poll_interval < floor:
        errors.append(
            InputError(
                "poll-interval",
                f"must be at least {floor:g} s, got {inputs.poll_interval:g}: "
                "every target reads its version once per interval while waiting",
            )
        )
    first_line: dict[str, int] = {}
    for target, given in zip(inputs.resolve_targets(), inputs.targets, strict=False):
        if target.label in first_line:
            errors.append(
                InputError(
                    "targets",
                    f"lines {first_line[target.label]} and {given.line} both name "
                    f"{target.label}: give each function version once (two edits of one "
                    "version would race)",
                )
            )
        first_line.setdefault(target.label, given.line)
    for target, line in zip(inputs.resolve_targets(), inputs.targets or (None,), strict=True):
        low, high = target.min_replicas, target.max_replicas
        if low is not None and high is not None and low > high:
            if line is None:
                errors.append(
                    InputError(
                        "min-replicas", f"must not be greater than `max-replicas` ({low} > {high})"
                    )
                )
            else:
                errors.append(
                    InputError(
                        "targets",
                        f"line {line.line} ({target.label}): min {low} is greater than max {high}",
                    )
                )
    return errors
