"""A JSON value checked against one of the models of :mod:`sieve_action.api.models`.

``load(Version, data)`` gives a ``Version`` or raises :class:`ShapeError`, which says
where (``current_workers.idle``) and what (``must be an integer``). A model is a frozen
dataclass whose fields are typed with the few types Sieve's answers use: ``str``,
``int``, ``float``, ``bool``, ``Any``, ``list[Any]``, another model, a list of models,
each possibly ``| None``. A field's metadata may bound a string's length
(``min_length``, ``max_length``). A model with one field named ``root`` is the shape of
a bare JSON value (an array of versions); any other is a JSON object, whose every
field, documented or not, is kept as given in its ``raw`` field.

Checking is strict where Sieve's document is: a count is a JSON integer (``2.0`` is
taken as 2; ``"2"`` and ``true`` are not counts), a cost any JSON number. Written for
this project instead of a validation library, which cost each run more time than the
rest of the action's start-up (docs/performance.md).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

M = TypeVar("M")

#: Each model's field types, resolved once.
_HINTS: dict[type, dict[str, Any]] = {}


class ShapeError(ValueError):
    """A value that is not the model's shape: where, as a dotted path, and the rule."""

    def __init__(self, where: str, rule: str) -> None:
        super().__init__(f"{where or 'body'}: {rule}")
        self.where = where
        self.rule = rule


def load(model: type[M], data: Any) -> M:
    """``data`` (decoded JSON) as ``model``, or :class:`ShapeError` for its first fault."""
    return _model(model, data, ())  # type: ignore[no-any-return]


def dump(value: Any) -> Any:
    """A model as JSON again: each field Sieve sent, typed fields as checked (``2.0`` as
    2), every other one as it came. A model made here (not loaded) dumps its fields."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return [dump(item) for item in value] if isinstance(value, list) else value
    names = [item.name for item in _declared(value)]
    if names == ["root"]:
        return dump(value.root)  # type: ignore[attr-defined]
    raw: Mapping[str, Any] | None = getattr(value, "raw", None)
    if raw is None:
        raw = dict.fromkeys(names)
    return {key: dump(getattr(value, key)) if key in names else item for key, item in raw.items()}


def documented(value: Any) -> dict[str, Any]:
    """Only the model's own fields, each with its value or default (no unknown fields)."""
    return {item.name: dump(getattr(value, item.name)) for item in _declared(value)}


def _declared(model: Any) -> list[dataclasses.Field[Any]]:
    """A model's (or a model object's) typed fields: all but ``raw``."""
    return [item for item in dataclasses.fields(model) if item.name != "raw"]


def _hints(model: type) -> dict[str, Any]:
    if model not in _HINTS:
        _HINTS[model] = typing.get_type_hints(model)
    return _HINTS[model]


def _model(model: type, data: Any, path: tuple[str, ...]) -> Any:
    hints = _hints(model)
    fields = _declared(model)
    if [item.name for item in fields] == ["root"]:
        return model(root=_value(hints["root"], data, path, fields[0].metadata))
    if not isinstance(data, dict):
        raise ShapeError(".".join(path), "must be an object")
    values: dict[str, Any] = {}
    for item in fields:
        where = (*path, item.name)
        if item.name in data:
            values[item.name] = _value(hints[item.name], data[item.name], where, item.metadata)
        elif item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
            raise ShapeError(".".join(where), "missing")
    if "raw" in hints:
        values["raw"] = data
    return model(**values)


def _value(hint: Any, data: Any, path: tuple[str, ...], limits: Mapping[str, Any]) -> Any:
    where = ".".join(path)
    if hint is Any:
        return data
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if data is None:
        if type(None) in options:
            return None
        raise ShapeError(where, "must not be null")
    (kind,) = [option for option in options if option is not type(None)]
    if kind is str:
        if not isinstance(data, str):
            raise ShapeError(where, "must be a string")
        if len(data) < limits.get("min_length", 0):
            raise ShapeError(where, f"must be at least {limits['min_length']} characters long")
        if len(data) > limits.get("max_length", len(data)):
            raise ShapeError(where, f"must be at most {limits['max_length']} characters long")
        return data
    if kind is bool:
        if not isinstance(data, bool):
            raise ShapeError(where, "must be true or false")
        return data
    if kind is int:
        if isinstance(data, float) and data.is_integer():
            return int(data)
        if not isinstance(data, int) or isinstance(data, bool):
            raise ShapeError(where, "must be an integer")
        return data
    if kind is float:
        if not isinstance(data, int | float) or isinstance(data, bool):
            raise ShapeError(where, "must be a number")
        return float(data)
    if typing.get_origin(kind) is list:
        if not isinstance(data, list):
            raise ShapeError(where, "must be an array")
        (item,) = typing.get_args(kind)
        return [_value(item, value, (*path, str(i)), {}) for i, value in enumerate(data)]
    return _model(kind, data, path)
