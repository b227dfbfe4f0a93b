"""The ``undo`` input: the ``retired`` or ``results`` output of an earlier step, or the
CLI's whole ``--json`` output, read strictly, before any request. Run by
:mod:`sieve_action.scaling.undo`.

A ``retired`` output (``[{"version_id", "previous_min_replicas"}, ...]``) lists the
versions one promotion retired; the version that replaced them is the target the inputs
name (``owner``, ``function``, ``version``). A ``results`` output names each replacing
version itself: each entry's ``target`` (``owner/function@version``), its ``version_id``
and its ``retired`` list. The CLI's ``--json`` document (``{"exit_code", "dry_run",
"results", "problems"}``) is read for its ``results``. Anything else is refused: this
input sets minimums back, so it takes only what the action wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .outputs import CLI_JSON_ALWAYS, CLI_JSON_KEYS, RESULT_KEYS, RETIRED_KEYS, RetiredVersion
from .rules import MAX_REPLICAS_VALUE, BrokenRule, Quote, fail, parse_json, parse_version
from .targets import folded, parse_reference

#: The keys a ``results`` entry must have for an undo; its other keys may be any of
#: :data:`~sieve_action.contract.outputs.RESULT_KEYS` (an older release wrote fewer).
NEEDED_RESULT_KEYS = ("target", "version_id", "retired")
_RULE = (
    "must be the `retired` output of an earlier step (a JSON array of "
    '`{"version_id", "previous_min_replicas"}`), its `results` output, or the CLI\'s '
    "`--json` output"
)


@dataclass(frozen=True)
class Promotion:
    """One promoted version and the versions it retired. ``owner``, ``function`` and
    ``version_id`` are None in a ``retired`` output: the inputs name them."""

    retired: tuple[RetiredVersion, ...]
    owner: str | None = None
    function: str | None = None
    version_id: str | None = None


@dataclass(frozen=True)
class UndoList:
    """What to undo: one promotion (a ``retired`` output) or each entry of a ``results``
    output (``named``: the JSON names the functions and replacing versions)."""

    promotions: tuple[Promotion, ...]
    named: bool


class _Refused(Exception):
    """A part of the JSON that breaks the rule, and where (``[0].version_id``)."""

    def __init__(self, where: str, rule: str) -> None:
        super().__init__(f"{where}: {rule}" if where else rule)


def parse_undo(value: str, quote: Quote) -> UndoList | None:
    """The ``undo`` input: empty (no undo), a ``retired`` output or a ``results`` output."""
    if value == "":
        return None
    data = parse_json(value, _RULE)
    document = isinstance(data, dict)
    if document:
        data = _cli_results(data)
    if not isinstance(data, list):
        raise fail(f"{_RULE}, got {quote(value)}")
    if not data:
        raise fail(
            "is an empty array: the step it comes from retired nothing, so there is nothing "
            "to undo; to set a version's bounds, leave `undo` empty"
        )
    named = document or (isinstance(data[0], dict) and "target" in data[0])
    try:
        if named:
            promotions = tuple(_entry(f"[{i}]", item, quote) for i, item in enumerate(data))
        else:
            promotions = (Promotion(_retired_list("", data, quote)),)
        _once_each(promotions)
    except _Refused as refused:
        raise fail(f"{_RULE}; {refused}") from None
    if not any(promotion.retired for promotion in promotions):
        raise fail(
            "lists no retired version in any `retired` list: the step it comes from retired "
            "nothing, so there is nothing to undo; to set a version's bounds, leave `undo` empty"
        )
    return UndoList(promotions, named)


def _cli_results(document: dict[str, Any]) -> Any:
    """The ``results`` of the CLI's ``--json`` document, once the rest is as it writes it."""
    try:
        _keys("", document, CLI_JSON_ALWAYS, tuple(CLI_JSON_KEYS))
        for key, value in document.items():
            _document_value(key, value)
    except _Refused as refused:
        raise fail(f"{_RULE}; {refused}") from None
    if document["dry_run"]:
        raise fail(
            "is the `--json` output of a dry run, which changed nothing: there is nothing to undo"
        )
    if not document["results"]:
        raise fail(
            "is `--json` output with no results (the step it comes from was refused), so "
            "there is nothing to undo"
        )
    return document["results"]


def _document_value(key: str, value: Any) -> None:
    """One value of the ``--json`` document, of the type the CLI writes."""
    if key == "exit_code":
        right, kind = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    elif key == "dry_run":
        right, kind = isinstance(value, bool), "true or false"
    elif key == "problems":
        right = isinstance(value, list) and all(isinstance(item, str) for item in value)
        kind = "an array of text"
    else:  # results, drift
        right, kind = isinstance(value, list), "an array"
    if not right:
        raise _Refused(key, f"must be {kind}, got {_kind(value)}")


def _keys(where: str, item: Any, needed: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    if not isinstance(item, dict):
        raise _Refused(where, f"must be an object, got {_kind(item)}")
    unknown = [key for key in item if key not in allowed]
    if unknown:
        raise _Refused(where, f"has the key {unknown[0]!r}, which the action never writes")
    missing = [key for key in needed if key not in item]
    if missing:
        raise _Refused(where, f"has no {missing[0]!r}")


def _retired_list(where: str, data: Any, quote: Quote) -> tuple[RetiredVersion, ...]:
    if not isinstance(data, list):
        raise _Refused(where, f"must be an array, got {_kind(data)}")
    items = []
    for index, item in enumerate(data):
        at = f"{where}[{index}]"
        _keys(at, item, RETIRED_KEYS, RETIRED_KEYS)
        items.append(
            RetiredVersion(
                _version_id(f"{at}.version_id", item["version_id"], quote),
                _count(f"{at}.previous_min_replicas", item["previous_min_replicas"]),
            )
        )
    return tuple(items)


def _entry(where: str, item: Any, quote: Quote) -> Promotion:
    _keys(where, item, NEEDED_RESULT_KEYS, tuple(RESULT_KEYS))
    target = item["target"]
    try:
        reference = parse_reference(target, quote) if isinstance(target, str) else None
    except BrokenRule as error:
        raise _Refused(f"{where}.target", error.rule) from None
    if reference is None or reference[2] is None:
        raise _Refused(
            f"{where}.target", f"must be `owner/function@version`, got {_shown(target, quote)}"
        )
    owner, function, _ = reference
    version_id = _version_id(f"{where}.version_id", item["version_id"], quote)
    retired = _retired_list(f"{where}.retired", item["retired"], quote)
    return Promotion(retired, owner, function, version_id)


def _version_id(where: str, value: Any, quote: Quote) -> str:
    rule = "must be a version ID (letters, digits and '-', at most 128), as the action writes it"
    if not isinstance(value, str) or value == "latest":
        raise _Refused(where, f"{rule}, got {_shown(value, quote)}")
    try:
        return str(parse_version(value, quote))
    except BrokenRule:
        raise _Refused(where, f"{rule}, got {_shown(value, quote)}") from None


def _count(where: str, value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_REPLICAS_VALUE
    ):
        raise _Refused(
            where, f"must be a whole number from 0 to {MAX_REPLICAS_VALUE}, got {_kind(value)}"
        )
    return value


def _once_each(promotions: tuple[Promotion, ...]) -> None:
    """Each version once: two entries for one version would race, or contradict."""
    seen: set[tuple[str, ...]] = set()
    for promotion in promotions:
        ids = [back.version_id for back in promotion.retired]
        if promotion.version_id is not None:
            ids.insert(0, promotion.version_id)
        for version_id in ids:
            if folded(version_id) in seen:
                raise _Refused("", f"names version {version_id} twice: give each version once")
            seen.add(folded(version_id))


def _kind(value: Any) -> str:
    """A JSON value, named for an error message without quoting user text at length."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if len(repr(value)) <= 20 else "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _shown(value: Any, quote: Quote) -> str:
    return quote(value) if isinstance(value, str) else _kind(value)
