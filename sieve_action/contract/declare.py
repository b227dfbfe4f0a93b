"""How an input is declared: its :class:`InputSpec` (name, default, help, rule, values
for the tests) as the metadata of a field of :class:`~.inputs.Inputs`, and the rules of
the inputs that only pass a value on (a path, the key, a token, YAML text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .rules import Quote, Rule, fail, parse_api_key, parse_boolean


@dataclass(frozen=True)
class InputSpec:
    """One input, declared once: its name as workflows write it, its default as the string
    a workflow would write (it goes through the input's own rule, like any value), its
    help text and its rule, and values for the tests: ``examples`` are valid, alone and
    beside every other input's default; ``near_misses`` are what a user might write
    instead, valid or not. ``action.yml``, the CLI's flags and the README's table are
    made from these (``scripts/sync.py``; ``tests/test_docs.py`` checks they are in step)."""

    name: str
    default: str
    help: str
    metavar: str
    examples: tuple[str, ...]
    near_misses: tuple[str, ...]
    rule: Rule = field(repr=False, compare=False)
    #: Whether surrounding whitespace is dropped before the rule (not for the key, which
    #: must not have any, nor for inline YAML, whose indentation is meaning).
    strip: bool = True

    @property
    def boolean(self) -> bool:
        return self.rule is parse_boolean


def declare(
    name: str,
    default: str,
    help: str,
    metavar: str = "VALUE",
    *,
    rule: Rule,
    examples: tuple[str, ...],
    near_misses: tuple[str, ...] = (),
    strip: bool = True,
    secret: bool = False,
) -> Any:
    """A field of :class:`~.inputs.Inputs`, with its :class:`InputSpec`; a secret is left
    out of the inputs' ``repr``."""
    spec = InputSpec(name, default, help, metavar, examples, near_misses, rule, strip)
    return field(metadata={"input": spec}, repr=not secret)


def api_key(value: str, quote: Quote) -> str:
    return parse_api_key(value)  # never quoted: it is the key


def path(value: str, quote: Quote) -> str:
    if "\0" in value or "\n" in value:
        raise fail(f"must be one path to a file, got {quote(value)}")
    return value


def unexpanded(value: str) -> bool:
    """A default's expression as written (``${{ github.token }}``): the image ran without
    action.yml (``uses: docker://``), so nothing was given."""
    return value.startswith("${{")


def github_token(value: str, quote: Quote) -> str:
    """The token, never quoted; none when the default's expression arrives unexpanded."""
    if unexpanded(value):
        return ""
    if not (value.isascii() and value.isprintable()):
        raise fail("must be one line of printable ASCII characters (value not shown)")
    return value


def capacity_text(value: str, quote: Quote) -> str:
    """The inline capacity YAML as given (a value of only whitespace is no value, as for
    every input)."""
    return value
