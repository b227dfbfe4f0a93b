"""What a step scales: :class:`Target`, the ``targets`` input's line format, and how
lines and the single-target inputs resolve into targets (once per step)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .rules import BrokenRule, Quote, fail, parse_name, parse_replicas, parse_version


@dataclass(frozen=True)
class Target:
    """One function version to scale, and the bounds asked for it (None: unchanged)."""

    owner: str
    function: str
    version: str = "latest"
    min_replicas: int | None = None
    max_replicas: int | None = None
    #: The line of ``targets`` it comes from, if it does.
    line: int | None = None

    @property
    def label(self) -> str:
        return f"{self.owner}/{self.function}@{self.version}"

    @property
    def function_key(self) -> tuple[str, ...]:
        """The function as Sieve tells functions apart (:func:`folded`)."""
        return folded(self.owner, self.function)

    @property
    def key(self) -> tuple[str, ...]:
        """The function version as Sieve tells them apart (:func:`folded`)."""
        return folded(self.owner, self.function, self.version)


def folded(*names: str) -> tuple[str, ...]:
    """Names and IDs as Sieve compares them: case ignored (``acme/Whisper`` is
    ``acme/whisper``). The one rule for "named twice", wherever names are listed."""
    return tuple(name.lower() for name in names)


@dataclass(frozen=True)
class TargetLine:
    """One parsed line of the ``targets`` input; unset parts come from other inputs."""

    line: int
    owner: str
    function: str
    version: str | None
    min_replicas: int | None
    max_replicas: int | None


_REFERENCE = re.compile(r"(?P<owner>[^/@\s]+)/(?P<function>[^/@\s]+)(?:@(?P<version>\S+))?")


def parse_reference(text: str, quote: Quote) -> tuple[str, str, str | None] | None:
    """``owner/function[@version]`` as the ``targets`` lines, the capacity file and an
    undo's ``results`` name a function: its parts, each checked by its rule (a failure
    raised), or None when the text does not have that shape at all."""
    match = _REFERENCE.fullmatch(text)
    if match is None:
        return None
    owner, function, version = match["owner"], match["function"], match["version"]
    parse_name(owner, quote)
    parse_name(function, quote)
    if version is not None:
        parse_version(version, quote)
    return owner, function, version


def parse_line(number: int, text: str, quote: Quote) -> TargetLine:
    """Parse ``owner/function[@version] [min=N] [max=N]``; failures name the line."""
    head, *options = text.split()
    where = f"line {number} ({quote(text)})"
    try:
        reference = parse_reference(head, quote)
    except BrokenRule as error:
        raise fail(f"{where}: {error.rule}") from None
    if reference is None:
        raise fail(f"{where}: must start with owner/function[@version]")
    owner, function, version = reference
    bounds: dict[str, int | None] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or key not in {"min", "max"}:
            raise fail(f"{where}: expected min=N or max=N, got {quote(option)}")
        if key in bounds:
            raise fail(f"{where}: {key}= is given twice")
        if not value:
            raise fail(f"{where}: needs a number after {key}=")
        try:
            bounds[key] = parse_replicas(value, quote)
        except BrokenRule as error:
            raise fail(f"{where}: {key}= {error.rule}") from None
    return TargetLine(number, owner, function, version, bounds.get("min"), bounds.get("max"))


def parse_lines(value: str, quote: Quote) -> tuple[TargetLine, ...]:
    """The ``targets`` input: one target a line; blank lines and ``#`` comments skipped.
    A value that is not empty must list at least one function."""
    lines = []
    for number, raw in enumerate(value.splitlines(), start=1):
        text = raw.strip()
        if text and not text.startswith("#"):
            lines.append(parse_line(number, text, quote))
    if value and not lines:
        raise fail(
            "lists no function: every line is blank or a comment; give one "
            "owner/function[@version] per line, or leave `targets` empty"
        )
    return tuple(lines)


@dataclass(frozen=True)
class Defaults:
    """What a ``targets`` line leaves out, from the single-target inputs."""

    version: str
    min_replicas: int | None
    max_replicas: int | None


def resolve(
    owner: str, function: str, lines: tuple[TargetLine, ...], given: Defaults
) -> tuple[Target, ...]:
    """The targets to scale: each line with its gaps filled, or the single owner/function."""
    if not lines:
        return (Target(owner, function, given.version, given.min_replicas, given.max_replicas),)
    return tuple(
        Target(
            line.owner,
            line.function,
            line.version or given.version,
            given.min_replicas if line.min_replicas is None else line.min_replicas,
            given.max_replicas if line.max_replicas is None else line.max_replicas,
            line.line,
        )
        for line in lines
    )
