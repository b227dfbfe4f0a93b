"""``action.yml``'s inputs and outputs, read as the runner applies them.

The two blocks are written by ``scripts/sync.py`` in one fixed shape (every value a
JSON-quoted string), so a few lines of the standard library read them and the
benchmarks need no YAML library; ``tests/test_docs.py`` checks this reading against a
full YAML parser.
"""

from __future__ import annotations

import json
from pathlib import Path

from .paths import ACTION_YML


def _block(text: str, name: str) -> dict[str, dict[str, str]]:
    """``{input: {"description": …, "default": …}}`` of the top-level block ``name``."""
    entries: dict[str, dict[str, str]] = {}
    inside, current = False, ""
    for line in text.splitlines():
        if not line.startswith(" "):
            inside = line == f"{name}:"
            continue
        if not inside or not line.strip():
            continue
        if line.startswith("  ") and not line.startswith("   "):
            current = line.strip().rstrip(":")
            entries[current] = {}
        else:
            key, _, value = line.strip().partition(": ")
            entries[current][key] = json.loads(value) if value.startswith('"') else value
    return entries


def declared_inputs(path: Path = ACTION_YML) -> dict[str, str]:
    """Input name -> default (the empty string when none), as the runner applies them."""
    return {
        name: str(spec.get("default", ""))
        for name, spec in _block(path.read_text(), "inputs").items()
    }


def declared_outputs(path: Path = ACTION_YML) -> dict[str, str]:
    """Output name -> description."""
    return {name: spec["description"] for name, spec in _block(path.read_text(), "outputs").items()}
