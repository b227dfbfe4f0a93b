"""Whether a job's answer is the one a smoke case expects.

``expect`` is matched against the job's ``outputs`` as Sieve returns them: a list with
one entry per output, each an ``InputOutput`` object (``{"type": "str", "data": …,
"name": …}``) or a list of them (``spec/sieve-openapi.json``, ``Job.outputs``). The rule:
an object matches when every key it names is present and matches (other keys are not
looked at); an array when it has the same length and each item matches; anything else
when it is equal (``1`` and ``1.0`` are equal; ``true`` and ``1`` are not).
"""

from __future__ import annotations

from typing import Any

#: How much of a value a mismatch shows (values are scrubbed before they are cut).
SHOWN = 60


def mismatch(expect: Any, actual: Any, path: str = "outputs") -> str | None:
    """Where ``actual`` first differs from ``expect``, in words, or None when it matches.
    The words hold at most :data:`SHOWN` characters of each value."""
    if isinstance(expect, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {_kind(actual)}"
        for key, wanted in expect.items():
            where = f"{path}.{key}"
            if key not in actual:
                return f"{where}: missing"
            found = mismatch(wanted, actual[key], where)
            if found is not None:
                return found
        return None
    if isinstance(expect, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array, got {_kind(actual)}"
        if len(actual) != len(expect):
            return f"{path}: expected {len(expect)} items, got {len(actual)}"
        for index, (wanted, got) in enumerate(zip(expect, actual, strict=True)):
            found = mismatch(wanted, got, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if _equal(expect, actual):
        return None
    return f"{path}: expected {_show(expect)}, got {_show(actual)}"


def _equal(expect: Any, actual: Any) -> bool:
    if isinstance(expect, bool) or isinstance(actual, bool):
        return type(expect) is type(actual) and expect == actual
    return bool(expect == actual)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return _show(value)


def _show(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
